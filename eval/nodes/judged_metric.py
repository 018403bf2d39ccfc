from typing import Union

from promptflow.connections import AzureOpenAIConnection, OpenAIConnection
from promptflow.core import tool

from eval.metrics import score


# One tool for the five judged metrics: each node names its metric. typing.Union, not "|": promptflow only
# resolves connection inputs from Union annotations.
@tool
def judged_metric(
    metric: str,
    question: str,
    answer: str,
    context: str,
    ground_truth: str,
    judge: str,
    connection: Union[OpenAIConnection, AzureOpenAIConnection],  # noqa: UP007
    model: str = "local",
) -> dict:
    """{"score": 1-5 or None, "reason": ...} for `metric`, from the judge the flow's `judge` input names."""
    inputs = dict(question=question, answer=answer, context=context, ground_truth=ground_truth)
    return score(metric, judge, connection, model, **inputs)
