"""How a chat follow-up is searched without an LLM call: whether it refers back to the conversation, the question
that carries its subject, and the passages of its searches fused.

Chosen on the dev conversations (`python -m bench.followups --retrieval-only`): the follow-up alone found its
chapter in the top 3 for 0.79 of later turns, the previous question joined to it for 1.00, but the joined question
dragged a standalone second turn back to the old chapter; a follow-up that names nothing to refer back to is
searched on its own and joined, fused, which found 1.00 and kept standalone turns on their own chapter. Such a turn
still continues the conversation when the subject makes its best passage clearly closer ("What type should the input
be?" after a batch endpoint question: cosine 0.24 alone, 0.40 joined; a new topic 0.44 alone, 0.43 joined): then it is
searched joined only. `follows` names the question a turn follows up on (in the retrieval's output); the answer
prompt does not show it: the history already holds that question, and naming it again lost follow-ups on dev
(docs/benchmarks.md#chat-follow-ups).
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
# Cosine the conversation's subject must add to a turn's best passage before a turn with no pointing word is read as
# a continuation. Dev later turns: the continuations gained 0.16 and 0.43, the standalone one lost 0.005.
CONTINUES_GAIN = 0.1


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


def best_score(retrieval) -> float:
    """The best cosine of a search's hits (answering.retrieval.Retrieval), 0 when it found none."""
    return max((hit.score for hit in retrieval.hits), default=0.0)


def kept_searches(searches: list) -> list:
    """Which of search_queries' searches (Retrievals, in its order) a turn fuses: a turn that names nothing to refer
    back to, searched alone and joined, keeps only the joined search when the subject clearly raises its best
    passage's cosine; it continues the conversation after all."""
    if len(searches) == 2 and best_score(searches[1]) - best_score(searches[0]) > CONTINUES_GAIN:
        return searches[1:]
    return searches


def follows(question: str, history: list[dict], searched: str) -> str:
    """The earlier question(s) a turn follows up on; "" for a first turn or one that stands alone. searched: the
    question the turn's first kept search was led by."""
    if history and searched != question:
        return subject(question, history)
    return ""


def fuse(rankings: list[list], k: int) -> list:
    """Reciprocal rank fusion of hit lists (objects with an `id`), best first."""
    scores: dict[str, float] = {}
    best: dict[str, object] = {}
    for hits in rankings:
        for rank, hit in enumerate(hits, 1):
            scores[hit.id] = scores.get(hit.id, 0.0) + 1.0 / (RRF_K + rank)
            best.setdefault(hit.id, hit)
    return [best[i] for i in sorted(scores, key=scores.__getitem__, reverse=True)][:k]
