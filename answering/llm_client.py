"""Every call to the LLM behind a promptflow connection: the Q&A answer, the chat flow's rewrite and lazy stream
(its sources must show before the first token), and the evaluation flow's LLM judge. One try with a timeout
(STUDYFLOW_LLM_TIMEOUT), unlike the built-in LLM tool's 600 s x 100 retries; errors become one-line
StudyflowErrors that never carry the key."""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import httpx2
import openai
from jinja2 import FileSystemLoader
from jinja2.sandbox import SandboxedEnvironment
from promptflow.connections import AzureOpenAIConnection, OpenAIConnection
from promptflow.tools.common import ChatInputList, Escaper, normalize_connection_config, parse_chat

from answering.endpoint import check_local_endpoint
from core import settings
from core.errors import StudyflowError

Connection = OpenAIConnection | AzureOpenAIConnection

DEFAULT_TIMEOUT_S = 120.0  # a 1.5B model on 2 CPU cores takes ~10 s for a 300-token answer; 12x that is a hang


def llm_timeout() -> float:
    """Seconds to wait for the endpoint before giving up (STUDYFLOW_LLM_TIMEOUT)."""
    return settings.number("STUDYFLOW_LLM_TIMEOUT", DEFAULT_TIMEOUT_S, minimum=0.1, kind="a number of seconds")


def endpoint_of(connection: Connection) -> str | None:
    return getattr(connection, "base_url", None) or getattr(connection, "api_base", None)


_ENV_REFERENCE = re.compile(r"^\$\{env:(\w+)\}$")


def resolve_key(value: str | None) -> str | None:
    """The key a connection names as `${env:VAR}`. pf stores such a reference as written and only its serving
    path fills it in, so `pf run` and `pf flow test` would otherwise send the reference itself as the key."""
    match = _ENV_REFERENCE.match(value or "")
    if not match:
        return value
    variable = match.group(1)
    if not os.environ.get(variable):
        raise StudyflowError(f"the connection's API key comes from ${variable}, which is not set; export it first")
    return os.environ[variable]


def make_client(connection: Connection, timeout: float | None = None) -> openai.OpenAI:
    """A client with no retries; timeout: seconds (default STUDYFLOW_LLM_TIMEOUT)."""
    config = {**normalize_connection_config(connection), "timeout": timeout or llm_timeout(), "max_retries": 0}
    if "api_key" in config:
        config["api_key"] = resolve_key(config["api_key"])
    if isinstance(connection, AzureOpenAIConnection):
        return openai.AzureOpenAI(**config)
    return openai.OpenAI(**config)


PROMPTS = Path(__file__).with_name("prompts")  # the text the flows' prompts share: {% include "rules.jinja2" %}


@cache
def _environment(folder: Path) -> SandboxedEnvironment:
    # As the LLM tool renders (sandboxed, trim_blocks, keep_trailing_newline), plus a loader for the includes.
    return SandboxedEnvironment(
        loader=FileSystemLoader([folder, PROMPTS]), trim_blocks=True, keep_trailing_newline=True
    )


def render_messages(prompt_file: Path, **inputs: object) -> list[dict]:
    """The chat messages of a prompt-flow jinja2 prompt (`# system:` / `# user:` blocks), as the LLM tool's
    build_messages makes them, with includes from the prompt's folder or answering/prompts. Every input is escaped,
    so a question or note containing "# system:" stays text instead of opening a new message; the escaper only
    walks ChatInputList, not plain lists."""
    wrapped = {k: ChatInputList(copy.deepcopy(v)) if isinstance(v, list) else v for k, v in inputs.items()}
    names = list(wrapped)
    escapes = Escaper.build_escape_dict_from_kwargs(_inputs_to_escape=names, **wrapped)
    escaped = Escaper.escape_kwargs(escape_dict=escapes, _inputs_to_escape=names, **wrapped)
    template = _environment(prompt_file.resolve().parent).get_template(prompt_file.name)
    messages = parse_chat(template.render(**escaped), escape_dict=escapes)
    return [{key: Escaper.unescape_roles(value, escapes) for key, value in message.items()} for message in messages]


