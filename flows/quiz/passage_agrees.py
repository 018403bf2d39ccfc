from typing import Union

from promptflow.connections import AzureOpenAIConnection, OpenAIConnection
from promptflow.core import tool

from study.round_trip import passage_asks
from study.verify import check_passage_agrees


@tool
def passage_agrees(
    candidates: list,
    passage_text: str,
    chapter: str,
    connection: Union[OpenAIConnection, AzureOpenAIConnection],  # noqa: UP007
    model: str,
) -> list:
    """Each multiple-choice candidate still standing: given its passage, the model picks its key in two orders (the
    second asked only when the first picked the key)."""
    return check_passage_agrees(
        candidates, lambda candidate: passage_asks(candidate, passage_text, chapter, connection, model)
    )
