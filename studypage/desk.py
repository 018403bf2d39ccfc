"""The page's one handle on the student's study state: the bank, the SQLite store and the FSRS schedule, opened
once per app process. Every decision (what to ask, how to grade, when a card is due, mastery) is `study`'s; this
only turns item ids from the page's session state into calls, with the time of the click."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from fsrs import Rating

from study import grading, progress
from study.bank import Bank, Item
from study.errors import BankError, DamagedStoreError, StoreVersionError
from study.exam import Exam, ExamResult
from study.practice import open_bank, open_schedule, quiz_items
from study.schedule import Due, Schedule, parse_rating
from study.source import SourceLines, passage
from study.store import Store
from studypage.clock import page_clock

WEAK_CHAPTERS = 3
UPCOMING = 8
_FOREVER = timedelta(days=365 * 200)


@dataclass(frozen=True)
class Recalled:
    text: str
    grade: grading.Grade | None  # None when the student typed nothing and rates themselves


class StudyDesk:
    def __init__(self, clock: Callable[[], datetime] | None = None) -> None:
        self.clock = clock or page_clock()  # the real time unless STUDYFLOW_STUDY_CLOCK_FILE moves it (tests)
        self.notice = ""  # one line for the page: a damaged progress file set aside, a bank that would not load
        self.bank: Bank | None = None
        self.schedule: Schedule | None = None
        try:
            self.bank = open_bank()
        except BankError as err:
            self.notice = f"Study mode is off: {err}"
            return
        try:
            self.schedule = open_schedule(self.bank, _open_store(self))
        except StoreVersionError as err:
            self.notice = f"Study mode is off: {err}"
            return
        self._items = self.bank.by_id()

    def reload(self) -> None:
        """The bank again, after the background generation merged questions into it: new ones are asked from the
        next round on; ids in a session's state still resolve (the bank never deletes an item)."""
        bank = open_bank()
        schedule = open_schedule(bank, self.schedule.store)
        self._items = bank.by_id()  # first: every id the old bank had is in it
        self.bank, self.schedule = bank, schedule

    @property
    def ready(self) -> bool:
        return self.schedule is not None

    def item(self, item_id: str) -> Item:
        return self._items[item_id]

    def chapters(self) -> list[tuple[str, int]]:
        """(title, number) of the chapters that have questions, in chapter order."""
        numbers = {i.chapter: i.chapter_number for i in self.bank.accepted()} if self.bank else {}
        return [(title, numbers[title]) for title in self.bank.chapters() if numbers[title] is not None]

    # --- practice and review -----------------------------------------------------------------------------------
    def practice(self, chapters: list[int] | None, kind: str | None, n: int) -> list[str]:
        return [i.id for i in quiz_items(self.schedule, n, self.clock(), chapters=chapters or None, kind=kind)]

    def weak_chapters(self) -> list[int]:
        return progress.weak_chapters(self.schedule, WEAK_CHAPTERS, self.clock())

    def due(self) -> list[Due]:
        return self.schedule.due(self.clock())

    def upcoming(self) -> list[Due]:
        """The reviewed cards not due yet, soonest first."""
        now = self.clock()
        return [d for d in self.schedule.due(now + _FOREVER) if d.card.due > now][:UPCOMING]

    def answer_mcq(self, item_id: str, choice: str) -> bool:
        return self.schedule.answer_mcq(self.item(item_id), choice, self.clock())

    def grade(self, item_id: str, typed: str) -> Recalled:
        typed = typed.strip()
        return Recalled(typed, grading.grade_recall(self.item(item_id), typed) if typed else None)

    def rate(self, item_id: str, rating: str, typed: str, suggested: str | None) -> None:
        """The student's own rating of a recall card: `auto` when it is the grader's suggestion, `override` when
        it is not, `self` when nothing was typed (the store keeps which)."""
        chosen = parse_rating(rating)
        source = "self" if suggested is None else "auto" if parse_rating(suggested) == chosen else "override"
        self.schedule.review(self.item(item_id), chosen, self.clock(), answer=typed, grade_source=source)

    def next_due(self, item_id: str) -> datetime | None:
        stored = self.schedule.store.card(item_id)
        return self.schedule.card(self.item(item_id), self.clock()).due if stored else None

    def source(self, item_id: str) -> SourceLines:
        return passage(self.item(item_id))

    def progress(self) -> list[progress.ChapterProgress]:
        return progress.chapter_progress(self.schedule, self.clock())

    # --- exams -------------------------------------------------------------------------------------------------
    def start_exam(self, n: int, minutes: float | None) -> Exam:
        return Exam.start(self.schedule, n, self.clock(), minutes=minutes or None)

    def exam(self, exam_id: int, item_ids: list[str], started: datetime, minutes: float | None) -> Exam:
        """An exam begun earlier in this session, rebuilt from its plain state (the store holds its answers)."""
        return Exam(self.schedule, exam_id, [self.item(i) for i in item_ids], started, minutes)

    def answer_exam(self, exam: Exam, position: int, choice: str) -> bool | None:
        return exam.answer(position, choice, self.clock())

    def finish_exam(self, exam: Exam) -> ExamResult:
        exam.timed_out = exam.timed_out or exam.expired(self.clock())
        return exam.finish(self.clock())


def _open_store(desk: StudyDesk) -> Store:
    """The student's store; a damaged one has been set aside by the store, which says so in one line."""
    try:
        return Store()
    except DamagedStoreError as err:
        desk.notice = str(err).replace(": run the command again", "")
        return Store()


RATING_NAMES = [r.name for r in (Rating.Again, Rating.Hard, Rating.Good, Rating.Easy)]
