"""A checked question's passages and the relevance gate's verdict on them, both within a source/chapter filter.

A pasted practice-exam question is searched with its stem and with the stem plus each option, fused by rank
(RRF), so the passages that decide between the options are in the prompt (on the dev split the deciding lines
were retrieved for 61/62 questions, 59/62 with the stem alone); the gate judges the stem, never the distractors.
"""

from dataclasses import dataclass
from pathlib import Path

from answering import gate
from answering.exam_question import ExamQuestion, parse
from ingest.search import Hit, search, vocabulary

EXAM_MIN_K = 4  # fused passages for an exam question: the stem's best and the options' deciding ones
_RRF_K = 60  # the usual reciprocal-rank-fusion constant
_FUSE_DEPTH = 10  # hits taken from each search before fusing


@dataclass(frozen=True)
class Retrieval:
    question: str
    hits: list[Hit]
    covered: bool
    reason: str


def retrieve(question: str, k: int = 5, root: Path | None = None, source: str = "", chapter: str = "") -> Retrieval:
    """question: as answering.question.check_question returns it (the gate reads words: `\\x1b[31mWhat` would be an
    unknown name `mWhat`)."""
    parsed = parse(question)
    if parsed.is_exam:
        return _retrieve_exam(parsed, max(k, EXAM_MIN_K), root, source, chapter)
    hits = search(question, k=k, root=root, source=source, chapter=chapter)
    best = max((h.score for h in hits), default=0.0)
    words = vocabulary(root, source, chapter)
    verdict = gate.judge(question, best, words, gate.min_relevance())
    return Retrieval(question=question, hits=hits, covered=verdict.covered, reason=verdict.reason)


def fused_search(
    question: ExamQuestion, k: int, root: Path | None = None, source: str = "", chapter: str = ""
) -> tuple[list[Hit], float]:
    """(the top-k hits fused over the stem's search and one search per option, the stem's best cosine)."""
    stem_hits = search(question.stem, k=_FUSE_DEPTH, root=root, source=source, chapter=chapter)
    lists = [stem_hits] + [
        search(f"{question.stem}\n{text}", k=_FUSE_DEPTH, root=root, source=source, chapter=chapter)
        for text in question.options.values()
    ]
    score: dict[str, float] = {}
    first: dict[str, Hit] = {}
    for hits in lists:
        for rank, hit in enumerate(hits):
            score[hit.id] = score.get(hit.id, 0.0) + 1 / (_RRF_K + rank)
            first.setdefault(hit.id, hit)
    fused = [first[i] for i in sorted(score, key=lambda i: -score[i])[:k]]
    return fused, max((h.score for h in stem_hits), default=0.0)


def _retrieve_exam(question: ExamQuestion, k: int, root: Path | None, source: str, chapter: str) -> Retrieval:
    hits, best = fused_search(question, k, root, source, chapter)
    words = vocabulary(root, source, chapter)
    if hasattr(gate, "judge_question"):  # the gate's own exam entry point (parses and judges the stem)
        verdict = gate.judge_question(question.text, best, words, gate.min_relevance())
    else:
        verdict = gate.judge(question.stem, best, words, gate.min_relevance())
    return Retrieval(question=question.text, hits=hits, covered=verdict.covered, reason=verdict.reason)
