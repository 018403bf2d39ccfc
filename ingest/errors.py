"""Errors a user can fix; the CLIs print them as one line without a traceback."""

import unicodedata

_ESCAPED = {"Cc", "Cs", "Zl", "Zp"}  # controls (line breaks among them), lone surrogates, line/paragraph separators


class StudyflowError(Exception):
    """A problem with input or set-up, worded as what to do next."""

    def __str__(self) -> str:
        # One line, whatever it quotes: a file name may hold a line break or another control character, shown
        # escaped (\n, \x1b), or bytes that are not UTF-8, which Python hands over as lone surrogates and which are
        # shown as the bytes they stand for (\xe9), as in the source names stored in the index.
        return one_line(super().__str__())


def one_line(text: str) -> str:
    """text with its controls, line breaks and lone surrogates escaped (`\\n`, `\\x1b`, `\\xe9`); other
    characters are unchanged."""
    return "".join(_escaped(ch) for ch in text)


def _escaped(ch: str) -> str:
    if unicodedata.category(ch) not in _ESCAPED:
        return ch
    if "\udc80" <= ch <= "\udcff":
        return f"\\x{ord(ch) - 0xDC00:02x}"
    return ch.encode("unicode_escape", "backslashreplace").decode()


class NotesError(StudyflowError):
    """A notes file that cannot be ingested."""


class IndexMissingError(StudyflowError):
    """No index has been built yet."""


class QuestionError(StudyflowError):
    """A question that cannot be asked as it is."""


class ChromaServerError(StudyflowError):
    """The Chroma server STUDYFLOW_CHROMA_URL names is not answering."""


class FilterError(StudyflowError):
    """A source or chapter filter that matches no passage of the index."""
