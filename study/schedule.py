"""Spaced review with FSRS (py-fsrs): every item has a card; an answer updates it and is stored with it.

A multiple-choice answer rates itself (right -> Good, wrong -> Again); a free-recall card is rated by the student
(Again / Hard / Good / Easy), with a suggestion from `study.grading`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from fsrs import Card, Rating, Scheduler

from core import settings
from study.bank import Item
from study.store import Store

RETENTION_SETTING = "STUDYFLOW_STUDY_RETENTION"
RATINGS = {"again": Rating.Again, "hard": Rating.Hard, "good": Rating.Good, "easy": Rating.Easy}


def scheduler() -> Scheduler:
    """FSRS with its default weights; the retention the student aims for is a setting (Anki's default 0.9)."""
    retention = settings.number(RETENTION_SETTING, 0.9, minimum=0.7, maximum=0.99)
    return Scheduler(desired_retention=retention)


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_card(item_id: str, now: datetime) -> Card:
    # A card id derived from the item id: py-fsrs' default (creation milliseconds) sleeps 1 ms per card.
    return Card(card_id=int(hashlib.sha256(item_id.encode()).hexdigest()[:12], 16), due=now)


def mcq_rating(correct: bool) -> Rating:
    return Rating.Good if correct else Rating.Again


def parse_rating(text: str) -> Rating:
    try:
        return RATINGS[text.strip().lower()]
    except KeyError:
        raise ValueError(f"rating {text!r} is not one of {', '.join(RATINGS)}") from None


@dataclass(frozen=True)
class Due:
    item: Item
    card: Card


class Schedule:
    """The student's cards for the items of a bank."""

    def __init__(self, store: Store, items: list[Item], fsrs: Scheduler | None = None) -> None:
        self.store = store
        self.items = {item.id: item for item in items}
        self.fsrs = fsrs or scheduler()

    def card(self, item: Item, now: datetime) -> Card:
        stored = self.store.card(item.id)
        return Card.from_dict(stored) if stored else new_card(item.id, now)

    def review(
        self,
        item: Item,
        rating: Rating,
        now: datetime,
        answer: str = "",
        correct: bool | None = None,
        grade_source: str = "self",
        exam_answer: tuple[int, int] | None = None,
    ) -> Card:
        """Apply one answer and store it with the card's new schedule in one transaction."""
        card, _log = self.fsrs.review_card(self.card(item, now), rating, review_datetime=now.astimezone(UTC))
        self.store.record_review(
            item.id,
            card.to_dict(),
            int(rating),
            now,
            correct=correct,
            answer=answer,
            grade_source=grade_source,
            exam_answer=exam_answer,
        )
        return card

    def answer_mcq(self, item: Item, choice: str, now: datetime, exam_answer: tuple[int, int] | None = None) -> bool:
        correct = choice.strip().upper() == item.key
        self.review(item, mcq_rating(correct), now, choice, correct, "mcq", exam_answer)
        return correct

    def due(self, now: datetime, chapter: int | None = None) -> list[Due]:
        """Reviewed cards of accepted items due at `now`, most overdue first; unseen items are `unseen`."""
        found = []
        for item_id, data in self.store.cards().items():
            item = self.items.get(item_id)
            if item is None or not item.accepted or (chapter is not None and item.chapter_number != chapter):
                continue
            card = Card.from_dict(data)
            if card.due <= now:
                found.append(Due(item, card))
        return sorted(found, key=lambda d: d.card.due)

    def unseen(self, chapter: int | None = None) -> list[Item]:
        seen = set(self.store.cards(include_retired=True))
        return [
            item
            for item in self.items.values()
            if item.accepted and item.id not in seen and (chapter is None or item.chapter_number == chapter)
        ]

    def retrievability(self, item: Item, now: datetime) -> float | None:
        """FSRS' probability of recall now; None for an item never answered."""
        stored = self.store.card(item.id)
        if stored is None:
            return None
        return float(self.fsrs.get_card_retrievability(Card.from_dict(stored), now))
