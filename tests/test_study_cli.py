"""`python -m study` end to end in child processes, on a temporary progress file and the shipped seed bank."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from core.paths import PROJECT_ROOT


def study(tmp_path: Path, *args: str, input: str | None = None, **env: str) -> subprocess.CompletedProcess:
    environ = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "STUDYFLOW_STUDY_DB": str(tmp_path / "progress.sqlite3"),
        "COLUMNS": "120",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "study", *args],
        cwd=PROJECT_ROOT,
        env=environ,
        input=input,
        capture_output=True,
        text=True,
        timeout=120,
    )


def reviews(tmp_path: Path) -> list[tuple]:
    with sqlite3.connect(tmp_path / "progress.sqlite3") as db:
        return db.execute("SELECT item_id, rating, correct, answer, grade_source FROM reviews ORDER BY id").fetchall()


def test_bank_json(tmp_path: Path) -> None:
    result = study(tmp_path, "bank", "--json")
    assert result.returncode == 0, result.stderr
    counts = json.loads(result.stdout)
    assert counts["accepted"] >= 69 and sum(counts["origin"].values()) == counts["accepted"]
    assert [c["number"] for c in counts["chapters"]] == list(range(1, 24))
    assert all(c["mcq"] >= 2 and c["recall"] >= 1 for c in counts["chapters"])


def test_bank_table(tmp_path: Path) -> None:
    result = study(tmp_path, "bank")
    assert result.returncode == 0, result.stderr
    assert "Chapter 14. Perform hyperparameter tuning" in result.stdout and " accepted (" in result.stdout


def test_a_scripted_quiz_records_each_answer_and_shows_its_source(tmp_path: Path) -> None:
    result = study(tmp_path, "quiz", "-n", "2", "--kind", "mcq", "--seed", "3", "--answers", "B,A")
    assert result.returncode == 0, result.stderr
    rows = reviews(tmp_path)
    assert [(r[3], r[4]) for r in rows] == [("B", "mcq"), ("A", "mcq")]
    assert result.stdout.count("Source: notes/dp100-notes.md:") == 2
    assert f"Quiz: {sum(r[2] for r in rows)}/2 right" in result.stdout


def test_quiz_reads_answers_from_stdin_when_it_is_not_a_terminal(tmp_path: Path) -> None:
    result = study(tmp_path, "quiz", "-n", "2", "--chapter", "14", "--kind", "mcq", input="A\nD\n")
    assert result.returncode == 0, result.stderr
    assert [r[3] for r in reviews(tmp_path)] == ["A", "D"]
    assert result.stdout.count("Chapter 14.") == 2


def test_a_recall_card_rated_by_the_student(tmp_path: Path) -> None:
    result = study(tmp_path, "quiz", "-n", "1", "--kind", "recall", "--answers", "=hard")
    assert result.returncode == 0, result.stderr
    assert [(r[1], r[2], r[4]) for r in reviews(tmp_path)] == [(2, None, "self")]
    assert "Answer: " in result.stdout and "Rated Hard." in result.stdout


def test_quiz_stops_when_the_answers_run_out(tmp_path: Path) -> None:
    result = study(tmp_path, "quiz", "-n", "5", "--kind", "mcq", "--answers", "C")
    assert result.returncode == 0, result.stderr
    assert len(reviews(tmp_path)) == 1 and "/1 right" in result.stdout


def test_an_exam_of_three_questions_end_to_end(tmp_path: Path) -> None:
    result = study(tmp_path, "exam", "-n", "3", "--seed", "5", "--minutes", "30", "--answers", "A,A,A")
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(tmp_path / "progress.sqlite3") as db:
        exam_id, n, score, finished = db.execute("SELECT id, n, score, finished FROM exams").fetchone()
        answers = db.execute("SELECT answer, correct FROM exam_answers WHERE exam_id = ?", (exam_id,)).fetchall()
    assert n == 3 and finished and [a for a, _ in answers] == ["A", "A", "A"]
    assert score == sum(c for _, c in answers)
    assert f"Exam {exam_id}: {score}/3" in result.stdout
    assert result.stdout.count("Missed question") == 3 - score
    assert result.stdout.count("Source: notes/dp100-notes.md:") == 3 - score


def test_review_progress_and_export(tmp_path: Path) -> None:
    assert "No cards are due" in study(tmp_path, "review").stdout
    study(tmp_path, "quiz", "-n", "1", "--chapter", "3", "--kind", "mcq", "--answers", "D")
    progress = study(tmp_path, "progress", "--json")
    assert progress.returncode == 0, progress.stderr
    rows = json.loads(progress.stdout)
    assert len(rows) == 23 and {r["number"] for r in rows if r["seen"]} == {3}
    exported = study(tmp_path, "export", "--anki", str(tmp_path / "d.apkg"), "--csv", str(tmp_path / "c.csv"))
    assert exported.returncode == 0, exported.stderr
    assert (tmp_path / "d.apkg").stat().st_size > 0 and (tmp_path / "c.csv").read_text().startswith("id,kind,")


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (("quiz", "-n", "1", "--kind", "mcq", "--answers", "E"), {}, "is not one of A, B, C, D"),
        (("quiz", "--kind", "recall", "-n", "1", "--answers", "=perfect"), {}, "rating 'perfect' is not one of"),
        (("bank",), {"STUDYFLOW_STUDY_BANK": "/nonexistent/bank.jsonl"}, "no question bank at"),
        (("export",), {}, "say what to write"),
        (("quiz", "--chapter", "99"), {}, "no questions match"),
    ],
)
def test_a_user_error_is_one_line_and_exit_2(tmp_path: Path, args: tuple, env: dict, expected: str) -> None:
    result = study(tmp_path, *args, **env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0], result.stderr


def test_a_damaged_progress_file_is_one_line_then_a_fresh_start(tmp_path: Path) -> None:
    (tmp_path / "progress.sqlite3").write_text("not a database")
    first = study(tmp_path, "progress")
    assert first.returncode == 2
    assert len(first.stderr.strip().splitlines()) == 1 and "moved aside" in first.stderr
    assert len(list(tmp_path.glob("progress.sqlite3.damaged-*"))) == 1
    assert study(tmp_path, "progress").returncode == 0
