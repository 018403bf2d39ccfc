from typing import Union

from promptflow.connections import AzureOpenAIConnection, OpenAIConnection
from promptflow.core import tool

from study.round_trip import exam_letters
from study.verify import check_round_trip


@tool
def round_trip(
    candidates: list,
    connection: Union[OpenAIConnection, AzureOpenAIConnection],  # noqa: UP007
    model: str,
    votes: int = 1,
) -> list:
    """Each multiple-choice candidate still standing: the exam answering, given only its question, picks its key."""
    return check_round_trip(candidates, lambda candidate: exam_letters(candidate, connection, model, votes))
