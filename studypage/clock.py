"""The page's clock: the real time, or the real time moved ahead by the seconds written in a file.

STUDYFLOW_STUDY_CLOCK_FILE names that file (unset: the real time, always). The file is read at every tick, so the
time of a running app can be moved forward: the page tests step past FSRS' 1-minute learning step instead of
waiting a minute for it. A file that does not exist yet, or is empty, moves nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from core import settings
from core.errors import SettingError
from study.schedule import utc_now

CLOCK_FILE_SETTING = "STUDYFLOW_STUDY_CLOCK_FILE"


def page_clock() -> Callable[[], datetime]:
    """utc_now, or, with STUDYFLOW_STUDY_CLOCK_FILE set, utc_now plus the seconds its file holds at each call."""
    name = settings.optional_text(CLOCK_FILE_SETTING)
    if name is None:
        return utc_now
    file = Path(name).expanduser()
    return lambda: utc_now() + timedelta(seconds=shift_seconds(file))


def shift_seconds(file: Path) -> float:
    try:
        raw = file.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return 0.0
    try:
        seconds = float(raw) if raw else 0.0
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds):
        raise SettingError(
            f"{file} (named by {CLOCK_FILE_SETTING}) must hold a number of seconds, not {raw[:40]!r}; "
            f"fix the file or unset {CLOCK_FILE_SETTING}"
        )
    return seconds
