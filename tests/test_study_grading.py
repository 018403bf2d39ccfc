"""Free-recall grading with the evaluation flow's own local scorers, and the student's override."""

from __future__ import annotations

from pathlib import Path

from fsrs import Rating
from rich.console import Console

from study import bank as bank_data
from study.grading import grade_recall
from study.schedule import Schedule
from study.store import Store
from study.terminal import ScriptedResponder, run_quiz
from tests.study_fixtures import NOW


def _mlflow_card() -> bank_data.Item:
    # Retired or not (a generated card may have replaced the hand one): grading reads only its answer and passage.
    bank = bank_data.load()
    return next(i for i in bank.items if i.kind == "recall" and i.quote.startswith("MLflow is an open-source"))


def test_a_close_answer_is_good_and_a_wrong_one_again() -> None:
    card = _mlflow_card()
    close = grade_recall(card, "An open-source platform to manage the whole machine learning lifecycle")
    wrong = grade_recall(card, "A kind of GPU cluster")
    assert close.rating == Rating.Good and close.similarity >= 4
    assert wrong.rating == Rating.Again and wrong.similarity <= 2
    assert "similarity" in close.reason and "groundedness" in close.reason


def test_typed_answers_are_graded_and_can_be_overridden(tmp_path: Path) -> None:
    card = _mlflow_card()
    console = Console(record=True, width=120)
    with Store(tmp_path / "progress.sqlite3") as store:
        schedule = Schedule(store, [card])
        tokens = ["An open-source platform to manage the machine learning lifecycle", "a GPU cluster => hard"]
        run_quiz(console, schedule, [card, card], ScriptedResponder(tokens), lambda: NOW)
        first, second = store.reviews()
    assert (first.grade_source, first.rating) == ("auto", Rating.Good)
    assert (second.grade_source, second.rating, second.answer) == ("override", Rating.Hard, "a GPU cluster")
    text = console.export_text()
    assert "Suggested: Good" in text and "Suggested: Again" in text and "Source: notes/dp100-notes.md:" in text
