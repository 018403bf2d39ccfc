from typing import Union

from promptflow.connections import AzureOpenAIConnection, OpenAIConnection
from promptflow.core import tool

from study.round_trip import passage_letters
from study.verify import check_passage_agrees


@tool
def passage_agrees(
    candidates: list,
    passage_text: str,
    chapter: str,
    connection: Union[OpenAIConnection, AzureOpenAIConnection],  # noqa: UP007
    model: str,
) -> list:
    """Each multiple-choice candidate still standing: given its passage, the model picks its key in two orders."""
    return check_passage_agrees(
        candidates, lambda candidate: passage_letters(candidate, passage_text, chapter, connection, model)
    )
