from promptflow.core import tool

from eval.metrics import reference


@tool
def embedding_similarity(answer: str, ground_truth: str) -> float | None:
    """A cheap reference next to the judged similarity (no LLM, same number for both judges)."""
    return reference("embedding_similarity", answer, ground_truth)
