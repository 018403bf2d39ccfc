"""A fork server for the kill tests: imports ingest and loads the embedding model once, then forks a child per request
that runs the real `python -m ingest` (or `python -m ingest.search`) main(), so a `kill -9` costs milliseconds of
set-up instead of the seconds a new interpreter spends loading torch and the model.

Protocol, one JSON object a line: the server prints {"ready": true}; each request on stdin,
{"module": "ingest" | "ingest.search", "args": [...], "env": {...}, "out": path, "marks": path,
"kill_after": seconds | null, "self_kill": point | null, "embed_batch": n | null}, is answered with
{"code": n, "seconds": s, "timed_out": bool} once the child has ended (n < 0: killed by signal -n).

The server itself sends the SIGKILL `kill_after` seconds after the fork, so the pid it kills is its own unreaped
child, never a recycled one. The child appends each phase it enters to `marks` (reading, copying, embedding,
writing, switching, switched, done) with the seconds since the fork, so a test knows where a kill landed.
`self_kill` makes the child kill itself with SIGKILL at a point too narrow to hit with a timer: "before-replace"
(CURRENT.tmp written, not yet renamed), "after-replace" (renamed, the folder not yet synced) or "second-batch" (the
first batch written, the second not yet embedded).

Run as `python -m tests.ingest_forkserver` from the project root.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import tempfile
import threading
import time
import traceback

CHILD_TIMEOUT = 120  # a child still running after this is killed and reported, so a hang fails the test instead


def _child(request: dict) -> int:
    os.environ.update(request.get("env", {}))
    tempfile.tempdir = None  # as a new process would, read TMPDIR again
    out = os.open(request["out"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(out, 1)
    os.dup2(out, 2)
    sys.stdout = os.fdopen(1, "w", buffering=1)
    sys.stderr = os.fdopen(2, "w", buffering=1)
    marks = os.open(request["marks"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    started = request["started"]

    def mark(phase: str) -> None:
        os.write(marks, f"{phase} {time.monotonic() - started:.3f}\n".encode())

    _watch(mark, request.get("self_kill"))
    if request.get("embed_batch"):
        from ingest import build

        build.EMBED_BATCH = request["embed_batch"]  # several batches, so several writes, from a small note set
    if request["module"] == "ingest.search":
        from ingest.search import main
    else:
        from ingest.__main__ import main
    code = main(request["args"])
    mark("done")
    return code


def _run(request: dict) -> dict:
    # A lock held by another thread at the fork stays locked in the child for ever (tqdm's monitor thread holding
    # tqdm's lock hung a child): fork only a single-threaded process.
    assert threading.active_count() == 1, threading.enumerate()
    started = request["started"] = time.monotonic()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            code = _child(request)
        except BaseException:
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    kill_at = None if request.get("kill_after") is None else started + request["kill_after"]
    give_up = started + CHILD_TIMEOUT
    timed_out = False
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        now = time.monotonic()
        if (kill_at is not None and now >= kill_at) or now >= give_up:
            timed_out = kill_at is None
            os.kill(pid, signal.SIGKILL)
            kill_at, give_up = None, float("inf")
        time.sleep(0.002 if kill_at is not None else 0.01)
    seconds = round(time.monotonic() - started, 3)
    return {"code": os.waitstatus_to_exitcode(status), "seconds": seconds, "timed_out": timed_out}


def _watch(mark, self_kill: str | None) -> None:
    """Wraps the steps of an ingest to record each phase as it starts (and to stop at self_kill)."""
    from ingest import build, embedder, store

    def die() -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    chunk_notes, create, embed, switch = build.chunk_notes, store.Folder.create, embedder.embed, store.switch_generation
    real_replace = os.replace
    batches = []

    def watched_chunk_notes(*args, **kwargs):
        mark("reading")
        return chunk_notes(*args, **kwargs)

    def watched(method, before: str, after: str | None = None):
        def wrapper(*args, **kwargs):
            mark(before)
            result = method(*args, **kwargs)
            if after:
                mark(after)
            return result

        return wrapper

    def watched_create(self, copy_of):
        mark("copying")
        return create(self, copy_of)

    def watched_embed(texts, *args, **kwargs):
        batches.append(len(texts))
        if self_kill == "second-batch" and len(batches) == 2:
            die()
        mark("embedding")
        vectors = embed(texts, *args, **kwargs)
        mark("writing")
        return vectors

    def watched_switch(root, generation):
        mark("switching")
        switch(root, generation)
        mark("switched")

    def watched_replace(src, dst, *args, **kwargs):
        if self_kill == "before-replace" and os.fspath(dst).endswith(store.POINTER):
            die()
        real_replace(src, dst, *args, **kwargs)
        if self_kill == "after-replace" and os.fspath(dst).endswith(store.POINTER):
            die()

    build.chunk_notes = watched_chunk_notes
    store.Folder.create = watched_create
    store.Server.create = watched(store.Server.create, "copying")  # a server generation: a copied collection
    store.Server.switch = watched(store.Server.switch, "switching", "switched")
    embedder.embed = watched_embed
    store.switch_generation = watched_switch
    os.replace = watched_replace


def main() -> None:
    from tqdm import tqdm

    import ingest.__main__
    import ingest.build
    import ingest.search
    from ingest import embedder

    assert ingest.__main__ and ingest.build and ingest.search  # imported here, once, not in every child
    tqdm.monitor_interval = 0  # no monitor thread: the server must stay single-threaded to fork safely
    embedder.embed(["warm up the model before forking"])  # one thread (STUDYFLOW_TORCH_THREADS): safe to fork
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        print(json.dumps(_run(json.loads(line))), flush=True)


if __name__ == "__main__":
    main()
