"""The progress file: one transaction per answer (kill -9 loses at most that answer), damaged files set aside."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from core.paths import PROJECT_ROOT
from study.errors import DamagedStoreError, StoreVersionError
from study.schedule import mcq_rating
from study.store import SCHEMA_VERSION, Store, db_path
from tests.study_fixtures import NOW, mcq, schedule_for

# The child answers in a loop and prints each answer's number once its transaction is committed.
CHILD = """
import sys
from datetime import timedelta
from study.schedule import Schedule, mcq_rating
from study.store import Store
from tests.study_fixtures import NOW, mcq
items = [mcq(f"p{i}") for i in range(20)]
schedule = Schedule(Store(__import__("pathlib").Path(sys.argv[1])), items)
n = 0
while True:
    item = items[n % len(items)]
    schedule.review(item, mcq_rating(n % 3 != 0), NOW + timedelta(minutes=n), "B", n % 3 != 0, "mcq")
    n += 1
    print(n, flush=True)
"""


def test_kill_9_mid_answer_loses_at_most_that_answer(tmp_path: Path) -> None:
    db = tmp_path / "progress.sqlite3"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db)], cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True
    )
    printed: list[int] = []
    try:
        for line in child.stdout:
            printed.append(int(line))
            if printed[-1] >= 60:
                break
    finally:
        child.kill()  # SIGKILL: no cleanup, no atexit, mid-transaction if it was in one
        child.wait(timeout=30)
    # The child went on answering between our last read and the kill; what it printed by then is still in the pipe.
    printed += [int(n) for n in child.stdout.read().split()]
    acknowledged = printed[-1]
    assert child.returncode == -9 and acknowledged >= 60
    with Store(db) as store:
        assert store.integrity() == "ok"
        reviews = store.reviews()
        assert acknowledged <= len(reviews) <= acknowledged + 1
        # Every stored review has its card: answer and schedule were one transaction.
        assert {r.item_id for r in reviews} == set(store.cards())


def test_an_answer_is_its_review_and_its_card_together(tmp_path: Path) -> None:
    item = mcq()
    schedule = schedule_for(tmp_path, item)
    schedule.review(item, mcq_rating(True), NOW, "B", True, "mcq")
    store = schedule.store
    [review] = store.reviews()
    assert (review.item_id, review.rating, review.correct, review.answer, review.grade_source) == (
        item.id, 3, True, "B", "mcq",
    )  # fmt: skip
    assert store.card(item.id)["last_review"] == NOW.isoformat()
    with pytest.raises(ValueError, match="grade_source"):
        store.record_review(item.id, {}, 3, NOW, grade_source="guess")


def test_progress_survives_reopening(tmp_path: Path) -> None:
    item = mcq()
    schedule_for(tmp_path, item).review(item, mcq_rating(False), NOW, "A", False, "mcq")
    with Store(tmp_path / "progress.sqlite3") as store:
        assert len(store.reviews()) == 1 and item.id in store.cards()
        assert store._db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert store._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_the_path_is_a_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUDYFLOW_STUDY_DB", str(tmp_path / "mine.sqlite3"))
    assert db_path() == tmp_path / "mine.sqlite3"
    monkeypatch.delenv("STUDYFLOW_STUDY_DB")
    assert db_path() == PROJECT_ROOT / ".study" / "progress.sqlite3"


def _assert_set_aside(path: Path, original: bytes, reason: str) -> None:
    with pytest.raises(DamagedStoreError) as err:
        Store(path)
    message = str(err.value)
    assert "\n" not in message
    assert reason in message and "moved aside" in message and "fresh one was started" in message
    moved = Path(err.value.moved_to)
    assert moved.name.startswith(f"{path.name}.damaged-")
    assert moved.read_bytes() == original  # kept as it was, never emptied
    with Store(path) as fresh:  # the next start just works
        assert fresh.reviews() == [] and fresh.integrity() == "ok"


def test_a_file_that_is_not_sqlite_is_set_aside(tmp_path: Path) -> None:
    path = tmp_path / "progress.sqlite3"
    path.write_bytes(b"these are my notes, not a database\n" * 10)
    _assert_set_aside(path, path.read_bytes(), "not a SQLite database")


def test_a_database_of_the_wrong_schema_is_set_aside(tmp_path: Path) -> None:
    path = tmp_path / "progress.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE something_else (x)")
    _assert_set_aside(path, path.read_bytes(), "schema version 0")


def test_a_corrupt_database_is_set_aside(tmp_path: Path) -> None:
    path = tmp_path / "progress.sqlite3"
    items = [mcq(f"p{i}") for i in range(300)]
    schedule = schedule_for(tmp_path, *items)
    for item in items:
        schedule.review(item, mcq_rating(True), NOW, "B" * 200, True, "mcq")
    schedule.store._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    schedule.store.close()
    data = bytearray(path.read_bytes())
    page = 4096
    assert len(data) > 8 * page
    data[3 * page : 6 * page] = b"\xa5" * (3 * page)  # garble some pages, leave the header intact
    path.write_bytes(bytes(data))
    _assert_set_aside(path, bytes(data), "damaged")


def test_a_database_from_a_newer_studyflow_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "progress.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    before = path.read_bytes()
    with pytest.raises(StoreVersionError, match="newer studyflow"):
        Store(path)
    assert path.read_bytes() == before
    assert not list(tmp_path.glob("*.damaged-*"))
