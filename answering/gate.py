"""The relevance gate: decide from retrieval alone whether the notes can answer a question, so that off-topic
questions are declined without paying for an LLM call.

Three signals, each measured on the dev and tuning question sets (bench/retrieval_quality.py):
- a name the notes never mention (SageMaker, BigQuery, FIFA): the question is about something else;
- most of the question's content words are absent from the notes (a recipe, a football score);
- the best passage is barely similar at all.
Cosine alone cannot separate them: near-miss questions score 0.4-0.57 and some covered ones 0.11-0.2.
"""

import re
from dataclasses import dataclass

from answering.words import QUESTION_FILLER
from core import settings
from ingest.terms import terms

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9\-]*")

FOREIGN_MIN_SCORE = 0.3
DEFAULT_MIN_RELEVANCE = 0.08


@dataclass(frozen=True)
class Verdict:
    covered: bool
    reason: str


def min_relevance() -> float:
    """Cosine similarity the best passage needs before the LLM is asked at all (STUDYFLOW_MIN_RELEVANCE)."""
    return settings.number("STUDYFLOW_MIN_RELEVANCE", DEFAULT_MIN_RELEVANCE, minimum=-1.0, maximum=1.0)


def unknown_names(question: str, vocab: frozenset[str]) -> list[str]:
    """Capitalised or camel-case words (not the first word, not "I") whose parts never occur in the notes."""
    words = _WORD.findall(question)
    names = [
        w for i, w in enumerate(words) if len(w) > 1 and ((i > 0 and w[0].isupper()) or any(c.isupper() for c in w[1:]))
    ]
    return [w for w in names if not all(p in vocab for p in terms(w))]


def missing_share(question: str, vocab: frozenset[str]) -> float:
    """The share of the question's content words (three letters or more, not filler) the notes never use."""
    words = [t for t in terms(question) if len(t) > 2 and t not in QUESTION_FILLER]
    if not words:
        return 0.0
    return sum(t not in vocab for t in words) / len(words)


def judge(question: str, best_score: float, vocab: frozenset[str], min_score: float) -> Verdict:
    names = unknown_names(question, vocab)
    if names:
        return Verdict(False, f"the notes never mention {', '.join(names)}")
    # The notes and the embedding model are English: a question without a Latin letter (Japanese, emoji, marks) has
    # no word to check, and its cosine is noise (0.10-0.12 measured), so only a clearly similar passage lets it in.
    if not re.search(r"[A-Za-z]", question) and best_score < FOREIGN_MIN_SCORE:
        return Verdict(False, "the question has no word the notes use; ask in the notes' language")
    share = missing_share(question, vocab)
    if share > 0.5:
        return Verdict(False, f"{share:.0%} of the question's words never occur in the notes")
    if best_score < min_score:
        return Verdict(False, f"best passage similarity {best_score:.2f} is under {min_score:.2f}")
    return Verdict(True, f"best passage similarity {best_score:.2f}")
