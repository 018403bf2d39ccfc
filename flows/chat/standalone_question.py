from pathlib import Path
from typing import Union

from promptflow.connections import AzureOpenAIConnection, OpenAIConnection
from promptflow.core import tool

from answering.chat import standalone
from answering.llm_client import complete, render_messages

PROMPT = Path(__file__).with_name("rewrite.jinja2")
REWRITE_TURNS = 2  # the topic of a follow-up is in the last turn or two; more only slows the rewrite


# typing.Union, not "|": promptflow only resolves connection inputs from Union annotations.
@tool
def standalone_question(
    question: str,
    history: list,
    connection: Union[OpenAIConnection, AzureOpenAIConnection],  # noqa: UP007
    model: str,
) -> str:
    """The (checked) question itself on a first turn; a follow-up rewritten with the conversation so retrieval can
    find it."""
    if not history:
        return question
    messages = render_messages(PROMPT, history=history[-REWRITE_TURNS:], question=question)
    return standalone(complete(connection, model, messages, max_tokens=60), question, history)
