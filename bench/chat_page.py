"""The chat page in Debian's chromium, against the project's index and the default local model:
- 10 questions, one new tab each: seconds until the sources show, until the key sentence of the notes shows,
  until the first answer text, until done; and, while each answer streams, the endpoint check the answer node
  makes before its request: GET /models, as it was, against the TCP connect it is now;
- follow-ups: the second turn of a few conversations (the turn that was slow: sources at 2.7 s), the same figures;
- 5 tabs x 5 questions at once: errors (goal 0) and p90 of the time from sending to the finished answer.
Writes a screenshot of the page to bench/results/chat-page.png.

python -m bench.chat_page [--questions 10] [--follow-ups 3] [--no-concurrent]
"""

from __future__ import annotations

import argparse
import os
import threading
import time

from answering.endpoint import is_listening
from bench.common import ROOT
from harness.browser import ChatPage, answer_text, launched_chromium
from harness.ports import free_port
from harness.questions import DEV_SET, FOLDER, load_questions
from harness.serving import running_app
from harness.timing import median, percentile
from local_llm import server

SESSIONS = 5
PER_SESSION = 5
STEPS = (("sources", "sources"), ("key", "key sentence"), ("answer", "first answer text"), ("total", "done"))


def _summary(rows: list[dict], key: str) -> str:
    values = [r[key] for r in rows if key in r]
    if not values:
        return "never shown"
    return f"median {median(values):.2f} s, p90 {percentile(values, 0.9):.2f} s ({len(values)}/{len(rows)} turns)"


def _steps(rows: list[dict]) -> str:
    return "; ".join(f"{label} {_summary(rows, key)}" for key, label in STEPS)


def _timed(check, url: str) -> float:
    started = time.perf_counter()
    check(url)
    return time.perf_counter() - started


def _probe(url: str, into: list[tuple[float, float]]) -> None:
    """The old check (GET /models, its 5 s timeout) and the new one (a TCP connect), one after the other."""
    into.append((_timed(lambda u: server.is_ready(u, timeout=5.0), url), _timed(is_listening, url)))


def _ask_probing(tab: ChatPage, question: str, llm_url: str, probes: list[tuple[float, float]]) -> dict:
    """tab.ask, plus one probe of the endpoint checks once the answer streams (the server is busy writing it); in
    a thread, so the page's timings are read on time."""
    tab.begin(question)
    prober = None
    while (done := tab.progress()) is None:
        if prober is None and answer_text(tab.turn_texts()):
            prober = threading.Thread(target=_probe, args=(llm_url, probes))
            prober.start()
        time.sleep(0.1)
    if prober is not None:
        prober.join()
    return done


def follow_ups(browser, url: str, count: int) -> list[dict]:
    """The second turn of the first `count` conversations, each in a new tab after its first turn."""
    rows = []
    for conversation in load_questions(FOLDER / "followup_conversations.jsonl")[:count]:
        tab = ChatPage(browser, url)
        first, second = (turn["question"] for turn in conversation["turns"][:2])
        tab.ask(first)
        rows.append(tab.ask(second))
        tab.page.close()
    return rows


def single(browser, url: str, questions: list[str], probes: list[tuple[float, float]]) -> list[dict]:
    rows = []
    for question in questions:
        tab = ChatPage(browser, url)
        rows.append(_ask_probing(tab, question, server.base_url(), probes))
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


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description="the chat page's timings in Debian's chromium")
    parser.add_argument("--questions", type=int, default=10, help="questions one at a time (default 10)")
    parser.add_argument("--follow-ups", type=int, default=3, help="conversations whose second turn is timed")
    parser.add_argument("--no-concurrent", action="store_true", help="skip the 5 tabs x 5 questions part")
    args = parser.parse_args(argv)
    questions = [q["question"] for q in load_questions(DEV_SET) if q.get("chapter")]
    (ROOT / "bench/results").mkdir(exist_ok=True)
    log = ROOT / "bench/results/chat-page-app.log"
    results: dict = {}
    with running_app(dict(os.environ), free_port(), log) as url, launched_chromium() as browser:
        probes: list[tuple[float, float]] = []
        rows = single(browser, url, questions[: args.questions], probes)
        print(f"chat page, {len(rows)} questions one at a time: {_steps(rows)}")
        results["single"] = _figures(rows)
        old, new = [p[0] for p in probes], [p[1] for p in probes]
        print(
            f"endpoint check while the model writes an answer, {len(probes)} tries: GET /models (the old check) "
            f"median {median(old):.2f} s, max {max(old):.2f} s; TCP connect (now) median {median(new) * 1000:.2f} ms"
        )
        results["endpoint_check"] = {"models_median_s": median(old), "tcp_median_s": median(new)}
        if args.follow_ups:
            turns = follow_ups(browser, url, args.follow_ups)
            print(f"chat page, the follow-up of {len(turns)} conversations: {_steps(turns)}")
            results["follow_ups"] = _figures(turns)
        if not args.no_concurrent:
            many, errors = concurrent(browser, url, questions[10 : 10 + SESSIONS * PER_SESSION])
            print(
                f"chat page, {SESSIONS} tabs x {PER_SESSION} questions at once: {len(many)} answered, {errors} "
                f"errors; done {_summary(many, 'total')}"
            )
            results["concurrent"] = {
                "answered": len(many),
                "errors": errors,
                "p90_total": percentile([r["total"] for r in many], 0.9),
                "median_total": median([r["total"] for r in many]),
            }
    return results


def _figures(rows: list[dict]) -> dict:
    figures = {}
    for key, _ in STEPS:
        values = [r[key] for r in rows if key in r]
        if values:
            figures[key] = {"median": median(values), "p90": percentile(values, 0.9)}
    return figures


if __name__ == "__main__":
    main()
