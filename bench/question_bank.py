"""The generated question bank: questions generated and accepted per passage, rejection reasons, generation minutes,
questions per chapter, the time the whole default bank would take, and the blind check.

It reads what `python -m study generate` wrote (the bank and its work file, study/data/generation.jsonl); it does not
call the LLM itself unless asked (`--generate`, bounded by --chapter / --limit).

The blind check (`harness/questions/bank_blind_check.jsonl`): a random sample of accepted generated questions, one a
line, with labels a person fills in: `answerable` (from the notes alone), `key_correct`, `distractors_ok` (wrong but
plausible), each true / false (null: not labelled yet). A question passes when all three are true; the pass rate is
printed per split once labels exist. `--sample 50` writes the sample (never over labels already given).

`--recheck DIR` runs today's passage checks (study.verify, no model) again on every candidate a generation run
recorded in DIR/generation.jsonl; what the LLM checks decided stands as recorded. It prints what each check rejects
now, which accepted questions a new check turns away (and the blind check's label of each, per split), and the LLM
calls the run's checks made and the new checks would have saved.

Usage: python -m bench.question_bank [--sample N] [--seed S] [--generate --chapter N --limit N] [--recheck DIR]
"""

from __future__ import annotations

import argparse
import ast
import json
import random
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

from answering.exam_question import ExamQuestion, parse
from core.errors import StudyflowError
from core.paths import PROJECT_ROOT
from study import bank as bank_data
from study import generate, verify
from study.candidates import INCOMPLETE, incomplete

OLDEST_GENERATOR = "flows/quiz 1"  # the blind check's first rows and the bank's first items carry no generator
BLIND_CHECK = PROJECT_ROOT / "harness" / "questions" / "bank_blind_check.jsonl"
LABELS = ("answerable", "key_correct", "distractors_ok")
GOAL_PER_CHAPTER = 5
GOAL_PASS_RATE = 0.9
GOAL_MINUTES = 60
# The checks flows/quiz runs with the model after the passage checks, and the near-duplicate check after the flow:
# a recheck without the model keeps their recorded verdicts.
MODEL_CHECKS = (verify.PASSAGE_DISAGREES, verify.CARD_DISAGREES, verify.ROUND_TRIP, verify.NEAR_DUPLICATE)
NEW_CHECKS = (verify.NOT_A_QUESTION, verify.STEM_WITHOUT_SUBJECT, verify.OPTION_REPEATS_STEM, verify.ONE_OF_SEVERAL)
NOT_ASKED = "not_asked"  # passes today's passage checks, but the run's model checks never saw it
AGREES_CALLS = 2  # passage_agrees: the key in two option orders
ROUND_TRIP_CALLS = 1  # round_trip with the flow's votes: 1 (none when the relevance gate declines the question)


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
    # The sample is of the current generator's questions (an item without the field is generator 1's).
    pool = [i for i in pool if (i.generator or OLDEST_GENERATOR) == generate.GENERATOR]
    existing = [row for row in existing if row.get("generator", OLDEST_GENERATOR) == generate.GENERATOR]
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
                "generator": item.generator,
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


def blind_check_figures(rows: list[dict], generator: str = generate.GENERATOR) -> dict:
    """Pass rate per split over the labelled rows of one generator's questions (a kind without distractors: recall
    cards skip that label)."""
    rows = [r for r in rows if r.get("generator", OLDEST_GENERATOR) == generator]
    out = {}
    for split in ("dev", "heldout"):
        labelled = [r for r in rows if r.get("split") == split and _labelled(r)]
        passed = sum(1 for r in labelled if passes(r))
        rate = round(passed / len(labelled), 3) if labelled else None
        out[split] = {"labelled": len(labelled), "passed": passed, "pass_rate": rate}
    out["unlabelled"] = sum(1 for r in rows if not _labelled(r))
    return out


def passes(row: dict) -> bool:
    """A labelled row passes the blind check: every label its kind needs is true."""
    return all(row[k] for k in _needed(row))


def _needed(row: dict) -> tuple[str, ...]:
    return LABELS if row.get("kind") == "mcq" else LABELS[:2]


