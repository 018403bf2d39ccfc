"""Exports: an .apkg Anki accepts (a zip holding a SQLite collection with our notes) and a CSV file."""

from __future__ import annotations

import csv
import json
import sqlite3
import zipfile
from dataclasses import replace
from pathlib import Path

from study import bank as bank_data
from study.export import CSV_COLUMNS, DECK_ID, MODEL_ID, write_anki, write_csv
from tests.study_fixtures import mcq, recall


def _notes(apkg: Path, tmp_path: Path) -> tuple[list[sqlite3.Row], dict, dict]:
    with zipfile.ZipFile(apkg) as archive:
        assert {"collection.anki2", "media"} <= set(archive.namelist())
        archive.extract("collection.anki2", tmp_path)
    db = sqlite3.connect(tmp_path / "collection.anki2")
    db.row_factory = sqlite3.Row
    notes = db.execute("SELECT guid, mid, flds, tags FROM notes ORDER BY id").fetchall()
    models, decks = (json.loads(v) for v in db.execute("SELECT models, decks FROM col").fetchone())
    db.close()
    return notes, models, decks


def test_the_anki_deck_holds_one_note_per_accepted_item(tmp_path: Path) -> None:
    question = mcq(stem="Is <b> a tag?")
    card = recall()
    gone = replace(mcq("old"), status="retired")
    apkg = tmp_path / "deck.apkg"
    assert write_anki([question, card, gone], apkg) == 2
    notes, models, decks = _notes(apkg, tmp_path)
    assert len(notes) == 2
    assert str(MODEL_ID) in models and str(DECK_ID) in decks
    front, back, quote, source, item_id = notes[0]["flds"].split("\x1f")
    assert front.startswith("Is &lt;b&gt; a tag?<ol>") and "<li>bravo</li>" in front  # options on the front
    assert back.startswith("<b>B. bravo</b>") and "Because the notes say so." in back
    assert quote == "bravo is right"
    assert source == "Chapter 1. Testing (notes/dp100-notes.md:8-20)"
    assert item_id == question.id
    assert notes[1]["flds"].split("\x1f")[:2] == [card.question, card.answer]
    assert set(notes[0]["tags"].split()) == {"studyflow", "mcq", "chapter01"}


def test_note_guids_are_stable_across_exports(tmp_path: Path) -> None:
    items = [mcq(), recall()]
    write_anki(items, tmp_path / "a.apkg")
    write_anki(items, tmp_path / "b.apkg")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, _, _ = _notes(tmp_path / "a.apkg", tmp_path / "a")
    second, _, _ = _notes(tmp_path / "b.apkg", tmp_path / "b")
    assert [n["guid"] for n in first] == [n["guid"] for n in second]


def test_the_seed_bank_exports(tmp_path: Path) -> None:
    bank = bank_data.load()
    assert write_anki(bank.items, tmp_path / "seed.apkg") == len(bank.accepted())


def test_csv_columns_and_rows(tmp_path: Path) -> None:
    path = tmp_path / "cards.csv"
    assert write_csv([mcq(), recall(), replace(mcq("x"), status="retired")], path) == 2
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
    assert tuple(reader.fieldnames) == CSV_COLUMNS
    assert rows[0]["kind"] == "mcq" and rows[0]["option_b"] == "bravo" and rows[0]["answer"] == "bravo"
    assert rows[0]["key"] == "B" and rows[0]["lines"] == "8-20"
    assert rows[1]["kind"] == "recall" and rows[1]["question"] == "What is right?" and rows[1]["option_a"] == ""
