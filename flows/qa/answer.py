from pathlib import Path
from typing import Union

from promptflow.connections import AzureOpenAIConnection, OpenAIConnection
from promptflow.core import tool

from answering.llm_client import complete, render_messages


# A python node on answering.llm_client, not the built-in LLM tool: that tool has no timeout (the SDK's 600 s, up to
# 101 tries on 5xx and timeouts), so a hung model server hung `pf flow test`; and it sends a connection key given as
# ${env:VAR} as written. typing.Union, not "|": promptflow only resolves connection inputs from Union annotations.
@tool
def answer(
    prompt: str,
    passages: list,
    question: str,
    connection: Union[OpenAIConnection, AzureOpenAIConnection],  # noqa: UP007
    model: str,
    max_tokens: int = 300,
) -> str:
    """The model's answer to the question from the numbered passages, with the prompt file `prompt`."""
    messages = render_messages(Path(__file__).with_name(prompt), passages=passages, question=question)
    return complete(connection, model, messages, max_tokens=max_tokens)
