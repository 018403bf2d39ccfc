"""The student's state in one SQLite file: FSRS cards, every review, exams and their answers.

One file per student (`STUDYFLOW_STUDY_DB`, default `.study/progress.sqlite3` in the project). Each answer is one
transaction (the card's new schedule and its review row together), so a process killed mid-answer loses at most
that answer. A file that is not a usable database is moved aside, never emptied in place.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from core import settings
from core.paths import PROJECT_ROOT
from core.text import one_line
from study.errors import DamagedStoreError, StoreVersionError

DB_SETTING = "STUDYFLOW_STUDY_DB"
DEFAULT_DB = PROJECT_ROOT / ".study" / "progress.sqlite3"
SCHEMA_VERSION = 1
GRADE_SOURCES = ("mcq", "self", "auto", "override")
_SQLITE_HEADER = b"SQLite format 3\x00"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS cards (
    item_id TEXT PRIMARY KEY,
    card TEXT NOT NULL,              -- fsrs Card.to_dict() as JSON
    retired INTEGER NOT NULL DEFAULT 0,
    updated TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS reviews (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id TEXT NOT NULL,
    at TEXT NOT NULL,
    rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 4),
    correct INTEGER,                 -- NULL when the student only rated themselves
    answer TEXT NOT NULL DEFAULT '',
    grade_source TEXT NOT NULL CHECK (grade_source IN ('mcq', 'self', 'auto', 'override')),
    exam_id INTEGER REFERENCES exams(id)
);
CREATE INDEX IF NOT EXISTS reviews_item ON reviews(item_id, at);
CREATE TABLE IF NOT EXISTS exams (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started TEXT NOT NULL,
    finished TEXT,
    n INTEGER NOT NULL,
    minutes REAL,
    seed INTEGER,
    score INTEGER
);
CREATE TABLE IF NOT EXISTS exam_answers (
    exam_id INTEGER NOT NULL REFERENCES exams(id),
    position INTEGER NOT NULL,
    item_id TEXT NOT NULL,
    answer TEXT,                     -- NULL: not answered (time ran out)
    correct INTEGER NOT NULL DEFAULT 0,
    answered_at TEXT,
    PRIMARY KEY (exam_id, position)
);
"""
_TABLES = {
    "cards": {"item_id", "card", "retired", "updated"},
    "reviews": {"id", "item_id", "at", "rating", "correct", "answer", "grade_source", "exam_id"},
    "exams": {"id", "started", "finished", "n", "minutes", "seed", "score"},
    "exam_answers": {"exam_id", "position", "item_id", "answer", "correct", "answered_at"},
}


@dataclass(frozen=True)
class Review:
    item_id: str
    at: datetime
    rating: int
    correct: bool | None
    answer: str
    grade_source: str
    exam_id: int | None


def db_path() -> Path:
    return settings.path(DB_SETTING, DEFAULT_DB)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text)


