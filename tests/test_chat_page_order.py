"""The chat page in Debian's chromium, against a fake model that holds its first token (harness.fake_openai "held"):
the sources and the key sentence of the notes are on the page before the first answer token exists, and a model
server that is down still makes the turn one line that says what to do. Order of events, not timings."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from harness.browser import ChatPage, answer_text, key_sentence_text, launched_chromium
from harness.fake_openai import OK_PIECES, fake_openai
from harness.pf import pf_home
from harness.ports import free_port
from harness.serving import running_app

QUESTION = "Which sampling method needs all hyperparameters to be discrete?"
WAIT_S = 120  # a bound for a slow shared machine, never a figure the test checks


def _until(condition, what: str, tab: ChatPage) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} never happened; the page shows {tab.bot_texts()}")
        time.sleep(0.1)


@pytest.fixture(scope="module")
def browser():
    with launched_chromium() as browser:
        yield browser


@pytest.fixture
def held_app(tmp_path, notes_index) -> Iterator[tuple[str, object]]:
    with fake_openai("held") as fake:
        env = pf_home(tmp_path / "pf", fake.url)
        env.update(STUDYFLOW_CHROMA_DIR=str(notes_index), STUDYFLOW_BACKGROUND_GENERATION="off")
        with running_app(env, free_port(), tmp_path / "app.log") as url:
            yield url, fake


def test_sources_and_key_sentence_show_while_the_model_holds_its_first_token(browser, held_app):
    url, fake = held_app
    tab = ChatPage(browser, url)
    tab.begin(QUESTION)
    # The answer request is at the model (it holds it) and the page already shows what retrieval found.
    _until(lambda: fake.completions == 1, "the answer request reaching the model", tab)
    _until(lambda: key_sentence_text(tab.turn_texts()), "the key sentence showing", tab)
    shown = tab.turn_texts()
    assert shown[0].startswith("Sources (3 passages)") and "Chapter 14." in shown[0], shown
    key = key_sentence_text(shown)
    assert "Grid Sampling" in key and "discrete" in key, key
    assert "Chapter 14." in key and "dp100-notes.md:545-546" in key, key
    assert answer_text(shown) == "", shown  # no answer text before the model's first token
    assert tab.progress() is None  # the turn goes on; its sources and key sentence are seen (timed) now

    fake.go.set()  # the first token goes
    done = tab.wait()
    texts = tab.turn_texts()
    answer = "".join(OK_PIECES)
    assert answer_text(texts).startswith(answer.removesuffix(" [1]."))  # streamed below the quote
    order = [i for i, t in enumerate(texts) if t.startswith("Sources (")] + [
        i for i, t in enumerate(texts) if key_sentence_text([t])
    ]
    assert order == [0, 1] and len(texts) == 3, texts  # sources, key sentence, then the answer
    assert done["key"] < done["answer"] and done["sources"] < done["answer"], done
    assert tab.outside == [] and tab.dialogs == []


def test_a_stopped_model_server_leaves_the_turn_one_line_after_the_sources_showed(browser, tmp_path, pf_env_dead_model):
    env = {**pf_env_dead_model, "STUDYFLOW_BACKGROUND_GENERATION": "off"}
    with running_app(env, free_port(), tmp_path / "app.log") as url:
        tab = ChatPage(browser, url)
        text = tab.ask(QUESTION)["text"]
    assert text.startswith("⚠️ the local model server at http://127.0.0.1:"), text
    assert text.endswith("is not running; start it with make model") and "\n" not in text, text


# --- the responder alone (no browser): what each yield puts on the page -----------------------------------------

PASSAGE = {"n": 1, "chapter": "Chapter 14. Tuning", "section": "S", "source": "notes/x.md", "lines": "1-9", "text": "t"}
KEY = {"text": "Grid sampling needs discrete values.", "n": 1, "chapter": "Chapter 14. Tuning", "source": "notes/x.md",
       "lines": "3", "code": False}  # fmt: skip


def _responder(answer):
    import app

    def chat_flow(question, history):
        return {"covered": True, "passages": [PASSAGE], "key_sentence": KEY, "answer": answer()}

    return app, app.make_responder(chat_flow)


def test_the_first_yield_is_sources_and_key_sentence_and_the_history_leaves_the_quote_out():
    def answer():
        yield "Grid sampling [1]."

    app, respond = _responder(answer)
    steps = list(respond("Which sampling needs discrete values?", []))
    first = [(m.metadata or {}).get("title") for m in steps[0]]
    assert first == ["Sources (1 passages)", app.KEY_SENTENCE_TITLE, None] and steps[0][2].content == "…"
    assert "Grid sampling needs discrete values." in steps[0][1].content and "notes/x.md:3" in steps[0][1].content
    last = steps[-1]
    assert [m.content for m in last[2:]] == ["Grid sampling [1]."]
    messages = [{"role": "user", "content": "Which sampling needs discrete values?"}] + [
        {"role": m.role, "content": m.content, "metadata": m.metadata} for m in last
    ]
    assert app.to_chat_history(messages) == [
        {"inputs": {"question": "Which sampling needs discrete values?"}, "outputs": {"answer": "Grid sampling [1]."}}
    ]


def test_an_error_before_the_first_word_leaves_only_its_line_and_one_after_keeps_the_turn():
    from core.errors import StudyflowError

    down = "the local model server at http://127.0.0.1:9/v1 is not running; start it with `make model`"

    def refused():
        raise StudyflowError(down)
        yield  # a generator, as the flow's answer is

    app, respond = _responder(refused)
    last = list(respond("q", []))[-1]
    assert [m.content for m in last] == [f"{app.ERROR_PREFIX}{down}"]

    def dropped():
        yield "Grid"
        raise StudyflowError("the LLM endpoint dropped the connection mid-answer; ask again")

    app, respond = _responder(dropped)
    last = list(respond("q", []))[-1]
    assert len(last) == 3 and last[2].content.startswith("Grid\n\n⚠️ the LLM endpoint dropped"), last
