from pathlib import Path
from typing import Union

from promptflow.connections import AzureOpenAIConnection, OpenAIConnection
from promptflow.core import tool

from study.round_trip import card_answer, card_similarity
from study.verify import check_card_agrees


@tool
def card_agrees(
    candidates: list,
    passage_text: str,
    prompt: str,
    connection: Union[OpenAIConnection, AzureOpenAIConnection],  # noqa: UP007
    model: str,
    timeout: float = 600,
) -> list:
    """Each flash card still standing: the model, given the passage, answers its question like the card does."""
    prompt_file = Path(__file__).with_name(prompt)
    return check_card_agrees(
        candidates,
        lambda card: card_answer(card, passage_text, prompt_file, connection, model, timeout),
        card_similarity,
    )