class Store:
    """One student's progress file; safe to share between the threads of one process (writes are serialised)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or db_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = self._open_checked()

    # --- opening -----------------------------------------------------------------------------------------------
    def _open_checked(self) -> sqlite3.Connection:
        problem = self._problem()
        if problem is None:
            return self._connect()
        moved = self._set_aside()
        self._connect().close()  # the fresh database, so the next start just works
        raise DamagedStoreError(
            f"the study progress file {one_line(str(self.path))} was damaged ({problem}); it was moved aside to "
            f"{one_line(moved.name)} and a fresh one was started: run the command again",
            moved_to=str(moved),
        )

    def _problem(self) -> str | None:
        """Why the existing file is not a usable progress database; None for a good one or none at all. Checked
        before anything writes to it (even switching on WAL rewrites the header), so a file set aside is as found."""
        if not self.path.exists() or self.path.stat().st_size == 0:
            return None
        with self.path.open("rb") as handle:
            if handle.read(len(_SQLITE_HEADER)) != _SQLITE_HEADER:
                return "not a SQLite database"
        try:
            db = sqlite3.connect(self.path, timeout=10)
            try:
                return _schema_problem(db)
            finally:
                db.close()
        except sqlite3.DatabaseError as err:
            return f"SQLite says: {err}"

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
        db.row_factory = sqlite3.Row
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            db.close()
            raise StoreVersionError(
                f"{one_line(str(self.path))} was written by a newer studyflow (schema {version}, this one reads "
                f"{SCHEMA_VERSION}): update studyflow, or point {DB_SETTING} at another file"
            )
        db.execute("PRAGMA journal_mode=WAL")
        # FULL, not NORMAL: in WAL mode NORMAL already survives a killed process, but a power cut could roll back
        # the last answers; one fsync per answer costs milliseconds, and a student's answers are the point.
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA foreign_keys=ON")
        if version == 0 and not _table_names(db):
            # One script, one transaction: a crash while creating leaves no half-made schema.
            db.executescript(f"BEGIN IMMEDIATE;\n{_SCHEMA}\nPRAGMA user_version={SCHEMA_VERSION};\nCOMMIT;")
        return db

    def _set_aside(self) -> Path:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        moved = self.path.with_name(f"{self.path.name}.damaged-{stamp}")
        self.path.replace(moved)
        for suffix in ("-wal", "-shm"):
            side = self.path.with_name(self.path.name + suffix)
            if side.exists():
                side.replace(moved.with_name(moved.name + suffix))
        return moved

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- cards and reviews -------------------------------------------------------------------------------------
    def card(self, item_id: str) -> dict | None:
        row = self._db.execute("SELECT card FROM cards WHERE item_id = ?", (item_id,)).fetchone()
        return json.loads(row["card"]) if row else None

    def cards(self, include_retired: bool = False) -> dict[str, dict]:
        sql = "SELECT item_id, card FROM cards" + ("" if include_retired else " WHERE retired = 0")
        return {row["item_id"]: json.loads(row["card"]) for row in self._db.execute(sql)}

    def record_review(
        self,
        item_id: str,
        card: dict,
        rating: int,
        at: datetime,
        correct: bool | None = None,
        answer: str = "",
        grade_source: str = "self",
        exam_answer: tuple[int, int] | None = None,
    ) -> int:
        """Store an answer: the card's new schedule, its review row and (in an exam) the exam answer, atomically."""
        if grade_source not in GRADE_SOURCES:
            raise ValueError(f"grade_source {grade_source!r} is not one of {', '.join(GRADE_SOURCES)}")
        when = iso(at)
        flag = None if correct is None else int(correct)
        with self._lock, _transaction(self._db):
            self._db.execute(
                "INSERT INTO cards (item_id, card, updated) VALUES (?, ?, ?) "
                "ON CONFLICT(item_id) DO UPDATE SET card = excluded.card, updated = excluded.updated",
                (item_id, json.dumps(card), when),
            )
            exam_id = exam_answer[0] if exam_answer else None
            cursor = self._db.execute(
                "INSERT INTO reviews (item_id, at, rating, correct, answer, grade_source, exam_id) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (item_id, when, int(rating), flag, answer, grade_source, exam_id),
            )
            if exam_answer:
                self._db.execute(
                    "UPDATE exam_answers SET answer = ?, correct = ?, answered_at = ? "
                    "WHERE exam_id = ? AND position = ?",
                    (answer, int(bool(correct)), when, *exam_answer),
                )
            return int(cursor.lastrowid)

    def reviews(self, item_id: str | None = None) -> list[Review]:
        sql = "SELECT * FROM reviews" + (" WHERE item_id = ?" if item_id else "") + " ORDER BY id"
        rows = self._db.execute(sql, (item_id,) if item_id else ())
        return [_review(row) for row in rows]

    def set_retired(self, retired_ids: set[str]) -> None:
        """Flag cards whose items the bank retired (and unflag ones it accepts again); their reviews stay."""
        with self._lock, _transaction(self._db):
            self._db.execute("UPDATE cards SET retired = 0")
            self._db.executemany("UPDATE cards SET retired = 1 WHERE item_id = ?", [(i,) for i in retired_ids])

    # --- exams -------------------------------------------------------------------------------------------------
    def start_exam(self, item_ids: list[str], at: datetime, minutes: float | None, seed: int | None) -> int:
        with self._lock, _transaction(self._db):
            cursor = self._db.execute(
                "INSERT INTO exams (started, n, minutes, seed) VALUES (?, ?, ?, ?)",
                (iso(at), len(item_ids), minutes, seed),
            )
            exam_id = int(cursor.lastrowid)
            self._db.executemany(
                "INSERT INTO exam_answers (exam_id, position, item_id) VALUES (?, ?, ?)",
                [(exam_id, pos, item_id) for pos, item_id in enumerate(item_ids)],
            )
        return exam_id

    def finish_exam(self, exam_id: int, at: datetime) -> int:
        with self._lock, _transaction(self._db):
            score = self._db.execute(
                "SELECT COALESCE(SUM(correct), 0) FROM exam_answers WHERE exam_id = ?", (exam_id,)
            ).fetchone()[0]
            self._db.execute("UPDATE exams SET finished = ?, score = ? WHERE id = ?", (iso(at), score, exam_id))
        return int(score)

    def exam(self, exam_id: int) -> sqlite3.Row | None:
        return self._db.execute("SELECT * FROM exams WHERE id = ?", (exam_id,)).fetchone()

    def exam_answers(self, exam_id: int) -> list[sqlite3.Row]:
        sql = "SELECT * FROM exam_answers WHERE exam_id = ? ORDER BY position"
        return list(self._db.execute(sql, (exam_id,)))

    def integrity(self) -> str:
        return self._db.execute("PRAGMA integrity_check").fetchone()[0]


@contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[None]:
    # BEGIN IMMEDIATE takes the write lock up front: a second writer waits (busy timeout) instead of failing late.
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _review(row: sqlite3.Row) -> Review:
    correct = row["correct"]
    return Review(
        item_id=row["item_id"],
        at=parse_time(row["at"]),
        rating=row["rating"],
        correct=None if correct is None else bool(correct),
        answer=row["answer"],
        grade_source=row["grade_source"],
        exam_id=row["exam_id"],
    )


def _table_names(db: sqlite3.Connection) -> set[str]:
    rows = db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    return {row[0] for row in rows}


def _schema_problem(db: sqlite3.Connection) -> str | None:
    result = db.execute("PRAGMA integrity_check").fetchone()[0]
    if result != "ok":
        return f"integrity check: {result}"
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        return None  # not damage: _connect refuses it and leaves the file alone
    if version != SCHEMA_VERSION:
        return f"schema version {version}, expected {SCHEMA_VERSION}"
    for table, columns in _TABLES.items():
        found = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        if not columns <= found:
            return f"table {table} is missing or lacks columns"
    return None
