"""Running a judge over a task's items and correlating its scores with the human labels, one row per split."""

from __future__ import annotations

import functools
import importlib
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import ModuleType

from core.errors import StudyflowError
from eval.agreement.datasets import PUBLISHED, Item, Task
from eval.agreement.sampling import select
from eval.agreement.stats import correlations, fisher_ci

# Judges by name; each module has the local_judge function names and signatures. The LLM judge is imported only
# when asked for, because it needs the model server (and is written separately).
JUDGE_MODULES: dict[str, str] = {"local": "eval.local_judge", "llm": "eval.llm_judge"}


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


def load_judge(name: str) -> ModuleType | None:
    """The judge module, or None (with a line on stderr) when it cannot be imported."""
    try:
        return importlib.import_module(JUDGE_MODULES[name])
    except ImportError as exc:
        print(f"skipping judge {name!r}: {JUDGE_MODULES[name]} cannot be imported ({exc})", file=sys.stderr)
        return None


# Scores already computed in this process, keyed by judge, metric and inputs, with the seconds they took: the same
# response is judged under several labels and splits (Topical-Chat), and an LLM judge must not be paid twice.
_MEMO: dict[tuple, tuple[int | None, float]] = {}


def judge_items(
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
    """One row per split of `task` (the held-out ones only, if asked), as each split is judged."""
    for split, all_items in task.splits.items():
        held_out = split not in task.tuning
        if held_out_only and not held_out:
            continue
        items = select(all_items, limit, sample, seed)
        tagged = functools.partial(_tagged, log, task.dataset, split) if log else None
        values, scores, seconds = judge_items(judge_name, judge, task.metric, items, tagged)
        human = [it.human for it in items]
        rho_v, tau_v = (None, None) if values[0] is None else correlations(human, values)
        scored = [(h, s) for h, s in zip(human, scores) if s is not None]
        rho_s, tau_s = correlations([h for h, _ in scored], [s for _, s in scored])
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
