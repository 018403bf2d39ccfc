"""`make bench`: every benchmark, side by side in one run, figures printed and saved to bench/results/."""

import json
import os
import platform
import time

from bench import (
    answer_quality,
    chat_history,
    chat_page,
    exam_questions,
    flow_overhead,
    gate_calibration,
    ingest_speed,
    injection,
    load,
    question_bank,
    retrieval_quality,
    scale_curve,
    search_latency,
)
from bench.common import ROOT


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB, {platform.system()} {platform.release()}"


def main() -> None:
    print(f"machine: {machine()}")
    results = {"machine": machine(), "when": time.strftime("%Y-%m-%d %H:%M")}
    for name, bench in [
        ("ingest", ingest_speed),
        ("search", search_latency),
        ("retrieval", retrieval_quality),
        ("gate_calibration", gate_calibration),  # no LLM: search and the relevance gate, seconds
        ("flow_overhead", flow_overhead),
        ("answer_quality", answer_quality),
        ("exam_questions", exam_questions),  # held-out split: closed book / oracle passage / flow, ~5 LLM calls each
        ("chat_history", chat_history),
        ("chat_page", chat_page),
        ("injection", injection),
        ("load", load),
        ("question_bank", question_bank),  # reads the bank generate wrote; no LLM unless asked
        ("scale_curve", scale_curve),  # last: 1k, 10k and 100k chunks, the longest (~30 min on 2 busy cores)
    ]:
        results[name] = bench.main()
    out = ROOT / "bench/results/latest.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"saved {out}")


if __name__ == "__main__":
    main()
