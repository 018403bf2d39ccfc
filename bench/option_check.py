"""An experiment for the quiz flow, not adopted (docs/benchmarks.md#question-bank): does asking the model, given the
passage, for *every* correct option turn away the multiple-choice questions the blind check failed because a wrong
option is right too? (6 of the 10 failed questions of generator 3's blind check; passage_agrees asks for one
letter, so the model picks the key and never says that another option is right as well.)

Per labelled multiple-choice row: the model, given the row's passage alone, picks every correct option, in the
row's option order and reversed. A row "passes the check" when both picks are exactly the key. It prints, per split,
the labelled passes kept and the labelled fails turned away, for one order and for both.

Usage: python -m bench.option_check [--rows harness/questions/bank_blind_check.jsonl] [--generator "flows/quiz 3"]
"""

from __future__ import annotations

import json
import time
from dataclasses import replace

from bench.question_bank import labelled_rows, passage_of, passes


def main(argv: list[str] | None = None) -> dict:
    from answering.exam_answer import ask_letters
    from answering.exam_question import parse
    from bench.followups import local_connection
    from study.round_trip import as_pasted

    rows = labelled_rows(argv, __doc__.splitlines()[0], "mcq")
    connection = local_connection()
    results = []
    start = time.perf_counter()
    for row in rows:
        question = replace(parse(as_pasted({"stem": row["question"], "options": row["options"]})), picks=0)
        passages = [{"n": 1, "chapter": "", "text": passage_of(row)}]
        keys = list(question.options)
        picks = [ask_letters(connection, "local", question, passages, order)[0] for order in (keys, keys[::-1])]
        passed = passes(row)
        results.append({"id": row["id"], "split": row["split"], "passed": passed, "picks": picks, "key": row["key"]})
        verdict = "pass" if passed else "FAIL"
        print(f"{row['split']:8} {verdict} key {row['key']} picks {picks} | {row['question'][:70]}")
    figures = {"questions": len(results), "seconds": round(time.perf_counter() - start, 1), "rules": {}}
    for rule, orders in (("first order", 1), ("both orders", 2)):
        for split in ("dev", "heldout"):
            part = [r for r in results if r["split"] == split]
            ok = [all(p == [r["key"]] for p in r["picks"][:orders]) for r in part]
            kept = sum(1 for r, o in zip(part, ok) if r["passed"] and o)
            caught = sum(1 for r, o in zip(part, ok) if not r["passed"] and not o)
            n_pass, n_fail = sum(r["passed"] for r in part), sum(not r["passed"] for r in part)
            figures["rules"][f"{rule} {split}"] = {
                "passes_kept": f"{kept}/{n_pass}",
                "fails_caught": f"{caught}/{n_fail}",
            }
            print(f"{rule} {split:8}: passes kept {kept}/{n_pass}, fails turned away {caught}/{n_fail}")
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
