"""The terminal quiz, review and exam: questionary asks, rich shows; answers can also come from a script.

Scripted answers (`--answers B,A,=good` or one per line on stdin when it is not a terminal) make every command
drivable in tests and pipes. A token answers one question: a letter for a multiple-choice question; for a recall
card `=again|=hard|=good|=easy` (the student's own rating, nothing typed), `text` (graded, the suggestion taken)
or `text => hard` (graded, then overridden).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from fsrs import Rating
from rich.console import Console
from rich.text import Text

from core.errors import StudyflowError
from core.text import strip_controls
from study.bank import OPTION_LETTERS, Item
from study.exam import Exam, ExamResult
from study.schedule import RATINGS, Schedule, parse_rating
from study.source import SourceLines, quote_context

Clock = Callable[[], datetime]
OVERRIDE = " => "


@dataclass(frozen=True)
class RecallAnswer:
    text: str  # "" when the student only rated themselves
    rating: Rating | None  # the student's own rating (or override); None: take the grader's suggestion


class Responder(Protocol):
    def choose(self, item: Item) -> str | None: ...  # a letter; None: stop

    def recall(self, item: Item) -> RecallAnswer | None: ...

    def rate(self, suggested: Rating) -> Rating: ...


class ScriptedResponder:
    def __init__(self, tokens: list[str]) -> None:
        self._tokens: Iterator[tuple[int, str]] = iter(enumerate(tokens, 1))

    def _next(self) -> tuple[int, str] | None:
        return next(self._tokens, None)

    def choose(self, item: Item) -> str | None:
        token = self._next()
        if token is None:
            return None
        number, text = token
        letter = text.strip().upper()
        if letter not in OPTION_LETTERS:
            raise StudyflowError(f"answer {number} {text!r} is not one of A, B, C, D (question {item.id} is an mcq)")
        return letter

    def recall(self, item: Item) -> RecallAnswer | None:
        token = self._next()
        if token is None:
            return None
        number, text = token
        try:
            if text.startswith("="):
                return RecallAnswer("", parse_rating(text[1:]))
            if OVERRIDE in text:
                typed, rating = text.rsplit(OVERRIDE, 1)
                return RecallAnswer(typed.strip(), parse_rating(rating))
        except ValueError as err:
            raise StudyflowError(f"answer {number}: {err}") from None
        return RecallAnswer(text.strip(), None)

    def rate(self, suggested: Rating) -> Rating:
        return suggested


class InteractiveResponder:
    def choose(self, item: Item) -> str | None:
        import questionary

        choices = [questionary.Choice(f"{k}. {strip_controls(item.options[k])}", value=k) for k in OPTION_LETTERS]
        return questionary.select("Your answer:", choices=choices).unsafe_ask()

    def recall(self, item: Item) -> RecallAnswer | None:
        import questionary

        typed = questionary.text("Your answer (Enter to show the answer and rate yourself):").unsafe_ask()
        return RecallAnswer(typed.strip(), None)

    def rate(self, suggested: Rating) -> Rating:
        import questionary

        choices = [questionary.Choice(name.capitalize(), value=rating) for name, rating in RATINGS.items()]
        default = next(c for c in choices if c.value == suggested)
        return questionary.select("How well did you know it?", choices=choices, default=default).unsafe_ask()


@dataclass
class Tally:
    asked: int = 0
    right: int = 0


def _plain(text: str) -> Text:
    # Notes and questions are shown as text, never as rich markup: a "[red]" in the notes stays "[red]".
    return Text(strip_controls(text))


def show_question(console: Console, item: Item, number: int, total: int) -> None:
    console.print()
    console.print(Text(f"Question {number}/{total}  ", style="bold") + Text(item.chapter, style="dim"))
    console.print(_plain(item.prompt))
    if item.kind == "mcq":
        for letter in OPTION_LETTERS:
            console.print(Text(f"  {letter}. ") + _plain(item.options[letter]))


def show_source(console: Console, lines: SourceLines) -> None:
    console.print(Text(f"Source: {lines.reference}", style="cyan"))
    if lines.missing:
        console.print(Text(f"  ({lines.missing})", style="dim"))
    for number, text in lines.lines:
        console.print(Text(f"  {number:>5} | ", style="dim") + _plain(text))


def ask_mcq(console: Console, schedule: Schedule, item: Item, responder: Responder, now: Clock) -> bool | None:
    choice = responder.choose(item)
    if choice is None:
        return None
    correct = schedule.answer_mcq(item, choice, now())
    verdict = Text("Right. ", style="bold green") if correct else Text("Wrong. ", style="bold red")
    console.print(verdict + _plain(f"The answer is {item.key}. {item.options[item.key]}. {item.explanation}"))
    return correct


def ask_recall(console: Console, schedule: Schedule, item: Item, responder: Responder, now: Clock) -> bool | None:
    answer = responder.recall(item)
    if answer is None:
        return None
    console.print(Text("Answer: ", style="bold") + _plain(item.answer))
    if answer.text:
        from study.grading import grade_recall

        grade = grade_recall(item, answer.text)
        console.print(Text(f"Suggested: {grade.rating.name} ", style="yellow") + _plain(f"({grade.reason})"))
        rating = answer.rating or responder.rate(grade.rating)
        source = "auto" if rating == grade.rating else "override"
    else:
        rating = answer.rating or responder.rate(Rating.Good)
        source = "self"
    schedule.review(item, rating, now(), answer=answer.text, grade_source=source)
    console.print(Text(f"Rated {rating.name}.", style="dim"))
    return rating != Rating.Again


def run_quiz(
    console: Console, schedule: Schedule, items: list[Item], responder: Responder, now: Clock, title: str = "Quiz"
) -> Tally:
    """Ask each item, store each answer as it is given, show its source lines; stops early when answers run out."""
    tally = Tally()
    for number, item in enumerate(items, 1):
        show_question(console, item, number, len(items))
        ask = ask_mcq if item.kind == "mcq" else ask_recall
        result = ask(console, schedule, item, responder, now)
        if result is None:
            break
        tally.asked += 1
        tally.right += int(result)
        show_source(console, quote_context(item))
    console.print()
    console.print(Text(f"{title}: {tally.right}/{tally.asked} right", style="bold"))
    return tally


def run_exam(console: Console, exam: Exam, responder: Responder, now: Clock) -> ExamResult:
    for position, item in enumerate(exam.items):
        left = exam.remaining(now())
        if left is not None and left.total_seconds() <= 0:
            exam.timed_out = True
            break
        show_question(console, item, position + 1, len(exam.items))
        if left is not None:
            minutes, seconds = divmod(int(left.total_seconds()), 60)
            console.print(Text(f"{minutes} min {seconds} s left", style="dim"))
        choice = responder.choose(item)
        if choice is None or exam.answer(position, choice, now()) is None:
            break
    result = exam.finish(now())
    show_result(console, result)
    return result


def show_result(console: Console, result: ExamResult) -> None:
    console.print()
    headline = f"Exam {result.exam_id}: {result.score}/{result.total} ({result.percent:.0f}%)"
    if result.timed_out:
        headline += " - time ran out"
    console.print(Text(headline, style="bold"))
    for chapter in result.chapters:
        console.print(_plain(f"  {chapter.right}/{chapter.total}  {chapter.chapter}"))
    for miss in result.misses:
        given = miss.answer or "no answer"
        console.print()
        console.print(Text(f"Missed question {miss.position + 1} ", style="bold red") + _plain(f"(you: {given})"))
        console.print(_plain(miss.item.stem))
        console.print(_plain(f"Answer: {miss.item.key}. {miss.item.options[miss.item.key]}"))
        show_source(console, miss.source)
