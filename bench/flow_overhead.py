"""For 10 questions: prompt tokens, time to first token and total time straight to the llama.cpp server, against
the total time of the same question through the Q&A flow (retrieval + prompt + LLM node + citations).

--focus CHARS [CHARS ...]: instead, whole passages against passages cut to CHARS characters each (answering.focus),
side by side on the same questions: prompt tokens, time to first token (cold) and right answers (key terms).

python -m bench.flow_overhead [--focus 400 600] [--count N] [--set dev|tuning]
"""

import argparse
import sys
import time

from openai import OpenAI

from answering.llm_client import render_messages
from answering.passages import passages
from answering.retrieval import retrieve
from bench.common import ROOT, has_key_terms, load_qa_flow
from core.errors import cli_exit
from harness.questions import DEV_SET, TUNING_SET, load_questions
from harness.timing import median
from local_llm.server import base_url


def forget_prefix(client: OpenAI) -> None:
    # llama.cpp reuses the previous prompt's prefix; a tiny unrelated request makes each timing start cold.
    client.chat.completions.create(model="local", messages=[{"role": "user", "content": "Hi"}], max_tokens=1)


def direct(client: OpenAI, msgs: list[dict]) -> tuple[float, float, int, str]:
    """The request the LLM node makes (same messages and sampling), streamed to see the first token."""
    started = time.perf_counter()
    first = None
    text = []
    stream = client.chat.completions.create(
        model="local", messages=msgs, temperature=0, top_p=1.0, max_tokens=300, stream=True
    )
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            first = first or time.perf_counter() - started
            text.append(chunk.choices[0].delta.content)
    total = time.perf_counter() - started
    usage = client.chat.completions.create(model="local", messages=msgs, max_tokens=1).usage  # prefix is cached now
    return first or total, total, usage.prompt_tokens, "".join(text)


def main(count: int = 10) -> dict:
    client = OpenAI(base_url=base_url(), api_key="sk-no-key-needed", timeout=600)
    flow = load_qa_flow()
    prompt = ROOT / "flows/qa/answer.jinja2"
    rows = []
    questions = [q for q in load_questions(DEV_SET) if q["chapter"] is not None][:count]
    flow(question=questions[0]["question"])  # warm: model load, index, pf executor
    for i, q in enumerate(questions):
        retrieval = retrieve(q["question"], k=3)
        msgs = render_messages(prompt, passages=passages(retrieval), question=retrieval.question)
        timings = {}
        # Alternate the order so neither path always runs on a warmer machine.
        for path in ("flow", "direct") if i % 2 == 0 else ("direct", "flow"):
            forget_prefix(client)
            if path == "flow":
                t = time.perf_counter()
                flow_answer = flow(question=q["question"])["answer"]
                timings["flow_total"] = time.perf_counter() - t
            else:
                timings["ttft"], timings["direct_total"], timings["prompt_tokens"], direct_answer = direct(client, msgs)
        # With the same prompt and temperature 0 both paths generate the same tokens, so the times compare.
        timings["same_answer"] = flow_answer.strip() == direct_answer.strip()
        rows.append(timings)
        print(
            f"  {q['id']}: {timings['prompt_tokens']} prompt tokens, direct TTFT {timings['ttft']:.2f} s, "
            f"direct total {timings['direct_total']:.2f} s, flow total {timings['flow_total']:.2f} s, "
            f"same answer: {timings['same_answer']}"
        )
    result = {
        "prompt_tokens_median": median([r["prompt_tokens"] for r in rows]),
        "ttft_median_s": median([r["ttft"] for r in rows]),
        "direct_total_median_s": median([r["direct_total"] for r in rows]),
        "flow_total_median_s": median([r["flow_total"] for r in rows]),
        "overhead_ratio_median": median([r["flow_total"] / r["direct_total"] for r in rows]),
        "same_answers": sum(r["same_answer"] for r in rows),
    }
    print(
        f"flow vs direct over {len(rows)} questions: median {result['prompt_tokens_median']:.0f} prompt tokens, "
        f"direct TTFT {result['ttft_median_s']:.2f} s, direct total {result['direct_total_median_s']:.2f} s, "
        f"flow total {result['flow_total_median_s']:.2f} s, overhead ratio {result['overhead_ratio_median']:.2f} "
        f"(goal <= 1.10); {result['same_answers']}/{len(rows)} identical answers"
    )
    return result


def focus_side_by_side(budgets: list[int], count: int, path=DEV_SET) -> dict:
    """Each question's prompt with whole passages (0) and with each budget, sent in a rotating order so no variant
    always runs on a warmer machine; every timing starts cold."""
    client = OpenAI(base_url=base_url(), api_key="sk-no-key-needed", timeout=600)
    prompt = ROOT / "flows/qa/answer.jinja2"
    variants = [0, *budgets]
    rows = {b: [] for b in variants}
    questions = [q for q in load_questions(path) if q["chapter"] is not None][:count]
    for i, q in enumerate(questions):
        retrieval = retrieve(q["question"], k=3)
        shift = i % len(variants)
        for budget in variants[shift:] + variants[:shift]:
            msgs = render_messages(prompt, passages=passages(retrieval, budget), question=retrieval.question)
            forget_prefix(client)
            ttft, _, tokens, answer = direct(client, msgs)
            rows[budget].append({"ttft": ttft, "tokens": tokens, "right": has_key_terms(answer, q["key_terms"])})
        print(
            f"  {q['id']}: "
            + "; ".join(
                f"{b or 'whole'}: {rows[b][-1]['tokens']} tokens, TTFT {rows[b][-1]['ttft']:.2f} s, "
                f"{'right' if rows[b][-1]['right'] else 'MISS'}"
                for b in variants
            ),
            flush=True,
        )
    result = {}
    for budget in variants:
        r = rows[budget]
        shown = "whole" if not budget else f"cut to {budget} chars"
        result[budget] = {
            "prompt_tokens_median": median([x["tokens"] for x in r]),
            "ttft_p50_s": median([x["ttft"] for x in r]),
            "right": sum(x["right"] for x in r),
        }
        print(
            f"{path.name}, {len(r)} questions, passages {shown}: median {result[budget]['prompt_tokens_median']:.0f} "
            f"prompt tokens, TTFT p50 {result[budget]['ttft_p50_s']:.2f} s (cold), "
            f"{result[budget]['right']}/{len(r)} right"
        )
    return result


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--focus", type=int, nargs="+", help="characters each passage keeps, side by side with whole")
    parser.add_argument("--count", type=int, default=10)
    parser.add_argument("--set", choices=("dev", "tuning"), default="dev")
    args = parser.parse_args()
    if args.focus:
        focus_side_by_side(args.focus, args.count, DEV_SET if args.set == "dev" else TUNING_SET)
    else:
        main(args.count)


if __name__ == "__main__":
    sys.exit(cli_exit(cli))