def _labelled(row: dict) -> bool:
    return all(row.get(k) is not None for k in _needed(row))


def labelled_rows(argv: list[str] | None, description: str, kind: str) -> list[dict]:
    """The labelled blind-check rows of one kind and generator, as a model-check experiment reads them (its
    --rows FILE and --generator VERSION, generator 3 by default: the first with labels of both kinds; "all": every
    generator's)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--rows", type=Path, default=BLIND_CHECK)
    parser.add_argument("--generator", default="flows/quiz 3")
    args = parser.parse_args(argv)
    rows = [r for r in load_blind_check(args.rows) if args.generator in ("all", r.get("generator"))]
    return [r for r in rows if r["kind"] == kind and _labelled(r)]


def labelled_mcqs(argv: list[str] | None, description: str) -> list[tuple[dict, ExamQuestion, list[dict]]]:
    """The labelled multiple-choice rows (labelled_rows) as the exam answering reads them: (row, the question
    parsed as a student would paste it, its passage as the one numbered passage)."""
    from study.round_trip import as_pasted

    return [
        (
            row,
            parse(as_pasted({"stem": row["question"], "options": row["options"]})),
            [{"n": 1, "chapter": "", "text": passage_of(row)}],
        )
        for row in labelled_rows(argv, description, "mcq")
    ]


def check_figures(results: list[dict], keeps: Callable[[dict], bool], label: str) -> dict[str, dict]:
    """What a model check would do to the labelled rows (dicts with split and passed), per split: the passes it
    keeps, the fails it turns away (keeps(row) False) and the blind-check pass rate of what is left; one line each."""
    figures = {}
    for split in ("dev", "heldout"):
        part = [r for r in results if r["split"] == split]
        left = [r for r in part if keeps(r)]
        n_pass, kept = sum(r["passed"] for r in part), sum(r["passed"] for r in left)
        n_fail, caught = len(part) - n_pass, len(part) - n_pass - (len(left) - kept)
        rate = f"{kept / len(left):.2f}" if left else "-"
        figures[f"{label} {split}"] = {"passes_kept": f"{kept}/{n_pass}", "fails_caught": f"{caught}/{n_fail}"}
        print(f"{label} {split:8}: passes kept {kept}/{n_pass}, fails turned away {caught}/{n_fail}, "
              f"blind-check pass rate of what is left {rate}")  # fmt: skip
    return figures


def passage_of(row: dict) -> str:
    """The text of the passage a blind-check row was written from."""
    from study.source import read_lines

    return read_lines(*row["reference"].rsplit(":", 1)).text


def load_run(path: Path) -> list[dict]:
    """A work file's passage records, the last one of each passage hash (a line cut off by a crash is skipped)."""
    records: dict[str, dict] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict) and record.get("passage_hash"):
            records[record["passage_hash"]] = record
    return list(records.values())


def passage_texts(records: list[dict]) -> tuple[dict[str, str], int]:
    """The text the flow was given for each record's passage: from the index by hash, else the note's lines now
    (cleaned as prompts show them); and how many came from the notes."""
    from answering.passages import prompt_text
    from study.passages import index_passages
    from study.source import read_lines

    try:
        indexed = {p.passage_hash: p.passage_text for p in index_passages()}
    except StudyflowError:
        indexed = {}
    texts, from_notes = {}, 0
    for record in records:
        h = record["passage_hash"]
        if h in indexed:
            texts[h] = indexed[h]
            continue
        first = next((c for c in record["candidates"] if c.get("source") and c.get("lines")), None)
        texts[h] = prompt_text(read_lines(first["source"], first["lines"]).text) if first else ""
        from_notes += 1
    return texts, from_notes


def _first(candidate: dict) -> str | None:
    return candidate["rejected"][0] if candidate.get("rejected") else None


