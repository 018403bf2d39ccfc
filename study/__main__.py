"""`python -m study`: the question bank, a terminal quiz, due reviews, an exam, progress and exports.

A user error (a bad flag value, a malformed bank, a damaged progress file) is one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from dataclasses import asdict
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from core.errors import StudyflowError, cli_exit
from study.bank import Bank, chapter_order
from study.schedule import utc_now


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return value


def _minutes(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of minutes above 0")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m study", description="Practise from the notes: quiz, review, exam.")
    sub = parser.add_subparsers(dest="command", required=True)

    bank = sub.add_parser("bank", help="the question bank: counts per chapter, accepted / retired, origin")
    bank.add_argument("--json", action="store_true", help="print the counts as JSON")
    sub.add_parser("seed", help="rebuild the hand-written seed bank from study/data/seed.yaml")

    def answers(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--answers",
            help="scripted answers, comma-separated: a letter per mcq; =good (or again/hard/easy), text, or "
            "'text => hard' per recall card. Without it, answers are read one per line when stdin is not a terminal",
        )

    quiz = sub.add_parser("quiz", help="a quiz in the terminal: due cards first, then new ones")
    quiz.add_argument("--chapter", type=_positive, action="append", help="only this chapter (repeatable)")
    quiz.add_argument("--weak", type=_positive, metavar="K", help="practise the K weakest chapters")
    quiz.add_argument("-n", type=_positive, default=5, help="number of questions (default 5)")
    quiz.add_argument("--kind", choices=("mcq", "recall"), help="only multiple-choice or only recall cards")
    quiz.add_argument("--seed", type=int, help="shuffle seed (the same seed asks the same new questions)")
    answers(quiz)

    review = sub.add_parser("review", help="the cards that are due now")
    review.add_argument("-n", type=_positive, default=20, help="at most this many (default 20)")
    answers(review)

    exam = sub.add_parser("exam", help="an exam simulation: mixed chapters, score and per-chapter breakdown")
    exam.add_argument("-n", type=_positive, default=40, help="number of questions (default 40)")
    exam.add_argument("--minutes", type=_minutes, help="time limit")
    exam.add_argument("--chapter", type=_positive, action="append", help="only this chapter (repeatable)")
    exam.add_argument("--seed", type=int, help="question seed (the same seed sets the same exam)")
    answers(exam)

    progress = sub.add_parser("progress", help="mastery per chapter, weakest first")
    progress.add_argument("--json", action="store_true", help="print the table as JSON")

    export = sub.add_parser("export", help="export the accepted bank")
    export.add_argument("--anki", type=Path, metavar="DECK.apkg", help="an Anki deck")
    export.add_argument("--csv", type=Path, metavar="CARDS.csv", help="a CSV file")

    sub.add_parser(
        "recheck",
        help="today's model-free checks on the bank's generated questions: retire those they turn away",
    )
    generate = sub.add_parser("generate", help="(re)generate questions for new or changed passages (incremental)")
    generate.add_argument("--chapter", type=_positive, action="append", help="only this chapter (repeatable)")
    generate.add_argument("--limit", type=_positive, help="at most this many passages this run")
    generate.add_argument("--connection", default="local", help="promptflow connection (default local)")
    generate.add_argument("--model", default="local", help="model or deployment name (default local)")
    generate.add_argument(
        "--passages-only",
        action="store_true",
        help="only write the passages jsonl `pf run create --file flows/quiz/run.yaml` reads, then stop",
    )
    return parser


def _responder(args: argparse.Namespace):
    from study.terminal import InteractiveResponder, ScriptedResponder

    if args.answers is not None:
        return ScriptedResponder([t for t in args.answers.split(",") if t.strip()])
    if not sys.stdin.isatty():
        return ScriptedResponder([line.rstrip("\n") for line in sys.stdin if line.strip()])
    return InteractiveResponder()


def _open(need_store: bool = True):
    from study.practice import open_bank, open_schedule

    bank = open_bank()
    return bank, (open_schedule(bank) if need_store else None)


def bank_counts(bank: Bank) -> dict:
    chapters: dict[str, Counter] = defaultdict(Counter)
    for item in sorted(bank.items, key=chapter_order):
        counts = chapters[item.chapter]
        counts[item.status] += 1
        if item.accepted:
            counts[item.kind] += 1
    numbers = {item.chapter: item.chapter_number for item in bank.items}
    return {
        "generator": bank.meta.generator,
        "created": bank.meta.created,
        "items": len(bank.items),
        "accepted": sum(1 for i in bank.items if i.accepted),
        "retired": sum(1 for i in bank.items if not i.accepted),
        "origin": dict(Counter(i.origin for i in bank.items if i.accepted)),
        "chapters": [
            {
                "chapter": title,
                "number": numbers[title],
                "mcq": c["mcq"],
                "recall": c["recall"],
                "accepted": c["accepted"],
                "retired": c["retired"],
            }
            for title, c in chapters.items()
        ],
    }


def cmd_bank(args: argparse.Namespace, console: Console) -> int:
    from study.generate import rejections
    from study.practice import bank_path

    bank, _ = _open(need_store=False)
    counts = {**bank_counts(bank), "rejected": rejections(bank_path())}
    if args.json:
        print(json.dumps(counts, indent=2, ensure_ascii=False))
        return 0
    table = Table(title=f"Question bank ({counts['generator']}, {counts['created']})")
    for column in ("Chapter", "mcq", "recall", "retired"):
        table.add_column(column, justify="left" if column == "Chapter" else "right")
    for row in counts["chapters"]:
        table.add_row(Text(row["chapter"]), str(row["mcq"]), str(row["recall"]), str(row["retired"]))
    console.print(table)
    origin = ", ".join(f"{n} {name}" for name, n in counts["origin"].items()) or "none"
    console.print(f"{counts['accepted']} accepted ({origin}), {counts['retired']} retired")
    if counts["rejected"]:
        why = ", ".join(f"{n} {reason}" for reason, n in counts["rejected"].items())
        console.print(f"rejected by the checks when generated: {why}")
    return 0


def cmd_seed(args: argparse.Namespace, console: Console) -> int:
    from study import seed
    from study.practice import bank_path

    bank, summary = seed.write(bank_path())
    console.print(f"seed bank: {len(bank.items)} items, {summary.line()} -> {bank_path()}")
    return 0


def cmd_quiz(args: argparse.Namespace, console: Console) -> int:
    from study.practice import quiz_items
    from study.progress import weak_chapters
    from study.terminal import run_quiz

    _, schedule = _open()
    now = utc_now()
    chapters = list(args.chapter or [])
    if args.weak:
        chapters += weak_chapters(schedule, args.weak, now)
        console.print(Text(f"Weakest chapters: {', '.join(map(str, chapters))}", style="dim"))
    items = quiz_items(schedule, args.n, now, chapters=chapters or None, kind=args.kind, seed=args.seed)
    if not items:
        raise StudyflowError("no questions match: check --chapter and --kind against `python -m study bank`")
    run_quiz(console, schedule, items, _responder(args), utc_now)
    return 0


def cmd_review(args: argparse.Namespace, console: Console) -> int:
    from study.terminal import run_quiz

    _, schedule = _open()
    due = [d.item for d in schedule.due(utc_now())][: args.n]
    if not due:
        console.print("No cards are due. `python -m study quiz` asks new questions.")
        return 0
    run_quiz(console, schedule, due, _responder(args), utc_now, title="Review")
    return 0


def cmd_exam(args: argparse.Namespace, console: Console) -> int:
    from study.exam import Exam
    from study.terminal import run_exam

    _, schedule = _open()
    exam = Exam.start(schedule, args.n, utc_now(), minutes=args.minutes, seed=args.seed, chapters=args.chapter)
    if len(exam.items) < args.n:
        console.print(Text(f"The bank has {len(exam.items)} questions for this exam, not {args.n}.", style="yellow"))
    run_exam(console, exam, _responder(args), utc_now)
    return 0


def cmd_progress(args: argparse.Namespace, console: Console) -> int:
    from study.progress import chapter_progress

    _, schedule = _open()
    rows = chapter_progress(schedule, utc_now())
    if args.json:
        print(json.dumps([asdict(r) for r in rows], indent=2, ensure_ascii=False))
        return 0
    table = Table(title="Mastery per chapter, weakest first")
    for column in ("Chapter", "Mastery", "Seen", "Recall", "Recent right"):
        table.add_column(column, justify="left" if column == "Chapter" else "right")
    for r in rows:
        table.add_row(
            Text(r.chapter), f"{r.mastery:.0%}", f"{r.seen}/{r.items}", f"{r.retrievability:.0%}", f"{r.accuracy:.0%}"
        )
    console.print(table)
    return 0


def cmd_export(args: argparse.Namespace, console: Console) -> int:
    from study.export import write_anki, write_csv

    if not args.anki and not args.csv:
        raise StudyflowError("say what to write: --anki deck.apkg and/or --csv cards.csv")
    bank, _ = _open(need_store=False)
    if args.anki:
        console.print(f"{write_anki(bank.items, args.anki)} notes -> {args.anki}")
    if args.csv:
        console.print(f"{write_csv(bank.items, args.csv)} rows -> {args.csv}")
    return 0


def cmd_generate(args: argparse.Namespace, console: Console) -> int:
    from study import generate
    from study.passages import index_passages, round_robin, select, write_jsonl
    from study.practice import bank_path

    every = index_passages()
    chosen = round_robin(select(every, args.chapter))
    if not chosen:
        raise StudyflowError("no passages in that chapter: `python -m ingest.search --list` shows the chapters")
    write_jsonl(chosen, generate.PASSAGES_JSONL)
    if args.passages_only:
        console.print(f"{len(chosen)} passages -> {generate.PASSAGES_JSONL}")
        return 0
    from ingest.embedder import embed
    from study.background import own_passages
    from study.practice import open_bank, own_bank_path, start_own_bank

    # The student's own notes are generated into the student's own bank, as the page does; once there is one, it is
    # the bank the page and the quiz read, so everything goes there. Else the bank (study/data, the shipped one).
    mine = own_bank_path().is_file() or bool(own_passages(open_bank(), chosen))
    summary = generate.run(
        chosen,
        [p.passage_hash for p in every],
        generate.flow_generator(args.connection, args.model),
        embed,
        start_own_bank() if mine else bank_path(),
        limit=args.limit,
    )
    console.print(Text(summary.line()))
    return 130 if summary.interrupted else 0


def cmd_recheck(args: argparse.Namespace, console: Console) -> int:
    from ingest.embedder import word_pieces
    from ingest.search import vocabulary
    from study import bank as bank_data
    from study.practice import bank_path, own_bank_path
    from study.recheck import recheck
    from study.verify import known_words

    # The bank the page reads: the student's own once there is one, else the bank (the shipped one by default,
    # as `study generate` writes it).
    path = own_bank_path() if own_bank_path().is_file() else bank_path()
    before = bank_data.load(path)
    after, turned = recheck(before, known_words(vocabulary(), word_pieces()))
    for t in turned:
        console.print(Text(f"retired: {t.item.prompt} ({t.reason}: {t.detail})"))
    back = sum(1 for old, new in zip(before.items, after.items) if new.accepted and not old.accepted)
    if turned:
        bank_data.save(after, path)
    console.print(Text(f"{len(turned)} generated questions retired, {back} hand-written ones back, in {path}"))
    return 0


COMMANDS = {
    "bank": cmd_bank,
    "seed": cmd_seed,
    "quiz": cmd_quiz,
    "review": cmd_review,
    "exam": cmd_exam,
    "progress": cmd_progress,
    "export": cmd_export,
    "generate": cmd_generate,
    "recheck": cmd_recheck,
}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    console = Console(highlight=False)
    return COMMANDS[args.command](args, console)


if __name__ == "__main__":
    sys.exit(cli_exit(main))
