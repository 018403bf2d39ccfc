"""Retrieval quality and the relevance gate on the real notes index; question checks; the search CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from answering.passages import retrieve_passages
from answering.question import MAX_QUESTION_CHARS, QuestionError, check_question
from answering.retrieval import Retrieval, retrieve
from core.paths import PROJECT_ROOT
from harness.cli import RunCli
from harness.questions import DEV_SET, load_questions
from ingest.search import main as search_cli
from ingest.search import search

HIT_KEYS = {"text", "score", "chapter", "section", "source", "lines"}
# Off-topic dev questions the gate itself must decline; dev-65 (data drift monitoring, a near miss the notes do
# not cover) scores like a covered question and is left for the LLM to decline.
GATE_DECLINES = {"dev-61", "dev-62", "dev-63", "dev-64", "dev-66"}


@pytest.fixture(scope="module")
def dev_retrievals(notes_index: Path) -> list[tuple[dict, Retrieval]]:
    return [(q, retrieve(q["question"], k=5, root=notes_index)) for q in load_questions(DEV_SET)]


def in_gold_chapter(question: dict, retrieval: Retrieval) -> bool:
    return any(h.chapter.startswith(f"Chapter {question['chapter']}.") for h in retrieval.hits)


def test_dev_set_has_answerable_and_uncovered_questions() -> None:
    questions = load_questions(DEV_SET)
    assert len([q for q in questions if q["chapter"] is None]) == 6
    assert len([q for q in questions if q["chapter"] is not None]) >= 50


def test_recall_at_5_of_the_gold_chapter(dev_retrievals: list[tuple[dict, Retrieval]]) -> None:
    answerable = [(q, r) for q, r in dev_retrievals if q["chapter"] is not None]
    misses = [q["id"] for q, r in answerable if not in_gold_chapter(q, r)]
    recall = 1 - len(misses) / len(answerable)
    print(f"\nrecall@5 of the gold chapter: {recall:.3f} on {len(answerable)} dev questions; misses: {misses}")
    assert all(len(r.hits) == 5 for _, r in answerable)
    assert recall >= 0.95, misses


def test_the_gate_passes_every_answerable_question(dev_retrievals: list[tuple[dict, Retrieval]]) -> None:
    declined = [(q["id"], r.reason) for q, r in dev_retrievals if q["chapter"] is not None and not r.covered]
    assert declined == []


def test_the_gate_declines_the_off_topic_questions(dev_retrievals: list[tuple[dict, Retrieval]]) -> None:
    uncovered = {q["id"]: r for q, r in dev_retrievals if q["chapter"] is None}
    declined = {qid for qid, r in uncovered.items() if not r.covered}
    print(
        f"\ngate declines {len(declined)}/{len(uncovered)} uncovered: "
        + "; ".join(f"{qid}: {r.reason}" for qid, r in sorted(uncovered.items()))
    )
    assert len(declined) >= 5
    assert declined >= GATE_DECLINES


@pytest.mark.parametrize("question", ["", "   ", "\n\t \n"])
def test_an_empty_question_is_refused(question: str) -> None:
    with pytest.raises(QuestionError, match="empty"):
        check_question(question)
    with pytest.raises(QuestionError, match="empty"):
        retrieve_passages(question)  # refused before any index is opened


def test_a_question_over_2000_characters_is_refused() -> None:
    assert MAX_QUESTION_CHARS == 2000
    with pytest.raises(QuestionError, match="2000") as err:
        check_question("x" * 2001)
    assert "\n" not in str(err.value)
    assert check_question("  " + "y" * 2000 + "  ") == "y" * 2000


def test_hybrid_and_dense_retrieval_both_run(notes_index: Path) -> None:
    query = "bandit policy slack"
    dense = search(query, k=5, mode="dense", root=notes_index)
    hybrid = search(query, k=5, mode="hybrid", root=notes_index)
    for hits in (dense, hybrid):
        assert len(hits) == 5 and len({h.id for h in hits}) == 5
        assert hits[0].chapter.startswith("Chapter 14.")
        assert all(-1.0 <= h.score <= 1.0 for h in hits)
    # Dense ranks by cosine; hybrid fuses in BM25 and so ranks differently for some query.
    assert [h.score for h in dense] == sorted((h.score for h in dense), reverse=True)
    queries = [query, "MLflow autolog", "ACI AKS real-time", "what does the Contributor role allow"]
    assert any(
        [h.id for h in search(q, k=5, mode="dense", root=notes_index)]
        != [h.id for h in search(q, k=5, mode="hybrid", root=notes_index)]
        for q in queries
    )


def test_search_cli_prints_one_json_line_of_hits(notes_index: Path, monkeypatch, capsys) -> None:
    # main() in-process (a child process costs seconds of imports); the next test runs the command itself.
    monkeypatch.setenv("STUDYFLOW_CHROMA_DIR", str(notes_index))
    assert search_cli(["bandit policy slack", "-k", "5", "--json"]) == 0
    [line] = capsys.readouterr().out.splitlines()
    hits = json.loads(line)
    assert isinstance(hits, list) and len(hits) == 5
    for hit in hits:
        assert HIT_KEYS <= set(hit)
        assert isinstance(hit["text"], str) and isinstance(hit["score"], float)
        assert hit["source"] == "notes/dp100-notes.md" or hit["source"].endswith("/notes/dp100-notes.md")
        start, end = map(int, hit["lines"].split("-"))
        assert 1 <= start <= end
    assert hits[0]["chapter"].startswith("Chapter 14.")


def test_search_cli_reads_one_query_per_stdin_line(notes_index: Path, run_cli: RunCli) -> None:
    queries = "bandit policy slack\n\nhow do I enable MLflow autologging\n"
    result = run_cli(notes_index, "-m", "ingest.search", "-k", "3", "--json", input=queries)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert len(first) == len(second) == 3
    assert first[0]["chapter"].startswith("Chapter 14.")
    assert any("autolog" in h["text"].lower() for h in second)


def test_question_sets_pass_their_checker() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "harness.questions.check", "--notes", "notes/dp100-notes.md"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("OK:")
