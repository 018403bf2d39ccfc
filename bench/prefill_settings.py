"""Prompt reading (prefill) of the local model under llama.cpp settings the server could take, side by side in
this process: the default (flash attention off, batch 512), flash attention on, and a batch of 1024 (a whole Q&A
prompt in one batch). The Q&A prompts of the first N dev questions, each read cold by every variant in rotating
order; medians of the time to the first token and prompt tokens/s, and whether the first 40 answer tokens match
the default's. Answers the issue's "only fewer prompt tokens (or reused ones) make it faster" for the settings.

python -m bench.prefill_settings [N]
"""

from __future__ import annotations

import sys
import time
from statistics import median

from bench.speculative import prompts
from core.errors import cli_exit

VARIANTS = {
    "default": {},
    "flash attention": {"flash_attn": True},
    "batch 1024": {"n_batch": 1024, "n_ubatch": 1024},
}


def load(change: dict):
    from llama_cpp import Llama

    from local_llm.model_file import gguf_path

    settings = {"n_threads": 2, "n_threads_batch": 2, "n_ctx": 4096, "logits_all": False, "verbose": False}
    return Llama(model_path=str(gguf_path()), **(settings | change))


def read(llm, msgs: list[dict]) -> tuple[float, int, str]:
    """(seconds to the first token, prompt tokens, the first 40 tokens of the answer), cold."""
    llm.reset()
    started, first, pieces = time.perf_counter(), None, []
    for chunk in llm.create_chat_completion(msgs, temperature=0, top_p=1.0, max_tokens=40, stream=True):
        if chunk["choices"][0]["delta"].get("content"):
            first = first or time.perf_counter()
            pieces.append(chunk["choices"][0]["delta"]["content"])
    prompt_tokens = llm.n_tokens - len(llm.tokenize("".join(pieces).encode(), add_bos=False))
    return (first or time.perf_counter()) - started, prompt_tokens, "".join(pieces)


def main(count: int = 6) -> dict:
    messages = prompts(count)
    models = {name: load(change) for name, change in VARIANTS.items()}
    runs: dict[str, list[tuple[float, int, str]]] = {name: [] for name in models}
    names = list(models)
    for i, msgs in enumerate(messages):
        for name in names[i % len(names) :] + names[: i % len(names)]:
            runs[name].append(read(models[name], msgs))
    results = {}
    for name, found in runs.items():
        seconds = median(s for s, _, _ in found)
        rate = median(t / s for s, t, _ in found)
        same = sum(a[2] == b[2] for a, b in zip(found, runs["default"], strict=True))
        ratio = median(a[0] / b[0] for a, b in zip(found, runs["default"], strict=True))
        results[name] = {"ttft_s": seconds, "prompt_tok_s": rate, "ratio": ratio, "same_start": same}
        print(f"  {name:16s}: first token p50 {seconds:.2f} s ({rate:.0f} prompt tokens/s), ratio to default "
              f"{ratio:.2f}, answer starts identical {same}/{count}", flush=True)  # fmt: skip
    print(f"prompt tokens p50 {median(t for _, t, _ in runs['default'])}")
    return results


if __name__ == "__main__":
    sys.exit(cli_exit(lambda: main(int(sys.argv[1]) if len(sys.argv) > 1 else 6) and None))
