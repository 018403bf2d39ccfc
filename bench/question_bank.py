"""The generated question bank: questions generated and accepted per passage, rejection reasons, generation minutes,
questions per chapter, the time the whole default bank would take, and the blind check.

It reads what `python -m study generate` wrote (the bank and its work file, study/data/generation.jsonl); it does not
call the LLM itself unless asked (`--generate`, bounded by --chapter / --limit).

The blind check (`harness/questions/bank_blind_check.jsonl`): a random sample of accepted generated questions, one a
line, with labels a person fills in: `answerable` (from the notes alone), `key_correct`, `distractors_ok` (wrong but
plausible), each true / false (null: not labelled yet). A question passes when all three are true; the pass rate is
printed per split once labels exist. `--sample 50` writes the sample (never over labels already given).

Usage: python -m bench.question_bank [--sample N] [--seed S] [--generate --chapter N --limit N]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
from collections import Counter, defaultdict
from pathlib import Path

from core.paths import PROJECT_ROOT
from study import bank as bank_data
from study import generate

BLIND_CHECK = PROJECT_ROOT / "harness" / "questions" / "bank_blind_check.jsonl"
LABELS = ("answerable", "key_correct", "distractors_ok")
GOAL_PER_CHAPTER = 5
GOAL_PASS_RATE = 0.9
GOAL_MINUTES = 60


def generation_figures(records: list[dict], all_passages: int) -> dict:
    """Per passage: candidates generated and accepted, seconds; rejections by check; the full-bank estimate."""
    generated = [sum(1 for c in r["candidates"] if c.get("kind") != "none") for r in records]
    accepted = [sum(1 for c in r["candidates"] if not c.get("rejected")) for r in records]
    seconds = [float(r.get("seconds", 0.0)) for r in records]
    reasons = Counter(c["rejected"][0] for r in records for c in r["candidates"] if c.get("rejected"))
    n = len(records)
    per_passage = statistics.mean(seconds) if seconds else 0.0
    return {
        "passages": n,
        "generated": sum(generated),
        "accepted": sum(accepted),
        "acceptance": round(sum(accepted) / sum(generated), 3) if sum(generated) else 0.0,
        "generated_per_passage": round(sum(generated) / n, 2) if n else 0.0,
        "accepted_per_passage": round(sum(accepted) / n, 2) if n else 0.0,
        "rejected": dict(reasons.most_common()),
        "minutes": round(sum(seconds) / 60, 1),
        "seconds_per_passage": round(per_passage, 1),
        "seconds_per_passage_max": round(max(seconds, default=0.0), 1),
        "index_passages": all_passages,
        "full_bank_minutes_estimate": round(per_passage * all_passages / 60, 1),
    }


def per_chapter(bank: bank_data.Bank) -> dict[str, dict[str, int]]:
    counts: dict[str, Counter] = defaultdict(Counter)
    for item in sorted(bank.accepted(), key=bank_data.chapter_order):
        counts[item.chapter][item.origin] += 1
    return {chapter: dict(c) for chapter, c in counts.items()}


def sample_blind_check(bank: bank_data.Bank, n: int, seed: int, path: Path = BLIND_CHECK) -> int:
    """Add up to n random accepted generated questions not in the file yet, labels empty; half dev, half held-out
    (in turn), so a rule tuned on the dev labels is judged on the others. Returns how many were added."""
    existing = load_blind_check(path)
    have = {row["id"] for row in existing}
    pool = [i for i in bank.accepted() if i.origin == "generated" and i.id not in have]
    random.Random(seed).shuffle(pool)
    rows = []
    for number, item in enumerate(pool[: max(0, n - len(existing))], len(existing)):
        rows.append(
            {
                "id": item.id,
                "split": "dev" if number % 2 == 0 else "heldout",
                "kind": item.kind,
                "question": item.prompt,
                "options": item.options,
                "key": item.key,
                "answer": item.answer,
                "quote": item.quote,
                "reference": item.reference,
                **dict.fromkeys(LABELS),
                "note": "",
            }
        )
    if rows:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as out:
            out.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    return len(rows)


def load_blind_check(path: Path = BLIND_CHECK) -> list[dict]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def blind_check_figures(rows: list[dict]) -> dict:
    """Pass rate per split over the labelled rows (a kind without distractors: recall cards skip that label)."""
    out = {}
    for split in ("dev", "heldout"):
        labelled = [r for r in rows if r.get("split") == split and _labelled(r)]
        passed = sum(1 for r in labelled if all(r[k] for k in _needed(r)))
        rate = round(passed / len(labelled), 3) if labelled else None
        out[split] = {"labelled": len(labelled), "passed": passed, "pass_rate": rate}
    out["unlabelled"] = sum(1 for r in rows if not _labelled(r))
    return out


def _needed(row: dict) -> tuple[str, ...]:
    return LABELS if row.get("kind") == "mcq" else LABELS[:2]


def _labelled(row: dict) -> bool:
    return all(row.get(k) is not None for k in _needed(row))


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.question_bank")
    parser.add_argument("--sample", type=int, default=0, help="add accepted questions to the blind check, up to N")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--generate", action="store_true", help="run the generation first (uses the LLM)")
    parser.add_argument("--chapter", type=int, action="append", help="with --generate: only this chapter")
    parser.add_argument("--limit", type=int, help="with --generate: at most this many passages")
    args = parser.parse_args(argv or [])
    from study.passages import index_passages, select
    from study.practice import bank_path

    every = index_passages()
    if args.generate:
        from ingest.embedder import embed

        chosen = select(every, args.chapter)
        run = generate.run(
            chosen, [p.passage_hash for p in every], generate.flow_generator(), embed, bank_path(), limit=args.limit
        )
        print(f"generate: {run.line()}")
    current = {p.passage_hash for p in every}
    records = [r for h, r in generate.load_work(generate.work_path(bank_path())).items() if h in current]
    figures = generation_figures(records, len(select(every)))
    print(
        f"question bank: {figures['passages']} passages generated of {figures['index_passages']}; "
        f"{figures['generated']} candidates ({figures['generated_per_passage']}/passage), {figures['accepted']} "
        f"accepted ({figures['accepted_per_passage']}/passage, {figures['acceptance']:.0%}); rejected: "
        f"{figures['rejected'] or 'none'}"
    )
    print(
        f"  generation: {figures['minutes']} min, {figures['seconds_per_passage']} s/passage (max "
        f"{figures['seconds_per_passage_max']}); whole default bank ~{figures['full_bank_minutes_estimate']} min "
        f"(goal < {GOAL_MINUTES})"
    )
    bank = bank_data.load(bank_path())
    chapters = per_chapter(bank)
    short = [c for c, n in chapters.items() if n.get("generated", 0) < GOAL_PER_CHAPTER]
    print(f"  chapters: {len(chapters)} with accepted questions; {len(short)} with < {GOAL_PER_CHAPTER} generated")
    if args.sample:
        print(f"  blind check: {sample_blind_check(bank, args.sample, args.seed)} questions added -> {BLIND_CHECK}")
    blind = blind_check_figures(load_blind_check())
    for split in ("dev", "heldout"):
        b = blind[split]
        rate = "no labels yet" if b["pass_rate"] is None else f"{b['pass_rate']:.0%} (goal {GOAL_PASS_RATE:.0%})"
        print(f"  blind check {split}: {b['passed']}/{b['labelled']} pass, {rate}")
    return {"generation": figures, "chapters": chapters, "blind_check": blind}


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
