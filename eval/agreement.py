"""Agreement of a judge's scores with human judgements on ../shared/evalbench (see its README).

    python -m eval.agreement [--judge local|llm|all] [--limit N] [--datasets stsb summeval ...]

Correlations are per item over the whole selected file or split (not per system or per document). For each metric
the judge's continuous `<metric>_value` (when the judge has one) and its 1-5 `score` are both correlated.
"""

from __future__ import annotations

import argparse
import csv
import importlib
import json
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from types import ModuleType

from scipy.stats import kendalltau, spearmanr

from ingest.settings import PROJECT_ROOT

EVALBENCH = PROJECT_ROOT.parent / "shared" / "evalbench"
RESULTS = PROJECT_ROOT / "eval" / "results"

# Judges by name; each module has the local_judge function names and signatures. The LLM judge is imported only
# when asked for, because it needs the model server (and is written separately).
JUDGES: dict[str, str] = {"local": "eval.local_judge", "llm": "eval.llm_judge"}

# Where each local-judge metric was tuned (weights and 1-5 cut points); every other row is held out.
TUNED_ON = {
    "similarity": "STS-B dev (sts-dev.csv)",
    "groundedness": "SummEval (SummaC `val` cut, mean of the 3 expert ratings)",
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


@dataclass
class Row:
    metric: str
    judge: str
    dataset: str
    label: str
    split: str
    n: int
    spearman_value: float | None
    kendall_value: float | None
    spearman_score: float | None
    kendall_score: float | None
    seconds_per_item: float
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


def _halves(items: list[Item]) -> dict[str, list[Item]]:
    """Topical-Chat lists 6 responses per dialogue in a row: even dialogues tune, odd ones are held out."""
    even = [it for i, it in enumerate(items) if (i // 6) % 2 == 0]
    odd = [it for i, it in enumerate(items) if (i // 6) % 2 == 1]
    return {"tune (even dialogues)": even, "held out (odd)": odd, "all": items}


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
    tc = "topical_chat"
    return [
        Task("similarity", "stsb", "score", {"dev": _stsb("dev"), "test": _stsb("test")}),
        Task("groundedness", "summeval", "consistency", {"val": _summeval()}),
        Task("groundedness", "qags_cnndm", "consistency", {"all": _qags("cnndm")}),
        Task("groundedness", "qags_xsum", "consistency", {"all": _qags("xsum")}),
        Task("groundedness", tc, "groundedness", {"all": _topical_chat("groundedness", "groundedness")}),
        Task("relevance", tc, "coherence", _halves(_topical_chat("relevance", "coherence"))),
        Task("relevance", tc, "engagingness", _halves(_topical_chat("relevance", "engagingness"))),
        Task("coherence", tc, "coherence", _halves(_topical_chat("coherence", "coherence"))),
        Task("fluency", tc, "naturalness", _halves(_topical_chat("fluency", "naturalness"))),
        Task("fluency", tc, "understandability", _halves(_topical_chat("fluency", "understandability"))),
    ]


# --- judging -------------------------------------------------------------------------------------------------------
def load_judge(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(JUDGES[name])
    except ImportError as exc:
        print(f"skipping judge {name!r}: {JUDGES[name]} cannot be imported ({exc})", file=sys.stderr)
        return None


def _correlations(human: list[float], predicted: list[float]) -> tuple[float | None, float | None]:
    if len(predicted) < 3 or len(set(predicted)) < 2:
        return None, None
    return float(spearmanr(human, predicted)[0]), float(kendalltau(human, predicted)[0])


def _run(judge: ModuleType, metric: str, items: list[Item]) -> tuple[list[float | None], list[int | None], float]:
    """Scores and continuous values per item; seconds per item counts the 1-5 scorer only, from a cold cache."""
    score_fn: Callable[..., dict] = getattr(judge, metric)
    value_fn: Callable[..., float] | None = getattr(judge, f"{metric}_value", None)
    if reset := getattr(judge, "reset_cache", None):
        reset()
    started = time.perf_counter()
    scores = [score_fn(**it.inputs)["score"] for it in items]
    seconds = (time.perf_counter() - started) / max(len(items), 1)
    values = [value_fn(**it.inputs) for it in items] if value_fn else [None] * len(items)
    return values, scores, seconds


def evaluate(judge_name: str, judge: ModuleType, task: Task, limit: int | None) -> Iterable[Row]:
    for split, all_items in task.splits.items():
        items = all_items[:limit] if limit else all_items
        values, scores, seconds = _run(judge, task.metric, items)
        human = [it.human for it in items]
        rho_v, tau_v = (None, None) if values[0] is None else _correlations(human, values)
        scored = [(h, s) for h, s in zip(human, scores) if s is not None]
        rho_s, tau_s = _correlations([h for h, _ in scored], [s for _, s in scored])
        published = PUBLISHED.get((task.metric, task.dataset, task.label), "")
        if task.dataset == "stsb" and split == "dev":
            published = ""
        yield Row(
            task.metric,
            judge_name,
            task.dataset,
            task.label,
            split,
            len(items),
            rho_v,
            tau_v,
            rho_s,
            tau_s,
            seconds,
            len(items) - len(scored),
            published,
        )


# --- output --------------------------------------------------------------------------------------------------------
def _fmt(x: float | None) -> str:
    return "   -  " if x is None else f"{x:6.3f}"


def print_table(rows: list[Row]) -> None:
    print("Per-item correlation over the whole file/split; value = continuous *_value, 1-5 = the judge's score.")
    header = f"{'metric':12} {'judge':5} {'data set':12} {'human label':17} {'split':21} {'n':>5} "
    header += f"{'rho val':>7} {'tau val':>7} {'rho 1-5':>7} {'tau 1-5':>7} {'s/item':>7}  published"
    print(header)
    for r in rows:
        print(
            f"{r.metric:12} {r.judge:5} {r.dataset:12} {r.label:17} {r.split:21} {r.n:5d}  "
            f"{_fmt(r.spearman_value)}  {_fmt(r.kendall_value)}  {_fmt(r.spearman_score)}  {_fmt(r.kendall_score)} "
            f"{r.seconds_per_item:7.3f}  {r.published}" + (f"  [{r.unscored} unscored]" if r.unscored else "")
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--judge", choices=[*JUDGES, "all"], default="local")
    parser.add_argument("--limit", type=int, default=None, help="first N items of each file/split")
    parser.add_argument("--datasets", nargs="*", default=None, help="stsb summeval qags_cnndm qags_xsum topical_chat")
    parser.add_argument("--metrics", nargs="*", default=None, help="similarity groundedness ... fluency")
    args = parser.parse_args(argv)

    selected = [
        t
        for t in tasks()
        if (args.datasets is None or t.dataset in args.datasets) and (args.metrics is None or t.metric in args.metrics)
    ]
    names = list(JUDGES) if args.judge == "all" else [args.judge]
    print("Tuned on (local judge): " + "; ".join(f"{m} <- {d}" for m, d in TUNED_ON.items()))
    for name in names:
        judge = load_judge(name)
        if judge is None:
            continue
        rows = [row for task in selected for row in evaluate(name, judge, task, args.limit)]
        print_table(rows)
        RESULTS.mkdir(parents=True, exist_ok=True)
        out = RESULTS / f"agreement-{name}.json"
        meta = {"protocol": "per-item over the whole file/split", "limit": args.limit, "tuned_on": TUNED_ON}
        out.write_text(json.dumps({"meta": meta, "rows": [asdict(r) for r in rows]}, indent=2), encoding="utf-8")
        print(f"wrote {out.relative_to(PROJECT_ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
