"""The project's error: a problem a user can fix, worded as what to do next. Every CLI prints it as one line
without a traceback and exits 2 (see `cli_exit`)."""

import sys
from collections.abc import Callable

from core.text import one_line

USER_ERROR_EXIT = 2


class StudyflowError(Exception):
    """A problem with input or set-up, worded as what to do next."""

    def __str__(self) -> str:
        # One line, whatever it quotes: a file name may hold a line break or a control character.
        return one_line(super().__str__())


class SettingError(StudyflowError):
    """An environment setting whose value cannot be used."""


def cli_exit(main: Callable[[], int | None]) -> int:
    """Run a CLI's main: a StudyflowError becomes one line on stderr and exit code 2, Ctrl-C exit code 130."""
    try:
        return main() or 0
    except StudyflowError as err:
        print(f"error: {err}", file=sys.stderr)
        return USER_ERROR_EXIT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
