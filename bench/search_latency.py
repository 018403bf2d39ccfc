"""Search latency p50/p95 over the dev and tuning questions, warm, hybrid and dense."""

import time

from harness.questions import DEV_SET, TUNING_SET, load_questions
from harness.timing import percentile
from ingest.search import search


def main() -> dict:
    questions = [q["question"] for q in load_questions(DEV_SET) + load_questions(TUNING_SET)]
    search(questions[0])  # load the model and the index outside the timings
    result = {}
    for mode in ("hybrid", "dense"):
        ms = []
        for q in questions:
            t = time.perf_counter()
            search(q, k=5, mode=mode)
            ms.append((time.perf_counter() - t) * 1000)
        result[mode] = {"p50_ms": percentile(ms, 0.5), "p95_ms": percentile(ms, 0.95)}
        print(
            f"search {mode}: p50 {result[mode]['p50_ms']:.1f} ms, p95 {result[mode]['p95_ms']:.1f} ms "
            f"over {len(ms)} queries"
        )
    return result


if __name__ == "__main__":
    main()
