"""Control characters out of text that reaches a terminal or a prompt (questions, answers shown by `make ask`).

An escape sequence (`\\x1b[2J`, `\\x9b...`) printed raw can repaint or retitle the student's terminal; NUL and
the other C0/C1 controls carry no meaning in a question; a lone surrogate (a non-UTF-8 byte in argv, or `\\ud800`
in JSON) cannot even be encoded for printing or for the model server. Tab and line breaks are kept; letters of
any script, emoji, combining marks and the invisible format characters that shape them (ZWJ, RTL marks) are kept.
"""

import re

_NEWLINES = re.compile(r"\r\n?")
# Whole escape sequences (CSI `ESC [ 31 m`, OSC `ESC ] 0;title BEL`, two-byte ones), so no `[31m` is left behind.
_ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?|\x1b[@-Z\\-_]"
)
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def strip_controls(text: str) -> str:
    """text with CR/CRLF as \\n and every other control character (and lone surrogate) as a space."""
    return _UNSAFE.sub(" ", _ESCAPES.sub("", _NEWLINES.sub("\n", text)))
