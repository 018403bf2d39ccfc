from dataclasses import asdict
from typing import Union

from promptflow.connections import AzureOpenAIConnection, OpenAIConnection
from promptflow.core import tool

from answering.exam_answer import choose
from answering.exam_question import parse
from ingest.search import vocabulary


# typing.Union, not "|": promptflow only resolves connection inputs from Union annotations.
@tool
def exam_choice(
    question: str,
    passages: list,
    connection: Union[OpenAIConnection, AzureOpenAIConnection],  # noqa: UP007
    model: str,
    source: str = "",
    chapter: str = "",
) -> dict:
    """The letter(s) for a practice-exam question: option-order votes on the passages plus a closed-book vote."""
    answer = choose(parse(question), passages, connection, model, vocab=vocabulary(source=source, chapter=chapter))
    return asdict(answer)
