"""The flash-card check of the quiz flow (card_agrees), on the labelled cards of the blind check: does it turn away
the cards the blind check failed (an answer that does not answer its question) and keep the others?

The check: the model, given the card's passage alone, answers the card's question in a few words
(flows/quiz/card_answer.jinja2); the evaluation flow's local similarity scorer (eval.local_judge, no model) compares
that answer with the card's. It prints, per split and per cut, the labelled passes kept and the labelled fails
turned away, so a cut chosen on dev (study.verify.MIN_CARD_SIMILARITY) is judged on held-out.

Usage: python -m bench.card_check [--rows harness/questions/bank_blind_check.jsonl] [--generator "flows/quiz 3"]
"""

from __future__ import annotations

import json
import time

from bench.question_bank import check_figures, labelled_rows, passage_of, passes
from core.paths import PROJECT_ROOT
from study.round_trip import card_answer, card_similarity

CARD_PROMPT = PROJECT_ROOT / "flows" / "quiz" / "card_answer.jinja2"
CUTS = (2, 3, 4)


def main(argv: list[str] | None = None) -> dict:
    from bench.followups import local_connection

    rows = labelled_rows(argv, __doc__.splitlines()[0], "recall")
    connection = local_connection()
    results = []
    start = time.perf_counter()
    for row in rows:
        passage = passage_of(row)
        answer = card_answer({"question": row["question"]}, passage, CARD_PROMPT, connection, "local", timeout=300)
        sim = card_similarity(answer, row["answer"])
        passed = passes(row)
        results.append({"id": row["id"], "split": row["split"], "passed": passed, "similarity": sim, "model": answer})
        print(f"{row['split']:8} {'pass' if passed else 'FAIL'} sim {sim} | {row['question'][:60]} | {answer[:60]}")
    figures = {"cards": len(results), "seconds": round(time.perf_counter() - start, 1), "cuts": {}}
    for cut in CUTS:
        figures["cuts"] |= check_figures(results, lambda r, cut=cut: (r["similarity"] or 0) >= cut, f"cut {cut}")
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
