"""Chat follow-ups (harness/questions/followup_conversations.jsonl): each conversation through the chat flow turn by
turn, as the page calls it (`load_flow`, streamed answer, pf chat_history built from the answers so far). Per later
turn: right chapter (a passage from the turn's chapter in the top 3), right answer (every key term named), and for
every turn the seconds to the sources (the flow returns) and to the first answer word; first turns and follow-ups
apart. --compare-rewrite also times the local model's rewrite of each follow-up (the former default) on the same
history, and scores the passages its rewrite retrieves, side by side. --retrieval-only needs no model: the three
ways of searching a follow-up without one, on every later turn (what the default was chosen with, on dev).

python -m bench.followups [--split dev|heldout|all] [--limit N] [--compare-rewrite] [--retrieval-only]
"""

from __future__ import annotations

import argparse
import re
import sys
import time

from answering import followup
from answering.chat import standalone
from answering.history import bounded, history_budget, turns
from bench.common import ROOT, has_key_terms
from core.errors import cli_exit
from core.pf_env import use_project_pf_home
from harness.questions import FOLDER, load_questions
from harness.timing import median
from ingest.search import search

CONVERSATIONS = FOLDER / "followup_conversations.jsonl"
REWRITE_PROMPT = ROOT / "flows/chat/rewrite.jinja2"


def chapter_number(chapter: str) -> int | None:
    match = re.match(r"Chapter (\d+)\.", chapter)
    return int(match.group(1)) if match else None


def right_chapter(passages: list[dict], chapter: int) -> bool:
    return any(chapter_number(p["chapter"]) == chapter for p in passages[:3])


def conversations(split: str, limit: int) -> list[dict]:
    chosen = [c for c in load_questions(CONVERSATIONS) if split == "all" or c["split"] == split]
    return chosen[:limit] if limit else chosen


def retrieval_only(chosen: list[dict]) -> dict:
    """Right chapter of each later turn for the follow-up alone, joined to the question before it, and the default
    (joined when it refers back, else alone and joined fused); a standalone turn's share of old-chapter passages."""
    methods = {"alone": 0, "joined": 0, "default": 0}
    dragged = {m: [] for m in methods}
    later = 0
    for conv in chosen:
        for i, turn in enumerate(conv["turns"][1:], 1):
            history = [{"question": t["question"], "answer": "-"} for t in conv["turns"][:i]]
            question = turn["question"]
            led_by = followup.search_question(question, history)
            queries = followup.search_queries(question, led_by, history)
            found = {
                "alone": search(question, k=3),
                "joined": search(f"{followup.subject(question, history)} {question}", k=followup.POOL)[:3],
                "default": followup.fuse([search(q, k=followup.POOL) for q in queries], 3),
            }
            later += 1
            for name, hits in found.items():
                chapters = [chapter_number(h.chapter) for h in hits]
                methods[name] += turn["chapter"] in chapters
                if turn.get("standalone"):
                    dragged[name].append(sum(c == conv["turns"][i - 1]["chapter"] for c in chapters))
    result = {name: hits / later for name, hits in methods.items()}
    for name in methods:
        print(
            f"  {name:8s} right chapter {methods[name]}/{later} ({result[name]:.2f}); standalone turns: "
            f"{sum(dragged[name])} of {3 * len(dragged[name])} passages from the previous turn's chapter"
        )
    return result


def local_connection():
    from promptflow.connections import OpenAIConnection

    from local_llm.server import base_url

    return OpenAIConnection(api_key="sk-no-key-needed", base_url=base_url())


def rewrite_turn(question: str, chat_history: list[dict]) -> tuple[list[dict], float, str]:
    """The former default on the same history: the model's rewrite, then the search it leads."""
    from answering.llm_client import complete, render_messages
    from answering.passages import followup_passages_for

    history = bounded(turns(chat_history), history_budget())
    started = time.perf_counter()
    messages = render_messages(REWRITE_PROMPT, history=history[-2:], question=question)
    rewritten = standalone(complete(local_connection(), "local", messages, max_tokens=60), question, history)
    found = followup_passages_for(question, rewritten, history)
    return found["passages"], time.perf_counter() - started, rewritten


def wait_for_server(seconds: float = 180.0) -> None:
    """The model server is shared: when another process restarts it, wait for it rather than score an error."""
    from local_llm.server import is_ready

    deadline = time.monotonic() + seconds
    while not is_ready() and time.monotonic() < deadline:
        time.sleep(2)


def run_turn(flow, question: str, chat_history: list[dict]) -> dict:
    started = time.perf_counter()
    result = flow(question=question, chat_history=chat_history)
    sources = time.perf_counter() - started
    pieces, first = [], None
    for piece in result["answer"]:
        first = first or time.perf_counter() - started
        pieces.append(piece)
    return {
        "sources_s": sources,
        "first_s": first or time.perf_counter() - started,
        "answer": "".join(pieces),
        "passages": result["passages"] if result["covered"] else [],
        "led_by": result["standalone_question"],
    }


