"""What to practise next and opening the student's study state (bank + store + schedule) in one call."""

from __future__ import annotations

import random
from datetime import datetime
from pathlib import Path

from core import settings
from study import bank as bank_data
from study.bank import Bank, Item
from study.schedule import Schedule
from study.store import Store

BANK_SETTING = "STUDYFLOW_STUDY_BANK"
OWN_BANK_NAME = "own_bank.jsonl"


def bank_path() -> Path:
    return settings.path(BANK_SETTING, bank_data.BANK_PATH)


def own_bank_path() -> Path:
    """The student's own bank: beside the progress file (`.study/` by default). The page and `study generate` write
    the questions of the student's own notes there, never into the shipped bank in study/data."""
    from study.store import db_path

    return db_path().parent / OWN_BANK_NAME


def start_own_bank() -> Path:
    """The student's own bank, made the first time as a copy of the bank (STUDYFLOW_STUDY_BANK, the shipped one by
    default): its questions stay while their passages are in the index, as they would in the bank itself."""
    own = own_bank_path()
    if not own.is_file():
        bank_data.save(bank_data.load(bank_path()), own)
    return own


def open_bank() -> Bank:
    """The student's own bank once there is one, else the bank."""
    own = own_bank_path()
    return bank_data.load(own if own.is_file() else bank_path())


def open_schedule(bank: Bank, store: Store | None = None) -> Schedule:
    """The schedule of the bank's items on the student's store, with retired items flagged in the store."""
    store = store or Store()
    store.set_retired({item.id for item in bank.items if not item.accepted})
    return Schedule(store, bank.items)


def quiz_items(
    schedule: Schedule,
    n: int,
    now: datetime,
    chapters: list[int] | None = None,
    kind: str | None = None,
    seed: int | None = None,
) -> list[Item]:
    """n items: due cards first (most overdue first), then unseen ones (shuffled), then the least recalled."""

    def wanted(item: Item) -> bool:
        return item.accepted and (not chapters or item.chapter_number in chapters) and (not kind or item.kind == kind)

    due = [d.item for d in schedule.due(now) if wanted(d.item)]
    unseen = [i for i in schedule.unseen() if wanted(i)]
    random.Random(seed).shuffle(unseen)
    chosen = {i.id for i in due + unseen}
    rest = [i for i in schedule.items.values() if wanted(i) and i.id not in chosen]
    rest.sort(key=lambda i: schedule.retrievability(i, now) or 0.0)
    return (due + unseen + rest)[:n]
