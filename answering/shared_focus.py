"""One character budget shared by all the passages of a prompt: the parts that bear on the question are kept, best
first, wherever they are. The CPU model pays ~11 ms a prompt token before its first word, and the passages are 80%
of the prompt (bench.flow_overhead --layout).

Units are answering.focus's (prose sentences, a short list with its lead-in), except that a fenced code block is
cut at its blank lines: a block of four sweep examples is four units, each shown inside the block's own fences.
Each passage keeps at least its best unit, so every [n] the prompt numbers has text; the other units that share a
question word follow by score while the budget lasts. One budget rather than one per passage: a passage that
holds the answer keeps more than one that only shares a heading (on the dev set, 1000 characters shared kept the
key terms of 58/60 questions, 1200 per passage (400 each) 57/60, at a similar prompt size).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from answering.focus import points_back, stems, units

_FENCE = ("```", "~~~")
_LIST_MARK = re.compile(r"\d+[.)]")  # "2." that answering.focus.sentences cut off the item it numbers


@dataclass(frozen=True)
class Unit:
    passage: int
    text: str  # a prose unit, or the lines of one paragraph of a code block (without its fences)
    block: tuple[str, str] | None = None  # a code paragraph's block: its opening and closing fence lines
    block_id: int = -1  # which block of the passage, so paragraphs of one block share one pair of fences


def _code_paragraphs(block: str) -> tuple[tuple[str, str], list[str]]:
    lines = block.split("\n")
    opening = lines[0]
    closed = len(lines) > 1 and lines[-1].lstrip().startswith(_FENCE)
    closing = lines[-1] if closed else opening.lstrip()[:3]  # an unclosed block (chunk ended mid-block) gets closed
    body = lines[1:-1] if closed else lines[1:]
    paragraphs, current = [], []
    for line in body:
        if line.strip():
            current.append(line)
        elif current:
            paragraphs.append("\n".join(current))
            current = []
    if current:
        paragraphs.append("\n".join(current))
    return (opening, closing), paragraphs


def passage_units(passage: int, text: str) -> list[Unit]:
    """The units of one passage in their order; a code block's paragraphs are units of their own."""
    out: list[Unit] = []
    mark = ""
    for block_id, unit in enumerate(units(text)):
        if _LIST_MARK.fullmatch(unit):
            mark = unit + " "
        elif unit.lstrip().startswith(_FENCE):
            fences, paragraphs = _code_paragraphs(unit)
            out.extend(Unit(passage, p, fences, block_id) for p in paragraphs)
            mark = ""
        else:
            out.append(Unit(passage, mark + unit))
            mark = ""
    return out


def _scores(parts: list[Unit], wanted: set[str]) -> list[int]:
    scores = [len(stems(u.text) & wanted) for u in parts]
    for i in range(1, len(parts)):  # "They use the prefix AzureML." says more about the sentence before it
        if parts[i].block is None and parts[i].passage == parts[i - 1].passage and points_back(parts[i].text):
            scores[i] = max(scores[i], scores[i - 1])
    return scores


def _render(kept: list[Unit]) -> str:
    # Paragraphs of one code block that are both kept share its fences, as in the note.
    lines: list[str] = []
    open_block: tuple[int, tuple[str, str]] | None = None
    for unit in kept:
        if open_block and (unit.block is None or unit.block_id != open_block[0]):
            lines.append(open_block[1][1])
            open_block = None
        if unit.block is None:
            lines.append(unit.text)
            continue
        if open_block is None:
            lines.append(unit.block[0])
            open_block = (unit.block_id, unit.block)
        else:
            lines.append("")
        lines.append(unit.text)
    if open_block:
        lines.append(open_block[1][1])
    return "\n".join(lines)


def shared_focus(texts: list[str], question: str, budget: int) -> list[str]:
    """Each passage cut to the units that bear on the question, the passages together within budget characters
    (each keeps its best unit even past it). budget 0, or passages already within it: the texts unchanged."""
    if budget <= 0 or sum(len(t) for t in texts) <= budget:
        return list(texts)
    parts = [u for n, text in enumerate(texts) for u in passage_units(n, text)]
    scores = _scores(parts, stems(question))
    kept: set[int] = set()
    used = 0
    for n in range(len(texts)):
        mine = [i for i, u in enumerate(parts) if u.passage == n]
        if mine:
            best = max(mine, key=lambda i: scores[i])  # the first of equals: notes open with their point
            kept.add(best)
            used += len(parts[best].text)
    for i in sorted(range(len(parts)), key=lambda i: (-scores[i], parts[i].passage, i)):
        if i in kept or scores[i] == 0 or used + len(parts[i].text) > budget:
            continue
        kept.add(i)
        used += len(parts[i].text)
    return [_render([parts[i] for i in sorted(kept) if parts[i].passage == n]) for n in range(len(texts))]
