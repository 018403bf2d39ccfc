"""The parts of a passage that bear on the question, so the prompt is shorter: the CPU model pays ~11 ms a prompt
token before its first word (bench.flow_overhead). A passage is cut into units, a fenced code block being one unit
(never cut in half) and each prose sentence or list line another; the units that share the most question words
are kept, in the notes' order, within a character budget per passage.
"""

from __future__ import annotations

import re

from answering.words import QUESTION_FILLER
from core import settings
from ingest.terms import terms

# 0: whole passages. 1000 (characters shared by the passages, answering.shared_focus) halves the prompt's first-token
# time, but the flow then lets through a near-miss question it declined (docs/benchmarks.md, bench.flow_overhead).
DEFAULT_FOCUS_CHARS = 0
_FENCE = ("```", "~~~")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9`(\"'])")
_LIST_ITEM = re.compile(r"\s*([-*+]|\d+[.)])\s")
_POINTS_BACK = re.compile(r"(It|Its|They|Their|This|These|That|Those|Then|So)\b")
SHORT_ITEM = 100  # list items up to this long are kept with their list; longer ones are sentences of their own
STEM = 6  # "hyperparameters" and "hyperparameter" match on their first letters


def focus_chars() -> int:
    """Characters of passage text the prompt keeps, shared by the passages (STUDYFLOW_FOCUS_CHARS; 0 keeps whole
    passages)."""
    return settings.integer("STUDYFLOW_FOCUS_CHARS", DEFAULT_FOCUS_CHARS, minimum=0)


def units(text: str) -> list[str]:
    """Code blocks whole (fences included), prose as sentences; a line break ends a sentence. A run of short list
    items is one unit with the line that introduces it ("... are created:"), so a list is never kept without them."""
    out: list[str] = []
    code: list[str] | None = None
    listed = False  # the last unit is a lead-in or a short list it collects
    for line in text.split("\n"):
        if code is not None:
            code.append(line)
            if line.lstrip().startswith(_FENCE):
                out.append("\n".join(code))
                code = None
        elif line.lstrip().startswith(_FENCE):
            code, listed = [line], False
        elif listed and _LIST_ITEM.match(line) and len(line) <= SHORT_ITEM:
            out[-1] += "\n" + line.strip()
        elif line.strip():
            out.extend(sentences(line))
            listed = out[-1].endswith(":") or (_LIST_ITEM.match(line) is not None and len(line) <= SHORT_ITEM)
    if code is not None:  # an unclosed fence (a chunk ending mid-block) stays one unit
        out.append("\n".join(code))
    return out


def sentences(line: str) -> list[str]:
    """One line of prose cut at its sentence ends."""
    return [s for s in _SENTENCE_END.split(line.strip()) if s]


def points_back(sentence: str) -> bool:
    """True for a sentence that says more about the one before it ("They use the prefix AzureML.")."""
    return _POINTS_BACK.match(sentence) is not None


def stems(text: str) -> set[str]:
    """The word stems of text that can match a question's (question filler and short words left out)."""
    return {t[:STEM] for t in terms(text) if len(t) > 2 and t not in QUESTION_FILLER}


def focused(text: str, question: str, budget: int) -> str:
    """The units sharing the most question words, in their order, within budget characters; the best unit is kept
    even when it alone is longer. budget 0, or text already within it: the text unchanged."""
    if budget <= 0 or len(text) <= budget:
        return text
    parts = units(text)
    wanted = stems(question)
    scores = [len(stems(p) & wanted) for p in parts]
    for i in range(1, len(parts)):  # "They use the prefix AzureML." says more about the sentence before it
        if points_back(parts[i]):
            scores[i] = max(scores[i], scores[i - 1])
    order = sorted(range(len(parts)), key=lambda i: (-scores[i], i))
    kept: set[int] = set()
    used = 0
    for i in order:
        if kept and (scores[i] == 0 or used + len(parts[i]) > budget):
            continue
        kept.add(i)
        used += len(parts[i])
    return "\n".join(parts[i] for i in sorted(kept))
