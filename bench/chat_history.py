"""What the chat history costs: characters per token of the local model (for the history budget's estimate), and
the prompt time of a chat turn with 0-1200 tokens of history, cold and with the previous turn's prefix cached."""

from __future__ import annotations

import time

import httpx
from openai import OpenAI

from answering.history import CHARS_PER_TOKEN, bounded, estimate_tokens
from answering.llm_client import render_messages
from answering.passages import passages
from answering.retrieval import retrieve
from bench.common import ROOT
from bench.flow_overhead import forget_prefix
from harness.questions import DEV_SET, load_questions
from harness.timing import median
from local_llm.server import base_url

PROMPT = ROOT / "flows/chat/chat.jinja2"
BUDGETS = (0, 300, 600, 1200)


def tokens(text: str) -> int:
    root = base_url().removesuffix("/v1")
    return len(httpx.post(f"{root}/extras/tokenize", json={"input": text}, timeout=60).json()["tokens"])


def prompt_seconds(client: OpenAI, messages: list[dict]) -> tuple[float, int]:
    started = time.perf_counter()
    reply = client.chat.completions.create(model="local", messages=messages, max_tokens=1, temperature=0)
    return time.perf_counter() - started, reply.usage.prompt_tokens


def main() -> dict:
    client = OpenAI(base_url=base_url(), api_key="sk-no-key-needed", timeout=600)
    questions = [q for q in load_questions(DEV_SET) if q.get("chapter")]
    numbered = [passages(retrieve(q["question"], k=3)) for q in questions[:12]]
    texts = [p["text"] for group in numbered for p in group]
    ratio = sum(len(t) for t in texts) / sum(tokens(t) for t in texts)
    print(f"chat history: {ratio:.2f} characters per token on {len(texts)} passages (estimate uses {CHARS_PER_TOKEN})")
    # A long conversation made of real questions, with passages standing in for answers of realistic length.
    pairs = [{"question": q["question"], "answer": g[0]["text"][:600]} for q, g in zip(questions, numbered)]
    results = {"chars_per_token": ratio, "budgets": {}}
    for budget in BUDGETS:
        history = bounded(pairs[:-1], budget)
        final = dict(history=history, passages=numbered[-1], question=questions[len(pairs) - 1]["question"])
        cold, warm, sizes = [], [], []
        for _ in range(2):
            forget_prefix(client)
            seconds, size = prompt_seconds(client, render_messages(PROMPT, **final))
            cold.append(seconds)
            sizes.append(size)
            # The turn before this one, then this one: what a real follow-up pays with the server's prefix cache.
            previous = (
                dict(history=history[:-1], passages=numbered[-2], question=history[-1]["question"])
                if history
                else final
            )
            prompt_seconds(client, render_messages(PROMPT, **previous))
            warm.append(prompt_seconds(client, render_messages(PROMPT, **final))[0])
        history_tokens = sum(estimate_tokens(p["question"]) + estimate_tokens(p["answer"]) for p in history)
        results["budgets"][budget] = {
            "turns": len(history),
            "history_tokens_est": history_tokens,
            "prompt_tokens": sizes[0],
            "cold_s": median(cold),
            "warm_s": median(warm),
        }
        print(
            f"  budget {budget:>4}: {len(history)} turns, ~{history_tokens} history tokens, prompt {sizes[0]} tokens; "
            f"prompt time cold {median(cold):.1f} s, after the previous turn {median(warm):.1f} s"
        )
    return results


if __name__ == "__main__":
    main()
