"""Prompt reading (prefill) of the local model under llama.cpp settings the server could take, side by side in
this process: the default (flash attention off, batch 512), flash attention on, and a batch of 1024 (a whole Q&A
prompt in one batch). The Q&A prompts of the first N dev questions, each read cold by every variant in rotating
order; medians of the time to the first token and prompt tokens/s, and whether the first 40 answer tokens match
the default's. Answers the issue's "only fewer prompt tokens (or reused ones) make it faster" for the settings.

python -m bench.prefill_settings [N]
"""

from __future__ import annotations

import sys
from statistics import median

from bench.speculative import answer, load, prompts
from core.errors import cli_exit

VARIANTS = {
    "default": {},
    "flash attention": {"flash_attn": True},
    "batch 1024": {"n_batch": 1024, "n_ubatch": 1024},
}


def main(count: int = 6) -> dict:
    messages = prompts(count)
    models = {name: load(**change)[0] for name, change in VARIANTS.items()}
    runs: dict[str, list[dict]] = {name: [] for name in models}
    names = list(models)
    for i, msgs in enumerate(messages):
        for name in names[i % len(names) :] + names[: i % len(names)]:
            runs[name].append(answer(models[name], msgs, max_tokens=40))
    results = {}
    for name, found in runs.items():
        seconds = median(r["prefill_s"] for r in found)
        rate = median(r["prefill_tok_s"] for r in found)
        same = sum(a["text"] == b["text"] for a, b in zip(found, runs["default"], strict=True))
        ratio = median(a["prefill_s"] / b["prefill_s"] for a, b in zip(found, runs["default"], strict=True))
        results[name] = {"ttft_s": seconds, "prompt_tok_s": rate, "ratio": ratio, "same_start": same}
        print(f"  {name:16s}: first token p50 {seconds:.2f} s ({rate:.0f} prompt tokens/s), ratio to default "
              f"{ratio:.2f}, answer starts identical {same}/{count}", flush=True)  # fmt: skip
    print(f"prompt tokens p50 {median(r['prompt_tokens'] for r in runs['default'])}")
    return results


if __name__ == "__main__":
    sys.exit(cli_exit(lambda: main(int(sys.argv[1]) if len(sys.argv) > 1 else 6) and None))
