"""Choose chunk sizes on the tuning questions (never the dev set the tests use): for each max/overlap setting,
build an index aside and report recall@1, recall@3 and MRR of the gold chapter, and the chunk count."""

import os
import tempfile
from pathlib import Path

from bench.common import TUNING_SET, gold_rank, load_questions
from ingest.build import build_index
from ingest.search import search

SETTINGS = [(128, 24), (200, 0), (200, 40), (256, 40), (320, 60)]


def score(questions: list[dict], root: Path) -> tuple[float, float, float]:
    r1 = r3 = rr = 0.0
    for q in questions:
        rank = gold_rank([h.chapter for h in search(q["question"], k=5, root=root)], q["chapter"])
        if rank:
            r1 += rank == 1
            r3 += rank <= 3
            rr += 1 / rank
    n = len(questions)
    return r1 / n, r3 / n, rr / n


def main() -> None:
    questions = [q for q in load_questions(TUNING_SET) if q["chapter"] is not None]
    for max_tokens, overlap in SETTINGS:
        os.environ["STUDYFLOW_CHUNK_MAX_TOKENS"] = str(max_tokens)
        os.environ["STUDYFLOW_CHUNK_OVERLAP_TOKENS"] = str(overlap)
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp) / "chroma"
            summary = build_index(root=root, progress=False)
            r1, r3, mrr = score(questions, root)
        print(
            f"max {max_tokens:3d} overlap {overlap:2d}: {summary.chunks:3d} chunks, "
            f"recall@1 {r1:.2f} recall@3 {r3:.2f} MRR {mrr:.3f} ({len(questions)} tuning questions)"
        )


if __name__ == "__main__":
    main()
