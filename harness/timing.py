"""Timing figures the tests and benchmarks report: median and nearest-rank percentiles."""

from __future__ import annotations

import statistics


def median(values: list[float]) -> float:
    return statistics.median(values)


def percentile(values: list[float], q: float) -> float:
    """The value at fraction q (0..1) of the sorted values, nearest rank: no interpolation between two timings."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]
