"""Agreement of a judge's scores with human judgements on ../shared/evalbench (see its README).

    python -m eval.agreement [--judge local|llm|all] [--limit N | --sample N --seed S] [--held-out]
                             [--datasets stsb summeval ...] [--metrics groundedness ...] [--out FILE]

Correlations are per item over the whole selected file or split (not per system or per document). For each metric
the judge's continuous `<metric>_value` (when the judge has one) and its 1-5 `score` are both correlated, with a 95%
confidence interval (Fisher z). `--sample N --seed S` draws the same N items of each split for every judge, so two
judges can be compared on one sample (the first N items are not a fair sample: STS-B test is ordered by genre).
Rows are printed and written to the JSON file as each split finishes, and every scored item is appended to
`<out>.items.jsonl` at once, so a long LLM run leaves partial results. XSumFaith and FactCC (the groundedness
calibration sets of eval/calibrate.py) run only when named with --datasets.
"""

from __future__ import annotations

import argparse
import csv
import functools
import importlib
import json
import math
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from types import ModuleType

from scipy.stats import kendalltau, spearmanr

from ingest.errors import StudyflowError
from ingest.settings import PROJECT_ROOT

EVALBENCH = PROJECT_ROOT.parent / "shared" / "evalbench"
RESULTS = PROJECT_ROOT / "eval" / "results"

# Judges by name; each module has the local_judge function names and signatures. The LLM judge is imported only
# when asked for, because it needs the model server (and is written separately).
JUDGES: dict[str, str] = {"local": "eval.local_judge", "llm": "eval.llm_judge"}

# Where each local-judge metric was tuned (weights and 1-5 cut points); every other row is held out.
TUNED_ON = {
    "similarity": "STS-B dev (sts-dev.csv)",
    "groundedness": "weights: SummEval (SummaC `val` cut, mean of the 3 expert ratings); 1-5 cut points: "
    "XSumFaith and FactCC (SummaC, binary labels)",
    "relevance": "Topical-Chat coherence, even-numbered dialogues",
    "coherence": "Topical-Chat coherence, even-numbered dialogues",
    "fluency": "Topical-Chat naturalness, even-numbered dialogues",
}

# Published figures from the evalbench README, keyed by (metric, data set, human label).
PUBLISHED = {
    ("similarity", "stsb", "score"): "MiniLM cos 0.82 (test)",
    ("groundedness", "qags_cnndm", "consistency"): "G-Eval 0.685, UniEval 0.662",
    ("groundedness", "qags_xsum", "consistency"): "G-Eval 0.537, UniEval 0.488",
    ("groundedness", "summeval", "consistency"): "G-Eval 0.507, UniEval 0.446 (full set, summary-level)",
    ("groundedness", "topical_chat", "groundedness"): "UniEval 0.575",
    ("coherence", "topical_chat", "coherence"): "UniEval 0.613",
    ("fluency", "topical_chat", "naturalness"): "G-Eval 0.632 (Pearson)",
}


@dataclass
class Item:
    inputs: dict[str, str]
    human: float


@dataclass
class Task:
    metric: str
    dataset: str
    label: str
    splits: dict[str, list[Item]]
    # Splits the local judge was tuned on (or that contain tuning items): reported, but marked, and skipped by
    # --held-out.
    tuning: frozenset[str] = frozenset()


@dataclass
class Row:
    metric: str
    judge: str
    dataset: str
    label: str
    split: str
    held_out: bool
    n: int
    spearman_value: float | None
    kendall_value: float | None
    spearman_score: float | None
    kendall_score: float | None
    # 95% confidence intervals (Fisher z) of the Spearman correlations above.
    spearman_value_ci: tuple[float, float] | None
    spearman_score_ci: tuple[float, float] | None
    kendall_score_ci: tuple[float, float] | None
    seconds_per_item: float
    median_seconds: float
    unscored: int
    published: str


# --- data sets -----------------------------------------------------------------------------------------------------
def _json(path: str):
    return json.loads((EVALBENCH / path).read_text(encoding="utf-8"))


def _stsb(split: str) -> list[Item]:
    with open(EVALBENCH / "stsb" / f"sts-{split}.csv", encoding="utf-8", newline="") as f:
        rows = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [Item({"answer": r[5], "ground_truth": r[6]}, float(r[4])) for r in rows]


def _qags(name: str) -> list[Item]:
    rows = _json(f"unieval/qags_{name}.json")
    return [Item({"answer": r["system_output"], "context": r["source"]}, r["scores"]["consistency"]) for r in rows]


def _summeval() -> list[Item]:
    rows = _json("summac/summeval.json").values()
    return [Item({"answer": r["claim"], "context": r["document"]}, sum(r["annotations"]) / 3) for r in rows]


def _summac_binary(name: str) -> list[Item]:
    """XSumFaith / FactCC: label 1 = consistent with the document, 0 = not."""
    rows = _json(f"summac/{name}.json").values()
    return [Item({"answer": r["claim"], "context": r["document"]}, float(r["label"])) for r in rows]


