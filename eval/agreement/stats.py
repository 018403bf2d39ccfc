"""Rank correlations of a judge with people, and how wide their 95% intervals are."""

from __future__ import annotations

import math

from scipy.stats import kendalltau, spearmanr


def correlations(human: list[float], predicted: list[float]) -> tuple[float | None, float | None]:
    """Spearman's rho and Kendall's tau; None for both when either side is (nearly) constant or too short."""
    if len(predicted) < 3 or len(set(predicted)) < 2 or len(set(human)) < 2:
        return None, None
    return float(spearmanr(human, predicted)[0]), float(kendalltau(human, predicted)[0])


def fisher_ci(r: float | None, n: int, kendall: bool = False) -> tuple[float, float] | None:
    """95% interval of a rank correlation through Fisher's z, with the variance corrections of Fieller, Hartley &
    Pearson (1957): 1.06/(n-3) for Spearman, 0.437/(n-4) for Kendall. Closed form, so it is deterministic and free;
    with ties (1-5 scores) it is approximate, which is enough to show how wide n=100 leaves the estimate."""
    if r is None or n < 5 or abs(r) >= 1:
        return None
    se = math.sqrt(0.437 / (n - 4)) if kendall else math.sqrt(1.06 / (n - 3))
    z = math.atanh(r)
    return (round(math.tanh(z - 1.96 * se), 3), round(math.tanh(z + 1.96 * se), 3))
