"""A self-contained HTML report of an evaluation run: score distributions and the worst answers, with reasons.

Inline CSS and inline SVG only (no scripts, fonts or images from anywhere) so the file opens offline and can be
mailed around; every value from the run is HTML-escaped, since answers and notes may contain markup.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

from core.paths import PROJECT_ROOT
from eval.scores import METRICS

RESULTS_DIR = PROJECT_ROOT / "eval" / "results"
WORST = 10  # answers listed: enough to see patterns, short enough to read
CONTEXT_CHARS = 1500  # contexts are three passages; the start is what the answer was built from

CSS = """
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:64rem;color:#222;line-height:1.4}
table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}
section.metric{display:inline-block;vertical-align:top;margin:0 1.5rem 1rem 0}
.answer{border:1px solid #ccc;border-radius:6px;padding:.6rem 1rem;margin:1rem 0}
pre{white-space:pre-wrap;background:#f6f6f6;padding:.5rem;font-size:.85rem;max-height:16rem;overflow:auto}
.low{color:#b00020;font-weight:bold}.meta{color:#666}
"""
BAR_COLOURS = {1: "#d73027", 2: "#fc8d59", 3: "#fee08b", 4: "#91cf60", 5: "#1a9850"}


def _fmt(value: Any) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


def histogram_svg(scores: Sequence[int | None], width: int = 260, height: int = 140) -> str:
    """Bars for the count of each score 1-5 (and of unscored lines), as inline SVG."""
    counts = Counter(scores)
    labels = [1, 2, 3, 4, 5, None]
    top = max([counts[k] for k in labels] + [1])
    bar_w, base = width // len(labels), height - 20
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img">']
    for i, k in enumerate(labels):
        h = round((base - 14) * counts[k] / top)
        x = i * bar_w + 4
        parts.append(
            f'<rect x="{x}" y="{base - h}" width="{bar_w - 8}" height="{h}" fill="{BAR_COLOURS.get(k, "#999")}">'
            f"<title>{'unscored' if k is None else f'score {k}'}: {counts[k]}</title></rect>"
            f'<text x="{x + (bar_w - 8) / 2}" y="{base - h - 3}" font-size="11" text-anchor="middle">{counts[k]}</text>'
            f'<text x="{x + (bar_w - 8) / 2}" y="{height - 5}" font-size="11" text-anchor="middle">'
            f"{'n/a' if k is None else k}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _score_row(metric: str, result: Mapping[str, Any]) -> str:
    s = result.get("score")
    low = "low" if s is None or s < 3 else ""
    return (
        f"<tr><td>{escape(metric)}</td><td class='{low}'>{escape(str(s))}</td>"
        f"<td>{escape(str(result.get('reason', '')))}</td></tr>"
    )


def worst(rows: Sequence[Mapping[str, Any]], n: int = WORST) -> list[Mapping[str, Any]]:
    """The n rows with the lowest scores (sum over metrics; unscored metrics count as 0 so they surface)."""

    def total(row: Mapping[str, Any]) -> int:
        return sum(row["scores"][m]["score"] or 0 for m in METRICS if m in row["scores"])

    return sorted(rows, key=total)[:n]


def render(run_name: str, metrics: Mapping[str, Any], rows: Sequence[Mapping[str, Any]], meta: str = "") -> str:
    """The report as one HTML string. `rows`: dicts with question, answer, context, ground_truth and
    scores = {metric: {"score": int | None, "reason": str}}."""
    e = escape
    out = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>studyflow evaluation {e(run_name)}</title><style>{CSS}</style></head><body>",
        f"<h1>Evaluation {e(run_name)}</h1><p class='meta'>{e(meta)}</p>",
        "<h2>Metrics</h2><table><tr><th>metric</th><th>value</th></tr>",
        *(f"<tr><td>{e(str(k))}</td><td>{e(_fmt(v))}</td></tr>" for k, v in metrics.items()),
        "</table><h2>Distribution of scores</h2>",
    ]
    for m in METRICS:
        scores = [row["scores"].get(m, {}).get("score") for row in rows]
        mean = metrics.get(m)
        out.append(
            f"<section class='metric' id='metric-{m}'><h3>{e(m)}</h3>{histogram_svg(scores)}"
            f"<p>mean {e(_fmt(mean)) if mean is not None else 'n/a'}, "
            f"pass rate {e(_fmt(metrics.get(m + '_pass_rate', 'n/a')))}</p></section>"
        )
    out.append(f"<h2>Worst-scored answers (lowest {min(WORST, len(rows))} of {len(rows)})</h2>")
    for row in worst(rows):
        cells = "".join(_score_row(m, row["scores"].get(m, {})) for m in METRICS)
        context = str(row.get("context") or "")
        out.append(
            "<div class='answer'>"
            f"<p><b>Question:</b> {e(str(row.get('question') or ''))}</p>"
            f"<p><b>Ground truth:</b> {e(str(row.get('ground_truth') or ''))}</p>"
            f"<p><b>Answer:</b></p><pre>{e(str(row.get('answer') or ''))}</pre>"
            f"<table><tr><th>metric</th><th>score</th><th>reason</th></tr>{cells}</table>"
            f"<details><summary>Context</summary><pre>{e(context[:CONTEXT_CHARS])}"
            f"{'…' if len(context) > CONTEXT_CHARS else ''}</pre></details></div>"
        )
    out.append("</body></html>")
    return "\n".join(out)


def rows_from_details(details: Any) -> list[dict[str, Any]]:
    """Report rows from an eval run's `pf.get_details` DataFrame (inputs.* and outputs.* columns)."""
    rows = []
    for rec in details.to_dict("records"):

        def get(col: str, rec: dict = rec) -> Any:
            value = rec.get(col)
            return None if value != value else value  # NaN (a failed line) -> None

        scores = {}
        for m in METRICS:
            s = get(f"outputs.{m}")
            # pf shows a None score (an unscored line) as NaN or as the text "(Failed)".
            number = s if isinstance(s, int | float) else None
            scores[m] = {"score": None if number is None else int(number), "reason": get(f"outputs.{m}_reason") or ""}
        rows.append(
            {
                "question": get("inputs.question"),
                "answer": get("inputs.answer"),
                "context": get("inputs.context"),
                "ground_truth": get("inputs.ground_truth"),
                "scores": scores,
            }
        )
    return rows


def write_report(run_name: str, metrics: Mapping[str, Any], rows: Sequence[Mapping[str, Any]], meta: str = "") -> Path:
    """Write `eval/results/report-<run_name>.html` and return its path."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"report-{run_name}.html"
    path.write_text(render(run_name, metrics, rows, meta), encoding="utf-8")
    return path
