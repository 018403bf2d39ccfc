"""For 10 questions: prompt tokens, time to first token and total time straight to the llama.cpp server, against
the total time of the same question through the Q&A flow (retrieval + prompt + LLM node + citations).

--focus CHARS [CHARS ...]: instead, whole passages against passages cut to CHARS characters in all
(answering.shared_focus, STUDYFLOW_FOCUS_CHARS), side by side on the same questions in rotating order: prompt
tokens, time to first token (after another question of the flow) and its ratio to whole passages question by
question, right answers (key terms, after the flow's checks) and cited answers.

python -m bench.flow_overhead [--focus 1000 800] [--count N] [--set dev|tuning]
"""

import argparse
import re
import sys
import time

from openai import OpenAI

from answering.decline import NOT_COVERED
from answering.grounding import is_grounded, is_off_topic
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


def prime(client: OpenAI, msgs: list[dict]) -> None:
    # What the server holds after another question of the flow: the same system message, then another user turn.
    client.chat.completions.create(model="local", messages=[msgs[0], {"role": "user", "content": "Hi"}], max_tokens=1)


def composed(answer: str, shown: list[dict], question: str) -> str:
    """The answer the Q&A flow gives (flows/qa/compose_answer.py): the fixed reply if its checks reject it."""
    texts = [p["text"] for p in shown]
    return answer if is_grounded(answer, texts) and not is_off_topic(answer, texts, question) else NOT_COVERED


def focus_side_by_side(budgets: list[int], count: int, path=DEV_SET) -> dict:
    """Each question's prompt with whole passages (0) and with each shared budget, in an order rotating per question,
    each after another question of the flow (the server holds its system message, as in use). Right: key terms in
    the answer the flow's checks let through; cited: it has a [n]."""
    client = OpenAI(base_url=base_url(), api_key="sk-no-key-needed", timeout=900)
    prompt = ROOT / "flows/qa/answer.jinja2"
    variants = [0, *budgets]
    rows: dict[int, list[dict]] = {b: [] for b in variants}
    questions = [q for q in load_questions(path) if q["chapter"] is not None][:count]
    for i, q in enumerate(questions):
        retrieval = retrieve(q["question"], k=3)
        shift = i % len(variants)
        for budget in variants[shift:] + variants[:shift]:
            shown = passages(retrieval, budget)
            msgs = render_messages(prompt, passages=shown, question=retrieval.question)
            prime(client, msgs)
            ttft, _, tokens, answer = direct(client, msgs)
            final = composed(answer.strip(), shown, retrieval.question)
            right, cited = has_key_terms(final, q["key_terms"]), bool(_CITED.search(final))
            rows[budget].append({"ttft": ttft, "tokens": tokens, "right": right, "cited": cited})
        print(
            f"  {q['id']}: "
            + "; ".join(
                f"{b or 'whole'}: {rows[b][-1]['tokens']} tokens, TTFT {rows[b][-1]['ttft']:.2f} s, "
                f"{'right' if rows[b][-1]['right'] else 'MISS'}"
                f"{'' if rows[b][-1]['cited'] else ', uncited'}"
                for b in variants
            ),
            flush=True,
        )
    return focus_summary(rows, path.name)


_CITED = re.compile(r"\[\d+\]")


def focus_summary(rows: dict[int, list[dict]], set_name: str) -> dict:
    """Medians per budget, and each budget's median ratio to whole passages question by question."""
    result: dict = {}
    for budget, r in rows.items():
        shown = "whole" if not budget else f"{budget} chars shared"
        result[budget] = {
            "prompt_tokens_median": median([x["tokens"] for x in r]),
            "ttft_p50_s": median([x["ttft"] for x in r]),
            "right": sum(x["right"] for x in r),
            "cited": sum(x["cited"] for x in r),
        }
        ratio = ""
        if budget:
            result[budget]["ttft_ratio_p50"] = median([x["ttft"] / w["ttft"] for x, w in zip(r, rows[0], strict=True)])
            ratio = f" (p50 of the ratio to whole, question by question: {result[budget]['ttft_ratio_p50']:.2f})"
        print(
            f"{set_name}, {len(r)} questions, passages {shown}: median {result[budget]['prompt_tokens_median']:.0f} "
            f"prompt tokens, TTFT p50 {result[budget]['ttft_p50_s']:.2f} s{ratio}; "
            f"{result[budget]['right']}/{len(r)} right, {result[budget]['cited']}/{len(r)} cited"
        )
    return result


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--focus", type=int, nargs="+", help="characters the passages keep in all")
    parser.add_argument("--count", type=int, default=10)
    parser.add_argument("--set", choices=("dev", "tuning"), default="dev")
    args = parser.parse_args()
    if args.focus:
        focus_side_by_side(args.focus, args.count, DEV_SET if args.set == "dev" else TUNING_SET)
    else:
        main(args.count)


if __name__ == "__main__":
    sys.exit(cli_exit(cli))
