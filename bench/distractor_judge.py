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

from bench.question_bank import check_figures, labelled_mcqs, passes

# A question is turned away when its best wrong option's margin is at least the key's minus the cut.
CUTS = (-1.0, -0.5, 0.0, 0.5, 1.0, 1.5)


def main(argv: list[str] | None = None) -> dict:
    from bench.exam_verdict import option_margins
    from bench.followups import local_connection

    connection = local_connection()
    results = []
    start = time.perf_counter()
    for row, question, passages in labelled_mcqs(argv, __doc__.splitlines()[0]):
        margins = option_margins(connection, question, passages)
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
        figures["cuts"] |= check_figures(results, lambda r, cut=cut: r["wrong"] < r["key"] - cut, f"cut {cut:+.1f}")
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
