"""app.py's own pieces: safe markdown, sources, Gradio messages -> pf chat history, the page filter."""

from __future__ import annotations

import asyncio

import app


def test_html_in_an_answer_becomes_text_but_code_is_left_alone():
    shown = app.safe_markdown("Use <img src=x onerror=alert(1)> and `a<b>` then\n```html\n<div>ok</div>\n```")
    assert "<img" not in shown and "&lt;img src=x onerror=alert(1)&gt;" in shown
    assert "`a<b>`" in shown and "```html\n<div>ok</div>\n```" in shown


def test_markdown_images_cannot_fetch_from_another_host():
    assert "![" not in app.safe_markdown("see ![x](http://evil.example/track.png)")


def test_sources_fold_the_passage_text_and_escape_it():
    passage = {
        "n": 2,
        "chapter": "Chapter 14. Tune",
        "section": "Section 4",
        "source": "notes/a.md",
        "lines": "5-9",
        "text": "clean",
        "note_text": "a <script>x()</script>\n\n```py\n# c\n```",
    }
    shown = app.sources_markdown([passage], cited=[2])
    assert shown.startswith("<details><summary>[2] Chapter 14. Tune · Section 4 · notes/a.md:5-9 ✓ cited</summary>")
    assert "<script>" not in shown and "&lt;script&gt;" in shown
    assert "\n" not in shown  # one HTML block: a blank line would hand the rest to the markdown renderer


def test_gradio_messages_become_pf_history_without_sources_or_errors():
    messages = [
        {"role": "user", "content": "What is grid sampling?"},
        {"role": "assistant", "content": "<details>…", "metadata": {"title": "Sources (3 passages)"}},
        {"role": "assistant", "content": [{"type": "text", "text": "It tries every combination [1]."}]},
        {"role": "user", "content": "And random?"},
        {"role": "assistant", "content": f"Random picks\n\n{app.ERROR_PREFIX}the LLM endpoint dropped the connection"},
    ]
    assert app.to_chat_history(messages) == [
        {"inputs": {"question": "What is grid sampling?"}, "outputs": {"answer": "It tries every combination [1]."}}
    ]


def test_readable_keeps_the_cause_of_a_wrapped_flow_error():
    error = RuntimeError("Execution failure in 'answer': (StudyflowError) the local model server is not running\nmore")
    assert app.readable(error) == f"{app.ERROR_PREFIX}the local model server is not running"
    assert app.readable(ValueError("")) == f"{app.ERROR_PREFIX}ValueError"


def test_page_filter_drops_tags_that_load_from_other_hosts():
    page = (
        b'<head><script src="https://cdnjs.cloudflare.com/x.js" async></script>'
        b'<link rel="preconnect" href="https://fonts.googleapis.com" /><script src="./assets/a.js"></script></head>'
    )
    sent: list[dict] = []

    async def inner(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1")]})
        await send({"type": "http.response.body", "body": page})

    async def collect(message):
        sent.append(message)

    asyncio.run(app.LocalPageOnly(inner)({"type": "http", "method": "GET", "path": "/"}, None, collect))
    body = sent[1]["body"]
    assert b"https://" not in body and b'<script src="./assets/a.js"></script>' in body
    assert (b"content-length", str(len(body)).encode()) in sent[0]["headers"]
