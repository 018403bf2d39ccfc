"""The LLM judge: five metrics scored by a chat model, in the style of prompt flow's built-in GPT metrics.

Same function names, signatures and result shape as the local (embedding) judge, so the evaluation flow can
swap one for the other. The model is reached through a promptflow connection: the local llama.cpp server by
default, OpenAI or Azure OpenAI when the flow calls `configure` with another connection. Errors from the
endpoint propagate as the one-line StudyflowError of `complete`; the flow decides what to do with them.
"""

from __future__ import annotations

from pathlib import Path

from promptflow.connections import OpenAIConnection

from answering.llm_client import Connection, complete, render_messages
from eval.judge_reply import parse_reply
from eval.scores import Score
from local_llm.server import base_url

# Prompts: a 1-5 rubric (no "3" line: the 1.5B model parks everything on a described middle) and two short
# examples from outside the notes. Most ask for "Score:" then "Reason:"; fluency asks for the reason first,
# which was the only way the model gave word salad a 1 (see eval/llm_judge_check.py). The parser reads both.
PROMPTS_DIR = Path(__file__).parent / "prompts"
# "Score: 4" + a short reason is ~15 tokens; 60 leaves room for a chatty preamble without paying for an essay.
MAX_TOKENS = 60
DEFAULT_MODEL = "local"

_connection: Connection | None = None
_model = DEFAULT_MODEL


def configure(connection: Connection | None = None, model: str = DEFAULT_MODEL) -> None:
    """Judge with `connection` and `model` (an Azure deployment name for Azure OpenAI). None: the local server."""
    global _connection, _model
    _connection, _model = connection, model


def current() -> tuple[Connection, str]:
    """The connection and model the next call uses."""
    # Built on demand, not at import: the port comes from the environment, which tests may change.
    connection = _connection or OpenAIConnection(api_key="sk-no-key-needed", base_url=base_url())
    return connection, _model


def groundedness(answer: str, context: str) -> Score:
    return _judge("groundedness", answer=answer, context=context)


def relevance(question: str, answer: str, context: str) -> Score:
    return _judge("relevance", question=question, answer=answer, context=context)


def coherence(question: str, answer: str) -> Score:
    return _judge("coherence", question=question, answer=answer)


def fluency(answer: str) -> Score:
    return _judge("fluency", answer=answer)


def similarity(answer: str, ground_truth: str) -> Score:
    return _judge("similarity", answer=answer, ground_truth=ground_truth)


def _judge(metric: str, **inputs: str) -> Score:
    connection, model = current()
    messages = render_messages(PROMPTS_DIR / f"{metric}.jinja2", **inputs)
    # Temperature 0: the same answer must get the same score on every run.
    return parse_reply(complete(connection, model, messages, max_tokens=MAX_TOKENS, temperature=0))
