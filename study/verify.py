"""The checks a candidate card passes before it enters the bank, each named in the rejection reason:

- `incomplete`: the reply gave a parseable, whole card (study.candidates; never half a card).
- `quote_not_in_passage`: the quoted sentence really is in the passage (case, spacing and markdown aside).
- `distractor_supported`: no wrong option is named by the very sentence that makes the key right (a list of
  policies quoted for "which one is a policy?" makes two options right).
- `round_trip`: the exam answering, given only the question, picks the key (study.round_trip).
- `near_duplicate`: the question is not another accepted question again (embedding cosine over a threshold).

Pure functions on candidate dicts; the LLM and the embedder are passed in, so tests need neither.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from study.bank import OPTION_LETTERS
from study.candidates import INCOMPLETE

QUOTE_NOT_IN_PASSAGE = "quote_not_in_passage"
DISTRACTOR_SUPPORTED = "distractor_supported"
ROUND_TRIP = "round_trip"
NEAR_DUPLICATE = "near_duplicate"
REASONS = (INCOMPLETE, QUOTE_NOT_IN_PASSAGE, DISTRACTOR_SUPPORTED, ROUND_TRIP, NEAR_DUPLICATE)

MIN_QUOTE_WORDS = 4  # "Grid sampling" is in the passage but proves nothing
# Nearest-neighbour cosine of distinct questions in the hand seed bank tops out below this (python -m
# bench.question_bank prints the distribution); a rephrasing of the same question scores above it.
NEAR_DUPLICATE_COSINE = 0.9

_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_TAG = re.compile(r"<[^>]+>")
_LIST_MARK = re.compile(r"(?m)^\s*(?:[-*+]|\d+[.)])\s+")
_WORD = re.compile(r"\w+")


def plain_words(text: str) -> list[str]:
    """The words of text as a reader sees them: markdown links, HTML tags, list marks, emphasis and code ticks,
    case and spacing do not count."""
    text = _TAG.sub(" ", _LINK.sub(r"\1", text))
    text = _LIST_MARK.sub(" ", text)
    return _WORD.findall(text.replace("_", " ").lower())


def _contains(words: Sequence[str], part: Sequence[str]) -> bool:
    n = len(part)
    return n > 0 and any(list(words[i : i + n]) == list(part) for i in range(len(words) - n + 1))


def quote_problem(candidate: dict, passage_text: str) -> str | None:
    quote = plain_words(candidate.get("quote", ""))
    if len(quote) < MIN_QUOTE_WORDS:
        return f"the quote has fewer than {MIN_QUOTE_WORDS} words"
    if not _contains(plain_words(passage_text), quote):
        return "the quote is not a sentence of the passage"
    return None


def distractor_problem(candidate: dict) -> str | None:
    """A wrong option the quote itself names (and the stem does not): the evidence for the key supports it too."""
    if candidate.get("kind") != "mcq":
        return None
    quote = plain_words(candidate["quote"])
    stem = set(plain_words(candidate["stem"]))
    for letter in OPTION_LETTERS:
        if letter == candidate["key"]:
            continue
        option = plain_words(candidate["options"][letter])
        if option and not set(option) <= stem and _contains(quote, option):
            return f"option {letter} ({candidate['options'][letter]}) is named in the quote too"
    return None


def reject(candidate: dict, reason: str, detail: str) -> dict:
    return {**candidate, "rejected": [*candidate.get("rejected", []), reason], "detail": detail}


def check_passage(candidates: Iterable[dict], passage_text: str) -> list[dict]:
    """The checks that need only the passage, in order; the first failure is the rejection reason."""
    out = []
    for candidate in candidates:
        if candidate.get("rejected"):
            out.append(candidate)
            continue
        problem = quote_problem(candidate, passage_text)
        if problem:
            out.append(reject(candidate, QUOTE_NOT_IN_PASSAGE, problem))
            continue
        problem = distractor_problem(candidate)
        out.append(reject(candidate, DISTRACTOR_SUPPORTED, problem) if problem else candidate)
    return out


Picker = Callable[[dict], list[str]]  # an mcq candidate -> the letters the exam answering picks from its stem alone


def check_round_trip(candidates: Iterable[dict], pick: Picker) -> list[dict]:
    """Each still-accepted mcq: the exam answering, given only the question, must pick exactly its key."""
    out = []
    for candidate in candidates:
        if candidate.get("rejected") or candidate.get("kind") != "mcq":
            out.append(candidate)
            continue
        letters = pick(candidate)
        if letters == [candidate["key"]]:
            out.append({**candidate, "round_trip": letters})
        else:
            picked = ", ".join(letters) or "nothing"
            out.append(
                {
                    **reject(
                        candidate, ROUND_TRIP, f"the exam answering picked {picked}, the key is {candidate['key']}"
                    ),
                    "round_trip": letters,
                }
            )
    return out


def prompt_of(candidate: dict) -> str:
    return candidate.get("stem") or candidate.get("question") or ""


Embed = Callable[[list[str]], np.ndarray]  # texts -> normalised vectors, one row each (ingest.embedder.embed)


def check_near_duplicates(
    candidates: Sequence[dict], accepted: Sequence[str], embed: Embed, threshold: float = NEAR_DUPLICATE_COSINE
) -> list[dict]:
    """Candidates in order: one whose question is within `threshold` cosine of an accepted question (of the bank,
    or an earlier candidate accepted here) is a near duplicate."""
    live = [i for i, c in enumerate(candidates) if not c.get("rejected")]
    if not live:
        return list(candidates)
    texts = list(accepted) + [prompt_of(candidates[i]) for i in live]
    vectors = np.asarray(embed(texts), dtype=np.float32)
    kept = list(range(len(accepted)))
    out = list(candidates)
    for offset, i in enumerate(live):
        row = len(accepted) + offset
        best = float(np.max(vectors[kept] @ vectors[row])) if kept else -1.0
        if best >= threshold:
            twin = texts[kept[int(np.argmax(vectors[kept] @ vectors[row]))]]
            out[i] = reject(candidates[i], NEAR_DUPLICATE, f"cosine {best:.2f} with {twin!r}")
        else:
            kept.append(row)
    return out


def accepted(candidates: Iterable[dict]) -> list[dict]:
    return [c for c in candidates if not c.get("rejected")]


def reasons(candidates: Iterable[dict]) -> Counter:
    """How many candidates each check rejected."""
    return Counter(c["rejected"][0] for c in candidates if c.get("rejected"))