def _halves(items: list[Item]) -> dict[str, list[Item]]:
    """Topical-Chat lists 6 responses per dialogue in a row: even dialogues tune, odd ones are held out."""
    even = [it for i, it in enumerate(items) if (i // 6) % 2 == 0]
    odd = [it for i, it in enumerate(items) if (i // 6) % 2 == 1]
    return {TUNE_HALF: even, HELD_OUT_HALF: odd, "all": items}


TUNE_HALF, HELD_OUT_HALF = "tune (even dialogues)", "held out (odd)"


def _topical_chat(metric: str, label: str) -> list[Item]:
    items = []
    for r in _json("unieval/topical_chat.json"):
        history, response, fact = r["source"], r["system_output"], r["context"]
        inputs = {
            "groundedness": {"answer": response, "context": fact},
            "relevance": {"question": history, "answer": response, "context": fact},
            "coherence": {"question": history, "answer": response},
            "fluency": {"answer": response},
        }[metric]
        items.append(Item(inputs, r["scores"][label]))
    return items


def tasks() -> list[Task]:
    tc, halves_tuned = "topical_chat", frozenset({TUNE_HALF, "all"})
    return [
        Task("similarity", "stsb", "score", {"dev": _stsb("dev"), "test": _stsb("test")}, frozenset({"dev"})),
        Task("groundedness", "summeval", "consistency", {"val": _summeval()}, frozenset({"val"})),
        Task("groundedness", "xsumfaith", "label", {"val": _summac_binary("xsumfaith")}, frozenset({"val"})),
        Task("groundedness", "factcc", "label", {"all": _summac_binary("factcc")}, frozenset({"all"})),
        Task("groundedness", "qags_cnndm", "consistency", {"all": _qags("cnndm")}),
        Task("groundedness", "qags_xsum", "consistency", {"all": _qags("xsum")}),
        Task("groundedness", tc, "groundedness", {"all": _topical_chat("groundedness", "groundedness")}),
        Task("relevance", tc, "coherence", _halves(_topical_chat("relevance", "coherence")), halves_tuned),
        Task("relevance", tc, "engagingness", _halves(_topical_chat("relevance", "engagingness")), halves_tuned),
        Task("coherence", tc, "coherence", _halves(_topical_chat("coherence", "coherence")), halves_tuned),
        Task("fluency", tc, "naturalness", _halves(_topical_chat("fluency", "naturalness")), halves_tuned),
        Task("fluency", tc, "understandability", _halves(_topical_chat("fluency", "understandability")), halves_tuned),
    ]


# Binary-labelled calibration sets for the groundedness cut points (eval/calibrate.py): 800 long documents that
# say nothing about the held-out figures, so they run only when named with --datasets.
CALIBRATION_ONLY = frozenset({"xsumfaith", "factcc"})


def select(items: list[Item], limit: int | None = None, sample: int | None = None, seed: int = 0) -> list[Item]:
    """The first `limit` items, or a seeded random `sample` of them (kept in file order; the whole split if smaller).
    The draw depends only on the split's size and the seed, so every judge gets the same items."""
    if sample is not None:
        if sample >= len(items):
            return list(items)
        picked = sorted(random.Random(seed).sample(range(len(items)), sample))
        return [items[i] for i in picked]
    return items[:limit] if limit else items


# --- judging -------------------------------------------------------------------------------------------------------
def load_judge(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(JUDGES[name])
    except ImportError as exc:
        print(f"skipping judge {name!r}: {JUDGES[name]} cannot be imported ({exc})", file=sys.stderr)
        return None


def _correlations(human: list[float], predicted: list[float]) -> tuple[float | None, float | None]:
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


# Scores already computed in this process, keyed by judge, metric and inputs, with the seconds they took: the same
# response is judged under several labels and splits (Topical-Chat), and an LLM judge must not be paid twice.
_MEMO: dict[tuple, tuple[int | None, float]] = {}


def _run(
    judge_name: str, judge: ModuleType, metric: str, items: list[Item], log: Callable[[dict], None] | None = None
) -> tuple[list[float | None], list[int | None], list[float]]:
    """Continuous values, 1-5 scores and seconds per item (the 1-5 scorer only, each data set from a cold cache).
    `log` gets each new item's human label, score and seconds as it is scored."""
    score_fn: Callable[..., dict] = getattr(judge, metric)
    value_fn: Callable[..., float] | None = getattr(judge, f"{metric}_value", None)
    if reset := getattr(judge, "reset_cache", None):
        reset()
    scores, seconds = [], []
    for it in items:
        key = (judge_name, metric, tuple(sorted(it.inputs.items())))
        if key not in _MEMO:
            started = time.perf_counter()
            try:
                result = score_fn(**it.inputs)["score"]
            except StudyflowError as error:
                # An LLM timeout on a busy shared server is one unscored item (counted in the row), as in the
                # flow; it must not throw away the rest of a run that takes an hour.
                print(f"unscored ({metric}): {error}", file=sys.stderr, flush=True)
                result = None
            _MEMO[key] = (result, time.perf_counter() - started)
            if log:
                log({"metric": metric, "human": it.human, "score": result, "seconds": round(_MEMO[key][1], 3)})
        scores.append(_MEMO[key][0])
        seconds.append(_MEMO[key][1])
    values = [value_fn(**it.inputs) for it in items] if value_fn else [None] * len(items)
    return values, scores, seconds


def _tagged(log: Callable[[dict], None], dataset: str, split: str, record: dict) -> None:
    log({"dataset": dataset, "split": split, **record})


def evaluate(
    judge_name: str,
    judge: ModuleType,
    task: Task,
    limit: int | None = None,
    sample: int | None = None,
    seed: int = 0,
    held_out_only: bool = False,
    log: Callable[[dict], None] | None = None,
) -> Iterable[Row]:
    for split, all_items in task.splits.items():
        held_out = split not in task.tuning
        if held_out_only and not held_out:
            continue
        items = select(all_items, limit, sample, seed)
        tagged = functools.partial(_tagged, log, task.dataset, split) if log else None
        values, scores, seconds = _run(judge_name, judge, task.metric, items, tagged)
        human = [it.human for it in items]
        rho_v, tau_v = (None, None) if values[0] is None else _correlations(human, values)
        scored = [(h, s) for h, s in zip(human, scores) if s is not None]
        rho_s, tau_s = _correlations([h for h, _ in scored], [s for _, s in scored])
        published = PUBLISHED.get((task.metric, task.dataset, task.label), "") if held_out else ""
        yield Row(
            metric=task.metric,
            judge=judge_name,
            dataset=task.dataset,
            label=task.label,
            split=split,
            held_out=held_out,
            n=len(items),
            spearman_value=rho_v,
            kendall_value=tau_v,
            spearman_score=rho_s,
            kendall_score=tau_s,
            spearman_value_ci=fisher_ci(rho_v, len(items)),
            spearman_score_ci=fisher_ci(rho_s, len(scored)),
            kendall_score_ci=fisher_ci(tau_s, len(scored), kendall=True),
            seconds_per_item=sum(seconds) / max(len(items), 1),
            median_seconds=statistics.median(seconds) if seconds else 0.0,
            unscored=len(items) - len(scored),
            published=published,
        )


# --- output --------------------------------------------------------------------------------------------------------
def _fmt(x: float | None) -> str:
    return "   -  " if x is None else f"{x:6.3f}"


def _ci(ci: tuple[float, float] | None) -> str:
    return "      -      " if ci is None else f"[{ci[0]:5.2f},{ci[1]:5.2f}]"


HEADER = (
    f"{'metric':12} {'judge':5} {'data set':12} {'human label':17} {'split':21} {'n':>5}  "
    f"{'rho val':>6} {'95% CI':>13}  {'rho 1-5':>6} {'95% CI':>13}  {'tau 1-5':>6} {'s/item':>7} {'median':>7}  "
    "published"
)


def format_row(r: Row) -> str:
    split = r.split if r.held_out else f"{r.split} *"
    return (
        f"{r.metric:12} {r.judge:5} {r.dataset:12} {r.label:17} {split:21} {r.n:5d}  "
        f"{_fmt(r.spearman_value)} {_ci(r.spearman_value_ci)}  {_fmt(r.spearman_score)} {_ci(r.spearman_score_ci)}  "
        f"{_fmt(r.kendall_score)} {r.seconds_per_item:7.3f} {r.median_seconds:7.3f}  {r.published}"
        + (f"  [{r.unscored} unscored]" if r.unscored else "")
    )


def print_table(rows: list[Row]) -> None:
    print(HEADER)
    for r in rows:
        print(format_row(r))


def _append_line(path: Path, record: dict) -> None:
    with path.open("a", encoding="utf-8") as f:
        f.write(json.dumps(record) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--judge", choices=[*JUDGES, "all"], default="local")
    parser.add_argument("--limit", type=int, default=None, help="first N items of each file/split")
    parser.add_argument("--sample", type=int, default=None, help="a seeded random sample of N items of each split")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--held-out", action="store_true", help="skip the splits the local judge was tuned on")
    parser.add_argument(
        "--datasets", nargs="*", default=None, help="stsb summeval xsumfaith factcc qags_cnndm qags_xsum topical_chat"
    )
    parser.add_argument("--metrics", nargs="*", default=None, help="similarity groundedness ... fluency")
    parser.add_argument("--out", default=None, help="JSON file (default eval/results/agreement-<judge>[-sampleN].json)")
    args = parser.parse_args(argv)
    if args.limit and args.sample:
        parser.error("--limit and --sample are alternatives")

    selected = [
        t
        for t in tasks()
        if (t.dataset in args.datasets if args.datasets else t.dataset not in CALIBRATION_ONLY)
        and (args.metrics is None or t.metric in args.metrics)
    ]
    names = list(JUDGES) if args.judge == "all" else [args.judge]
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
        out = RESULTS / f"agreement-{name}{suffix}.json" if args.out is None else Path(args.out)
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


if __name__ == "__main__":
    raise SystemExit(main())
