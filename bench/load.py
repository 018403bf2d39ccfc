"""Load on the chat page (issue #5, part 6): N simulated users (harness.load) asking questions in a loop for D
seconds, through Gradio's queue API, against 127.0.0.1 only. Prints the figures and writes bench/results/load.json.

    python -m bench.load [--users 10] [--duration 120] [--drain 300] [--url http://127.0.0.1:7860/]

Without --url it starts app.py on a free loopback port (and stops it after).
"""

from __future__ import annotations

import argparse
import json
import os
import random
from dataclasses import asdict
from urllib.parse import urlparse

import psutil

from bench.common import ROOT
from harness.load import check_url, load, pid_listening, questions, report, started_app, summary


def others() -> list[str]:
    """Other python / pf processes on the machine (they share the CPU and the LLM): what else was running."""
    mine = {os.getpid(), *(p.pid for p in psutil.Process().children(recursive=True))}
    seen = []
    for process in psutil.process_iter(["pid", "cmdline"]):
        cmd = " ".join(process.info["cmdline"] or [])
        if process.info["pid"] not in mine and ("python" in cmd or "/pf " in cmd) and "llama_cpp.server" not in cmd:
            seen.append(cmd[:120])
    return seen


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--duration", type=float, default=120, help="seconds during which questions are asked")
    parser.add_argument("--drain", type=float, default=300, help="seconds more for the questions still in flight")
    parser.add_argument("--url", help="a running app (127.0.0.1 or localhost only); default: start app.py")
    parser.add_argument("--app-arg", action="append", default=[], help="an argument for the app.py it starts")
    args = parser.parse_args(argv)
    pool = questions()
    random.Random(0).shuffle(pool)
    before = others()
    (ROOT / "bench/results").mkdir(exist_ok=True)
    if args.url:
        url = check_url(args.url)
        run = load(url, args.users, args.duration, args.drain, pool, pid_listening(urlparse(url).port or 80))
    else:
        with started_app(ROOT / "bench/results/load-app.log", args=tuple(args.app_arg)) as (url, pid):
            run = load(url, args.users, args.duration, args.drain, pool, pid)
    result = summary(run) | {"others_running": sorted(set(before) | set(others()))}
    print(report(result))
    if result["others_running"]:
        print(f"  also running: {len(result['others_running'])} other python/pf processes")
    out = ROOT / "bench/results/load.json"
    out.write_text(json.dumps(result | {"requests_log": [asdict(r) for r in run.requests]}, indent=2))
    return result


if __name__ == "__main__":
    main()
