"""Free-recall grading: the evaluation flow's own local scorers score the student's answer (the judge that scores
the assistant scores the student) and suggest an FSRS rating the student may override.

similarity (1-5) against the card's answer: >= 4 -> Good, 3 -> Hard, else Again. An answer that is similar but
not grounded in the passage (groundedness 1: it adds claims the notes do not make) is capped at Hard.
"""

from __future__ import annotations

from dataclasses import dataclass

from fsrs import Rating

from study.bank import Item
from study.source import passage


@dataclass(frozen=True)
class Grade:
    similarity: int | None
    groundedness: int | None
    rating: Rating
    reason: str


def suggest(similarity: int | None, groundedness: int | None) -> Rating:
    if similarity is None:
        return Rating.Again
    rating = Rating.Good if similarity >= 4 else Rating.Hard if similarity == 3 else Rating.Again
    if rating == Rating.Good and groundedness is not None and groundedness <= 1:
        return Rating.Hard
    return rating


def grade_recall(item: Item, answer: str) -> Grade:
    """Score a typed answer against the card (similarity) and its passage (groundedness)."""
    # Imported here: the evaluation package loads the embedding model and the LLM judge's client (seconds), which
    # a multiple-choice quiz never needs.
    from eval.metrics import score

    context = passage(item).text or item.quote
    sim = score("similarity", "local", answer=answer, ground_truth=item.answer)
    ground = score("groundedness", "local", answer=answer, context=context)
    rating = suggest(sim["score"], ground["score"])
    reason = f"similarity {sim['score']}/5 ({sim['reason']}) groundedness {ground['score']}/5 ({ground['reason']})"
    return Grade(sim["score"], ground["score"], rating, reason)