def explain(
    error: Exception, endpoint: str | None, mid_answer: bool = False, timeout: float | None = None
) -> StudyflowError:
    """A one-line error that says what to do; the API key never appears in it. mid_answer: part of the reply had
    already arrived, so a lost connection is the server dying (or being stopped) mid-answer, not an unreachable one."""
    where = f" at {endpoint}" if endpoint else ""
    # openai (3.x, on httpx2) wraps a connection cut mid-answer as APIConnectionError, like a refused connection;
    # the cause tells them apart when no piece of the reply had arrived yet.
    mid_answer = mid_answer or isinstance(error.__cause__, (httpx2.RemoteProtocolError, httpx2.ReadError))
    if mid_answer and (
        isinstance(error, httpx2.HTTPError)
        or (isinstance(error, openai.APIConnectionError) and not isinstance(error, openai.APITimeoutError))
    ):
        return StudyflowError(f"the LLM endpoint{where} dropped the connection mid-answer; ask again")
    if isinstance(error, openai.APITimeoutError):
        return StudyflowError(
            f"the LLM endpoint{where} did not answer within {timeout or llm_timeout():g} s; it may be overloaded "
            "(raise STUDYFLOW_LLM_TIMEOUT or try again)"
        )
    if isinstance(error, openai.APIConnectionError):
        return StudyflowError(
            f"cannot reach the LLM endpoint{where}; start it with `make model` or check the connection"
        )
    if isinstance(error, openai.AuthenticationError):
        return StudyflowError(f"the LLM endpoint{where} refused the API key; fix it in the promptflow connection")
    if isinstance(error, openai.NotFoundError):
        return StudyflowError(f"the LLM endpoint{where} does not know the model; check the model/deployment name")
    if isinstance(error, openai.APIStatusError):
        return StudyflowError(f"the LLM endpoint{where} failed with HTTP {error.status_code}; try again")
    if isinstance(error, httpx2.HTTPError):
        return StudyflowError(f"the LLM endpoint{where} dropped the connection mid-answer; ask again")
    return StudyflowError(f"the LLM endpoint{where} sent a reply that could not be read ({type(error).__name__})")


def complete(
    connection: Connection,
    model: str,
    messages: list[dict],
    max_tokens: int,
    temperature: float = 0,
    response_format: dict | None = None,
    timeout: float | None = None,
) -> str:
    """The whole reply text. response_format: sent as given (the quiz flow forces JSON of a schema with it);
    timeout: seconds, for a reply longer than an answer (default STUDYFLOW_LLM_TIMEOUT)."""
    endpoint = endpoint_of(connection)
    check_local_endpoint(endpoint)
    extra = {"response_format": response_format} if response_format else {}
    try:
        reply = make_client(connection, timeout).chat.completions.create(
            model=model, messages=messages, max_tokens=max_tokens, temperature=temperature, **extra
        )
        return reply.choices[0].message.content or ""
    # ValueError: a 200 reply whose body is not JSON (a proxy's HTML page) escapes openai as a JSONDecodeError.
    except (openai.OpenAIError, IndexError, AttributeError, ValueError) as error:
        raise explain(error, endpoint, timeout=timeout) from None


def stream(
    connection: Connection, model: str, messages: list[dict], max_tokens: int, temperature: float = 0
) -> Iterator[str]:
    """Text pieces as the model writes them. Lazy: nothing is sent until the first piece is asked for, so a
    caller can show what it already has (the sources) first."""
    endpoint = endpoint_of(connection)
    chunks = 0
    try:
        response = make_client(connection).chat.completions.create(
            model=model, messages=messages, max_tokens=max_tokens, temperature=temperature, stream=True
        )
        for chunk in response:
            chunks += 1
            if chunk.choices and chunk.choices[0].delta.content:
                yield chunk.choices[0].delta.content
    except (openai.OpenAIError, httpx2.HTTPError, ValueError) as error:
        raise explain(error, endpoint, mid_answer=chunks > 0) from None
    if not chunks:
        # A 200 reply that is not an event stream (a proxy's HTML page) parses as an empty stream, not an error.
        where = f" at {endpoint}" if endpoint else ""
        raise StudyflowError(f"the LLM endpoint{where} sent a reply that could not be read (no event stream)")
