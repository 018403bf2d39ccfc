"""How far the local model prefers "Yes" over "No" on each goal check and true/false question, through the model
server itself: the logit bias on "No" at which its answer turns (bisection), i.e. its Yes-over-No logit margin.
answering.exam_verdict answers No below NO_BIAS; this prints the margins of the questions with each key, so the
threshold can be chosen (on dev) and checked. The server returns no logprobs (it runs without logits_all).

python -m bench.exam_verdict [--split dev|heldout] [--limit N] [--oracle | --top N]

--oracle uses the notes' deciding lines as the one passage instead of the flow's retrieval; --top N keeps only the
first N passages of the retrieval (the best ranked). The calls of one
question share their prompt, so llama.cpp re-reads only its last token after the first (when no one else is using
the server in between).
"""

from __future__ import annotations

import argparse
import statistics
import time

from promptflow.connections import OpenAIConnection

from answering.exam_question import ExamQuestion, parse
from answering.exam_verdict import NO_BIAS, Claim, ask_verdict, letters, option_claim
from answering.passages import passages_for
from answering.question import check_question
from bench.exam_questions import NOTES, oracle_passages
from harness.questions import FOLDER, load_questions
from local_llm.settings import llm_port

LOW, HIGH, STEP = -3.0, 6.0, 0.05  # margins outside are printed as "< -3" / "> 6"; STEP: the bisection's precision


def margin(
    connection: OpenAIConnection, question: ExamQuestion, passages: list[dict], asked: Claim | None = None
) -> float:
    """The bias on "No" at which the answer turns from Yes to No, within STEP; LOW / HIGH when outside them.
    asked: what is judged (default: the question's own claim; answering.exam_verdict.option_claim: one option)."""

    def says_yes(bias: float) -> bool:
        return ask_verdict(connection, "local", question, passages, no_bias=bias, asked=asked)[0] is True

    if not says_yes(LOW):
        return LOW
    if says_yes(HIGH):
        return HIGH
    low, high = LOW, HIGH  # Yes at low, No at high
    while high - low > STEP:
        middle = (low + high) / 2
        low, high = (middle, high) if says_yes(middle) else (low, middle)
    return round((low + high) / 2, 2)


def option_margins(connection: OpenAIConnection, question: ExamQuestion, passages: list[dict]) -> dict[str, float]:
    """Each option's margin when it is judged on its own (answering.exam_verdict.option_claim), by letter."""
    return {
        letter: margin(connection, question, passages, option_claim(question, letter)) for letter in question.options
    }


def main(split: str = "dev", limit: int | None = None, oracle: bool = False, top: int = 0) -> list[dict]:
    connection = OpenAIConnection(api_key="sk-no-key-needed", base_url=f"http://127.0.0.1:{llm_port()}/v1")
    rows = [r for r in load_questions(FOLDER / "exam_questions.jsonl") if split == "all" or r["split"] == split]
    rows = [r for r in rows if letters(parse(r["question"]))][: limit or None]
    notes = NOTES.read_text(encoding="utf-8").split("\n")
    found: list[dict] = []
    for row in rows:
        question = parse(row["question"])
        start = time.perf_counter()
        passages = oracle_passages(row, notes) if oracle else passages_for(check_question(row["question"]))["passages"]
        passages = passages[:top] if top and not oracle else passages
        yes = letters(question)[0] in row["answer"]
        found.append(
            {"id": row["id"], "form": row["form"], "yes": yes, "margin": margin(connection, question, passages)}
        )
        print(f"  {row['id']} {row['form']:9s} key={'Yes' if yes else 'No ':3s} margin={found[-1]['margin']:+.2f} "
              f"({time.perf_counter() - start:.0f} s)", flush=True)  # fmt: skip
    for form in sorted({f["form"] for f in found}) + ["all"]:
        mine = [f for f in found if form in ("all", f["form"])]
        right = sum((f["margin"] > NO_BIAS) == f["yes"] for f in mine)
        yes = sorted(f["margin"] for f in mine if f["yes"])
        no = sorted(f["margin"] for f in mine if not f["yes"])
        print(f"{form}: right at NO_BIAS={NO_BIAS}: {right}/{len(mine)}; margins where Yes {yes}; where No {no}")
    if found:
        print(f"median margin where Yes {statistics.median([f['margin'] for f in found if f['yes']] or [0]):+.2f}, "
              f"where No {statistics.median([f['margin'] for f in found if not f['yes']] or [0]):+.2f}")  # fmt: skip
    return found


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", default="dev", choices=["dev", "heldout", "all"])
    parser.add_argument("--limit", type=int, default=None, help="only the first N questions")
    parser.add_argument("--oracle", action="store_true", help="the deciding lines as the passage, not the retrieval")
    parser.add_argument("--top", type=int, default=0, help="only the first N passages of the retrieval (0: all)")
    args = parser.parse_args()
    main(args.split, args.limit, args.oracle, args.top)
