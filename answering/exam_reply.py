"""The reply to a practice-exam question: the letter(s) and option text first, a short reason quoted from the notes
with its [n] marker, then one line per option saying which passage bears on it.

The reason is the notes' own sentence (the one sharing most words with the chosen option and the stem), not model
prose: it costs no LLM call, cannot invent, and cites one passage exactly. Options are always shown as letters and
passages always as [n], so "the answer is [3]" cannot happen.
"""

from __future__ import annotations

import re

from answering.exam_question import ExamQuestion
from answering.words import QUESTION_FILLER
from ingest.terms import terms

SUPPORT_SHARE = 0.5  # an option is "in" a passage when half its own words (not the stem's) occur there
_QUOTE_CHARS = 240
_OPTION_CHARS = 90
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


def _content(text: str) -> set[str]:
    return {t for t in terms(text) if len(t) > 2 and t not in QUESTION_FILLER}


def option_words(question: ExamQuestion, letter: str) -> set[str]:
    """The option's own words: what it says beyond the stem ("Grid" of "Grid sampling" when the stem says sampling)."""
    own = _content(question.options[letter]) - _content(question.stem)
    return own or _content(question.options[letter])


def option_support(question: ExamQuestion, passages: list[dict]) -> dict[str, int | None]:
    """For each option, the passage number that mentions it most (None: no passage does)."""
    support: dict[str, int | None] = {}
    for letter in question.options:
        words = option_words(question, letter)
        best, best_share = None, 0.0
        for p in passages:
            share = len(words & set(terms(p["text"]))) / len(words) if words else 0.0
            if share > best_share:
                best, best_share = p["n"], share
        support[letter] = best if best_share >= SUPPORT_SHARE else None
    return support


def deciding_sentence(question: ExamQuestion, choice: list[str], passages: list[dict]) -> tuple[str, int] | None:
    """(the notes' sentence that best backs the choice, its passage number); None when no sentence shares a word."""
    lettered = question.form in ("single", "multi")  # a Yes / No option has no words of its own
    chosen = set().union(*(option_words(question, c) for c in choice)) if lettered else set()
    stem = _content(question.stem)
    best: tuple[float, str, int] | None = None
    for p in passages:
        for sentence in _SENTENCE.split(p["text"]):
            words = set(terms(sentence))
            score = 2 * len(chosen & words) + len(stem & words)
            if score and (best is None or score > best[0]):
                best = (score, sentence.strip(" -*#>"), p["n"])
    return (best[1], best[2]) if best else None


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def exam_reply(
    question: ExamQuestion, choice: list[str], passages: list[dict], ruled_out: list[str] | tuple = ()
) -> str:
    """Markdown: "**B.** Grid sampling", the reason with [n], then "- A. Bayesian - [1]" per option."""
    head = "; ".join(_short(question.options[c], _OPTION_CHARS * 2) for c in choice)
    lines = [f"**{', '.join(choice)}.** {head}"]
    reason = deciding_sentence(question, choice, passages)
    if reason:
        lines.append(f'The notes: "{_short(reason[0], _QUOTE_CHARS)}" [{reason[1]}]')
    if question.form in ("single", "multi"):
        lines.append("")
        support = option_support(question, passages)
        for letter, text in question.options.items():
            if letter in ruled_out:
                where = "not in the notes"
            elif support[letter] is None:
                where = "not in these passages"
            else:
                where = f"[{support[letter]}]"
            mark = " (chosen)" if letter in choice else ""
            lines.append(f"- {letter}. {_short(text, _OPTION_CHARS)} - {where}{mark}")
    return "\n".join(lines)
