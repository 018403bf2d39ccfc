"""The words of a text as the index's vocabulary counts them: lower-case runs of ASCII letters and digits.

The relevance gate (answering.gate) splits a question with the same function, so "which of its words do the
notes use" compares like with like.
"""

import re
from collections.abc import Iterable

_TERM = re.compile(r"[a-z0-9]+")


def terms(text: str) -> list[str]:
    return _TERM.findall(text.lower())


def vocabulary(texts: Iterable[str]) -> frozenset[str]:
    words: set[str] = set()
    for text in texts:
        words.update(terms(text))
    return frozenset(words)
