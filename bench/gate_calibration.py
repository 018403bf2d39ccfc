"""The relevance gate on question sets it was not tuned on: false declines of covered questions (practice-exam
stems, the same pasted with their options, the dev and tuning sets' covered questions) and declines of uncovered
ones (exam_uncovered, the dev/tuning sets' uncovered questions), per set and split, with each decline's reason.
No LLM: search and the gate only, seconds.

The missing-word share and the cosine floor are swept on the dev split (exam dev questions, dev/tuning sets,
which have no split and whose uncovered questions must stay declined); held-out figures are printed beside them.
Usage: python -m bench.gate_calibration [--reasons]
"""

import argparse
from dataclasses import dataclass

from answering import gate
from answering.exam_question import parse
from harness.questions import DEV_SET, FOLDER, TUNING_SET, load_questions
from ingest.search import search, vocabulary

EXAM_SET = FOLDER / "exam_questions.jsonl"
UNCOVERED_SET = FOLDER / "exam_uncovered.jsonl"
SHARES = (0.35, 0.4, 0.45, 0.5, 0.55, 0.6)
FLOORS = (0.05, 0.08, 0.1, 0.15)


@dataclass(frozen=True)
class Case:
    group: str  # which set and what of it the gate sees
    split: str  # dev | heldout; the dev and tuning sets have none and count as dev
    id: str
    text: str
    covered: bool
    best: float  # best cosine of a search with the stem (the question itself for a plain one)


def cases() -> list[Case]:
    out = []
    for path, name in ((EXAM_SET, "exam"), (UNCOVERED_SET, "exam_uncovered")):
        for q in load_questions(path):
            stem = parse(q["question"]).stem
            best = _best(stem)
            covered = q["chapter"] is not None
            out.append(Case(f"{name} stem", q["split"], q["id"], stem, covered, best))
            out.append(Case(f"{name} pasted", q["split"], q["id"], q["question"], covered, best))
    for path, name in ((DEV_SET, "dev_questions"), (TUNING_SET, "tuning")):
        for q in load_questions(path):
            covered = q["chapter"] is not None
            group = f"{name} {'covered' if covered else 'uncovered'}"
            out.append(Case(group, "dev", q["id"], q["question"], covered, _best(q["question"])))
    return out


def _best(text: str) -> float:
    return max((h.score for h in search(text, k=5)), default=0.0)


def judged(all_cases: list[Case], vocab: frozenset[str], floor: float, share: float) -> list[tuple[Case, gate.Verdict]]:
    return [(c, gate.judge_question(c.text, c.best, vocab, floor, share)) for c in all_cases]


def wrong(results: list[tuple[Case, gate.Verdict]]) -> list[tuple[Case, gate.Verdict]]:
    """Covered questions declined and uncovered ones let through."""
    return [(c, v) for c, v in results if v.covered != c.covered]


def table(results: list[tuple[Case, gate.Verdict]]) -> dict[str, dict]:
    rows: dict[str, dict] = {}
    for c, v in results:
        row = rows.setdefault(f"{c.group} [{c.split}]", {"n": 0, "declined": 0, "covered": c.covered})
        row["n"] += 1
        row["declined"] += not v.covered
    return rows


def sweep(all_cases: list[Case], vocab: frozenset[str]) -> list[dict]:
    """Each (floor, share) on the dev split: covered questions declined, uncovered ones let through."""
    dev = [c for c in all_cases if c.split == "dev"]
    out = []
    for floor in FLOORS:
        for share in SHARES:
            bad = wrong(judged(dev, vocab, floor, share))
            out.append(
                {
                    "floor": floor,
                    "share": share,
                    "false_declines": sum(c.covered for c, _ in bad),
                    "uncovered_passed": sum(not c.covered for c, _ in bad),
                }
            )
    return out


def main(show_reasons: bool = False) -> dict:
    vocab = vocabulary()
    all_cases = cases()
    floor, share = gate.min_relevance(), gate.MAX_MISSING_SHARE
    print(f"relevance gate on {len(all_cases)} judged texts (cosine floor {floor:.2f}, missing share {share:.2f})")
    print("dev-split sweep (texts: a stem and its pasted form count apart): covered declined / uncovered passed")
    grid = sweep(all_cases, vocab)
    for floor_value in FLOORS:
        cells = [g for g in grid if g["floor"] == floor_value]
        print(
            f"  floor {floor_value:.2f}: "
            + "  ".join(f"share {g['share']:.2f} {g['false_declines']}/{g['uncovered_passed']}" for g in cells)
        )
    results = judged(all_cases, vocab, floor, share)
    rows = table(results)
    print(f"  {'set [split]':38s} {'n':>4s} {'declined':>9s}  (covered: false declines; uncovered: declines)")
    for name, row in rows.items():
        kind = "false declines" if row["covered"] else "declined"
        print(f"  {name:38s} {row['n']:4d} {row['declined']:9d}  {row['declined'] / row['n']:5.1%} {kind}")
    declines = [(c, v) for c, v in results if not v.covered]
    missed = [(c, v) for c, v in results if v.covered and not c.covered]
    for c, v in wrong(results) if not show_reasons else declines + missed:
        status = "declined" if not v.covered else "let through"
        print(f"    {c.group} [{c.split}] {c.id} {status}: {v.reason}")
    return {"floor": floor, "share": share, "rows": rows, "sweep": grid}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reasons", action="store_true", help="the reason of every decline, not only wrong ones")
    main(parser.parse_args().reasons)
