"""studyflow's browser page: tabs Ask (Gradio's ChatInterface over the chat flow, flows/chat, streamed, with its
sources) and Practice, Review, Progress, Exam (the study tabs, `studypage`, over the `study` package).

python app.py [--port 7860] [--host 127.0.0.1] [--connection local|openai|azure_openai] [--model NAME]
"""

from __future__ import annotations

import argparse
import html
import os
import re
import sys
from collections.abc import Iterator

# Before gradio is imported: it reads these at import time. No analytics, no hub, nothing leaves the machine.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
from core.pf_env import use_project_pf_home  # noqa: E402

use_project_pf_home()  # the project's pf home and pf's offline settings, with or without make or activation

import gradio as gr  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402

from answering.citations import cited_numbers  # noqa: E402
from core import settings  # noqa: E402
from core.errors import StudyflowError, cli_exit  # noqa: E402
from core.paths import PROJECT_ROOT  # noqa: E402
from study.background import BackgroundGeneration, Busy, for_page  # noqa: E402
from studypage import render as study_render  # noqa: E402
from studypage import tabbar  # noqa: E402
from studypage.desk import StudyDesk  # noqa: E402
from studypage.key_sentence import TITLE as KEY_SENTENCE_TITLE  # noqa: E402
from studypage.key_sentence import key_sentence_html  # noqa: E402
from studypage.tabs import StudyTabs  # noqa: E402

CHAT_FLOW = PROJECT_ROOT / "flows" / "chat"
LLM_NODES = ("standalone_question", "answer")
ERROR_PREFIX = "⚠️ "
EXAMPLES = [
    "Which sampling method needs all hyperparameters to be discrete?",
    "How do I enable MLflow autologging?",
    "What is the bandit early termination policy?",
    "What is the difference between a compute instance and a compute cluster?",
]
# System fonts only: Gradio's default theme loads Google Fonts, which is an outside request.
SYSTEM_FONTS = ["ui-sans-serif", "system-ui", "sans-serif"]
MONO_FONTS = ["ui-monospace", "monospace"]

# Gradio's page template always loads iframe-resizer from cdnjs and preconnects to Google Fonts.
_OUTSIDE_TAGS = re.compile(rb"<(?:script|link)\b[^>]*\b(?:src|href)=\"https://[^\"]*\"[^>]*>(?:\s*</script>)?", re.I)

_CODE = re.compile(r"(```.*?(?:```|\Z)|`[^`\n]*`)", re.DOTALL)


def safe_markdown(text: str) -> str:
    """Markdown whose HTML shows as text: `<`/`>` outside code become entities (inside code they already show
    as text), and images become plain text so an answer or a note can't make the page fetch from another host."""
    parts = _CODE.split(text)
    for i in range(0, len(parts), 2):
        parts[i] = parts[i].replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("![", "!\\[")
    return "".join(parts)


def pre_block_html(text: str) -> str:
    """text escaped for a <pre> block inside markdown, its line breaks as entities: a blank line would end the HTML
    block and hand the rest of the passage (code fences, # comments) to the markdown renderer."""
    return html.escape(text).replace("\n", "&#10;")


def sources_markdown(passages: list[dict], cited: list[int] | None = None) -> str:
    """One line per passage (chapter, section, file:lines) with its text folded underneath."""
    lines = []
    for p in passages:
        mark = " ✓ cited" if cited and p["n"] in cited else ""
        lines.append(
            f"<details><summary>[{p['n']}] {html.escape(p['chapter'])} · {html.escape(p['section'])} · "
            f"{html.escape(p['source'])}:{p['lines']}{mark}</summary>"
            f"<pre>{pre_block_html(p.get('note_text', p['text']))}</pre></details>"
        )
    # A blank line between entries: without it markdown reads them as one HTML block and shows only the first.
    return "\n\n".join(lines)


