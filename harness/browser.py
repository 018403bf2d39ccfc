"""The chat page driven in Debian's chromium through Playwright: shared by the page tests and bench.chat_page."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from studypage.key_sentence import TITLE as KEY_SENTENCE_TITLE

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags chromium keeps trying Google's hosts, which this machine refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@contextmanager
def launched_chromium() -> Iterator:
    if not Path(CHROMIUM).exists():
        raise RuntimeError("Debian's chromium is missing; `make test` installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def answer_text(texts: list[str]) -> str:
    """The answer part of one turn's bot messages (the sources and key-sentence messages start with their titles)."""
    return "\n".join(t for t in texts if not t.startswith(("Sources (", KEY_SENTENCE_TITLE)) and t.strip() != "…")


def key_sentence_text(texts: list[str]) -> str:
    """The key-sentence message of one turn's bot messages (title, quote, citation), "" before it shows."""
    return next((t for t in texts if t.startswith(KEY_SENTENCE_TITLE)), "")


class WatchedTab:
    """One browser tab on the page, recording what must never happen: outside requests and dialogs."""

    def __init__(self, browser, url: str, **page_options) -> None:
        self.page = browser.new_page(**page_options)
        self.outside: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("request", self._request)
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.goto(url)
        self.page.wait_for_selector("textarea")

    def _request(self, request) -> None:
        if not request.url.startswith(("http://127.0.0.1", "data:", "blob:")):
            self.outside.append(request.url)


class ChatPage(WatchedTab):
    """The chat (Ask) of the page."""

    def __init__(self, browser, url: str) -> None:
        super().__init__(browser, url)
        self._turn: dict = {}

    def bot_texts(self) -> list[str]:
        return self.page.locator('[data-testid="bot"]').all_inner_texts()

    def generating(self) -> bool:
        return self.page.locator(".stop-button").count() > 0

    def send(self, question: str) -> None:
        self.page.fill("textarea", question)
        self.page.keyboard.press("Enter")

    def begin(self, question: str) -> None:
        self._turn = {"before": len(self.bot_texts()), "start": time.monotonic(), "seen": {}}
        self.send(question)

    def turn_texts(self) -> list[str]:
        """The bot messages of the turn begun last."""
        return self.bot_texts()[self._turn["before"] :]

    def progress(self) -> dict | None:
        """The finished turn (seconds to sources, to the key sentence when it shows, to the first answer text, in
        total; its text), else None."""
        turn, now = self._turn, time.monotonic()
        texts = self.turn_texts()
        seen = turn["seen"]
        if "sources" not in seen and "Sources (" in "\n".join(texts):
            seen["sources"] = now - turn["start"]
        if "key" not in seen and key_sentence_text(texts):
            seen["key"] = now - turn["start"]
        if "answer" not in seen and len(answer_text(texts)) > 5:
            seen["answer"] = now - turn["start"]
        if "answer" in seen and not self.generating():
            return {**seen, "total": now - turn["start"], "text": "\n".join(self._settled(texts))}
        return None

    def _settled(self, texts: list[str], quiet: float = 0.5, limit: float = 5.0) -> list[str]:
        """The turn's messages once they stay the same for `quiet` seconds (at most `limit`): the stop button goes
        before Gradio has applied the last yield, which may drop messages (the one-line error replacing the
        sources, the key sentence and the placeholder)."""
        deadline, still = time.monotonic() + limit, time.monotonic() + quiet
        while time.monotonic() < min(deadline, still):
            time.sleep(0.1)
            now = self.turn_texts()
            if now != texts:
                texts, still = now, time.monotonic() + quiet
        return texts

    def ask(self, question: str, timeout: float = 300) -> dict:
        self.begin(question)
        return self.wait(timeout)

    def wait(self, timeout: float = 300) -> dict:
        """The turn begun last, once it is finished (see progress)."""
        deadline = time.monotonic() + timeout
        while (done := self.progress()) is None:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no answer within {timeout} s: {self.bot_texts()}")
            time.sleep(0.1)
        return done


class StudyPage(WatchedTab):
    """One browser tab on the page's study tabs (Practice, Review, Progress, Exam), recording outside requests and
    dialogs like ChatPage. Components are found by their elem_id; the question shown carries its item id."""

    def __init__(self, browser, url: str, timeout: float = 60) -> None:
        super().__init__(browser, url, viewport={"width": 1280, "height": 900})
        self.timeout = timeout

    def open_tab(self, name: str) -> None:
        """Click the page's tab bar (a radio row, see studypage.tabbar) and wait for the panel to show."""
        self.page.locator("#sf-nav label", has_text=name).click()
        self.page.locator(f"#sf-tab-{name.lower()}").wait_for(state="visible")

    def click(self, elem_id: str) -> None:
        self.page.locator(f"#{elem_id}").click()

    def text(self, elem_id: str) -> str:
        return self.page.locator(f"#{elem_id}").inner_text()

    def wait_text(self, elem_id: str, needle: str, timeout: float | None = None) -> str:
        """The element's text once it contains needle; TimeoutError with what it showed instead."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            shown = self.text(elem_id) if self.page.locator(f"#{elem_id}").count() else ""
            if needle in shown:
                return shown
            if time.monotonic() > deadline:
                raise TimeoutError(f"#{elem_id} never showed {needle!r}; it shows {shown!r}")
            time.sleep(0.1)

    def shown_item(self, panel: str, previous: str | None = None) -> str:
        """The id of the item the panel asks now (waiting for one other than `previous`)."""
        locator = self.page.locator(f"#{panel}-question [data-item]")
        deadline = time.monotonic() + self.timeout
        while True:
            item = locator.first.get_attribute("data-item") if locator.count() else None
            if item and item != previous:
                return item
            if time.monotonic() > deadline:
                raise TimeoutError(f"#{panel}-question shows no new question: {self.text(f'{panel}-question')!r}")
            time.sleep(0.1)

    def choose(self, panel: str, letter: str) -> None:
        self.page.locator(f"#{panel}-choice input[value='{letter}']").check()

    def type_answer(self, panel: str, text: str) -> None:
        self.page.locator(f"#{panel}-answer textarea").fill(text)

    def set_number(self, elem_id: str, value: float) -> None:
        self.page.locator(f"#{elem_id} input").fill(str(value))
