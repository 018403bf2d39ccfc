"""Passages trimmed to one character budget they share (answering.shared_focus, STUDYFLOW_FOCUS_CHARS) and how the
answer prompt names them: unit tests, no model, no index."""

from __future__ import annotations

import pytest

from answering.llm_client import render_messages
from answering.passages import label, passages
from answering.retrieval import Retrieval
from answering.shared_focus import passage_units, shared_focus
from core.paths import PROJECT_ROOT
from ingest.search import Hit

QA = PROJECT_ROOT / "flows" / "qa" / "answer.jinja2"
TITLE = "Chapter 14. Perform hyperparameter tuning"
SWEEP = (
    "```python\n# grid sampling tries every combination\nsweep(sampling_algorithm='grid')\n\n"
    "# random sampling\nsweep(sampling_algorithm='random')\n```"
)
FILLER = "The weather was fine that day. " * 8
GRID = "Grid sampling tries every combination. " + FILLER
RANDOM = "Random sampling picks values. " + FILLER


def _retrieval(question: str, *texts: str) -> Retrieval:
    hits = [
        Hit(text=text, score=0.5, chapter=TITLE, section="s", source="n.md", lines="1", id=str(i))
        for i, text in enumerate(texts)
    ]
    return Retrieval(question=question, hits=hits, covered=True, reason="")


def test_a_code_block_is_cut_at_its_blank_lines_and_keeps_its_fences():
    parts = passage_units(0, f"Sampling methods:\n{SWEEP}")
    assert [p.text for p in parts] == [
        "Sampling methods:",
        "# grid sampling tries every combination\nsweep(sampling_algorithm='grid')",
        "# random sampling\nsweep(sampling_algorithm='random')",
    ]
    kept = shared_focus([f"{FILLER}\n{SWEEP}"], "How does grid sampling work?", 100)[0]
    assert kept == "```python\n# grid sampling tries every combination\nsweep(sampling_algorithm='grid')\n```"
    both = shared_focus([f"{FILLER}\n{SWEEP}"], "How do grid and random sampling differ?", 200)[0]
    assert both.count("```") == 2 and "'grid'" in both and "'random'" in both  # one block, one pair of fences


def test_the_budget_is_shared_so_the_passage_holding_the_answer_keeps_more():
    answer = "Bandit policy stops runs. Its slack factor sets the allowed gap. The slack amount is absolute."
    texts = [f"Chapter intro about sweeps. {FILLER}", f"{answer} {FILLER}"]
    shown = shared_focus(texts, "What do the bandit policy's slack factor and slack amount do?", 200)
    assert all(s in shown[1] for s in ("Bandit policy stops runs.", "slack factor", "slack amount"))
    assert "weather" not in shown[1] and shown[0]  # every passage keeps its best unit, so each [n] has text
    assert sum(map(len, shown)) < sum(map(len, texts)) / 2


def test_a_list_number_stays_with_its_item_and_passages_within_the_budget_stay_whole():
    item = "2. Azure Data Lake Storage (Basically blob storage with a hierarchical namespace, for access control)"
    assert passage_units(0, f"Three services:\n1. Azure Blob Storage\n{item}")[-1].text == item
    assert shared_focus(["short one.", "short two."], "anything", 1000) == ["short one.", "short two."]
    assert shared_focus([FILLER, FILLER], "anything", 0) == [FILLER, FILLER]


def test_trimmed_passages_are_named_by_chapter_number_whole_ones_by_title():
    assert label(TITLE, trimmed=True) == "Chapter 14" and label(TITLE, trimmed=False) == TITLE
    assert label("Lab: Sweep jobs", trimmed=True) == "Lab: Sweep jobs"  # no number to shorten to
    whole = render_messages(QA, passages=passages(_retrieval("q", GRID), 0), question="q")[-1]["content"]
    trimmed = render_messages(QA, passages=passages(_retrieval("q", GRID), 100), question="q")[-1]["content"]
    assert f"[1] ({TITLE})\n" in whole and "[1] (Chapter 14)\n" in trimmed


def test_whole_passages_by_default(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("STUDYFLOW_FOCUS_CHARS", raising=False)
    assert [p["text"] for p in passages(_retrieval("How does grid sampling work?", GRID, RANDOM))] == [
        GRID.strip(),
        RANDOM.strip(),
    ]


def test_the_setting_trims_but_an_exam_question_keeps_whole_passages(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("STUDYFLOW_FOCUS_CHARS", "150")
    cut = passages(_retrieval("How does grid sampling work?", GRID, RANDOM))
    assert sum(len(p["text"]) for p in cut) < 150 and "Grid sampling tries every combination." in cut[0]["text"]
    assert cut[0]["note_text"] == GRID  # the student still sees the whole note
    exam = "Which sampling method tries every combination?\nA. Grid\nB. Random\nC. Bayesian"
    whole = passages(_retrieval(exam, GRID, RANDOM))
    assert [p["text"] for p in whole] == [GRID.strip(), RANDOM.strip()] and whole[0]["label"] == TITLE
