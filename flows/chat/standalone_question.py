from pathlib import Path
from typing import Union

from promptflow.connections import AzureOpenAIConnection, OpenAIConnection
from promptflow.core import tool

from answering.chat import standalone
from answering.followup import rewrite_mode, search_question
from answering.llm_client import complete, render_messages

PROMPT = Path(__file__).with_name("rewrite.jinja2")
REWRITE_TURNS = 2  # the topic of a follow-up is in the last turn or two; more only slows the rewrite


# typing.Union, not "|": promptflow only resolves connection inputs from Union annotations. The connection stays an
# input (app.py and README's "Another LLM" set it) for STUDYFLOW_FOLLOWUP_REWRITE=llm.
@tool
def standalone_question(
    question: str,
    history: list,
    connection: Union[OpenAIConnection, AzureOpenAIConnection],  # noqa: UP007
    model: str,
) -> str:
    """The question retrieval is led by: the (checked) question itself on a first turn or when it stands alone; a
    follow-up that refers back joined to the questions it continues, with no model call (issue 11: the local
    model's rewrite put its call before the first word, 15.0 s, and lost the subject; bench.followups); the
    model's rewrite when STUDYFLOW_FOLLOWUP_REWRITE=llm."""
    if not history or rewrite_mode() == "words":
        return search_question(question, history)
    messages = render_messages(PROMPT, history=history[-REWRITE_TURNS:], question=question)
    return standalone(complete(connection, model, messages, max_tokens=60), question, history)
