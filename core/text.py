"""Cleaning text that comes from outside (questions, notes, file names) before it reaches a terminal, a prompt
or an error line.

An escape sequence (`\\x1b[2J`, `\\x9b...`) printed raw can repaint or retitle the student's terminal; NUL and
the other C0/C1 controls carry no meaning in a question; a lone surrogate (a non-UTF-8 byte in argv, or `\\ud800`
in JSON) cannot even be encoded for printing or for the model server. Letters of any script, emoji, combining
marks and the invisible format characters that shape them (ZWJ, RTL marks) are kept.
"""

import re
import unicodedata

_NEWLINES = re.compile(r"\r\n?")
# Whole escape sequences (CSI `ESC [ 31 m`, OSC `ESC ] 0;title BEL`, two-byte ones), so no `[31m` is left behind.
_ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?|\x1b[@-Z\\-_]"
)
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_HTML_TAG = re.compile(r"<[^>]*>")
_ESCAPED = {"Cc", "Cs", "Zl", "Zp"}  # controls (line breaks among them), lone surrogates, line/paragraph separators


def strip_controls(text: str) -> str:
    """text with CR/CRLF as \\n and every other control character (and lone surrogate) as a space; tab and
    line breaks are kept."""
    return _UNSAFE.sub(" ", _ESCAPES.sub("", _NEWLINES.sub("\n", text)))


def strip_html(text: str) -> str:
    """text without its HTML tags (`<a id="x"></a>` in a heading, `<br>` in a table cell)."""
    return _HTML_TAG.sub("", text)


def clean_heading(raw: str) -> str:
    """A heading's text as one line of words: tags become spaces (`Intro<a id="x"></a>` keeps its word)."""
    return " ".join(_HTML_TAG.sub(" ", raw).split())


def one_line(text: str) -> str:
    """text with its controls, line breaks and lone surrogates escaped (`\\n`, `\\x1b`, `\\xe9`) so it prints as
    one line; other characters are unchanged. Lone surrogates are the bytes of a name that is not UTF-8, shown
    as those bytes."""
    return "".join(_escaped(ch) for ch in text)


def _escaped(ch: str) -> str:
    if unicodedata.category(ch) not in _ESCAPED:
        return ch
    if "\udc80" <= ch <= "\udcff":
        return f"\\x{ord(ch) - 0xDC00:02x}"
    return ch.encode("unicode_escape", "backslashreplace").decode()
