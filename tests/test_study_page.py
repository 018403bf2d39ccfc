"""The study tabs of app.py in Debian's chromium (Playwright): practice, the due cards, progress across a restart,
an exam. No model: the Ask tab is not used (its LLM connection points at a closed port, the index is missing)."""

from __future__ import annotations

import shutil
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from harness.browser import StudyPage, launched_chromium
from harness.pf import pf_home
from harness.ports import free_port
from harness.serving import running_app
from study import bank as bank_data
from study.bank import OPTION_LETTERS, Bank
from studypage.clock import CLOCK_FILE_SETTING

NO_MODEL = "http://127.0.0.1:9/v1"  # never called: nothing here asks the chat flow anything


@pytest.fixture(scope="module")
def browser():
    with launched_chromium() as browser:
        yield browser


@pytest.fixture(scope="module")
def pf_env(tmp_path_factory) -> dict[str, str]:
    return pf_home(tmp_path_factory.mktemp("pf-study"), NO_MODEL)


@pytest.fixture
def study_bank(tmp_path: Path) -> Bank:
    """A copy of the shipped bank, so a regenerated project bank cannot change the questions under a test."""
    folder = tmp_path / "bank"
    folder.mkdir()
    shutil.copy(bank_data.BANK_PATH, folder / bank_data.BANK_PATH.name)
    shutil.copy(bank_data.META_PATH, folder / bank_data.META_PATH.name)
    return bank_data.load(folder / bank_data.BANK_PATH.name)


@contextmanager
def study_app(pf_env: dict[str, str], tmp_path: Path, log: str = "app.log") -> Iterator[str]:
    env = dict(pf_env)
    env["STUDYFLOW_STUDY_DB"] = str(tmp_path / "progress.sqlite3")
    env["STUDYFLOW_STUDY_BANK"] = str(tmp_path / "bank" / bank_data.BANK_PATH.name)
    env["STUDYFLOW_CHROMA_DIR"] = str(tmp_path / "no-index")
    env[CLOCK_FILE_SETTING] = str(clock_file(tmp_path))  # no file yet: the real time
    with running_app(env, free_port(), tmp_path / log) as url:
        yield url


def clock_file(tmp_path: Path) -> Path:
    """The seconds the app's clock runs ahead of the real time (studypage.clock), read at every tick."""
    return tmp_path / "clock-shift"


def wrong_letter(key: str) -> str:
    return next(letter for letter in OPTION_LETTERS if letter != key)


def start_practice(tab: StudyPage, kind: str) -> None:
    tab.open_tab("Practice")
    tab.page.locator(f"#practice-kind input[value='{kind}']").check()
    tab.click("practice-start")


def answer_shown_mcq(tab: StudyPage, panel: str, items: dict, right: bool, previous: str | None = None) -> str:
    item_id = tab.shown_item(panel, previous)
    key = items[item_id].key
    tab.choose(panel, key if right else wrong_letter(key))
    tab.click(f"{panel}-check")
    tab.wait_text(f"{panel}-feedback", "The answer is")
    return item_id


def test_a_practice_question_shows_right_or_wrong_with_the_key_and_its_source(browser, pf_env, tmp_path, study_bank):
    items = study_bank.by_id()
    with study_app(pf_env, tmp_path) as url:
        tab = StudyPage(browser, url)
        start_practice(tab, "mcq")
        item_id = answer_shown_mcq(tab, "practice", items, right=False)
        item = items[item_id]
        shown = tab.text("practice-feedback")
        assert "Wrong." in shown and f"The answer is {item.key}. {item.options[item.key]}" in shown, shown
        assert item.explanation in shown and f"{item.source}:{item.lines}" in shown, shown
        first_line = next(line for line in item.quote.split("\n") if line.strip())
        assert first_line[:40] in shown, shown  # the passage's own lines, shown as text

        start_practice(tab, "recall")
        card_id = tab.shown_item("practice", item_id)
        card = items[card_id]
        tab.type_answer("practice", card.answer)
        tab.click("practice-check")
        graded = tab.wait_text("practice-feedback", "Suggested grade", timeout=120)
        assert f"The card says: {card.answer}" in graded and card.source in graded, graded
        tab.click("practice-rate-hard")
        tab.wait_text("practice-feedback", "Rated Hard")
        assert tab.outside == [] and tab.dialogs == []
    with sqlite3.connect(tmp_path / "progress.sqlite3") as db:
        rows = db.execute("SELECT item_id, correct, grade_source FROM reviews ORDER BY id").fetchall()
    assert rows[0] == (item_id, 0, "mcq") and rows[1][0] == card_id and rows[1][2] in ("auto", "override"), rows


