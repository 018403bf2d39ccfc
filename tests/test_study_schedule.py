"""FSRS review, the due queue, mastery per chapter, exams and free-recall grading suggestions."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fsrs import Rating

from study.exam import Exam, pick_questions
from study.grading import suggest
from study.practice import quiz_items
from study.progress import chapter_progress, weak_chapters
from study.schedule import mcq_rating
from tests.study_fixtures import NOW, mcq, recall, schedule_for


def test_a_right_answer_pushes_the_due_date_out_and_a_wrong_one_brings_it_near(tmp_path: Path) -> None:
    right, wrong = mcq("r"), mcq("w")
    schedule = schedule_for(tmp_path, right, wrong)
    assert schedule.answer_mcq(right, "B", NOW) is True
    assert schedule.answer_mcq(wrong, "c", NOW) is False
    right_due = schedule.card(right, NOW).due
    wrong_due = schedule.card(wrong, NOW).due
    assert wrong_due - NOW <= timedelta(minutes=1)
    assert right_due > wrong_due
    # Right again once the learning step is over: the card graduates to days, not minutes.
    later = right_due + timedelta(minutes=1)
    schedule.answer_mcq(right, "B", later)
    assert schedule.card(right, later).due - later >= timedelta(days=1)
    # Wrong after that: back to a short relearning step.
    last = later + timedelta(days=3)
    schedule.answer_mcq(right, "A", last)
    assert schedule.card(right, last).due - last <= timedelta(minutes=10)


def test_mcq_ratings() -> None:
    assert mcq_rating(True) == Rating.Good and mcq_rating(False) == Rating.Again


def test_the_due_queue_after_two_answers(tmp_path: Path) -> None:
    right, wrong, unseen = mcq("r"), mcq("w"), recall("u")
    schedule = schedule_for(tmp_path, right, wrong, unseen)
    schedule.answer_mcq(right, "B", NOW)
    schedule.answer_mcq(wrong, "A", NOW)
    assert schedule.due(NOW) == []
    in_five = NOW + timedelta(minutes=5)
    assert [d.item.id for d in schedule.due(in_five)] == [wrong.id]
    in_a_day = NOW + timedelta(days=1)
    assert [d.item.id for d in schedule.due(in_a_day)] == [wrong.id, right.id]  # most overdue first
    assert [i.id for i in schedule.unseen()] == [unseen.id]
    assert schedule.due(in_a_day, chapter=2) == []
    # A quiz asks what is due first, then what was never asked.
    assert [i.id for i in quiz_items(schedule, 3, in_five)] == [wrong.id, unseen.id, right.id]


def test_retired_items_leave_the_due_queue_but_keep_their_reviews(tmp_path: Path) -> None:
    from dataclasses import replace

    item = mcq("p")
    schedule = schedule_for(tmp_path, item)
    schedule.answer_mcq(item, "A", NOW)
    schedule.items[item.id] = replace(item, status="retired")
    schedule.store.set_retired({item.id})
    assert schedule.due(NOW + timedelta(days=1)) == []
    assert len(schedule.store.reviews(item.id)) == 1


def test_self_rated_recall_updates_fsrs(tmp_path: Path) -> None:
    card = recall()
    schedule = schedule_for(tmp_path, card)
    easy = schedule.review(card, Rating.Easy, NOW)
    assert easy.due - NOW >= timedelta(days=1)
    assert schedule.store.reviews()[0].grade_source == "self"


def test_mastery_puts_weak_and_unseen_chapters_first(tmp_path: Path) -> None:
    strong = [mcq("s1", chapter=2), mcq("s2", chapter=2)]
    weak = [mcq("w1", chapter=3), mcq("w2", chapter=3)]
    unseen = [mcq("u1", chapter=4)]
    schedule = schedule_for(tmp_path, *strong, *weak, *unseen)
    for item in strong:
        schedule.answer_mcq(item, "B", NOW)
    schedule.answer_mcq(weak[0], "B", NOW)
    schedule.answer_mcq(weak[1], "A", NOW)
    rows = chapter_progress(schedule, NOW + timedelta(hours=1))
    assert [r.number for r in rows] == [4, 3, 2]
    by_number = {r.number: r for r in rows}
    assert by_number[4].mastery == 0 and by_number[4].seen == 0
    assert by_number[3].accuracy == 0.5 and by_number[3].seen == 2
    assert 0 < by_number[3].mastery < by_number[2].mastery <= 1
    assert weak_chapters(schedule, 2, NOW) == [4, 3]


def test_an_exam_is_stratified_and_seeded() -> None:
    items = [mcq(f"c{c}q{q}", chapter=c) for c in range(1, 6) for q in range(4)] + [recall("r")]
    picked = pick_questions(items, 10, seed=7)
    assert len(picked) == 10 and all(i.kind == "mcq" for i in picked)
    counts = {c: sum(1 for i in picked if i.chapter_number == c) for c in range(1, 6)}
    assert set(counts.values()) == {2}
    assert [i.id for i in pick_questions(items, 10, seed=7)] == [i.id for i in picked]
    assert len(pick_questions(items, 99, seed=1)) == 20


def test_an_exam_end_to_end_with_time_limit(tmp_path: Path) -> None:
    items = [mcq(f"c{c}", chapter=c) for c in (1, 2, 3)]
    schedule = schedule_for(tmp_path, *items)
    exam = Exam.start(schedule, 3, NOW, minutes=10, seed=1)
    assert exam.answer(0, "B", NOW + timedelta(minutes=1)) is True
    assert exam.answer(1, "D", NOW + timedelta(minutes=2)) is False
    assert exam.answer(2, "B", NOW + timedelta(minutes=11)) is None  # too late: not counted
    result = exam.finish(NOW + timedelta(minutes=11))
    assert (result.score, result.total, result.answered, result.timed_out) == (1, 3, 2, True)
    assert sorted(c.number for c in result.chapters) == [1, 2, 3]
    assert [(m.position, m.answer) for m in result.misses] == [(1, "D"), (2, None)]
    assert result.misses[0].source.lines and result.misses[0].source.reference == "notes/dp100-notes.md:8-20"
    assert schedule.store.exam(exam.exam_id)["score"] == 1
    assert len(schedule.store.reviews()) == 2  # exam answers are reviews too


def test_grading_suggestions() -> None:
    assert suggest(5, 5) == Rating.Good
    assert suggest(4, 1) == Rating.Hard  # similar but adds what the notes do not say
    assert suggest(3, 4) == Rating.Hard
    assert suggest(2, 5) == Rating.Again
    assert suggest(None, None) == Rating.Again
