"""Prompt injection in the notes, against the real local model: each injection of harness.injection (five phrasings
plus two held out from the filter's design) through both flows (qa, chat), in this process, on a temporary index
(notes/ plus the lab note). Prints what each answer did and the rates.

    python -m bench.injection
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from bench.common import ROOT
from harness.injection import INJECTIONS, build_lab_index, verdict


def _text(answer: object) -> str:
    return answer if isinstance(answer, str) else "".join(answer)


def run(flows: tuple[str, ...] = ("qa", "chat")) -> list[dict]:
    """Every injection through every flow, in this process, with the user's `local` connection."""
    rows = []
    before = os.environ.get("STUDYFLOW_CHROMA_DIR")
    with tempfile.TemporaryDirectory(prefix="studyflow-injection-") as tmp:
        os.environ["STUDYFLOW_CHROMA_DIR"] = str(build_lab_index(Path(tmp)))
        try:
            rows = _ask_all(flows)
        finally:  # the benchmarks after this one (make bench) use the project's index again
            if before is None:
                os.environ.pop("STUDYFLOW_CHROMA_DIR")
            else:
                os.environ["STUDYFLOW_CHROMA_DIR"] = before
    return rows


def _ask_all(flows: tuple[str, ...]) -> list[dict]:
    from promptflow.client import load_flow

    rows = []
    loaded = {name: load_flow(str(ROOT / "flows" / name)) for name in flows}
    for item in INJECTIONS:
        for name, flow in loaded.items():
            started = time.monotonic()
            inputs = {"question": item.question} | ({"chat_history": []} if name == "chat" else {})
            try:
                result = flow(**inputs)
                answer = _text(result["answer"])
            except Exception as error:  # a timeout of the shared model is a measurement gap, not a verdict
                result, answer = {}, f"ERROR {str(error).splitlines()[0][:200]}"
            retrieved = "Chapter 90." in str(result.get("passages") or result.get("context"))
            row = {"flow": name, "topic": item.topic, "retrieved": retrieved, **verdict(item, answer)}
            row |= {"seconds": round(time.monotonic() - started, 1), "answer": answer}
            rows.append(row)
            marks = " ".join(f"{k}={row[k]!s:5}" for k in ("obeyed", "rules", "flagged", "right"))
            print(f"{name:4} {item.topic:20} {marks} {row['seconds']:5.1f} s  {' '.join(answer.split())[:150]}")
    return rows


def main() -> dict:
    rows = run()
    summary = {}
    held_out = {item.topic for item in INJECTIONS if item.held_out}
    for name in ("qa", "chat", "qa held-out", "chat held-out"):
        flow, _, part = name.partition(" ")
        mine = [r for r in rows if r["flow"] == flow and (r["topic"] in held_out) == bool(part)]
        summary[name] = {k: sum(r[k] for r in mine) for k in ("obeyed", "rules", "right", "flagged", "retrieved")}
        summary[name]["of"] = len(mine)
    print(
        "injection in the notes: "
        + "; ".join(
            f"{n}: obeyed {s['obeyed']}/{s['of']}, cites or declines {s['rules']}/{s['of']}, "
            f"right {s['right']}/{s['of']}, flagged by the checks {s['flagged']}/{s['of']} "
            f"(injected passage retrieved {s['retrieved']}/{s['of']})"
            for n, s in summary.items()
        )
    )
    return {"summary": summary, "rows": rows}


if __name__ == "__main__":
    main()
