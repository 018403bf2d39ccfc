"""Practice-exam questions (harness/questions/exam_questions.jsonl), side by side on the same model server:
closed book (the letter prompt, no notes), oracle passage (the notes' deciding lines, asked the flow's way for the
form) and the Q&A flow's way (fused retrieval, the gate on the stem, option-order votes + the closed-book vote, or
for a goal check / true-false one Yes-No question: answering.exam_answer.choose), per form; the gate's false
declines, declines of the uncovered exam questions (exam_uncovered.jsonl), seconds and prompt tokens.

python -m bench.exam_questions [--split heldout|dev] [--limit N] [--focus CHARS] [--flow-only]

The held-out split is the default: methods and thresholds were chosen on dev. The flow's figure runs the flow's
node functions in this process (passages_for, then choose), so it can count prompt tokens; tests/test_exam_flow.py
checks the same answers through `pf flow test`.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import defaultdict

from promptflow.connections import OpenAIConnection

from answering.exam_answer import ask_letters, choose
from answering.exam_question import ExamQuestion, parse
from answering.passages import passages_for
from answering.question import check_question
from answering.shared_focus import shared_focus
from core.errors import StudyflowError
from core.paths import PROJECT_ROOT
from core.text import strip_html
from harness.questions import FOLDER, load_questions
from ingest.search import vocabulary
from local_llm.settings import llm_port

NOTES = PROJECT_ROOT / "notes" / "dp100-notes.md"


def oracle_passages(row: dict, notes: list[str]) -> list[dict]:
    """The deciding lines of the notes as the one passage [1]."""
    first, last = row["lines"]
    text = strip_html("\n".join(notes[first - 1 : last])).strip()
    return [{"n": 1, "chapter": f"Chapter {row['chapter']}", "text": text}]


def oracle_letters(question: ExamQuestion, passages: list[dict], connection: OpenAIConnection) -> list[str]:
    """The given passages asked in the flow's way for the form (answering.exam_answer.choose) without its extra
    votes: one letter call in the student's order, no closed-book vote, nothing ruled out."""
    return choose(question, passages, connection, "local", permutations=1, closed_book=False).choice


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def _one(
    row: dict,
    connection: OpenAIConnection,
    notes: list[str],
    vocab: frozenset[str],
    tally: dict,
    seconds: list[float],
    tokens: list[int],
    declined: list[str],
    verbose: bool,
    focus: int = 0,
    baselines: bool = True,
) -> None:
    """One question's three answers, counted into tally (per form and "all"). focus > 0: the flow's passages cut
    together to that many characters of what bears on the stem and options (answering.shared_focus), a variant
    to compare; baselines False: the flow only (closed book and oracle count as misses)."""
    question = parse(row["question"])
    key = sorted(row["answer"])
    start = time.perf_counter()
    retrieval = passages_for(check_question(row["question"]))
    if retrieval["covered"]:
        passages = retrieval["passages"]
        if focus:
            texts = shared_focus([p["text"] for p in passages], row["question"], focus)
            passages = [dict(p, text=t) for p, t in zip(passages, texts, strict=True)]
        chosen = choose(question, passages, connection, "local", vocab=vocab)
        flow, closed = chosen.choice, chosen.closed_book  # choose's closed-book call is the baseline's
        took = time.perf_counter() - start
        if not closed and baselines:  # a goal check / true-false asks no closed-book vote: the baseline's own call
            closed, _ = ask_letters(connection, "local", question, [], list(question.options))
    else:
        flow = []
        closed = ask_letters(connection, "local", question, [], list(question.options))[0] if baselines else []
    oracle = oracle_letters(question, oracle_passages(row, notes), connection) if baselines else []
    # Counted once every call of the question is done (a retry repeats them all).
    if retrieval["covered"]:
        seconds.append(took)
        tokens.append(chosen.prompt_tokens)
    else:
        declined.append(row["id"])
    for form in (row["form"], "all"):
        counts = tally[form]
        counts["n"] += 1
        counts["closed"] += sorted(closed) == key
        counts["oracle"] += sorted(oracle) == key
        counts["flow"] += flow == key
    if verbose:
        picks = [("closed", closed), ("oracle", oracle), ("flow", flow)]
        marks = " ".join(f"{name}={''.join(got) or '-'}" for name, got in picks)
        votes = f"votes={[''.join(g) for g in chosen.grounded]} out={chosen.ruled_out}" if retrieval["covered"] else ""
        print(f"  {row['id']} {row['form']:9s} key={''.join(key)} {marks} {votes}", flush=True)