def with_model(chosen: list[dict], compare_rewrite: bool) -> dict:
    from promptflow.client import load_flow
    from promptflow.entities import FlowContext

    flow = load_flow(str(ROOT / "flows" / "chat"))
    flow.context = FlowContext(streaming=True)
    for _ in flow(question="zzqx vvqk", chat_history=[])["answer"]:  # warm: flow, embedding model, index
        pass
    firsts, follows, chapter_ok, answer_ok, rewrite = [], [], [], [], {"ok": [], "s": []}
    skipped: list[str] = []
    for conv in chosen:
        chat_history: list[dict] = []
        for n, turn in enumerate(conv["turns"]):
            if compare_rewrite and n:
                passages, seconds, rewritten = rewrite_turn(turn["question"], chat_history)
                rewrite["ok"].append(right_chapter(passages, turn["chapter"]))
                rewrite["s"].append(seconds)
            try:
                wait_for_server()
                out = run_turn(flow, turn["question"], chat_history)
            except Exception as error:  # the shared server restarted under us: this conversation is not scored
                print(f"  {conv['id']}.{n + 1} SKIPPED, the rest of this conversation too: {str(error)[:160]}")
                skipped.append(conv["id"])
                break
            (follows if n else firsts).append(out)
            ok_chapter = right_chapter(out["passages"], turn["chapter"])
            ok_answer = has_key_terms(out["answer"], turn["key_terms"])
            if n:
                chapter_ok.append(ok_chapter)
                answer_ok.append(ok_answer)
            chapters = [chapter_number(p["chapter"]) for p in out["passages"]]
            print(
                f"  {conv['id']}.{n + 1} {'chapter ok' if ok_chapter else 'CHAPTER MISS'} {chapters} "
                f"{'right' if ok_answer else 'MISS'}; sources {out['sources_s']:.1f} s, first word "
                f"{out['first_s']:.1f} s; {' '.join(out['answer'].split())[:110]}",
                flush=True,
            )
            chat_history.append({"inputs": {"question": turn["question"]}, "outputs": {"answer": out["answer"]}})
    if skipped:
        print(f"skipped (model server errors): {', '.join(skipped)}")
    if not chapter_ok or not firsts or not follows:
        print("no conversation was scored")
        return {"skipped": skipped}
    result = {
        "skipped": skipped,
        "later_turns": len(chapter_ok),
        "right_chapter": sum(chapter_ok) / len(chapter_ok),
        "right_answer": sum(answer_ok) / len(answer_ok),
        "first_turn_sources_p50_s": median([t["sources_s"] for t in firsts]),
        "first_turn_first_word_p50_s": median([t["first_s"] for t in firsts]),
        "followup_sources_p50_s": median([t["sources_s"] for t in follows]),
        "followup_first_word_p50_s": median([t["first_s"] for t in follows]),
    }
    result["first_word_ratio"] = result["followup_first_word_p50_s"] / result["first_turn_first_word_p50_s"]
    print(
        f"later turns {result['later_turns']}: right chapter {sum(chapter_ok)} ({result['right_chapter']:.2f}, goal "
        f">= 0.9), right answer {sum(answer_ok)} ({result['right_answer']:.2f}, goal >= 0.8); p50 sources / first "
        f"word: first turns {result['first_turn_sources_p50_s']:.1f} / {result['first_turn_first_word_p50_s']:.1f} s, "
        f"follow-ups {result['followup_sources_p50_s']:.1f} / {result['followup_first_word_p50_s']:.1f} s "
        f"(ratio {result['first_word_ratio']:.2f}, goal <= 1.5)"
    )
    if rewrite["ok"]:
        result["rewrite_right_chapter"] = sum(rewrite["ok"]) / len(rewrite["ok"])
        result["rewrite_s_p50"] = median(rewrite["s"])
        print(
            f"the model's rewrite on the same history: right chapter {sum(rewrite['ok'])}/{len(rewrite['ok'])} "
            f"({result['rewrite_right_chapter']:.2f}); rewrite + search p50 {result['rewrite_s_p50']:.1f} s before "
            "the answer's prompt is even sent"
        )
    return result


def main(split: str = "dev", limit: int = 0, compare_rewrite: bool = False, no_model: bool = False) -> dict:
    # pf's settings (offline, no telemetry) before promptflow is first imported, as bin/pf has them.
    use_project_pf_home()
    chosen = conversations(split, limit)
    print(f"follow-ups: {len(chosen)} conversations ({split}){', no model' if no_model else ''}")
    return retrieval_only(chosen) if no_model else with_model(chosen, compare_rewrite)


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("dev", "heldout", "all"), default="dev")
    parser.add_argument("--limit", type=int, default=0, help="first N conversations (0: all)")
    parser.add_argument("--compare-rewrite", action="store_true")
    parser.add_argument("--retrieval-only", action="store_true")
    args = parser.parse_args()
    main(args.split, args.limit, args.compare_rewrite, args.retrieval_only)


if __name__ == "__main__":
    sys.exit(cli_exit(cli))