def recheck_candidate(candidate: dict, checks: tuple[tuple[str, verify.Check], ...]) -> tuple[str | None, dict]:
    """(the rejection today's checks give, {reason: detail} of every passage check it fails) of a recorded
    candidate; a candidate passing them keeps the recorded model verdict (None: accepted)."""
    recorded = _first(candidate)
    if candidate.get("kind") not in bank_data.KINDS:
        return recorded, {}
    fields = {k: v for k, v in candidate.items() if k not in ("rejected", "detail", "round_trip")}
    problem = incomplete(fields)
    if problem:
        return INCOMPLETE, {INCOMPLETE: problem}
    failed = {reason: found for reason, check in checks if (found := check(fields))}
    if failed:
        return next(iter(failed)), failed
    return (recorded if recorded is None or recorded in MODEL_CHECKS else NOT_ASKED), {}


def model_calls(candidate: dict) -> int:
    """The LLM calls the flow's checks made for a recorded candidate, read from how far its verdict got."""
    if candidate.get("kind") != "mcq":
        return 0
    reason = _first(candidate)
    if reason == verify.PASSAGE_DISAGREES:
        return AGREES_CALLS
    return AGREES_CALLS + ROUND_TRIP_CALLS if reason is None or reason in MODEL_CHECKS else 0


def _twin(detail: str) -> str | None:
    """The question a near_duplicate detail names ("cosine 0.93 with 'What is ...?'")."""
    found = re.search(r" with ('.*'|\".*\")$", detail)
    try:
        return ast.literal_eval(found.group(1)) if found else None
    except (ValueError, SyntaxError):
        return None


def _blind_key(kind: str, prompt: str, reference: str) -> tuple[str, str, str]:
    return kind, bank_data.normalize(prompt), reference


def recheck(run_dir: Path, blind_rows: list[dict] | None = None) -> dict:
    """Today's passage checks on every candidate recorded in run_dir's work file, the model checks' verdicts as
    recorded; the accepted questions now rejected are matched to the blind check's rows by kind, question and
    passage lines."""
    from ingest.embedder import word_pieces
    from ingest.search import vocabulary

    records = load_run(run_dir / generate.WORK_NAME)
    texts, from_notes = passage_texts(records)
    try:
        known = verify.known_words(vocabulary(), word_pieces())
    except StudyflowError:
        known = frozenset()  # no index: the spelling check is skipped, as check_passage does without words
    generators = {r.get("generator", OLDEST_GENERATOR) for r in records}
    rows = load_blind_check() if blind_rows is None else blind_rows
    blind = {
        _blind_key(r["kind"], r["question"], r["reference"]): r
        for r in rows
        if r.get("generator", OLDEST_GENERATOR) in generators and _labelled(r)
    }
    recorded, now, fires = Counter(), Counter(), Counter()
    turned, not_asked, calls, saved = [], [], 0, 0
    for record in records:
        checks = verify.passage_checks(texts[record["passage_hash"]], known)
        for candidate in record["candidates"]:
            before = _first(candidate)
            after, failed = recheck_candidate(candidate, checks)
            recorded[before or "accepted"] += 1
            now[after or "accepted"] += 1
            fires.update(reason for reason in failed if reason in NEW_CHECKS)
            used = model_calls(candidate)
            calls += used
            if after not in (before, NOT_ASKED):
                saved += used  # a passage check now turns it away before any model check
            if after == NOT_ASKED:
                not_asked.append(verify.prompt_of(candidate))
            if before is None and after is not None:
                reference = f"{candidate['source']}:{candidate['lines']}"
                row = blind.get(_blind_key(candidate["kind"], verify.prompt_of(candidate), reference))
                turned.append(
                    {
                        "question": verify.prompt_of(candidate),
                        "reason": after,
                        "detail": failed.get(after, ""),
                        "split": row["split"] if row else None,
                        "blind": None if row is None else ("pass" if all(row[k] for k in _needed(row)) else "fail"),
                    }
                )
    # A near duplicate of a question the new checks turn away may be accepted itself in a real run.
    gone = {t["question"] for t in turned}
    reopened = [
        verify.prompt_of(c)
        for r in records
        for c in r["candidates"]
        if _first(c) == verify.NEAR_DUPLICATE and _twin(c.get("detail", "")) in gone
    ]
    by_split = {}
    for split in ("dev", "heldout"):
        labelled = [r for r in blind.values() if r["split"] == split]
        fails = sum(1 for r in labelled if not all(r[k] for k in _needed(r)))
        caught = Counter(t["blind"] for t in turned if t["split"] == split)
        by_split[split] = {
            "labelled": len(labelled),
            "fail": fails,
            "fail_rejected": caught["fail"],
            "pass": len(labelled) - fails,
            "pass_rejected": caught["pass"],
        }
    return {
        "passages": len(records),
        "passages_from_notes": from_notes,
        "candidates": sum(len(r["candidates"]) for r in records),
        "recorded": dict(recorded.most_common()),
        "now": dict(now.most_common()),
        "new_checks": {reason: {"rejects": now[reason], "fails_on": fires[reason]} for reason in NEW_CHECKS},
        "turned_away": turned,
        "blind_check": by_split,
        "not_asked": not_asked,
        "reopened": reopened,
        "llm_calls": {"write": len(records), "checks": calls, "saved": saved},
    }


