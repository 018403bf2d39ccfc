"""Retrieval quality, dense vs hybrid (dense + BM25, rank-fused): recall@1/3/5 and MRR of the gold chapter, and
where covered and uncovered questions' best cosine scores lie (to place the relevance gate).
Usage: python -m bench.retrieval_quality [QUESTIONS.jsonl ...]"""

import argparse
from pathlib import Path

from bench.common import gold_rank
from harness.questions import DEV_SET, TUNING_SET, load_questions
from ingest.search import search


def evaluate(questions: list[dict], mode: str) -> dict:
    ranks, covered_best, uncovered_best = [], [], []
    for q in questions:
        hits = search(q["question"], k=5, mode=mode)
        best = max((h.score for h in hits), default=0.0)
        if q["chapter"] is None:
            uncovered_best.append(best)
            continue
        covered_best.append(best)
        ranks.append(gold_rank([h.chapter for h in hits], q["chapter"]))
    n = len(ranks)
    return {
        "mode": mode,
        **{f"recall@{k}": sum(r is not None and r <= k for r in ranks) / n for k in (1, 3, 5)},
        "mrr": sum(1 / r for r in ranks if r) / n,
        "covered_min_best": min(covered_best),
        "uncovered_max_best": max(uncovered_best, default=0.0),
    }


def main(sets: list[Path] | None = None) -> dict:
    sets = sets or [DEV_SET, TUNING_SET]
    questions = [q for path in sets for q in load_questions(path)]
    print(f"retrieval on {len(questions)} questions from {', '.join(p.name for p in sets)}")
    results = {}
    for mode in ("dense", "hybrid"):
        r = results[mode] = evaluate(questions, mode)
        print(
            f"  {mode:6s} recall@1 {r['recall@1']:.3f} recall@3 {r['recall@3']:.3f} recall@5 {r['recall@5']:.3f} "
            f"MRR {r['mrr']:.3f} | best cosine: covered min {r['covered_min_best']:.2f}, "
            f"uncovered max {r['uncovered_max_best']:.2f}"
        )
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("sets", nargs="*", type=Path)
    main(parser.parse_args().sets)
