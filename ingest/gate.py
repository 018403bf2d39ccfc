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

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9\-]*")
_TERM = re.compile(r"[a-z0-9]+")
# Words too common to say anything about coverage, beyond the ones shorter than three letters.
_COMMON = frozenset(
    "the and for are but not you all any can had her was one our out has him his how its may new now old see "
    "two way who did get let put say she too use what when where which while why with does doing done this that "
    "these those there their then than them they from into onto about above after again against because been "
    "before being below between both each few more most other some such only own same very will just should "
    "would could also want need like make makes made have having here your yours over under until what whom".split()
)


FOREIGN_MIN_SCORE = 0.3


@dataclass(frozen=True)
class Verdict:
    covered: bool
    reason: str


def vocabulary(texts: list[str]) -> frozenset[str]:
    words: set[str] = set()
    for text in texts:
        words.update(_TERM.findall(text.lower()))
    return frozenset(words)


def unknown_names(question: str, vocab: frozenset[str]) -> list[str]:
    """Capitalised or camel-case words (not the first word, not "I") whose parts never occur in the notes."""
    words = _WORD.findall(question)
    names = [
        w for i, w in enumerate(words) if len(w) > 1 and ((i > 0 and w[0].isupper()) or any(c.isupper() for c in w[1:]))
    ]
    return [w for w in names if not all(p in vocab for p in _TERM.findall(w.lower()))]


def missing_share(question: str, vocab: frozenset[str]) -> float:
    terms = [t for t in _TERM.findall(question.lower()) if len(t) > 2 and t not in _COMMON]
    if not terms:
        return 0.0
    return sum(t not in vocab for t in terms) / len(terms)


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
