"""Agreement of a judge's scores with human judgements on ../shared/evalbench (see its README).

    python -m eval.agreement [--judge local|llm|all] [--limit N | --sample N --seed S] [--held-out]
                             [--datasets stsb summeval ...] [--metrics groundedness ...] [--out FILE]

Correlations are per item over the whole selected file or split (not per system or per document). For each metric
the judge's continuous `<metric>_value` (when the judge has one) and its 1-5 `score` are both correlated, with a 95%
confidence interval (Fisher z). `--sample N --seed S` draws the same N items of each split for every judge, so two
judges can be compared on one sample (the first N items are not a fair sample: STS-B test is ordered by genre).
Rows are printed and written to the JSON file as each split finishes, and every scored item is appended to
`<out>.items.jsonl` at once, so a long LLM run leaves partial results. XSumFaith and FactCC (the groundedness
calibration sets of eval.agreement.calibrate) run only when named with --datasets.
"""

from __future__ import annotations

import argparse
import functools
import json
from dataclasses import asdict
from pathlib import Path

from core.paths import PROJECT_ROOT
from eval.agreement.datasets import CALIBRATION_ONLY, DATASETS, TUNED_ON, Task, tasks
from eval.agreement.runner import JUDGE_MODULES, Row, evaluate, load_judge
from eval.agreement.table import HEADER, format_row
from eval.report import RESULTS_DIR
from eval.scores import METRICS


def _sample_size(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a sample size (a whole number of at least 1)")
    return value


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m eval.agreement", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--judge", choices=[*JUDGE_MODULES, "all"], default="local")
    parser.add_argument("--limit", type=int, default=None, help="first N items of each file/split")
    parser.add_argument(
        "--sample", type=_sample_size, default=None, help="a seeded random sample of N items of each split"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--held-out", action="store_true", help="skip the splits the local judge was tuned on")
    parser.add_argument("--datasets", nargs="*", choices=DATASETS, metavar="DATASET", help=" ".join(DATASETS))
    parser.add_argument("--metrics", nargs="*", choices=METRICS, metavar="METRIC", help=" ".join(METRICS))
    parser.add_argument("--out", default=None, help="JSON file (default eval/results/agreement-<judge>[-sampleN].json)")
    args = parser.parse_args(argv)
    if args.limit and args.sample:
        parser.error("--limit and --sample are alternatives")
    return args


def selected_tasks(datasets: list[str] | None, metrics: list[str] | None) -> list[Task]:
    """The tasks asked for; without --datasets, all but the calibration-only sets."""
    return [
        t
        for t in tasks()
        if (t.dataset in datasets if datasets else t.dataset not in CALIBRATION_ONLY)
        and (metrics is None or t.metric in metrics)
    ]


def _append_line(path: Path, record: dict) -> None:
    with path.open("a", encoding="utf-8") as f:
        f.write(json.dumps(record) + "\n")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    selected = selected_tasks(args.datasets, args.metrics)
    names = list(JUDGE_MODULES) if args.judge == "all" else [args.judge]
    print("Tuned on (local judge): " + "; ".join(f"{m} <- {d}" for m, d in TUNED_ON.items()))
    print(
        "Per-item correlation over the whole file/split; val = continuous *_value, 1-5 = the judge's score; "
        "95% CI by Fisher z; '*' = a split the local judge was tuned on; s/item = mean seconds, median alongside."
    )
    for name in names:
        judge = load_judge(name)
        if judge is None:
            continue
        if warm := getattr(judge, "vectors", None):
            warm(["load the embedding model"])  # ~20 s once per process, which is not any one item's cost
        suffix = f"-sample{args.sample}-seed{args.seed}" if args.sample else ""
        out = RESULTS_DIR / f"agreement-{name}{suffix}.json" if args.out is None else Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        meta = {
            "protocol": "per-item over the whole file/split",
            "limit": args.limit,
            "sample": args.sample,
            "seed": args.seed,
            "tuned_on": TUNED_ON,
        }
        print(HEADER, flush=True)
        rows: list[Row] = []
        # One line per scored item, appended as it is scored: an LLM split can take an hour on a shared server,
        # and a run stopped half-way still shows what the scored part says.
        items_log = out.with_suffix(".items.jsonl")
        items_log.write_text("", encoding="utf-8")
        log = functools.partial(_append_line, items_log)
        for task in selected:
            for row in evaluate(name, judge, task, args.limit, args.sample, args.seed, args.held_out, log):
                rows.append(row)
                print(format_row(row), flush=True)
                # Written after every split: a long LLM run that is stopped still leaves what it finished.
                out.write_text(json.dumps({"meta": meta, "rows": [asdict(r) for r in rows]}, indent=2), "utf-8")
        shown = out.relative_to(PROJECT_ROOT) if out.is_relative_to(PROJECT_ROOT) else out
        print(f"wrote {shown}")
    return 0
