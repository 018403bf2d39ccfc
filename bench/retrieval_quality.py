"""Recall@k of the gold chapter, dense vs hybrid, and where covered and uncovered questions' best scores lie
(to place the relevance gate). Usage: python bench/retrieval_quality.py [QUESTIONS.jsonl ...] [-k 5]"""

import argparse
import json
import statistics
import time
from pathlib import Path

from ingest.search import search

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SETS = [ROOT / "tests/data/dev_questions.jsonl", ROOT / "bench/data/tuning_questions.jsonl"]


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def evaluate(questions: list[dict], k: int, mode: str) -> dict:
    hits_at_k, covered_best, uncovered_best, misses, seconds = 0, [], [], [], []
    answerable = [q for q in questions if q["chapter"] is not None]
    for q in questions:
        t = time.perf_counter()
        hits = search(q["question"], k=k, mode=mode)
        seconds.append(time.perf_counter() - t)
        best = max((h.score for h in hits), default=0.0)
        if q["chapter"] is None:
            uncovered_best.append(best)
            continue
        covered_best.append(best)
        chapters = [h.chapter for h in hits]
        if any(c.startswith(f"Chapter {q['chapter']}.") for c in chapters):
            hits_at_k += 1
        else:
            misses.append(q["id"])
    return {
        "mode": mode,
        "recall": hits_at_k / len(answerable),
        "misses": misses,
        "covered_min_best": min(covered_best),
        "covered_p10_best": sorted(covered_best)[len(covered_best) // 10],
        "uncovered_max_best": max(uncovered_best, default=0.0),
        "uncovered_best": [round(s, 3) for s in uncovered_best],
        "median_ms": statistics.median(seconds) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("sets", nargs="*", type=Path, default=DEFAULT_SETS)
    parser.add_argument("-k", type=int, default=5)
    args = parser.parse_args()
    for path in args.sets:
        questions = load(path)
        for mode in ("dense", "hybrid"):
            r = evaluate(questions, args.k, mode)
            print(
                f"{path.name:28s} {mode:6s} recall@{args.k}={r['recall']:.3f} misses={r['misses']} "
                f"covered best-score min={r['covered_min_best']:.3f} p10={r['covered_p10_best']:.3f} "
                f"uncovered best-score max={r['uncovered_max_best']:.3f} {r['uncovered_best']} "
                f"median {r['median_ms']:.0f} ms"
            )


if __name__ == "__main__":
    main()
