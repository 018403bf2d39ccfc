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

from bench.question_bank import check_figures, labelled_mcqs, passes


def main(argv: list[str] | None = None) -> dict:
    from answering.exam_answer import ask_letters
    from bench.followups import local_connection

    connection = local_connection()
    results = []
    start = time.perf_counter()
    for row, asked, passages in labelled_mcqs(argv, __doc__.splitlines()[0]):
        question = replace(asked, picks=0)
        keys = list(question.options)
        picks = [ask_letters(connection, "local", question, passages, order)[0] for order in (keys, keys[::-1])]
        passed = passes(row)
        results.append({"id": row["id"], "split": row["split"], "passed": passed, "picks": picks, "key": row["key"]})
        verdict = "pass" if passed else "FAIL"
        print(f"{row['split']:8} {verdict} key {row['key']} picks {picks} | {row['question'][:70]}")
    figures = {"questions": len(results), "seconds": round(time.perf_counter() - start, 1), "rules": {}}
    for rule, orders in (("first order", 1), ("both orders", 2)):
        figures["rules"] |= check_figures(
            results, lambda r, orders=orders: all(p == [r["key"]] for p in r["picks"][:orders]), rule
        )
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
