"""app.py in a real browser (Debian's chromium through Playwright), on the real index and the real local model."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from answering.decline import NOT_COVERED
from core.paths import PROJECT_ROOT
from harness.browser import ChatPage, answer_text, launched_chromium
from harness.pf import create_connection, pf_home
from harness.ports import free_port
from harness.serving import running_app
from local_llm import server

pytestmark = pytest.mark.llm

INJECTION = "<img src=x onerror=alert(1)>"
EVIL_NOTE = f"""# Zebra notes

## Chapter 99. Zebra pipelines

Zebra pipelines are a made-up feature for testing. A zebra pipeline has exactly seven stripes. {INJECTION}
The stripes of a zebra pipeline are counted by the stripe counter.
"""


@pytest.fixture(scope="module")
def page_index(tmp_path_factory) -> Path:
    """The real notes plus a note carrying HTML that must never run in the page."""
    from ingest.build import build_index

    notes = tmp_path_factory.mktemp("page-notes")
    shutil.copy(PROJECT_ROOT / "notes" / "dp100-notes.md", notes / "dp100-notes.md")
    (notes / "zebra.md").write_text(EVIL_NOTE, encoding="utf-8")
    root = tmp_path_factory.mktemp("page-index") / "chroma"
    build_index(paths=[notes], root=root, progress=False)
    return root


@pytest.fixture(scope="module")
def app_url(tmp_path_factory, page_index, llm_server) -> Iterator[str]:
    env = pf_home(tmp_path_factory.mktemp("pf-app"), llm_server)
    env["STUDYFLOW_CHROMA_DIR"] = str(page_index)
    with running_app(env, free_port(), tmp_path_factory.mktemp("app") / "app.log") as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with launched_chromium() as browser:
        yield browser


def test_question_then_follow_up_streams_sources_first_and_uses_the_history(browser, app_url):
    tab = ChatPage(browser, app_url)
    first = tab.ask("What is the bandit early termination policy?")
    assert "Chapter 14." in first["text"] and "dp100-notes.md:" in first["text"], first["text"]
    assert "bandit" in first["text"].lower() or "slack" in first["text"].lower(), first["text"]
    assert first["sources"] < first["answer"] < first["total"], first
    follow = tab.ask("and what about the median one?")
    assert "Chapter 14." in follow["text"], follow["text"]
    assert "median" in follow["text"].lower(), follow["text"]
    assert tab.outside == [] and tab.dialogs == []


def test_html_in_a_note_shows_as_text_and_never_runs(browser, app_url):
    tab = ChatPage(browser, app_url)
    turn = tab.ask("How many stripes does a zebra pipeline have?")
    assert "zebra.md:" in turn["text"], turn["text"]
    tab.page.locator("summary", has_text="Chapter 99. Zebra pipelines").first.click()
    shown = "\n".join(tab.bot_texts())
    assert INJECTION in shown, shown  # the note's text, shown to the student as text
    assert tab.page.locator('[data-testid="bot"] img[src="x"]').count() == 0
    assert tab.dialogs == [] and tab.outside == []


def test_model_stopped_mid_answer_shows_a_readable_error_and_the_next_question_works(browser, app_url):
    tab = ChatPage(browser, app_url)
    tab.send("What is the difference between a compute instance and a compute cluster?")
    deadline = time.monotonic() + 180
    while len(answer_text(tab.bot_texts())) < 10 and time.monotonic() < deadline:
        time.sleep(0.1)
    server.stop(quiet=True)
    try:
        while tab.generating() and time.monotonic() < deadline:
            time.sleep(0.2)
        text = "\n".join(tab.bot_texts())
        assert "⚠️" in text and ("make model" in text or "ask again" in text), text
        down = tab.ask("How do I enable MLflow autologging?")
        assert down["text"].startswith("⚠️ the local model server at http://127.0.0.1:"), down["text"]
        assert "is not running; start it with make model" in down["text"], down["text"]
    finally:
        server.start()
    again = tab.ask("How do I enable MLflow autologging?")
    assert "autolog" in again["text"].lower() and "⚠️" not in again["text"].split("autologging?")[-1], again["text"]


def test_two_tabs_queue_for_the_model_and_keep_their_own_histories(browser, app_url):
    one, two = ChatPage(browser, app_url), ChatPage(browser, app_url)
    one.send("Which sampling method needs all hyperparameters to be discrete?")
    time.sleep(0.5)
    two.send("How do I enable MLflow autologging?")
    waited = False
    deadline = time.monotonic() + 300
    while (one.generating() or two.generating()) and time.monotonic() < deadline:
        waited = waited or "queue" in two.page.inner_text("body").lower()
        time.sleep(0.2)
    assert waited, "the second tab never said it was waiting in the queue"
    assert "grid" in "\n".join(one.bot_texts()).lower()
    assert "autolog" in "\n".join(two.bot_texts()).lower()
    assert "autolog" not in one.page.locator('[data-testid="user"]').all_inner_texts()[0].lower()
    assert len(two.page.locator('[data-testid="user"]').all_inner_texts()) == 1


def test_bad_connection_and_missing_index_show_in_the_page_and_recover_without_a_restart(
    browser, tmp_path_factory, llm_server
):
    env = pf_home(tmp_path_factory.mktemp("pf-broken"), llm_server)
    index = tmp_path_factory.mktemp("not-yet") / "chroma"
    env["STUDYFLOW_CHROMA_DIR"] = str(index)
    with running_app(
        env, free_port(), tmp_path_factory.mktemp("app-broken") / "app.log", "--connection", "mine", "--model", "local"
    ) as url:
        tab = ChatPage(browser, url)
        question = "Who won the 2018 FIFA World Cup?"  # declined by the gate: no model call is needed
        broken = tab.ask(question)["text"]
        assert broken.startswith("⚠️ Connection 'mine' is not found.") and "pf connection create" in broken, broken
        assert len(broken.splitlines()) == 1, broken
        create_connection(env, llm_server, name="mine")
        missing = tab.ask(question)["text"]
        assert missing.startswith("⚠️") and "make ingest" in missing, missing
        from ingest.build import build_index

        build_index(paths=[PROJECT_ROOT / "notes"], root=index, progress=False)
        assert tab.ask(question)["text"] == NOT_COVERED
        assert tab.outside == []
