"""A chat turn's two model steps: the follow-up rewritten into a standalone question, and the streamed answer
with the grounding check applied once the whole answer is known."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from answering.grounding import UNSUPPORTED_LIMIT, unsupported_names
from answering.history import UNGROUNDED_NOTE

MAX_STANDALONE_CHARS = 300
_PREFIXES = ("standalone question:", "question:", "rewritten question:")


def standalone(reply: str, question: str, pairs: list[dict]) -> str:
    """The model's rewrite if it looks like one question; otherwise the previous question joined to this one,
    which still carries the topic for retrieval."""
    line = next((ln.strip() for ln in (reply or "").splitlines() if ln.strip()), "")
    for prefix in _PREFIXES:
        if line.lower().startswith(prefix):
            line = line[len(prefix) :].strip()
    line = line.strip("\"'` ")
    if 3 <= len(line) <= MAX_STANDALONE_CHARS:
        return line
    return f"{pairs[-1]['question']} {question}" if pairs else question


def ungrounded_note(names: list[str]) -> str:
    shown = ", ".join(f"`{n}`" for n in names[:4])
    return f"\n\n_{UNGROUNDED_NOTE} {shown}, which the notes never mention; check the sources before you rely on it._"


def with_grounding_check(pieces: Iterable[str], passage_texts: list[str]) -> Iterator[str]:
    """Pass the pieces through as they come; a streamed answer can't be taken back, so one that names code the
    passages never mention gets a warning at its end (the Q&A flow replaces such an answer instead)."""
    text = []
    for piece in pieces:
        text.append(piece)
        yield piece
    missing = unsupported_names("".join(text), passage_texts)
    if len(missing) >= UNSUPPORTED_LIMIT:
        yield ungrounded_note(missing)
