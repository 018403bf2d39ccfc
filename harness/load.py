"""Simulated users on the chat page (issue #5, part 6): N users asking questions in a loop for D seconds through
Gradio's queue API (HTTP + server-sent events, what the page itself uses), against 127.0.0.1 only. Shared by
tests/test_load.py (a short run on a fake model) and bench.load (the full run and its report file).

Each user asks a question, waits for the whole answer, thinks for a moment and asks the next one (a fresh
conversation each time). Per request: the outcome (answered; refused: the app's one-line ⚠️ error or Gradio's
"queue is full"; server error: anything else; unfinished: no answer by the drain deadline), seconds to the first
answer text and to the end. Every second it samples the resident memory of the app and of the local model server.
After D seconds no new question is asked; what is in flight gets `drain` seconds more.
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import httpx
import psutil

from answering.decline import NOT_COVERED
from harness.ports import free_port
from harness.questions import DEV_SET, TUNING_SET, load_questions
from harness.serving import running_app
from harness.timing import median, percentile

LOOPBACK = {"127.0.0.1", "localhost"}
ERROR_PREFIX = "⚠️"  # app.ERROR_PREFIX, without importing gradio here
API_NAME = "respond"  # ChatInterface names its API endpoint after the function (app.make_responder's respond)
THINK_S = (1.0, 3.0)  # pause between a user's answer and their next question


@dataclass
class Request:
    user: int
    question: str
    started: float  # seconds since the run began
    outcome: str = "unfinished"  # answered | refused | error | unfinished
    first_text_s: float | None = None  # to the first answer text (after the sources)
    total_s: float | None = None
    detail: str = ""


@dataclass
class Run:
    url: str
    users: int
    duration: float
    requests: list[Request] = field(default_factory=list)
    memory: list[dict] = field(default_factory=list)  # {"t", "app_mb", "llm_mb"}
    lock: threading.Lock = field(default_factory=threading.Lock)


def check_url(url: str) -> str:
    """The URL with a trailing slash; anything but a loopback http URL is refused: this is a load generator."""
    parsed = urlparse(url)
    if parsed.scheme != "http" or parsed.hostname not in LOOPBACK:
        raise SystemExit(f"error: --url must be http://127.0.0.1:<port>/ or http://localhost:<port>/, not {url!r}")
    return url if url.endswith("/") else url + "/"


def questions(paths: list[Path] = (DEV_SET, TUNING_SET)) -> list[str]:
    """The dev and tuning questions, covered and uncovered alike (the gate answers the latter without the LLM)."""
    return [q["question"] for path in paths if path.exists() for q in load_questions(path)]


def fn_index(client: httpx.Client, url: str) -> int:
    config = client.get(f"{url}config", timeout=30).json()
    for dependency in config["dependencies"]:
        if dependency.get("api_name") == API_NAME:
            return dependency["id"]
    raise SystemExit(f"error: {url} has no /{API_NAME} endpoint; is it studyflow's app.py?")


def _contents(value: object) -> Iterator[str]:
    """Message texts anywhere in a Gradio output: whole message lists or the diff ops of a stream."""
    if isinstance(value, dict):
        if isinstance(value.get("content"), str):
            yield value["content"]
    elif isinstance(value, list):
        for item in value:
            yield from _contents(item)


def _is_answer_text(text: str) -> bool:
    return bool(text.strip()) and not text.startswith("<details>") and text.strip() != "…"


def ask(client: httpx.Client, url: str, fn: int, session: str, request: Request, t0: float, deadline: float) -> None:
    """One question through the queue, recorded in request; never raises."""
    payload = {"data": [request.question, []], "event_data": None, "fn_index": fn, "trigger_id": None}
    try:
        joined = client.post(f"{url}gradio_api/queue/join", json={**payload, "session_hash": session}, timeout=30)
        if joined.status_code == 503 or "queue_full" in joined.text:
            request.outcome, request.detail = "refused", _detail(_json(joined).get("detail", joined.text))
            return
        if joined.status_code != 200:
            request.outcome, request.detail = "error", f"join: HTTP {joined.status_code} {joined.text[:200]}"
            return
        event = joined.json()["event_id"]
        params = {"session_hash": session}
        with client.stream("GET", f"{url}gradio_api/queue/data", params=params, timeout=None) as stream:
            for line in stream.iter_lines():
                if time.monotonic() > deadline:
                    request.detail = "no answer by the drain deadline"
                    return
                if not line.startswith("data:"):
                    continue
                message = json.loads(line[5:])
                if message.get("event_id") not in (event, None):
                    continue
                kind = message.get("msg")
                elapsed = time.monotonic() - t0 - request.started
                if kind == "process_generating" and request.first_text_s is None:
                    if any(_is_answer_text(t) for t in _contents((message.get("output") or {}).get("data", [])[:1])):
                        request.first_text_s = elapsed
                elif kind == "queue_full":
                    request.outcome, request.detail = "refused", "queue is full"
                    return
                elif kind == "process_completed":
                    request.total_s = elapsed
                    output = message.get("output") or {}
                    if not message.get("success"):
                        request.outcome, request.detail = "error", _detail(json.dumps(output))
                        return
                    texts = [t for t in _contents(output.get("data", [])[:1]) if _is_answer_text(t)]
                    answer = texts[-1] if texts else ""
                    if answer.startswith(ERROR_PREFIX) or f"\n\n{ERROR_PREFIX}" in answer:
                        request.outcome, request.detail = "refused", answer.splitlines()[-1][:200]
                    elif answer:
                        request.outcome, request.detail = "answered", " ".join(answer.split())[:120]
                    else:
                        request.outcome, request.detail = "error", "completed without an answer"
                    return
                elif kind in ("unexpected_error", "close_stream") and request.total_s is None:
                    request.outcome, request.detail = "error", _detail(json.dumps(message))
                    return
        request.outcome, request.detail = "error", "the event stream ended before the answer"
    except (httpx.HTTPError, ValueError, KeyError) as error:
        request.outcome, request.detail = "error", f"{type(error).__name__}: {error}"[:200]


def _json(response: httpx.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _detail(text: str) -> str:
    return " ".join(text.split())[:200]


def user(
    run: Run, index: int, pool: list[str], t0: float, end: float, deadline: float, think: tuple[float, float]
) -> None:
    rng = random.Random(index)
    order = pool[index:] + pool[:index]  # each user starts at a different question
    session = uuid.uuid4().hex[:11]
    with httpx.Client() as client:
        fn = fn_index(client, run.url)
        n = 0
        while time.monotonic() < end:
            request = Request(user=index, question=order[n % len(order)], started=time.monotonic() - t0)
            n += 1
            with run.lock:
                run.requests.append(request)
            ask(client, run.url, fn, session, request, t0, deadline)
            if request.outcome == "refused" and "queue" in request.detail.lower():
                time.sleep(rng.uniform(*think) * 2)  # a student told the queue is full waits a bit longer
            else:
                time.sleep(rng.uniform(*think))


def rss_mb(pid: int | None) -> float | None:
    """Resident memory of a process and its children, in MB (None if it is gone)."""
    if pid is None:
        return None
    try:
        process = psutil.Process(pid)
        return (process.memory_info().rss + sum(c.memory_info().rss for c in process.children(recursive=True))) / 1e6
    except psutil.Error:
        return None


def sample_memory(run: Run, app_pid: int | None, llm_pid: int | None, t0: float, stop: threading.Event) -> None:
    while not stop.is_set():
        run.memory.append({"t": round(time.monotonic() - t0, 1), "app_mb": rss_mb(app_pid), "llm_mb": rss_mb(llm_pid)})
        stop.wait(1.0)


def pid_listening(port: int) -> int | None:
    """The process serving a loopback port (to sample the memory of an app this script did not start)."""
    for conn in psutil.net_connections(kind="tcp"):
        if conn.status == psutil.CONN_LISTEN and conn.laddr.port == port and conn.pid:
            return conn.pid
    return None


def llm_pid() -> int | None:
    from local_llm import server

    return server.status().pid


@contextmanager
def started_app(log: Path, env: dict[str, str] | None = None, args: tuple[str, ...] = ()) -> Iterator:
    """app.py on a free loopback port, its output in log; yields (url, pid) once the page answers."""
    port = free_port()
    with running_app(dict(env or os.environ), port, log, *args) as url:
        yield url, pid_listening(port)


def load(
    url: str,
    users: int,
    duration: float,
    drain: float,
    pool: list[str],
    app_pid: int | None,
    think: tuple[float, float] = THINK_S,
) -> Run:
    """The load itself, against a running app: users x duration, then up to drain seconds for what is in flight."""
    run = Run(url=check_url(url), users=users, duration=duration)
    t0 = time.monotonic()
    end, deadline = t0 + duration, t0 + duration + drain
    stop = threading.Event()
    sampler = threading.Thread(target=sample_memory, args=(run, app_pid, llm_pid(), t0, stop), daemon=True)
    sampler.start()
    threads = [
        threading.Thread(target=user, args=(run, i, pool, t0, end, deadline, think), daemon=True) for i in range(users)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()) + 10)
    stop.set()
    sampler.join(timeout=5)
    return run


def _memory(samples: list[dict], key: str) -> dict | None:
    values = [s[key] for s in samples if s.get(key) is not None]
    if not values:
        return None
    half = values[len(values) // 2]
    return {
        "start": round(values[0]),
        "peak": round(max(values)),
        "end": round(values[-1]),
        "growth": round(values[-1] - values[0]),
        # A leak keeps growing; warm-up (caches, the first prompts) happens early: judge the second half.
        "second_half_growth": round(values[-1] - half),
    }


def summary(run: Run) -> dict:
    done = [r for r in run.requests if r.outcome == "answered"]
    total = [r.total_s for r in done]
    first = [r.first_text_s for r in done if r.first_text_s is not None]
    last = max((r.started + (r.total_s or 0) for r in done), default=run.duration)
    counts = {k: sum(r.outcome == k for r in run.requests) for k in ("answered", "refused", "error", "unfinished")}
    counts["declined_by_gate"] = sum(r.detail == NOT_COVERED for r in done)  # answered without the model
    return {
        "users": run.users,
        "duration_s": run.duration,
        "requests": len(run.requests),
        **counts,
        "answers_per_min": round(len(done) / (last / 60), 2) if done and last else 0.0,
        "total_s": {"p50": round(median(total), 1), "p95": round(percentile(total, 0.95), 1)} if total else None,
        "first_text_s": {"p50": round(median(first), 1), "p95": round(percentile(first, 0.95), 1)} if first else None,
        "app_mb": _memory(run.memory, "app_mb"),
        "llm_mb": _memory(run.memory, "llm_mb"),
        "refusals": sorted({r.detail for r in run.requests if r.outcome == "refused"})[:5],
        "errors": [r.detail for r in run.requests if r.outcome in ("error", "unfinished")][:5],
    }


def report(result: dict) -> str:
    def mem(m: dict | None) -> str:
        if not m:
            return "n/a"
        growth = f"{m['second_half_growth']:+} MB in the second half"
        return f"start {m['start']} MB, peak {m['peak']} MB, end {m['end']} MB ({growth})"

    lat = result["total_s"] or {"p50": float("nan"), "p95": float("nan")}
    first = result["first_text_s"] or {"p50": float("nan"), "p95": float("nan")}
    return (
        f"load, {result['users']} users x {result['duration_s']:g} s: {result['requests']} requests, "
        f"{result['answered']} answered ({result['declined_by_gate']} of them declined by the relevance gate), "
        f"{result['refused']} refused, {result['error']} server errors, "
        f"{result['unfinished']} unfinished; {result['answers_per_min']} answers/min; "
        f"send-to-done p50 {lat['p50']} s, p95 {lat['p95']} s; first answer text p50 {first['p50']} s, "
        f"p95 {first['p95']} s\n  memory: app {mem(result['app_mb'])}; LLM server {mem(result['llm_mb'])}"
        + (f"\n  refusals: {result['refusals']}" if result["refusals"] else "")
        + (f"\n  errors: {result['errors']}" if result["errors"] else "")
    )
