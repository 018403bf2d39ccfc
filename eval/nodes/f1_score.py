from promptflow.core import tool

from eval.metrics import reference


@tool
def f1_score(answer: str, ground_truth: str) -> float | None:
    """A cheap reference next to the judged similarity (no LLM, same number for both judges)."""
    return reference("f1_score", answer, ground_truth)