def _text(content: object) -> str:
    """A Gradio message's text, whether it's a string or a list of content blocks."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(c.get("text", "") if isinstance(c, dict) else str(c) for c in content)
    return str(content or "")


def to_chat_history(messages: list[dict]) -> list[dict]:
    """Gradio messages -> pf chat_history. Sources messages (they carry metadata) and replies cut short by an
    error are not part of the conversation."""
    history: list[dict] = []
    question: str | None = None
    for message in messages:
        text = _text(message.get("content"))
        if message.get("role") == "user":
            question = text
        elif question is not None and not message.get("metadata") and ERROR_PREFIX not in text:
            history.append({"inputs": {"question": question}, "outputs": {"answer": text}})
            question = None
    return history


class LocalPageOnly:
    """ASGI middleware that drops tags loading from other hosts out of the HTML page, so the chat works with the
    network cut and tells no one it was opened. Other responses (the event streams) pass through untouched."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or scope["path"] not in ("/", ""):
            await self.app(scope, receive, send)
            return
        start: dict = {}
        body = bytearray()

        async def buffer(message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            body.extend(message.get("body", b""))
            if message.get("more_body"):
                return
            page = _OUTSIDE_TAGS.sub(b"", bytes(body))
            headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
            await send({**start, "headers": [*headers, (b"content-length", str(len(page)).encode())]})
            await send({"type": "http.response.body", "body": page})

        await self.app(scope, receive, buffer)


class ChatFlow:
    """The chat flow loaded once, called per turn, with its answer streamed."""

    def __init__(self, connection: str, model: str) -> None:
        from promptflow.client import load_flow
        from promptflow.entities import FlowContext

        self.connection = connection
        self.flow = load_flow(str(CHAT_FLOW))
        self.flow.context = FlowContext(
            streaming=True,
            connections={node: {"connection": connection} for node in LLM_NODES},
            overrides={f"nodes.{node}.inputs.model": model for node in LLM_NODES},
        )

    def __call__(self, question: str, chat_history: list[dict]) -> dict:
        try:
            return self.flow(question=question, chat_history=chat_history)
        except Exception as error:
            # pf's own message ("Connection 'x' is not found.") doesn't say what to do about it.
            if type(error).__name__ == "ConnectionNotFoundError":
                raise StudyflowError(
                    f"{error} Create it with `pf connection create --file connections/{self.connection}.yaml` "
                    "or start app.py with --connection local"
                ) from None
            raise

    def warm_up(self) -> None:
        """Load the flow, the embedding model and the index before the first student waits for them. The
        question is one the relevance gate declines, so the model is not called."""
        for _ in self("zzqx vvqk", [])["answer"]:
            pass


_PF_WRAPPER = re.compile(r"^Execution failure in '[^']+': \(\w+\) ")


def readable(error: Exception) -> str:
    """The one line a student can act on: pf wraps a node's error as "Execution failure in 'node': (Type) ..."."""
    text = str(error).strip()
    first = text.splitlines()[0] if text else type(error).__name__
    return f"{ERROR_PREFIX}{_PF_WRAPPER.sub('', first)}"


def make_responder(chat_flow: ChatFlow, busy: Busy | None = None):
    busy = busy or Busy()

    def respond(message: str, history: list[dict]) -> Iterator[list[gr.ChatMessage]]:
        with busy:  # the background generation waits between passages while an answer is written
            yield from answer(message, history)

    def answer(message: str, history: list[dict]) -> Iterator[list[gr.ChatMessage]]:
        try:
            result = chat_flow(message, to_chat_history(history))
        except Exception as error:  # pf wraps node errors in its own types; show the cause, keep the page alive
            yield [gr.ChatMessage(role="assistant", content=readable(error))]
            return
        # Passages the relevance gate rejected are not sources of anything: the reply is the fixed one.
        passages = (result.get("passages") or []) if result.get("covered") else []
        sources = gr.ChatMessage(
            role="assistant",
            content=sources_markdown(passages),
            # No "status": Gradio folds a metadata message once its status is "done"; the lines should show.
            metadata={"title": f"Sources ({len(passages)} passages)"},
        )
        shown = [sources] if passages else []
        quote = key_sentence_html(result.get("key_sentence") or {}) if passages else ""
        if quote:  # with a title (metadata), so it is no part of the conversation the next turn sends
            shown.append(gr.ChatMessage(role="assistant", content=quote, metadata={"title": KEY_SENTENCE_TITLE}))
        answer = ""
        yield shown + [gr.ChatMessage(role="assistant", content="…")]
        try:
            for piece in result["answer"]:
                answer += piece
                yield shown + [gr.ChatMessage(role="assistant", content=safe_markdown(answer))]
        except Exception as error:
            if not answer:  # nothing written (the model server down): the turn is the one line that says what to do
                yield [gr.ChatMessage(role="assistant", content=readable(error))]
                return
            answer = f"{answer}\n\n{readable(error)}"
        if passages:
            sources.content = sources_markdown(passages, cited_numbers(answer))
        yield shown + [gr.ChatMessage(role="assistant", content=safe_markdown(answer))]

    return respond


def build_chat(chat_flow: ChatFlow, concurrency: int = 1, busy: Busy | None = None) -> gr.ChatInterface:
    chatbot = gr.Chatbot(
        height="70vh",
        show_label=False,  # its "Chatbot" badge sat over the first line of each turn (the sources)
        buttons=["copy", "copy_all"],
        sanitize_html=True,
        allow_file_downloads=False,
        feedback_options=None,
        placeholder="Ask about your notes. Answers cite the chapters they come from.",
    )
    return gr.ChatInterface(
        make_responder(chat_flow, busy),
        chatbot=chatbot,
        description="Answers come only from your notes; the sources show before the answer streams in.",
        examples=EXAMPLES,
        run_examples_on_click=True,
        cache_examples=False,
        save_history=True,
        # One local model answers one question at a time; other tabs wait in Gradio's queue and see their place.
        concurrency_limit=concurrency,
        analytics_enabled=False,
        flagging_mode="never",
    )


def build_page(
    chat_flow: ChatFlow,
    desk: StudyDesk,
    concurrency: int = 1,
    generation: BackgroundGeneration | None = None,
    busy: Busy | None = None,
) -> gr.Blocks:
    """The page: Ask (the chat, as it was) first, then the study tabs; a damaged progress file shows one line.
    generation: questions being written from the student's notes (shown in Practice); busy: set while Ask answers."""
    with gr.Blocks(title="studyflow", analytics_enabled=False) as page:
        gr.HTML("<h1 style='margin: 0'>studyflow</h1>")
        gr.HTML(study_render.notice(desk.notice), elem_id="study-notice", visible=bool(desk.notice))
        nav = tabbar.bar()
        with tabbar.panel("ask"):
            build_chat(chat_flow, concurrency, busy)
        StudyTabs(desk, nav, generation)
    return page


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="studyflow: chat with your notes in the browser")
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default: loopback only)")
    parser.add_argument(
        "--port", type=int, default=settings.integer("STUDYFLOW_APP_PORT", 7860, 1, 65535, "a port number")
    )
    parser.add_argument("--connection", default="local", help="promptflow connection: local, openai, azure_openai")
    parser.add_argument("--model", default=None, help="model or deployment name (default: local for `local`)")
    parser.add_argument("--concurrency", type=int, default=1, help="answers generated at once (1 for a local model)")
    parser.add_argument(
        "--max-queue", type=int, default=20, help='questions that may wait; more are refused with "queue is full"'
    )
    parser.add_argument("--open", action="store_true", help="open the page in the browser")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    model = args.model or ("local" if args.connection == "local" else None)
    if model is None:
        print(f"error: --model is required with --connection {args.connection} (e.g. --model gpt-4o-mini)")
        return 2
    try:
        chat_flow = ChatFlow(args.connection, model)
    except Exception as error:  # pf raises its own types for an unknown connection
        print(f"error: {readable(error).removeprefix(ERROR_PREFIX)}")
        return 1
    try:
        chat_flow.warm_up()
    except Exception as error:  # a missing index is shown in the page too, and fixed without a restart
        print(f"warning: {readable(error).removeprefix(ERROR_PREFIX)}")
    desk = StudyDesk()
    if desk.notice:
        print(f"warning: {desk.notice}")
    busy = Busy()
    generation = for_page(args.connection, model, busy, desk.reload) if desk.ready else None
    if generation:
        total = generation.progress().total
        print(f"writing practice questions from {total} passage{'s' * (total != 1)} of your notes in the background")
    page = build_page(chat_flow, desk, args.concurrency, generation, busy)
    # A bounded queue: past it a question is refused at once with Gradio's "queue is full" message, instead of
    # waiting minutes behind the one local model (each answer takes ~10-20 s on CPU).
    page.queue(max_size=args.max_queue)
    page.launch(
        server_name=args.host,
        server_port=args.port,
        inbrowser=args.open,
        share=False,
        show_error=True,
        footer_links=[],
        theme=gr.themes.Soft(font=SYSTEM_FONTS, font_mono=MONO_FONTS),
        css=tabbar.css() + study_render.CSS,
        app_kwargs={"middleware": [Middleware(LocalPageOnly)]},
    )
    return 0


if __name__ == "__main__":
    sys.exit(cli_exit(main))
