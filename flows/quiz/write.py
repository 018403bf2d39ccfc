from pathlib import Path
from typing import Union

from promptflow.connections import AzureOpenAIConnection, OpenAIConnection
from promptflow.core import tool

from answering.llm_client import complete, render_messages
from study.candidates import response_format
from study.sentences import askable, numbered


# A python node on answering.llm_client (a timeout, no retries; see flows/qa/answer.py). typing.Union, not "|":
# promptflow only resolves connection inputs from Union annotations.
@tool
def write(
    prompt: str,
    passage_text: str,
    chapter: str,
    mcq_count: int,
    connection: Union[OpenAIConnection, AzureOpenAIConnection],  # noqa: UP007
    model: str,
    json_mode: str = "llama_cpp",
    max_tokens: int = 1200,
    timeout: float = 600,
) -> str:
    """The model's reply: JSON with `mcq_count` questions (fewer when the passage has fewer askable sentences) and
    one flash card, each naming the number of the sentence it is about; "" without a call for a passage with no
    sentence to ask about."""
    sentences = askable(passage_text)
    if not sentences:
        return ""
    if type(mcq_count) is int:  # anything else is refused with one line by response_format
        mcq_count = min(mcq_count, len(sentences))
    form = response_format(json_mode, mcq_count, len(sentences))
    messages = render_messages(
        Path(__file__).with_name(prompt),
        passage_text=passage_text,
        chapter=chapter,
        mcq_count=mcq_count,
        sentences=numbered(sentences),
    )
    return complete(connection, model, messages, max_tokens=max_tokens, response_format=form, timeout=timeout)
