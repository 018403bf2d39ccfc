"""llama-cpp-python's prompt-lookup speculative decoding against plain decoding, side by side in this process (not a
second server): both models loaded with the server's settings, the Q&A prompts of the first N dev questions sent
to each in alternating order, each one cold. Prefill (time to the first token, and prompt tokens/s), decode
tokens/s after it (medians), and the memory each model takes (RSS on loading, and what its prompts added). Prompt
lookup forces logits_all: a vocabulary-wide row of logits for every prompt token.

python -m bench.speculative [N]
"""

from __future__ import annotations

import sys
import time
from statistics import median

from core.errors import cli_exit


def rss_mib() -> float:
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def prompts(count: int) -> list[list[dict]]:
    from answering.llm_client import render_messages
    from answering.passages import passages
    from answering.retrieval import retrieve
    from bench.common import ROOT
    from harness.questions import DEV_SET, load_questions

    questions = [q for q in load_questions(DEV_SET) if q["chapter"] is not None][:count]
    prompt = ROOT / "flows/qa/answer.jinja2"
    return [
        render_messages(prompt, passages=passages(r), question=r.question)
        for r in (retrieve(q["question"], k=3) for q in questions)
    ]


def load(draft: bool = False, **change: object):
    """(the model with the server's settings, `change` over them, MiB of RSS its loading took)."""
    from llama_cpp import Llama
    from llama_cpp.llama_speculative import LlamaPromptLookupDecoding

    from local_llm.model_file import gguf_path

    before = rss_mib()
    settings = {"n_threads": 2, "n_threads_batch": 2, "n_ctx": 4096, "logits_all": draft, "verbose": False}
    draft_model = LlamaPromptLookupDecoding(num_pred_tokens=10) if draft else None
    llm = Llama(model_path=str(gguf_path()), draft_model=draft_model, **(settings | change))
    return llm, rss_mib() - before


def answer(llm, msgs: list[dict], max_tokens: int = 300) -> dict:
    """One cold answer: seconds to the first token, prompt tokens and prompt tokens/s before it, reply tokens/s
    after it."""
    llm.reset()  # cold, as bench.flow_overhead measures
    rss, started = rss_mib(), time.perf_counter()
    first, pieces = None, []
    for chunk in llm.create_chat_completion(msgs, temperature=0, top_p=1.0, max_tokens=max_tokens, stream=True):
        content = chunk["choices"][0]["delta"].get("content")
        if content:
            first = first or time.perf_counter()
            pieces.append(content)
    ended = time.perf_counter()
    text = "".join(pieces)
    generated = len(llm.tokenize(text.encode(), add_bos=False))
    prefill = (first or ended) - started
    prompt_tokens = llm.n_tokens - generated  # n_tokens: the prompt and the reply
    return {
        "prefill_s": prefill,
        "prompt_tokens": prompt_tokens,
        "prefill_tok_s": prompt_tokens / prefill,
        "decode_tok_s": generated / max(ended - (first or ended), 1e-6),
        "rss_added_mib": rss_mib() - rss,
        "text": text,
    }


def main(count: int = 3) -> dict:
    messages = prompts(count)
    models = {"plain": load(False), "prompt-lookup": load(True)}
    runs: dict[str, list[dict]] = {name: [] for name in models}
    for i, msgs in enumerate(messages):
        for name in list(models) if i % 2 == 0 else list(models)[::-1]:
            runs[name].append(answer(models[name][0], msgs))
    results = {}
    for name, r in runs.items():
        results[name] = {key: median(x[key] for x in r) for key in ("prefill_s", "prefill_tok_s", "decode_tok_s")} | {
            "rss_loaded_mib": models[name][1],
            "rss_added_mib": sum(x["rss_added_mib"] for x in r),
        }
        print(
            f"  {name:13s}: prefill p50 {results[name]['prefill_s']:.2f} s ({results[name]['prefill_tok_s']:.0f} "
            f"prompt tokens/s), decode p50 {results[name]['decode_tok_s']:.1f} tokens/s, memory "
            f"+{models[name][1]:.0f} MiB loaded, +{results[name]['rss_added_mib']:.0f} MiB by {count} prompts",
            flush=True,
        )
    same = sum(a["text"] == b["text"] for a, b in zip(runs["plain"], runs["prompt-lookup"], strict=True))
    ratio = [b["prefill_s"] / a["prefill_s"] for a, b in zip(runs["plain"], runs["prompt-lookup"], strict=True)]
    print(
        f"speculative decoding over {count} dev prompts: prefill ratio p50 {median(ratio):.2f} (prompt-lookup / "
        f"plain), {same}/{count} identical answers"
    )
    return results


if __name__ == "__main__":
    sys.exit(cli_exit(lambda: main(int(sys.argv[1]) if len(sys.argv) > 1 else 3) and None))