def test_review_shows_a_missed_card_due_before_a_known_one_and_then_due_now(browser, pf_env, tmp_path, study_bank):
    items = study_bank.by_id()
    with study_app(pf_env, tmp_path) as url:
        tab = StudyPage(browser, url)
        start_practice(tab, "mcq")
        missed = answer_shown_mcq(tab, "practice", items, right=False)
        tab.click("practice-next")
        known = answer_shown_mcq(tab, "practice", items, right=True, previous=missed)
        tab.open_tab("Review")
        summary = tab.wait_text("review-summary", "due now")
        # FSRS' learning steps: Again -> again in 1 minute, Good on a new card -> in 10 minutes.
        assert summary.startswith("0 cards due now"), summary
        rows = tab.page.locator("#review-summary tr").all_inner_texts()[1:]
        assert len(rows) == 2 and rows[0].startswith("in 1 min") and rows[1].startswith("in 10 min"), rows
        assert items[missed].prompt in rows[0] and items[known].prompt in rows[1], rows
        # Two minutes later by the app's clock (rather than a minute's wait): the missed card is due, the known not.
        clock_file(tmp_path).write_text("120", encoding="utf-8")
        deadline = time.monotonic() + 60
        # Read the summary only once a refresh has finished (while it runs the element shows Gradio's timer).
        while not (summary := tab.wait_text("review-summary", "due now")).startswith("1 card due now"):
            assert time.monotonic() < deadline, summary
            time.sleep(1)
            tab.click("review-refresh")
        rows = tab.page.locator("#review-summary tr").all_inner_texts()[1:]
        # The known card, two minutes nearer (7 when the page took over 30 s since it was answered).
        assert len(rows) == 1 and rows[0].startswith(("in 8 min", "in 7 min")) and items[known].prompt in rows[0], rows
        tab.click("review-start")
        assert answer_shown_mcq(tab, "review", items, right=True) == missed
        tab.wait_text("review-summary", "0 cards due now")
        assert tab.outside == [] and tab.dialogs == []


def test_progress_survives_an_app_restart(browser, pf_env, tmp_path, study_bank):
    items = study_bank.by_id()
    with study_app(pf_env, tmp_path) as url:
        tab = StudyPage(browser, url)
        start_practice(tab, "mcq")
        item_id = answer_shown_mcq(tab, "practice", items, right=True)
        tab.page.close()
    chapter = items[item_id].chapter
    with study_app(pf_env, tmp_path, "app-again.log") as url:
        tab = StudyPage(browser, url)
        tab.open_tab("Progress")
        tab.wait_text("progress-chart", chapter)
        names = tab.page.locator("#progress-chart .sf-chapter").all_inner_texts()
        shares = tab.page.locator("#progress-chart .sf-pct").all_inner_texts()
        mastery = dict(zip(names, (int(s.rstrip("%")) for s in shares)))
        assert mastery[chapter] > 0 and names[-1] == chapter, mastery  # weakest first: it is the strongest now
        tab.click("progress-weak")
        tab.page.locator("#sf-tab-practice").wait_for(state="visible")
        weak = items[tab.shown_item("practice")]
        assert weak.chapter != chapter and weak.chapter in names[:3], (weak.chapter, names[:3])
        assert tab.outside == [] and tab.dialogs == []


def test_an_exam_of_three_questions_end_to_end(browser, pf_env, tmp_path, study_bank):
    items = study_bank.by_id()
    with study_app(pf_env, tmp_path) as url:
        tab = StudyPage(browser, url)
        tab.open_tab("Exam")
        tab.set_number("exam-n", 3)
        tab.click("exam-start")
        asked, previous = [], None
        for position in range(3):
            previous = tab.shown_item("exam", previous)
            asked.append(previous)
            key = items[previous].key
            tab.choose("exam", key if position == 0 else wrong_letter(key))
            tab.click("exam-answer")
        result = tab.wait_text("exam-result", "Exam score")
        assert "Exam score: 1 of 3 (33%)" in result, result
        breakdown = tab.page.locator("#exam-result .sf-breakdown tr").all_inner_texts()[1:]
        assert sum(int(row.split("/")[1].split()[0]) for row in breakdown) == 3, breakdown
        misses = tab.page.locator("#exam-result .sf-miss").all_inner_texts()
        assert len(misses) == 2, misses
        for miss, item_id in zip(misses, asked[1:]):
            item = items[item_id]
            assert item.stem in miss and f"{item.source}:{item.lines}" in miss and "Source:" in miss, miss
        assert tab.outside == [] and tab.dialogs == []
    with sqlite3.connect(tmp_path / "progress.sqlite3") as db:
        assert db.execute("SELECT n, score, finished IS NOT NULL FROM exams").fetchall() == [(3, 1, 1)]


def test_a_damaged_progress_file_shows_one_line_and_a_fresh_one_works(browser, pf_env, tmp_path, study_bank):
    (tmp_path / "progress.sqlite3").write_bytes(b"this is not a database\n" * 50)
    items = study_bank.by_id()
    with study_app(pf_env, tmp_path) as url:
        tab = StudyPage(browser, url)
        notice = tab.text("study-notice")
        assert "was damaged" in notice and "moved aside" in notice and len(notice.splitlines()) == 1, notice
        start_practice(tab, "mcq")
        answer_shown_mcq(tab, "practice", items, right=True)
    assert list(tmp_path.glob("progress.sqlite3.damaged-*"))


def test_bank_and_note_text_is_escaped_in_every_piece_of_the_page():
    from datetime import timedelta

    from study.progress import ChapterProgress
    from study.source import SourceLines
    from studypage import render
    from tests.study_fixtures import NOW, mcq

    evil = "<img src=x onerror=alert(1)>"
    item = mcq(stem=f"Which {evil}?", chapter=3)
    lines = SourceLines("notes/a.md:8-9", [(8, f"a {evil}"), (9, "b")])
    chapter = ChapterProgress(f"Chapter 3. {evil}", 3, 2, 1, 0.5, 1.0, 1, 0.375)
    pages = [
        render.question(item, 1, 2),
        render.mcq_feedback(item, "A", False, lines, "in 1 min"),
        render.source(lines, item),
        render.progress_chart([chapter]),
    ]
    for page in pages:
        assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page, page
    assert 'style="width: 38%"' in pages[3]
    assert render.relative(NOW + timedelta(seconds=61), NOW) == "in 1 min"
    assert render.relative(NOW + timedelta(days=3), NOW) == "in 3 days" and render.relative(NOW, NOW) == "now"
