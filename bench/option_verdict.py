"""Each option of a multiple-choice question judged on its own (answering.exam_verdict.option_claim: "is the
proposed answer a correct answer to the question?", Yes / No against the notes) instead of the letter votes: the
Yes-over-No margin of every option, then the picks it makes: the best k for "select k", the options above a
threshold for "all that apply" (a sweep; at least the best one), the best one for a single answer. Beside it, what
the flow's letter votes chose for the same question on the same passages.

python -m bench.option_verdict [--split dev|heldout] [--form multi] [--form single] [--limit N] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from pathlib import Path

from promptflow.connections import OpenAIConnection

from answering.exam_answer import choose
from answering.exam_question import ExamQuestion, parse
from answering.passages import passages_for
from answering.question import check_question
from bench.exam_verdict import option_margins
from harness.questions import FOLDER, load_questions
from ingest.search import vocabulary
from local_llm.settings import llm_port

THRESHOLDS = (-1.0, 0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0)


def picks_by_margin(question: ExamQuestion, margins: dict[str, float], threshold: float) -> list[str]:
    """The letters the margins choose: the best `picks`, or for "all that apply" those above threshold (at least
    the best one)."""
    ranked = sorted(margins, key=lambda letter: (-margins[letter], list(question.options).index(letter)))
    if question.picks >= 1:
        return sorted(ranked[: question.picks])
    return sorted([letter for letter in ranked if margins[letter] > threshold] or ranked[:1])


def main(split: str, forms: list[str], limit: int | None, out: Path | None) -> list[dict]:
    connection = OpenAIConnection(api_key="sk-no-key-needed", base_url=f"http://127.0.0.1:{llm_port()}/v1")
    rows = [r for r in load_questions(FOLDER / "exam_questions.jsonl") if r["split"] == split and r["form"] in forms]
    vocab = vocabulary()
    found: list[dict] = []
    for row in rows[: limit or None]:
        question = parse(row["question"])
        retrieval = passages_for(check_question(row["question"]))
        if not retrieval["covered"]:
            print(f"  {row['id']} declined by the gate", flush=True)
            continue
        start = time.perf_counter()
        passages = retrieval["passages"]
        margins = option_margins(connection, question, passages)
        judged = time.perf_counter() - start
        voted = choose(question, passages, connection, "local", vocab=vocab).choice
        found.append({"id": row["id"], "form": row["form"], "picks": question.picks, "key": sorted(row["answer"]),
                      "margins": margins, "votes": voted, "seconds": round(judged, 1)})  # fmt: skip
        shown = " ".join(f"{letter}{m:+.1f}" for letter, m in margins.items())
        print(f"  {row['id']} {row['form']:6s} picks={question.picks} key={''.join(sorted(row['answer']))} "
              f"votes={''.join(voted)} margins {shown} ({judged:.0f} s)", flush=True)  # fmt: skip
    if out:
        out.write_text("\n".join(json.dumps(f) for f in found) + "\n", encoding="utf-8")
    report(found)
    return found


def report(found: list[dict]) -> None:
    by_form: dict[str, list[dict]] = defaultdict(list)
    for f in found:
        by_form[f["form"]].append(f)
    for form, mine in sorted(by_form.items()):
        votes = sum(f["votes"] == f["key"] for f in mine)
        print(f"{form} ({len(mine)}): letter votes {votes}/{len(mine)}")
        for threshold in THRESHOLDS:
            right = 0
            for f in mine:
                question = ExamQuestion("", "", f["form"], {k: "" for k in f["margins"]}, f["picks"])
                right += picks_by_margin(question, f["margins"], threshold) == f["key"]
            print(f"  margins, all-that-apply above {threshold:+.1f}: {right}/{len(mine)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", default="dev", choices=["dev", "heldout"])
    parser.add_argument("--form", action="append", choices=["multi", "single", "code"], help="default: multi")
    parser.add_argument("--limit", type=int, default=None, help="only the first N questions")
    parser.add_argument("--out", type=Path, default=None, help="write each question's margins here (JSON lines)")
    args = parser.parse_args()
    main(args.split, args.form or ["multi"], args.limit, args.out)
