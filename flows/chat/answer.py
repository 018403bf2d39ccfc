from collections.abc import Iterator
from pathlib import Path
from typing import Union

from promptflow.connections import AzureOpenAIConnection, OpenAIConnection
from promptflow.core import tool

from answering.chat import with_grounding_check
from answering.decline import NOT_COVERED
from answering.endpoint import check_local_endpoint
from answering.exam_answer import choose
from answering.exam_question import ExamQuestion, parse
from answering.exam_reply import exam_reply
from answering.llm_client import endpoint_of, render_messages, stream
from ingest.search import vocabulary

PROMPT = Path(__file__).with_name("chat.jinja2")


def _fixed(text: str) -> Iterator[str]:
    yield text


def _checked(endpoint: str | None, pieces: Iterator[str]) -> Iterator[str]:
    # The endpoint check waits for the page to ask for the first piece, so the sources and the key sentence show
    # first; a stopped server still gives its one line, as the first thing the stream raises.
    check_local_endpoint(endpoint)
    yield from pieces


def _exam(question: ExamQuestion, numbered: list, connection, model: str) -> Iterator[str]:
    # A generator, so the letter votes start only once the page asks for the answer (the sources show first).
    chosen = choose(question, numbered, connection, model, vocab=vocabulary())
    yield exam_reply(question, chosen.choice, numbered, chosen.ruled_out)


# A python node, not the built-in LLM tool: that tool sends the request before it returns, and llama.cpp answers
# only once the first token exists, so the sources could not show before the answer starts.
@tool
def answer(
    retrieval: dict,
    history: list,
    connection: Union[OpenAIConnection, AzureOpenAIConnection],  # noqa: UP007
    model: str,
    max_tokens: int = 300,
) -> Iterator[str]:
    """The answer as a stream of text pieces; the fixed reply when the relevance gate found the notes silent."""
    if not retrieval["covered"]:
        return _fixed(NOT_COVERED)
    numbered = retrieval["passages"]
    exam = parse(retrieval["question"])
    if exam.is_exam:  # a pasted practice-exam question: the letter(s) first, as the Q&A flow answers it
        return _checked(endpoint_of(connection), _exam(exam, numbered, connection, model))
    messages = render_messages(PROMPT, history=history, passages=numbered, question=retrieval["question"])
    pieces = stream(connection, model, messages, max_tokens=max_tokens)
    checked = _checked(endpoint_of(connection), pieces)
    return with_grounding_check(checked, [p["text"] for p in numbered], retrieval["question"])
