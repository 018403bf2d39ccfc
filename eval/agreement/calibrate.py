"""Re-derive the local judge's groundedness 1-5 cut points from the binary-labelled SummaC sets.

    python -m eval.agreement.calibrate        # ~5-10 min on 2 busy cores; prints the cut points for local_judge.CUTS

Why these sets: SummEval's summaries are mostly copied from the source, so cut points tuned there put a faithful
paraphrase (what a RAG answer is) at 1-2. XSumFaith (very abstractive) and FactCC (near-extractive sentences) bracket
a RAG answer's amount of rewording, and neither is a report set (QAGS and Topical-Chat stay held out).

How: per tuning set, a logistic fit of P(consistent | groundedness_value) with balanced classes; the cut points are
where P = 0.2, 0.4, 0.6, 0.8 (score k means "a reader of that set would find it faithful with probability about
(k-1)/5 to k/5"), averaged over the two sets in value space, because no single threshold serves both: the same
value means "faithful" in XSumFaith and "unfaithful" in FactCC (their best pass thresholds are 0.92 and 1.73).
"""

from __future__ import annotations

import math

import numpy as np
from sklearn.linear_model import LogisticRegression

from core.errors import cli_exit
from eval.agreement.datasets import summac_binary
from eval.local_judge import groundedness_value

TUNING_SETS = ("xsumfaith", "factcc")
PROBABILITIES = (0.2, 0.4, 0.6, 0.8)


def cut_points(values: np.ndarray, labels: np.ndarray, probabilities: tuple[float, ...] = PROBABILITIES) -> list[float]:
    """Values at which a balanced logistic fit of labels on values reaches each probability."""
    fit = LogisticRegression(C=1e6, class_weight="balanced").fit(values[:, None], labels)
    a, b = float(fit.intercept_[0]), float(fit.coef_[0][0])
    return [(math.log(p / (1 - p)) - a) / b for p in probabilities]


def main() -> int:
    per_set = []
    for name in TUNING_SETS:
        items = summac_binary(name)
        values = np.array([groundedness_value(**it.inputs) for it in items])
        labels = np.array([it.human for it in items])
        cuts = cut_points(values, labels)
        per_set.append(cuts)
        print(f"{name}: n={len(items)}, consistent={int(labels.sum())}, cut points {np.round(cuts, 3).tolist()}")
    print(f"groundedness CUTS = {tuple(round(float(c), 3) for c in np.mean(per_set, axis=0))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(cli_exit(main))
