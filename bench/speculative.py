"""llama-cpp-python's prompt-lookup speculative decoding against plain decoding, side by side in this process (not a
second server): the same Q&A prompts of the first N dev questions, each model loaded in turn with the server's
settings. Prefill (time to the first token), decode tokens/s after it, and the memory each model takes (RSS after
loading and after the prompts). Prompt lookup forces logits_all: a vocabulary-wide row of logits per token.

python -m bench.speculative [N]
"""

from __future__ import annotations

import gc
import sys
import time

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


def measure(draft: bool, messages: list[list[dict]]) -> dict:
    from llama_cpp import Llama
    from llama_cpp.llama_speculative import LlamaPromptLookupDecoding

    from local_llm.model_file import gguf_path

    before = rss_mib()
    llm = Llama(
        model_path=str(gguf_path()), n_threads=2, n_threads_batch=2, n_ctx=4096, logits_all=False, verbose=False,
        draft_model=LlamaPromptLookupDecoding(num_pred_tokens=10) if draft else None,
    )  # fmt: skip
    loaded = rss_mib() - before
    prefill, decode, answers = [], [], []
    for msgs in messages:
        llm.reset()  # cold, as bench.flow_overhead measures
        started = time.perf_counter()
        first, pieces = None, []
        for chunk in llm.create_chat_completion(msgs, temperature=0, top_p=1.0, max_tokens=300, stream=True):
            content = chunk["choices"][0]["delta"].get("content")
            if content:
                first = first or time.perf_counter()
                pieces.append(content)
        ended = time.perf_counter()
        text = "".join(pieces)
        prefill.append((first or ended) - started)
        decode.append(len(llm.tokenize(text.encode(), add_bos=False)) / max(ended - (first or ended), 1e-6))
        answers.append(text)
    result = {
        "prefill_s": sum(prefill) / len(prefill),
        "decode_tok_s": sum(decode) / len(decode),
        "rss_loaded_mib": loaded,
        "rss_after_mib": rss_mib() - before,
        "answers": answers,
    }
    del llm
    gc.collect()
    return result


def main(count: int = 3) -> dict:
    messages = prompts(count)
    results = {}
    for name, draft in (("plain", False), ("prompt-lookup", True)):
        r = results[name] = measure(draft, messages)
        print(
            f"  {name:13s}: prefill {r['prefill_s']:.2f} s, decode {r['decode_tok_s']:.1f} tokens/s, memory "
            f"+{r['rss_loaded_mib']:.0f} MiB loaded, +{r['rss_after_mib']:.0f} MiB after {count} prompts",
            flush=True,
        )
    same = sum(a == b for a, b in zip(results["plain"]["answers"], results["prompt-lookup"]["answers"]))
    print(f"speculative decoding over {count} dev prompts: {same}/{count} identical answers")
    return results


if __name__ == "__main__":
    sys.exit(cli_exit(lambda: main(int(sys.argv[1]) if len(sys.argv) > 1 else 3) and None))
