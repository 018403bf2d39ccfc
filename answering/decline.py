"""The fixed reply for a question the notes don't answer, and how to recognise it. Imports nothing heavy (no Chroma,
no torch), so scorers, benchmarks and the browser page can use it cheaply."""

import re

NOT_COVERED = "The notes don't cover this."

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|n't|'[a-z]+")


def _words(text: str) -> str:
    # Case, punctuation and a typographic apostrophe (don’t) do not make another reply.
    return " ".join(_WORD.findall(text.replace("\u2019", "'").lower()))


def is_decline(answer: str) -> bool:
    """True for the flows' fixed reply (NOT_COVERED), not for prose that declines in other words."""
    return _words(answer) == _words(NOT_COVERED)
