"""The question sets, one folder with their checker (`python -m harness.questions.check`): the dev set the tests
and benchmarks report on, and the tuning set choices are made on (never the dev set)."""

from __future__ import annotations

import json
from pathlib import Path

FOLDER = Path(__file__).resolve().parent
DEV_SET = FOLDER / "dev_questions.jsonl"
TUNING_SET = FOLDER / "tuning_questions.jsonl"


def load_questions(path: Path) -> list[dict]:
    """The records of a JSON-lines question file (blank lines skipped)."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
