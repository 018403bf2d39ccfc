"""HTML for the study tabs. Every piece of text from the bank or the notes is escaped here: a note that holds
`<img onerror=...>` shows as text, and nothing on the page loads from another host."""

from __future__ import annotations

import html
from datetime import datetime, timedelta

from study.background import Progress
from study.bank import OPTION_LETTERS, Item, parse_lines
from study.exam import ExamResult
from study.grading import Grade
from study.progress import ChapterProgress
from study.schedule import Due
from study.source import SourceLines

CSS = """
.sf-card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 12px 16px; }
.sf-meta { color: var(--body-text-color-subdued); font-size: 0.9em; }
.sf-prompt { font-size: 1.15em; font-weight: 600; margin: 6px 0; }
.sf-right { color: #15803d; font-weight: 700; }
.sf-wrong { color: #b91c1c; font-weight: 700; }
.sf-notice { background: #fef3c7; color: #78350f; border-radius: 6px; padding: 6px 10px; }
.sf-source pre { white-space: pre-wrap; max-height: 22em; overflow-y: auto; font-size: 0.85em; margin: 4px 0; }
.sf-source mark { background: #fde68a; color: inherit; }
.sf-chart { display: grid; grid-template-columns: minmax(12em, 26em) 1fr 4.5em; gap: 4px 10px; align-items: center; }
.sf-bar { background: var(--neutral-200); border-radius: 4px; height: 14px; overflow: hidden; }
.sf-fill { background: var(--color-accent); height: 100%; }
.sf-pct { text-align: right; font-variant-numeric: tabular-nums; }
.sf-table td, .sf-table th { padding: 2px 10px 2px 4px; text-align: left; }
.sf-table td:first-child { white-space: nowrap; }
"""


def esc(text: object) -> str:
    return html.escape(str(text))


def notice(text: str) -> str:
    """One line the student should read (a damaged progress file, a bank that would not load)."""
    return f'<div class="sf-notice">{esc(text)}</div>' if text else ""


def generation(progress: Progress) -> str:
    """The background generation's one line for the Practice tab; a failure looks like a notice."""
    line = progress.line()
    if not line:
        return ""
    return notice(line) if progress.error else f'<div class="sf-meta sf-generation">{esc(line)}</div>'


def relative(moment: datetime, now: datetime) -> str:
    """'now', 'in 10 min', 'in 3 h', 'in 4 days': when a card is due, as a student reads it."""
    left = moment - now
    if left <= timedelta(0):
        return "now"
    minutes = left.total_seconds() / 60
    if minutes < 60:
        return f"in {max(1, round(minutes))} min"
    if minutes < 48 * 60:
        return f"in {round(minutes / 60)} h"
    return f"in {round(minutes / 1440)} days"


def question(item: Item, number: int, total: int, title: str = "Question") -> str:
    kind = "multiple choice" if item.kind == "mcq" else "free recall: type what you remember"
    return (
        f'<div class="sf-card sf-question" data-item="{esc(item.id)}"><div class="sf-meta">{esc(title)} {number} '
        f'of {total} · {esc(item.chapter)} · {kind}</div><div class="sf-prompt">{esc(item.prompt)}</div></div>'
    )


def option_choices(item: Item) -> list[tuple[str, str]]:
    """Radio choices (label, value): the label is the letter and the option's text (Gradio shows it as text)."""
    return [(f"{letter}. {item.options[letter]}", letter) for letter in OPTION_LETTERS]


def source(lines: SourceLines, item: Item) -> str:
    """The passage the item came from, line numbers on the left, the quoted lines marked; open, so it is read."""
    quoted = set()
    if item.quote_lines:
        first, last = parse_lines(item.quote_lines)
        quoted = set(range(first, last + 1))
    rows = []
    for number, text in lines.lines:
        row = f"{number:>5} | {esc(text)}"
        rows.append(f"<mark>{row}</mark>" if number in quoted else row)
    body = "\n".join(rows) if rows else esc(lines.missing or "the passage could not be read")
    return (
        f'<details class="sf-source" open><summary>Source: {esc(item.chapter)} · {esc(item.section)} · '
        f"{esc(lines.reference)}</summary><pre>{body}</pre></details>"
    )


def mcq_feedback(item: Item, choice: str, correct: bool, lines: SourceLines, next_due: str) -> str:
    verdict = '<span class="sf-right">Right.</span>' if correct else '<span class="sf-wrong">Wrong.</span>'
    yours = "" if correct else f" You chose {esc(choice)}."
    return (
        f'<div class="sf-card sf-feedback"><p>{verdict}{yours} The answer is <b>{esc(item.key)}. '
        f"{esc(item.options[item.key])}</b></p><p>{esc(item.explanation)}</p>"
        f'<p class="sf-meta">Next review {esc(next_due)}.</p>{source(lines, item)}</div>'
    )


