"""The agreement table printed as each split finishes: one fixed-width line per row."""

from __future__ import annotations

from eval.agreement.runner import Row

HEADER = (
    f"{'metric':12} {'judge':5} {'data set':12} {'human label':17} {'split':21} {'n':>5}  "
    f"{'rho val':>6} {'95% CI':>13}  {'rho 1-5':>6} {'95% CI':>13}  {'tau 1-5':>6} {'s/item':>7} {'median':>7}  "
    "published"
)


def _fmt(x: float | None) -> str:
    return "   -  " if x is None else f"{x:6.3f}"


def _ci(ci: tuple[float, float] | None) -> str:
    return "      -      " if ci is None else f"[{ci[0]:5.2f},{ci[1]:5.2f}]"


def format_row(r: Row) -> str:
    split = r.split if r.held_out else f"{r.split} *"
    return (
        f"{r.metric:12} {r.judge:5} {r.dataset:12} {r.label:17} {split:21} {r.n:5d}  "
        f"{_fmt(r.spearman_value)} {_ci(r.spearman_value_ci)}  {_fmt(r.spearman_score)} {_ci(r.spearman_score_ci)}  "
        f"{_fmt(r.kendall_score)} {r.seconds_per_item:7.3f} {r.median_seconds:7.3f}  {r.published}"
        + (f"  [{r.unscored} unscored]" if r.unscored else "")
    )
