"""One entry point for every metric node of the evaluation flow: `score(metric, judge, ...)`.

The flow's nodes stay one-liners and both judges get the same special cases (a correct decline, a missing answer)
and the same error handling, so switching `judge` changes only who scores, never the rules.
"""

from __future__ import annotations

from typing import Any

from eval import llm_judge, local_judge
from eval.local_judge import is_correct_decline
from eval.scores import METRICS, Score

JUDGES = ("local", "llm")
# The inputs each metric reads; the judges' functions take exactly these (ground_truth only for similarity).
METRIC_INPUTS = {
    "groundedness": ("answer", "context"),
    "relevance": ("question", "answer", "context"),
    "coherence": ("question", "answer"),
    "fluency": ("answer",),
    "similarity": ("answer", "ground_truth"),
}
# Declining is the right answer when the ground truth is the decline: grounded and relevant by definition, and an
# LLM judge would otherwise punish the fixed reply for not using the context.
DECLINE_METRICS = ("groundedness", "relevance")


def score(
    metric: str,
    judge: str = "local",
    connection: Any = None,
    model: str = llm_judge.DEFAULT_MODEL,
    **inputs: str | None,
) -> Score:
    """`metric`'s 1-5 score and reason for one line; an error scoring it gives score None and the error as reason,
    so one bad line is counted as unscored instead of failing the whole run."""
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; expected one of {', '.join(METRICS)}")
    if judge not in JUDGES:
        raise ValueError(f"unknown judge {judge!r}; expected one of {', '.join(JUDGES)}")
    # A QA line that failed reaches the eval run as None; score it as an empty answer (the judges give 1).
    text = {k: (v or "") for k, v in inputs.items()}
    if metric in DECLINE_METRICS and is_correct_decline(text.get("answer", ""), inputs.get("ground_truth")):
        return {"score": 5, "reason": "Correctly says the notes don't cover the question."}
    args = {name: text.get(name, "") for name in METRIC_INPUTS[metric]}
    try:
        if judge == "local":
            result = getattr(local_judge, metric)(**args)
        else:
            llm_judge.configure(connection, model)
            result = getattr(llm_judge, metric)(**args)
    except Exception as exc:  # noqa: BLE001 - any failure on one line must not stop the batch
        return {"score": None, "reason": f"{type(exc).__name__}: {exc}"[:500]}
    return {"score": result["score"], "reason": result["reason"]}


def reference(metric: str, answer: str | None, ground_truth: str | None) -> float | None:
    """The cheap reference metrics (token F1, embedding cosine with the ground truth); None if they fail."""
    func = {"f1_score": local_judge.f1_score, "embedding_similarity": local_judge.embedding_similarity}[metric]
    try:
        return round(float(func(answer or "", ground_truth or "")), 4)
    except Exception:  # noqa: BLE001 - a reference number is never worth failing the line
        return None