def evaluate(
    rows: list[dict], connection: OpenAIConnection, verbose: bool = True, focus: int = 0, baselines: bool = True
) -> dict:
    notes = NOTES.read_text(encoding="utf-8").split("\n")
    vocab = vocabulary()
    tally: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    seconds, tokens, declined = [], [], []
    for row in rows:
        for _attempt in range(3):  # the shared model server may be restarted by someone else mid-run
            try:
                _one(row, connection, notes, vocab, tally, seconds, tokens, declined, verbose, focus, baselines)
                break
            except StudyflowError as error:
                print(f"  {row['id']} retry after: {error}", flush=True)
                time.sleep(15)
    return {
        "forms": {form: dict(counts) for form, counts in tally.items()},
        "false_declines": declined,
        "seconds_median": round(_median(seconds), 1),
        "prompt_tokens_median": _median(tokens),
    }


def uncovered_declines(split: str) -> tuple[int, int, list[str]]:
    """(declined, total, ids answered) of the uncovered exam questions: the gate alone, no LLM."""
    rows = [r for r in load_questions(FOLDER / "exam_uncovered.jsonl") if split == "all" or r["split"] == split]
    answered = [r["id"] for r in rows if passages_for(check_question(r["question"]))["covered"]]
    return len(rows) - len(answered), len(rows), answered


def table(split: str, result: dict) -> str:
    lines = ["| form | n | closed book | oracle passage | flow | flow - closed |", "|---|---|---|---|---|---|"]
    for form, c in sorted(result["forms"].items(), key=lambda kv: (kv[0] == "all", kv[0])):
        n = c["n"]
        lines.append(
            f"| {'**all**' if form == 'all' else form} | {n} | {c['closed']}/{n} = {c['closed'] / n:.2f} | "
            f"{c['oracle']}/{n} = {c['oracle'] / n:.2f} | {c['flow']}/{n} = {c['flow'] / n:.2f} | "
            f"{(c['flow'] - c['closed']) / n:+.2f} |"
        )
    return f"exam questions, {split} split:\n" + "\n".join(lines)


def main(
    split: str = "heldout",
    limit: int | None = None,
    verbose: bool = True,
    focus: int = 0,
    baselines: bool = True,
    forms: list[str] | None = None,
) -> dict:
    connection = OpenAIConnection(api_key="sk-no-key-needed", base_url=f"http://127.0.0.1:{llm_port()}/v1")
    rows = [r for r in load_questions(FOLDER / "exam_questions.jsonl") if split == "all" or r["split"] == split]
    rows = [r for r in rows if not forms or r["form"] in forms]
    rows = rows[:limit] if limit else rows
    result = evaluate(rows, connection, verbose, focus, baselines)
    declined, total, answered = uncovered_declines(split)
    result["uncovered_declined"] = f"{declined}/{total}"
    print(table(split, result))
    n = result["forms"]["all"]["n"]
    print(
        f"gate false declines {len(result['false_declines'])}/{n} {result['false_declines']}; uncovered exam questions "
        f"declined {declined}/{total} {answered or ''}; flow median {result['seconds_median']} s/question, "
        f"{result['prompt_tokens_median']:.0f} prompt tokens/question (summed over its calls)"
    )
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", default="heldout", choices=["heldout", "dev", "all"])
    parser.add_argument("--limit", type=int, default=None, help="only the first N questions (a bounded run)")
    parser.add_argument("--focus", type=int, default=0, help="the flow's passages cut together to CHARS characters")
    parser.add_argument("--flow-only", action="store_true", help="no closed-book and oracle baselines")
    parser.add_argument("--form", action="append", help="only questions of this form (repeatable): yesno, ...")
    parser.add_argument("--verdict-passages", type=int, help="passages a yes/no verdict reads (a variant to compare)")
    args = parser.parse_args()
    if args.verdict_passages:
        from answering import exam_verdict

        exam_verdict.VERDICT_PASSAGES = args.verdict_passages
    main(args.split, args.limit, focus=args.focus, baselines=not args.flow_only, forms=args.form)
