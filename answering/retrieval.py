"""A checked question's passages and the relevance gate's verdict on them, both within a source/chapter filter."""

from dataclasses import dataclass
from pathlib import Path

from answering import gate
from ingest.search import Hit, search, vocabulary


@dataclass(frozen=True)
class Retrieval:
    question: str
    hits: list[Hit]
    covered: bool
    reason: str


def retrieve(question: str, k: int = 5, root: Path | None = None, source: str = "", chapter: str = "") -> Retrieval:
    """question: as answering.question.check_question returns it (the gate reads words: `\\x1b[31mWhat` would be an
    unknown name `mWhat`)."""
    hits = search(question, k=k, root=root, source=source, chapter=chapter)
    best = max((h.score for h in hits), default=0.0)
    words = vocabulary(root, source, chapter)
    verdict = gate.judge(question, best, words, gate.min_relevance())
    return Retrieval(question=question, hits=hits, covered=verdict.covered, reason=verdict.reason)
