"""An experiment for the quiz flow's check that no wrong option is right too: the model, given the passage alone,
judges each option of a labelled multiple-choice question on its own (answering.exam_verdict.option_claim, the
"select all that apply" way of the exam answering), and the question is turned away when a wrong option's
Yes-over-No margin comes near the key's. Prints, per split, the labelled passes kept and the labelled fails turned
away for a sweep of cuts, so the cut is chosen on dev and read on held-out.

Usage: python -m bench.distractor_judge [--rows FILE] [--generator "flows/quiz 3" | all]
"""

from __future__ import annotations

import json
import time

from bench.question_bank import labelled_rows, passage_of, passes

# A question is turned away when its best wrong option's margin is at least the key's minus the cut.
CUTS = (-1.0, -0.5, 0.0, 0.5, 1.0, 1.5)


def main(argv: list[str] | None = None) -> dict:
    from answering.exam_question import parse
    from answering.exam_verdict import option_claim
    from bench.exam_verdict import margin
    from bench.followups import local_connection
    from study.round_trip import as_pasted

    rows = labelled_rows(argv, __doc__.splitlines()[0], "mcq")
    connection = local_connection()
    results = []
    start = time.perf_counter()
    for row in rows:
        question = parse(as_pasted({"stem": row["question"], "options": row["options"]}))
        passages = [{"n": 1, "chapter": "", "text": passage_of(row)}]
        margins = {
            letter: margin(connection, question, passages, option_claim(question, letter))
            for letter in question.options
        }
        wrong = max(m for letter, m in margins.items() if letter != row["key"])
        results.append(
            {"id": row["id"], "split": row["split"], "passed": passes(row), "key": margins[row["key"]], "wrong": wrong}
        )
        shown = " ".join(f"{letter}{m:+.1f}" for letter, m in margins.items())
        print(
            f"{row['split']:8} {'pass' if passes(row) else 'FAIL'} key {row['key']} {shown} | {row['question'][:60]}",
            flush=True,
        )
    figures = {"questions": len(results), "seconds": round(time.perf_counter() - start, 1), "cuts": {}}
    for cut in CUTS:
        for split in ("dev", "heldout"):
            part = [r for r in results if r["split"] == split]
            kept = sum(1 for r in part if r["passed"] and r["wrong"] < r["key"] - cut)
            caught = sum(1 for r in part if not r["passed"] and r["wrong"] >= r["key"] - cut)
            n_pass, n_fail = sum(r["passed"] for r in part), sum(not r["passed"] for r in part)
            figures["cuts"][f"{cut:+.1f} {split}"] = {
                "passes_kept": f"{kept}/{n_pass}",
                "fails_caught": f"{caught}/{n_fail}",
            }
            print(f"cut {cut:+.1f} {split:8}: passes kept {kept}/{n_pass}, fails turned away {caught}/{n_fail}")
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
