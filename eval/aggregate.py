"""The evaluation flow's aggregation: per-metric means and pass rates over all lines, logged as run metrics."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from statistics import mean
from typing import Any

REFERENCES = ("f1_score", "embedding_similarity")


def _score(result: Any) -> int | None:
    # A line whose node failed outright arrives as None instead of a {"score", "reason"} dict.
    return result.get("score") if isinstance(result, Mapping) else None


def aggregate(
    scores: Mapping[str, Sequence[Any]],
    references: Mapping[str, Sequence[float | None]] | None = None,
    threshold: float = 3,
) -> dict[str, float]:
    """Means and pass rates (score >= threshold) over the scored lines of each metric; `unscored` counts the lines
    where at least one metric has no score (an LLM error, a failed QA line)."""
    metrics: dict[str, float] = {}
    lines = max((len(v) for v in scores.values()), default=0)
    unscored = set()
    for name, results in scores.items():
        values = [_score(r) for r in results]
        unscored.update(i for i, v in enumerate(values) if v is None)
        scored = [v for v in values if v is not None]
        if scored:  # no mean of nothing: an all-unscored metric shows up in `unscored` instead
            metrics[name] = round(mean(scored), 4)
            metrics[f"{name}_pass_rate"] = round(sum(v >= threshold for v in scored) / len(scored), 4)
    metrics["unscored"] = len(unscored)
    metrics["lines"] = lines
    for name, values in (references or {}).items():
        present = [v for v in values if v is not None]
        if present:
            metrics[name] = round(mean(present), 4)
    return metrics


def first(value: Any, default: Any) -> Any:
    """A flow input seen by an aggregation node is the list of its per-line values; they are all the same here."""
    if isinstance(value, list | tuple):
        return value[0] if value else default
    return default if value is None else value


__all__ = ["REFERENCES", "aggregate", "first"]
