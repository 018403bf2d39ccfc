"""The chat page driven in Debian's chromium through Playwright: shared by the page tests and bench.chat_page."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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
    """The answer part of one turn's bot messages (the sources message starts with its title)."""
    return "\n".join(t for t in texts if not t.startswith("Sources (") and t.strip() != "…")


class ChatPage:
    """One browser tab on the chat page, recording what must never happen: outside requests and dialogs."""

    def __init__(self, browser, url: str) -> None:
        self.page = browser.new_page()
        self.outside: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("request", self._request)
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.goto(url)
        self.page.wait_for_selector("textarea")
        self._turn: dict = {}

    def _request(self, request) -> None:
        if not request.url.startswith(("http://127.0.0.1", "data:", "blob:")):
            self.outside.append(request.url)

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

    def progress(self) -> dict | None:
        """The finished turn (seconds to sources, to the first answer text, in total; its text), else None."""
        turn, now = self._turn, time.monotonic()
        texts = self.bot_texts()[turn["before"] :]
        seen = turn["seen"]
        if "sources" not in seen and "Sources (" in "\n".join(texts):
            seen["sources"] = now - turn["start"]
        if "answer" not in seen and len(answer_text(texts)) > 5:
            seen["answer"] = now - turn["start"]
        if "answer" in seen and not self.generating():
            return {**seen, "total": now - turn["start"], "text": "\n".join(texts)}
        return None

    def ask(self, question: str, timeout: float = 300) -> dict:
        self.begin(question)
        deadline = time.monotonic() + timeout
        while (done := self.progress()) is None:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no answer within {timeout} s: {self.bot_texts()}")
            time.sleep(0.1)
        return done
