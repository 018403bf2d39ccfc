"""Exam simulation: N multiple-choice questions across chapters, an optional time limit, a score at the end with
the per-chapter breakdown and, for each miss, the passage lines that answer it.

Questions are stratified: chapters take turns (in a seeded random order) so 40 questions over 23 chapters cover
every chapter before any gets a third. Each answer is also a review (FSRS learns from exams too), stored with the
exam's answer row in one transaction. An answer given after the time limit is not counted.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.errors import StudyflowError
from study.bank import Item, chapter_order
from study.schedule import Schedule
from study.source import SourceLines, passage


@dataclass(frozen=True)
class ChapterScore:
    chapter: str
    number: int | None
    right: int
    total: int


@dataclass(frozen=True)
class Miss:
    position: int
    item: Item
    answer: str | None  # None: not answered in time
    source: SourceLines


@dataclass(frozen=True)
class ExamResult:
    exam_id: int
    score: int
    total: int
    answered: int
    timed_out: bool
    chapters: list[ChapterScore]
    misses: list[Miss]

    @property
    def percent(self) -> float:
        return 100.0 * self.score / self.total if self.total else 0.0


def pick_questions(items: list[Item], n: int, seed: int | None = None, chapters: list[int] | None = None) -> list[Item]:
    """n accepted mcq items, chapters taking turns; the same seed gives the same exam."""
    rng = random.Random(seed)
    by_chapter: dict[str, list[Item]] = defaultdict(list)
    for item in sorted(items, key=chapter_order):
        if item.accepted and item.kind == "mcq" and (not chapters or item.chapter_number in chapters):
            by_chapter[item.chapter].append(item)
    if not by_chapter:
        raise StudyflowError("the bank has no multiple-choice questions for that exam: check --chapter")
    pools = list(by_chapter.values())
    for pool in pools:
        rng.shuffle(pool)
    rng.shuffle(pools)
    picked: list[Item] = []
    while len(picked) < n and any(pools):
        for pool in pools:
            if pool and len(picked) < n:
                picked.append(pool.pop())
    rng.shuffle(picked)
    return picked


class Exam:
    def __init__(self, schedule: Schedule, exam_id: int, items: list[Item], started: datetime, minutes: float | None):
        self.schedule = schedule
        self.exam_id = exam_id
        self.items = items
        self.started = started
        self.deadline = started + timedelta(minutes=minutes) if minutes else None
        self.timed_out = False

    @classmethod
    def start(
        cls,
        schedule: Schedule,
        n: int,
        now: datetime,
        minutes: float | None = None,
        seed: int | None = None,
        chapters: list[int] | None = None,
    ) -> Exam:
        items = pick_questions(list(schedule.items.values()), n, seed, chapters)
        exam_id = schedule.store.start_exam([i.id for i in items], now, minutes, seed)
        return cls(schedule, exam_id, items, now, minutes)

    def remaining(self, now: datetime) -> timedelta | None:
        return None if self.deadline is None else max(timedelta(0), self.deadline - now)

    def expired(self, now: datetime) -> bool:
        return self.deadline is not None and now >= self.deadline

    def answer(self, position: int, choice: str, now: datetime) -> bool | None:
        """True/False for a counted answer; None when the time was up (nothing recorded)."""
        if self.expired(now):
            self.timed_out = True
            return None
        return self.schedule.answer_mcq(self.items[position], choice, now, exam_answer=(self.exam_id, position))

    def finish(self, now: datetime) -> ExamResult:
        score = self.schedule.store.finish_exam(self.exam_id, now)
        rows = self.schedule.store.exam_answers(self.exam_id)
        totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        misses = []
        for row, item in zip(rows, self.items):
            totals[item.chapter][1] += 1
            if row["correct"]:
                totals[item.chapter][0] += 1
            else:
                misses.append(Miss(row["position"], item, row["answer"], passage(item)))
        by_title = {item.chapter: item for item in self.items}
        chapters = [
            ChapterScore(title, by_title[title].chapter_number, right, total)
            for title, (right, total) in sorted(totals.items(), key=lambda kv: chapter_order(by_title[kv[0]]))
        ]
        answered = sum(1 for row in rows if row["answer"] is not None)
        return ExamResult(self.exam_id, score, len(self.items), answered, self.timed_out, chapters, misses)
