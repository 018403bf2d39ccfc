"""The page writes practice questions from a student's own notes in the background (study.background), with the
real local model, in Debian's chromium: the Practice tab shows the progress line, then the new question is asked
without a restart. As cheap as it can be: one passage, one multiple-choice question and one flash card."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from harness.browser import StudyPage, launched_chromium
from harness.pf import pf_home
from harness.ports import free_port
from harness.serving import running_app
from study import bank as bank_data
from study.practice import OWN_BANK_NAME

# One passage (one section over the chunker's minimum), plain facts a small model can ask about. The heading is no
# question: under "What goes in the bin" the model copied the heading as its stem, which not_a_question turns away.
NOTES = """# Chapter 1. Composting at home

## Section 1. Greens and browns

A compost bin needs green material such as vegetable peelings and fresh grass cuttings, which bring nitrogen, and
brown material such as dry leaves, straw and torn cardboard, which bring carbon. About three parts brown to one part
green keeps the heap from turning slimy or smelly, and a handful of garden soil adds the microbes that start it off.
"""
WRITTEN = re.compile(r"are written: 1 of 1 passages, (\d+) accepted")


@pytest.fixture(scope="module")
def browser():
    with launched_chromium() as browser:
        yield browser


@pytest.mark.llm
def test_the_practice_tab_shows_progress_then_asks_a_question_from_the_students_notes(browser, llm_server, tmp_path):
    from ingest.build import build_index

    notes = tmp_path / "my-notes"
    notes.mkdir()
    (notes / "compost.md").write_text(NOTES, encoding="utf-8")
    assert build_index(paths=[notes], root=tmp_path / "chroma", progress=False).chunks == 1
    bank = tmp_path / "bank" / bank_data.BANK_PATH.name
    bank.parent.mkdir()
    for path in (bank_data.BANK_PATH, bank_data.META_PATH):
        shutil.copy(path, bank.parent / path.name)
    env = pf_home(tmp_path / "pf", llm_server) | {
        "STUDYFLOW_CHROMA_DIR": str(tmp_path / "chroma"),
        "STUDYFLOW_STUDY_BANK": str(bank),
        "STUDYFLOW_STUDY_DB": str(tmp_path / "progress.sqlite3"),
        "STUDYFLOW_BACKGROUND_MCQ_COUNT": "1",
    }
    env.pop("STUDYFLOW_BACKGROUND_GENERATION", None)
    shipped = bank.read_bytes()
    own = tmp_path / OWN_BANK_NAME  # beside the progress file
    with running_app(env, free_port(), tmp_path / "app.log") as url:
        tab = StudyPage(browser, url)
        tab.open_tab("Practice")
        line = tab.wait_text("practice-generation", "Writing practice questions from your notes: 0 of 1 passages")
        assert line.strip() == "Writing practice questions from your notes: 0 of 1 passages, 0 accepted", line
        # Ask works meanwhile: a question the notes don't cover is declined without the model, in a second flow
        # running beside the generation's.
        tab.open_tab("Ask")
        tab.page.fill("textarea", "Who won the 2018 FIFA World Cup?")
        tab.page.keyboard.press("Enter")
        tab.page.get_by_text("The notes don't cover this.").first.wait_for(timeout=60_000)
        tab.open_tab("Practice")
        done = tab.wait_text("practice-generation", "are written: 1 of 1 passages", timeout=900)
        accepted = int(WRITTEN.search(done).group(1))
        assert accepted >= 1, f"{done}\n{own.with_name('generation.jsonl').read_text()}"
        tab.click("practice-start")
        shown = tab.shown_item("practice")
        assert tab.outside == [] and tab.dialogs == []
    assert bank.read_bytes() == shipped
    items = bank_data.load(own).by_id()
    ours = {i for i, item in items.items() if item.origin == "generated" and item.source == str(notes / "compost.md")}
    assert shown in ours and items[shown].accepted, items.get(shown)
    assert len(ours) == accepted, [json.dumps(items[i].to_dict()) for i in ours]
