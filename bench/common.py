"""Small helpers the benchmarks share: loading question sets, timing, percentiles."""

import json
import re
import statistics
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEV_SET = ROOT / "tests/data/dev_questions.jsonl"
TUNING_SET = ROOT / "bench/data/tuning_questions.jsonl"

_DECLINE = re.compile(
    r"(don't|do not|doesn't|does not)\s+(cover|mention|contain|say)|not\s+(covered|mentioned)\s+in\s+the\s+notes",
    re.IGNORECASE,
)


def load_questions(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def median(values: list[float]) -> float:
    return statistics.median(values)


def normalise(text: str) -> str:
    return " ".join(re.sub(r"[_\-`*]", " ", text.lower()).split())


def has_key_terms(answer: str, terms: list[str]) -> bool:
    """A right answer names every key term (case, underscores and hyphens ignored)."""
    text = normalise(answer)
    return all(normalise(t) in text for t in terms)


def is_decline(answer: str) -> bool:
    return bool(_DECLINE.search(answer))


def gold_rank(chapters: list[str], chapter: int) -> int | None:
    """1-based rank of the first hit from the gold chapter, None if it is not among them."""
    return next((i for i, c in enumerate(chapters, 1) if c.startswith(f"Chapter {chapter}.")), None)


def load_qa_flow():
    """The Q&A flow in this process, the same definition `pf flow test` runs."""
    from promptflow.client import load_flow

    return load_flow(str(ROOT / "flows" / "qa"))
