"""The conversation a chat turn sends to the model: pf's chat_history, cleaned and bounded by a token budget."""

from __future__ import annotations

import re

from answering.citations import MARKER
from core import settings

# The local model's tokenizer gives 4.6 characters a token on the notes' passages (bench.chat_history); 3.6 errs
# on the side of sending less for answers heavy in code and numbers.
CHARS_PER_TOKEN = 3.6
# bench.chat_history, prompt time of a turn: 5.5 s with no history, 11.8 s with ~500 tokens of it when nothing is
# cached, ~7 s whatever the history when the previous turn's prefix is still in the server's cache (one tab
# chatting). 600 tokens keeps the last three turns and bounds the cold case at about +6 s.
DEFAULT_HISTORY_TOKENS = 600
UNGROUNDED_NOTE = "Careful: this answer names"


def history_budget() -> int:
    """Tokens of history a turn may send (STUDYFLOW_HISTORY_TOKENS)."""
    return settings.integer("STUDYFLOW_HISTORY_TOKENS", DEFAULT_HISTORY_TOKENS, minimum=0)


def estimate_tokens(text: str) -> int:
    return int(len(text) / CHARS_PER_TOKEN) + 1


def clean_answer(answer: str) -> str:
    """An earlier answer without its [n] markers (they point at that turn's passages, not this one's) and
    without the grounding warning."""
    answer = answer.split(UNGROUNDED_NOTE, 1)[0].rstrip("_ \n")
    return re.sub(r"\s+", " ", MARKER.sub("", answer)).strip()


def turns(chat_history: list[dict] | None) -> list[dict]:
    """pf chat history ({"inputs": {"question"}, "outputs": {"answer"}}) as question/answer pairs."""
    pairs = []
    for item in chat_history or []:
        question = str((item.get("inputs") or {}).get("question") or "").strip()
        answer = (item.get("outputs") or {}).get("answer")
        if question and isinstance(answer, str) and answer.strip():
            pairs.append({"question": question, "answer": clean_answer(answer)})
    return pairs


def bounded(pairs: list[dict], budget: int) -> list[dict]:
    """The newest turns that fit the budget, oldest first; older turns are dropped whole."""
    kept: list[dict] = []
    used = 0
    for pair in reversed(pairs):
        cost = estimate_tokens(pair["question"]) + estimate_tokens(pair["answer"])
        if used + cost > budget:
            break
        kept.append(pair)
        used += cost
    return kept[::-1]