def recall_feedback(item: Item, typed: str, grade: Grade | None, lines: SourceLines) -> str:
    """The card's answer beside the student's, the grader's suggestion and why, and the source."""
    yours = f"<p>You wrote: {esc(typed)}</p>" if typed else "<p>You did not type an answer: rate yourself.</p>"
    suggestion = ""
    if grade is not None:
        suggestion = (
            f"<p>Suggested grade: <b>{esc(grade.rating.name)}</b> "
            f'<span class="sf-meta">({esc(grade.reason)})</span></p>'
        )
    return (
        f'<div class="sf-card sf-feedback">{yours}<p>The card says: <b>{esc(item.answer)}</b></p>{suggestion}'
        f"<p>Confirm or change the grade: Again, Hard, Good or Easy.</p>{source(lines, item)}</div>"
    )


def rated(rating_name: str, next_due: str) -> str:
    return f'<p class="sf-meta sf-rated">Rated {esc(rating_name)}. Next review {esc(next_due)}.</p>'


def tally(right: int, asked: int, total: int) -> str:
    return f'<p class="sf-meta sf-tally">{asked} of {total} answered · {right} right</p>'


def finished(right: int, asked: int) -> str:
    return f'<div class="sf-card sf-done"><b>Done: {right} of {asked} right.</b> Start again, or see Progress.</div>'


def review_summary(due: list[Due], upcoming: list[Due], now: datetime) -> str:
    """How many cards are due now, and when the next ones come."""
    head = f'<p class="sf-prompt sf-due-count">{len(due)} card{"" if len(due) == 1 else "s"} due now</p>'
    if not upcoming:
        return head + '<p class="sf-meta">Nothing else is scheduled yet: practise to add cards.</p>'
    rows = "".join(
        f"<tr><td>{esc(relative(d.card.due, now))}</td><td>{esc(d.item.chapter)}</td><td>{esc(d.item.prompt)}</td></tr>"
        for d in upcoming
    )
    return (
        head + f'<table class="sf-table sf-upcoming"><tr><th>due</th><th>chapter</th><th>card</th></tr>{rows}</table>'
    )


def progress_chart(chapters: list[ChapterProgress]) -> str:
    """Mastery per chapter, weakest first, as CSS bars (no chart library: nothing to fetch, nothing to run)."""
    if not chapters:
        return '<p class="sf-meta">The question bank has no chapters yet.</p>'
    rows = []
    for p in chapters:
        pct = round(100 * p.mastery)
        detail = f"{p.seen} of {p.items} cards seen, {p.answers} answers, {round(100 * p.accuracy)}% right recently"
        rows.append(
            f'<div class="sf-chapter" title="{esc(detail)}">{esc(p.chapter)}</div>'
            f'<div class="sf-bar"><div class="sf-fill" style="width: {pct}%"></div></div>'
            f'<div class="sf-pct">{pct}%</div>'
        )
    legend = (
        '<p class="sf-meta">Mastery: FSRS recall chance today and recent results, times the share of the '
        "chapter's cards you have seen. Weakest first; hover a chapter for its figures.</p>"
    )
    return legend + f'<div class="sf-chart">{"".join(rows)}</div>'


def exam_clock(left: timedelta | None) -> str:
    if left is None:
        return '<p class="sf-meta sf-clock">No time limit.</p>'
    minutes, seconds = divmod(int(left.total_seconds()), 60)
    return f'<p class="sf-meta sf-clock">Time left: {minutes}:{seconds:02d}</p>'


def exam_result(result: ExamResult) -> str:
    """Score, the per-chapter breakdown and, for each miss, the question, its answer and the passage."""
    head = f"Exam score: {result.score} of {result.total} ({result.percent:.0f}%)"
    if result.timed_out:
        head += f" · time ran out after {result.answered} answers"
    rows = "".join(f"<tr><td>{c.right} / {c.total}</td><td>{esc(c.chapter)}</td></tr>" for c in result.chapters)
    misses = []
    for miss in result.misses:
        item = miss.item
        given = esc(miss.answer) if miss.answer else "no answer"
        misses.append(
            f'<div class="sf-card sf-miss"><div class="sf-meta">Missed question {miss.position + 1} '
            f'(you: {given})</div><div class="sf-prompt">{esc(item.stem)}</div>'
            f"<p>Answer: <b>{esc(item.key)}. {esc(item.options[item.key])}</b><br>{esc(item.explanation)}</p>"
            f"{source(miss.source, item)}</div>"
        )
    missed = "".join(misses) or "<p>No misses.</p>"
    return (
        f'<div class="sf-exam-result"><p class="sf-prompt sf-score">{esc(head)}</p>'
        f'<table class="sf-table sf-breakdown"><tr><th>right</th><th>chapter</th></tr>{rows}</table>{missed}</div>'
    )
