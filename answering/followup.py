"""How a chat follow-up is searched without an LLM call: whether it refers back to the conversation, the question
that carries its subject, and the passages of its searches fused.

Chosen on the dev conversations (`python -m bench.followups --retrieval-only`): the follow-up alone found its
chapter in the top 3 for 0.79 of later turns, the previous question joined to it for 1.00, but the joined question
dragged a standalone second turn back to the old chapter; a follow-up that names nothing to refer back to is
searched on its own and joined, fused, which found 1.00 and kept standalone turns on their own chapter.
"""

from __future__ import annotations

import re

from core import settings
from core.errors import SettingError
from ingest.search import RRF_K

# Words that point back at the conversation ("which one", "and for batch?", "show me the code for it").
_REFERS_BACK = re.compile(
    r"\b(it|its|one|ones|those|these|them|that|this|they|their|then|instead|afterwards|same|either|both|other)\b"
    r"|^(and|but|or|what about|how about|no)\b",
    re.IGNORECASE,
)
SUBJECT_TURNS = 2  # a follow-up of a follow-up takes its subject from the question before that one
POOL = 10  # hits of each search that take part in the fusion


REWRITES = ("words", "llm")


def rewrite_mode() -> str:
    """STUDYFLOW_FOLLOWUP_REWRITE: "words" (the default: no model call, search_question below) or "llm" (the model
    rewrites a follow-up first; a larger model than the local 1.5B one may do that well, at a call's cost)."""
    mode = settings.text("STUDYFLOW_FOLLOWUP_REWRITE", "words").lower()
    if mode not in REWRITES:
        raise SettingError(f"STUDYFLOW_FOLLOWUP_REWRITE={mode!r} is not one of {', '.join(REWRITES)}; set one of them")
    return mode


def refers_back(question: str) -> bool:
    """True if the question names something only the conversation explains."""
    return bool(_REFERS_BACK.search(question.strip()))


def subject(question: str, history: list[dict]) -> str:
    """The earlier questions a follow-up continues, newest last: back to the last one that stood alone."""
    earlier: list[str] = []
    for pair in reversed(history[-SUBJECT_TURNS:]):
        earlier.insert(0, pair["question"])
        if not refers_back(pair["question"]):
            break
    return " ".join(earlier)


def search_question(question: str, history: list[dict]) -> str:
    """The question retrieval is led by: a follow-up that refers back joined to the questions it continues; a
    first question, or one that stands alone, as it is."""
    if history and refers_back(question):
        return f"{subject(question, history)} {question}"
    return question


def search_queries(question: str, led_by: str, history: list[dict]) -> list[str]:
    """The searches a turn fuses, the one whose gate verdict counts first. led_by: search_question's result (or a
    model's rewrite). A second turn that stands alone still gets the conversation's subject as a second vote, so a
    vague "What type should the input be?" finds its chapter while a new topic keeps its own."""
    if not history or led_by != question:
        return [led_by]
    return [question, f"{subject(question, history)} {question}"]


def fuse(rankings: list[list], k: int) -> list:
    """Reciprocal rank fusion of hit lists (objects with an `id`), best first."""
    scores: dict[str, float] = {}
    best: dict[str, object] = {}
    for hits in rankings:
        for rank, hit in enumerate(hits, 1):
            scores[hit.id] = scores.get(hit.id, 0.0) + 1.0 / (RRF_K + rank)
            best.setdefault(hit.id, hit)
    return [best[i] for i in sorted(scores, key=scores.__getitem__, reverse=True)][:k]
