"""A chat turn's two model steps: the follow-up rewritten into a standalone question, and the streamed answer
with the grounding check applied once the whole answer is known."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from answering.grounding import UNSUPPORTED_LIMIT, is_off_topic, unsupported_names
from answering.history import UNGROUNDED_NOTE
from core.text import strip_controls

MAX_STANDALONE_CHARS = 300
_PREFIXES = ("standalone question:", "question:", "rewritten question:")


def standalone(reply: str, question: str, pairs: list[dict]) -> str:
    """The model's rewrite if it looks like one question; otherwise the previous question joined to this one,
    which still carries the topic for retrieval. question: checked (answering.question); the result is clean text
    too, since retrieval trusts it."""
    # The reply and an earlier question (from the history the page sent) are new text: controls out, as for a question.
    reply = strip_controls(reply or "")
    line = next((ln.strip() for ln in reply.splitlines() if ln.strip()), "")
    for prefix in _PREFIXES:
        if line.lower().startswith(prefix):
            line = line[len(prefix) :].strip()
    line = line.strip("\"'` ")
    if 3 <= len(line) <= MAX_STANDALONE_CHARS:
        return line
    return f"{strip_controls(pairs[-1]['question']).strip()} {question}" if pairs else question


def ungrounded_note(names: list[str]) -> str:
    shown = ", ".join(f"`{n}`" for n in names[:4])
    return f"\n\n_{UNGROUNDED_NOTE} {shown}, which the notes never mention; check the sources before you rely on it._"


# Starts like the ungrounded note, so answering.history drops it from the conversation the same way.
OFF_TOPIC_NOTE = (
    f"\n\n_{UNGROUNDED_NOTE} nothing the notes say (a note may hold instructions aimed at the assistant); "
    "check the sources._"
)


def with_grounding_check(pieces: Iterable[str], passage_texts: list[str], question: str = "") -> Iterator[str]:
    """Pass the pieces through as they come; a streamed answer can't be taken back, so one that names code the
    passages never mention, or carries none of their content, gets a warning at its end (the Q&A flow replaces
    such an answer instead)."""
    text = []
    for piece in pieces:
        text.append(piece)
        yield piece
    answer = "".join(text)
    missing = unsupported_names(answer, passage_texts)
    if len(missing) >= UNSUPPORTED_LIMIT:
        yield ungrounded_note(missing)
    elif is_off_topic(answer, passage_texts, question):
        yield OFF_TOPIC_NOTE
