"""The human-labelled data sets of ../shared/evalbench (see its README), one public loader per set, and the tasks
built from them: which judge metric is compared with which human label, on which splits."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import StudyflowError
from core.paths import PROJECT_ROOT

EVALBENCH = PROJECT_ROOT.parent / "shared" / "evalbench"

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

# The data set names of tasks(), for choosing among them without reading the files.
DATASETS = ("stsb", "summeval", "xsumfaith", "factcc", "qags_cnndm", "qags_xsum", "topical_chat")
# Binary-labelled calibration sets for the groundedness cut points (eval.agreement.calibrate): 800 long documents
# that say nothing about the held-out figures, so they run only when named with --datasets.
CALIBRATION_ONLY = frozenset({"xsumfaith", "factcc"})

TUNE_HALF, HELD_OUT_HALF = "tune (even dialogues)", "held out (odd)"


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


def _file(relative: str) -> Path:
    path = EVALBENCH / relative
    if not path.is_file():
        raise StudyflowError(f"{path} is missing: agreement and calibration read the data sets of {EVALBENCH}")
    return path


def _json(relative: str) -> Any:
    return json.loads(_file(relative).read_text(encoding="utf-8"))


def stsb(split: str) -> list[Item]:
    """STS-B `dev` or `test`: sentence pairs rated 0-5 for similarity."""
    with open(_file(f"stsb/sts-{split}.csv"), encoding="utf-8", newline="") as f:
        rows = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [Item({"answer": r[5], "ground_truth": r[6]}, float(r[4])) for r in rows]


def qags(name: str) -> list[Item]:
    """QAGS `cnndm` or `xsum` (UniEval's copy): summaries rated for consistency with their source."""
    rows = _json(f"unieval/qags_{name}.json")
    return [Item({"answer": r["system_output"], "context": r["source"]}, r["scores"]["consistency"]) for r in rows]


def summeval() -> list[Item]:
    """SummEval (SummaC's `val` cut): summaries with the mean of 3 expert consistency ratings."""
    rows = _json("summac/summeval.json").values()
    return [Item({"answer": r["claim"], "context": r["document"]}, sum(r["annotations"]) / 3) for r in rows]


def summac_binary(name: str) -> list[Item]:
    """XSumFaith / FactCC: label 1 = consistent with the document, 0 = not."""
    rows = _json(f"summac/{name}.json").values()
    return [Item({"answer": r["claim"], "context": r["document"]}, float(r["label"])) for r in rows]


def topical_chat(metric: str, label: str) -> list[Item]:
    """Topical-Chat (UniEval's copy): dialogue responses with `label` as the human rating, given the inputs of
    the judge's `metric`."""
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


def halves(items: list[Item]) -> dict[str, list[Item]]:
    """Topical-Chat lists 6 responses per dialogue in a row: even dialogues tune, odd ones are held out."""
    even = [it for i, it in enumerate(items) if (i // 6) % 2 == 0]
    odd = [it for i, it in enumerate(items) if (i // 6) % 2 == 1]
    return {TUNE_HALF: even, HELD_OUT_HALF: odd, "all": items}


def tasks() -> list[Task]:
    tc, halves_tuned = "topical_chat", frozenset({TUNE_HALF, "all"})
    return [
        Task("similarity", "stsb", "score", {"dev": stsb("dev"), "test": stsb("test")}, frozenset({"dev"})),
        Task("groundedness", "summeval", "consistency", {"val": summeval()}, frozenset({"val"})),
        Task("groundedness", "xsumfaith", "label", {"val": summac_binary("xsumfaith")}, frozenset({"val"})),
        Task("groundedness", "factcc", "label", {"all": summac_binary("factcc")}, frozenset({"all"})),
        Task("groundedness", "qags_cnndm", "consistency", {"all": qags("cnndm")}),
        Task("groundedness", "qags_xsum", "consistency", {"all": qags("xsum")}),
        Task("groundedness", tc, "groundedness", {"all": topical_chat("groundedness", "groundedness")}),
        Task("relevance", tc, "coherence", halves(topical_chat("relevance", "coherence")), halves_tuned),
        Task("relevance", tc, "engagingness", halves(topical_chat("relevance", "engagingness")), halves_tuned),
        Task("coherence", tc, "coherence", halves(topical_chat("coherence", "coherence")), halves_tuned),
        Task("fluency", tc, "naturalness", halves(topical_chat("fluency", "naturalness")), halves_tuned),
        Task("fluency", tc, "understandability", halves(topical_chat("fluency", "understandability")), halves_tuned),
    ]
