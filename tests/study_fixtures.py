"""Small hand-made banks and stores for the study tests (temp files, never the project's progress file)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from study import bank as bank_data
from study.bank import Bank, BankMeta, Item
from study.schedule import Schedule
from study.store import Store

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _provenance(passage_hash: str, chapter: int) -> dict:
    """Where a test item's passage is: the same made-up place for every item, told apart by its hash."""
    return {
        "chapter": f"Chapter {chapter}. Testing",
        "section": "Section 1. Tests",
        "source": "notes/dp100-notes.md",
        "lines": "8-20",
        "passage_id": f"id-{passage_hash}",
        "passage_hash": passage_hash,
    }


def mcq(passage_hash: str = "p1", stem: str = "Which option is right?", key: str = "B", chapter: int = 1) -> Item:
    return bank_data.make_item(
        kind="mcq",
        stem=stem,
        options={"A": "alpha", "B": "bravo", "C": "charlie", "D": "delta"},
        key=key,
        explanation="Because the notes say so.",
        quote="bravo is right",
        **_provenance(passage_hash, chapter),
    )


def recall(passage_hash: str = "p1", question: str = "What is right?", chapter: int = 1) -> Item:
    return bank_data.make_item(
        kind="recall",
        question=question,
        answer="bravo",
        quote="bravo is right",
        **_provenance(passage_hash, chapter),
    )


def bank_of(*items: Item) -> Bank:
    return Bank(items=list(items), meta=BankMeta(generator="test", created="2026-03-01T09:00:00+00:00"))


def schedule_for(tmp_path: Path, *items: Item) -> Schedule:
    return Schedule(Store(tmp_path / "progress.sqlite3"), list(items))
