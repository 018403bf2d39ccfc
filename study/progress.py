"""Mastery per chapter, weakest first.

For a chapter with `n` accepted items of which `seen` have been answered:

    mastery = (seen / n) * (mean_R + accuracy) / 2

where `mean_R` is the mean FSRS retrievability now of the answered items' cards (the predicted chance of recall
today) and `accuracy` the share of right answers among the chapter's last `RECENT` answers (a self-rated recall
card counts as right when rated Hard or better). The coverage factor keeps one lucky answer from making a chapter
"mastered"; an unseen chapter is 0. Ties go to the lower chapter number, the order a student studies in.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from study.bank import Item, chapter_order
from study.schedule import Schedule
from study.store import Review

RECENT = 10


@dataclass(frozen=True)
class ChapterProgress:
    chapter: str
    number: int | None
    items: int
    seen: int
    retrievability: float  # mean over seen items; 0 when none
    accuracy: float  # over the last RECENT answers; 0 when none
    answers: int
    mastery: float


def _right(review: Review) -> bool:
    return review.correct if review.correct is not None else review.rating >= 2


def chapter_progress(schedule: Schedule, now: datetime) -> list[ChapterProgress]:
    """Every chapter of the bank's accepted items, weakest first."""
    items: dict[str, list[Item]] = defaultdict(list)
    for item in sorted((i for i in schedule.items.values() if i.accepted), key=chapter_order):
        items[item.chapter].append(item)
    reviews: dict[str, list[Review]] = defaultdict(list)
    for review in schedule.store.reviews():
        item = schedule.items.get(review.item_id)
        if item is not None and item.accepted:
            reviews[item.chapter].append(review)
    result = []
    for chapter, chapter_items in items.items():
        recall = [r for r in (schedule.retrievability(i, now) for i in chapter_items) if r is not None]
        recent = reviews[chapter][-RECENT:]
        mean_r = sum(recall) / len(recall) if recall else 0.0
        accuracy = sum(_right(r) for r in recent) / len(recent) if recent else 0.0
        coverage = len(recall) / len(chapter_items)
        result.append(
            ChapterProgress(
                chapter=chapter,
                number=chapter_items[0].chapter_number,
                items=len(chapter_items),
                seen=len(recall),
                retrievability=round(mean_r, 4),
                accuracy=round(accuracy, 4),
                answers=len(reviews[chapter]),
                mastery=round(coverage * (mean_r + accuracy) / 2, 4),
            )
        )
    order = {chapter: i for i, chapter in enumerate(items)}
    return sorted(result, key=lambda p: (p.mastery, order[p.chapter]))


def weak_chapters(schedule: Schedule, n: int, now: datetime) -> list[int]:
    """The numbers of the `n` weakest chapters (for "Practise my weak chapters")."""
    return [p.number for p in chapter_progress(schedule, now) if p.number is not None][:n]
