"""The metrics every judge scores, the result shape it returns, and the mapping from a continuous value to the 1-5
scale."""

from bisect import bisect_right
from collections.abc import Sequence
from typing import TypedDict

# The five 1-5 metrics, in the order the flow, its aggregation and the report list them.
METRICS = ("groundedness", "relevance", "coherence", "fluency", "similarity")


class Score(TypedDict):
    score: int | None
    reason: str


def score(value: int | None, reason: str) -> Score:
    return {"score": value, "reason": reason}


def to_scale(x: float, cuts: Sequence[float]) -> int:
    """1-5 from a continuous value: `cuts` are the 4 ascending boundaries between 1|2, 2|3, 3|4 and 4|5."""
    if len(cuts) != 4 or list(cuts) != sorted(cuts):
        raise ValueError(f"need 4 ascending cut points, got {cuts!r}")
    return 1 + bisect_right(list(cuts), x)