def print_recheck(run_dir: Path, figures: dict) -> None:
    line = (
        f"recheck {run_dir}: {figures['passages']} passages, {figures['candidates']} candidates; accepted "
        f"{figures['recorded'].get('accepted', 0)} -> {figures['now'].get('accepted', 0)}"
    )
    if figures["passages_from_notes"]:
        line += f" ({figures['passages_from_notes']} passages read from the notes, not the index)"
    print(line)
    for reason, n in figures["new_checks"].items():
        print(f"  {reason}: rejects {n['rejects']} (fails on {n['fails_on']}, first failure or not)")
    for t in figures["turned_away"]:
        label = f"{t['split']} {t['blind']}" if t["blind"] else "not in the blind check"
        print(f"  was accepted, now {t['reason']} [{label}]: {t['question']} -- {t['detail']}")
    for split, b in figures["blind_check"].items():
        print(
            f"  blind check {split}: {b['fail_rejected']} of {b['fail']} fails rejected, {b['pass_rejected']} of "
            f"{b['pass']} passes rejected"
        )
    calls = figures["llm_calls"]
    print(
        f"  LLM calls: {calls['write']} write + {calls['checks']} check calls recorded ({AGREES_CALLS} per "
        f"multiple-choice question given the passage, {ROUND_TRIP_CALLS} round trip); rejecting earlier now saves "
        f"{calls['saved']}"
    )
    print(f"  verdicts, recorded: {figures['recorded']}")
    print(f"  verdicts, now:      {figures['now']}")
    if figures["not_asked"]:
        print(f"  {len(figures['not_asked'])} now pass the passage checks, but the model checks never saw them")
    if figures["reopened"]:
        print(f"  {len(figures['reopened'])} near duplicates of a question now rejected: a real run decides them again")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.question_bank")
    parser.add_argument("--sample", type=int, default=0, help="add accepted questions to the blind check, up to N")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--generate", action="store_true", help="run the generation first (uses the LLM)")
    parser.add_argument("--chapter", type=int, action="append", help="with --generate: only this chapter")
    parser.add_argument("--limit", type=int, help="with --generate: at most this many passages")
    parser.add_argument("--recheck", type=Path, help="today's passage checks on a run's recorded candidates (no LLM)")
    args = parser.parse_args(argv or [])
    if args.recheck:
        figures = recheck(args.recheck)
        print_recheck(args.recheck, figures)
        return {"recheck": figures}
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
    rows = load_blind_check()
    blind = {g: blind_check_figures(rows, g) for g in sorted({r.get("generator", OLDEST_GENERATOR) for r in rows})}
    for generator, figures_of in blind.items():
        for split in ("dev", "heldout"):
            b = figures_of[split]
            rate = "no labels yet" if b["pass_rate"] is None else f"{b['pass_rate']:.0%} (goal {GOAL_PASS_RATE:.0%})"
            print(f"  blind check, {generator}, {split}: {b['passed']}/{b['labelled']} pass, {rate}")
    return {"generation": figures, "chapters": chapters, "blind_check": blind}


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
