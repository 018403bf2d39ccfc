"""Which passages an answer cites, read from its [n] markers."""

import re

MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")


def cited_numbers(answer: str) -> list[int]:
    """Passage numbers in order of first citation; "[1, 3]" counts as two."""
    seen: list[int] = []
    for group in MARKER.findall(answer or ""):
        for number in (int(n) for n in group.split(",")):
            if number not in seen:
                seen.append(number)
    return seen


def citations(answer: str, numbered: list[dict]) -> list[dict]:
    """Chapter, section, source and lines of each passage the answer cites; unknown numbers are ignored."""
    by_number = {p["n"]: p for p in numbered}
    return [
        {k: by_number[n][k] for k in ("n", "chapter", "section", "source", "lines")}
        for n in cited_numbers(answer)
        if n in by_number
    ]
