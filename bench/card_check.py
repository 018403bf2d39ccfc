"""An experiment for the next quiz generator: does a model check of flash cards turn away the ones the blind check
failed? Today only multiple-choice questions get a model check (passage_agrees, round_trip); 12 of the 32 flash
cards of generator 3's blind check fail it (an answer that does not answer its question).

The check: the model, given the card's passage alone, answers the card's question in a few words; the evaluation
flow's local similarity scorer (eval.local_judge, no model) compares that answer with the card's. A card whose
similarity is under the cut would be rejected. It prints, per split and per cut, the labelled passes kept and the
labelled fails turned away, so a cut chosen on dev is judged on held-out.

Usage: python -m bench.card_check [--rows harness/questions/bank_blind_check.jsonl] [--generator "flows/quiz 3"]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from bench.question_bank import BLIND_CHECK, _labelled, load_blind_check, passes
from study.source import read_lines

PROMPT = (
    "Notes:\n{passage}\n\nAnswer the question in a few words, from the notes above only. If the notes do not answer "
    "it, say: not in the notes.\nQuestion: {question}\nAnswer:"
)
CUTS = (2, 3, 4)


def model_answer(connection, question: str, passage: str) -> str:
    from answering.llm_client import complete

    messages = [{"role": "user", "content": PROMPT.format(passage=passage, question=question)}]
    return complete(connection, "local", messages, max_tokens=40, timeout=300).strip()


def main(argv: list[str] | None = None) -> dict:
    from bench.followups import local_connection
    from eval.local_judge import similarity

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=Path, default=BLIND_CHECK)
    parser.add_argument("--generator", default="flows/quiz 3")
    args = parser.parse_args(argv)
    rows = [
        r
        for r in load_blind_check(args.rows)
        if r.get("generator") == args.generator and r["kind"] == "recall" and _labelled(r)
    ]
    connection = local_connection()
    results = []
    start = time.perf_counter()
    for row in rows:
        answer = model_answer(connection, row["question"], read_lines(*row["reference"].rsplit(":", 1)).text)
        sim = similarity(answer=answer, ground_truth=row["answer"])["score"]
        passed = passes(row)
        results.append({"id": row["id"], "split": row["split"], "passed": passed, "similarity": sim, "model": answer})
        print(f"{row['split']:8} {'pass' if passed else 'FAIL'} sim {sim} | {row['question'][:60]} | {answer[:60]}")
    figures = {"cards": len(results), "seconds": round(time.perf_counter() - start, 1), "cuts": {}}
    for cut in CUTS:
        for split in ("dev", "heldout"):
            part = [r for r in results if r["split"] == split]
            kept = sum(1 for r in part if r["passed"] and (r["similarity"] or 0) >= cut)
            caught = sum(1 for r in part if not r["passed"] and (r["similarity"] or 0) < cut)
            n_pass, n_fail = sum(r["passed"] for r in part), sum(not r["passed"] for r in part)
            left = sum(1 for r in part if (r["similarity"] or 0) >= cut)
            rate = kept / left if left else None
            figures["cuts"][f"{cut} {split}"] = {
                "passes_kept": f"{kept}/{n_pass}",
                "fails_caught": f"{caught}/{n_fail}",
            }
            print(
                f"cut {cut} {split:8}: passes kept {kept}/{n_pass}, fails turned away {caught}/{n_fail}, "
                f"blind-check pass rate of what is left {rate if rate is None else round(rate, 2)}"
            )
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
