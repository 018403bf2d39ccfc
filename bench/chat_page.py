"""The chat page in Debian's chromium, against the project's index and the default local model:
- 10 questions, one new tab each: seconds until the sources show, until the first answer text, until done;
- 5 tabs x 5 questions at once: errors (goal 0) and p90 of the time from sending to the finished answer.
Writes a screenshot of the page to bench/results/chat-page.png."""

from __future__ import annotations

import os
import time

from bench.common import ROOT
from harness.browser import ChatPage, launched_chromium
from harness.ports import free_port
from harness.questions import DEV_SET, load_questions
from harness.serving import running_app
from harness.timing import median, percentile

SESSIONS = 5
PER_SESSION = 5


def _summary(rows: list[dict], key: str) -> str:
    values = [r[key] for r in rows if key in r]
    return f"median {median(values):.1f} s, p90 {percentile(values, 0.9):.1f} s"


def single(browser, url: str, questions: list[str]) -> list[dict]:
    rows = []
    for question in questions:
        tab = ChatPage(browser, url)
        rows.append(tab.ask(question))
        if len(rows) == len(questions):
            tab.page.screenshot(path=str(ROOT / "bench/results/chat-page.png"), full_page=True)
        tab.page.close()
    return rows


def concurrent(browser, url: str, questions: list[str]) -> tuple[list[dict], int]:
    """Each tab asks its next question as soon as its previous answer is done; all five poll in one loop."""
    tabs = [ChatPage(browser.new_context(), url) for _ in range(SESSIONS)]
    queues = [questions[i::SESSIONS][:PER_SESSION] for i in range(SESSIONS)]
    busy = [False] * SESSIONS
    rows: list[dict] = []
    errors = 0
    deadline = time.monotonic() + 3600
    while (any(queues) or any(busy)) and time.monotonic() < deadline:
        for i, tab in enumerate(tabs):
            if not busy[i] and queues[i]:
                tab.begin(queues[i].pop(0))
                busy[i] = True
            elif busy[i] and (done := tab.progress()) is not None:
                rows.append(done)
                errors += "⚠️" in done["text"]
                busy[i] = False
        time.sleep(0.2)
    errors += sum(busy) + sum(len(q) for q in queues)  # unfinished turns count as errors
    return rows, errors


def main() -> dict:
    questions = [q["question"] for q in load_questions(DEV_SET) if q.get("chapter")]
    (ROOT / "bench/results").mkdir(exist_ok=True)
    log = ROOT / "bench/results/chat-page-app.log"
    with running_app(dict(os.environ), free_port(), log) as url, launched_chromium() as browser:
        rows = single(browser, url, questions[:10])
        print(
            f"chat page, 10 questions one at a time: sources {_summary(rows, 'sources')}; "
            f"first answer text {_summary(rows, 'answer')}; done {_summary(rows, 'total')}"
        )
        many, errors = concurrent(browser, url, questions[10 : 10 + SESSIONS * PER_SESSION])
        print(
            f"chat page, {SESSIONS} tabs x {PER_SESSION} questions at once: {len(many)} answered, {errors} errors; "
            f"done {_summary(many, 'total')}"
        )
    return {
        "single": {
            k: {"median": median([r[k] for r in rows]), "p90": percentile([r[k] for r in rows], 0.9)}
            for k in ("sources", "answer", "total")
        },
        "concurrent": {
            "answered": len(many),
            "errors": errors,
            "p90_total": percentile([r["total"] for r in many], 0.9),
            "median_total": median([r["total"] for r in many]),
        },
    }


if __name__ == "__main__":
    main()
