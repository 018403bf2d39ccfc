"""Exports of the accepted bank: an Anki deck (genanki) and a CSV file.

Anki: one note per item, front/back with the quote and its source; an mcq shows its options on the front and the
key with its explanation on the back. Model and deck ids are fixed and each note's guid comes from the item id, so
importing a newer export updates the student's notes (and keeps their Anki history) instead of duplicating them.
"""

from __future__ import annotations

import csv
import html
from pathlib import Path

import genanki

from study.bank import OPTION_LETTERS, Item, chapter_order

# Fixed random ids (Anki identifies a note type and a deck by these across imports).
MODEL_ID = 1_607_392_319
DECK_ID = 2_059_400_110
DECK_NAME = "studyflow::DP-100"
FIELDS = ("Front", "Back", "Quote", "Source", "ItemId")
CSV_COLUMNS = (
    "id", "kind", "chapter", "section", "question", "option_a", "option_b", "option_c", "option_d", "key", "answer",
    "explanation", "quote", "source", "lines", "origin",
)  # fmt: skip

_MODEL = genanki.Model(
    MODEL_ID,
    "studyflow question",
    fields=[{"name": name} for name in FIELDS],
    templates=[
        {
            "name": "Card 1",
            "qfmt": "{{Front}}",
            "afmt": '{{FrontSide}}<hr id="answer">{{Back}}<blockquote>{{Quote}}</blockquote><small>{{Source}}</small>',
        }
    ],
    css=".card { font-family: sans-serif; font-size: 18px; text-align: left; } ol { list-style-type: upper-alpha; }",
)


def _escape(text: str) -> str:
    # Anki renders fields as HTML: a "<" in a question must show as itself, not open a tag.
    return html.escape(text, quote=False)


def front(item: Item) -> str:
    if item.kind != "mcq":
        return _escape(item.question)
    options = "".join(f"<li>{_escape(item.options[k])}</li>" for k in OPTION_LETTERS)
    return f"{_escape(item.stem)}<ol>{options}</ol>"


def back(item: Item) -> str:
    if item.kind != "mcq":
        return _escape(item.answer)
    return f"<b>{item.key}. {_escape(item.options[item.key])}</b><br>{_escape(item.explanation)}"


def _source(item: Item) -> str:
    return _escape(f"{item.chapter} ({item.source}:{item.lines})")


def _tags(item: Item) -> list[str]:
    number = item.chapter_number
    return ["studyflow", item.kind, f"chapter{number:02d}" if number is not None else "chapter-none"]


def anki_note(item: Item) -> genanki.Note:
    fields = [front(item), back(item), _escape(item.quote), _source(item), item.id]
    return genanki.Note(model=_MODEL, fields=fields, guid=genanki.guid_for("studyflow", item.id), tags=_tags(item))


def _exported(items: list[Item]) -> list[Item]:
    return sorted((i for i in items if i.accepted), key=chapter_order)


def write_anki(items: list[Item], path: Path) -> int:
    """An .apkg of the accepted items; returns how many notes it holds."""
    deck = genanki.Deck(DECK_ID, DECK_NAME)
    chosen = _exported(items)
    for item in chosen:
        deck.add_note(anki_note(item))
    path.parent.mkdir(parents=True, exist_ok=True)
    genanki.Package(deck).write_to_file(str(path))
    return len(chosen)


def csv_row(item: Item) -> dict[str, str]:
    options = {f"option_{k.lower()}": item.options.get(k, "") for k in OPTION_LETTERS}
    return {
        "id": item.id,
        "kind": item.kind,
        "chapter": item.chapter,
        "section": item.section,
        "question": item.prompt,
        **options,
        "key": item.key,
        "answer": item.options[item.key] if item.kind == "mcq" else item.answer,
        "explanation": item.explanation,
        "quote": item.quote,
        "source": item.source,
        "lines": item.lines,
        "origin": item.origin,
    }


def write_csv(items: list[Item], path: Path) -> int:
    chosen = _exported(items)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(csv_row(item) for item in chosen)
    return len(chosen)
