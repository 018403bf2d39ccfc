"""The page's background generation (study.background) over a small real index of a student's own notes, with
the real embedder and an injected generate function instead of the quiz flow: no LLM. The browser test with
the real model is in test_study_page_generation.py."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import pytest

from core.errors import SettingError, StudyflowError
from study import background, generate
from study import bank as bank_data
from study.background import BackgroundGeneration, Busy, Progress
from study.passages import index_passages, select
from studypage import render

NOTES = """# Chapter 1. Composting at home

## Section 1. What goes in the bin

A compost bin needs green material such as vegetable peelings and fresh grass cuttings, which bring nitrogen, and
brown material such as dry leaves, straw and torn cardboard, which bring carbon. About three parts brown to one part
green keeps the heap from turning slimy or smelly, and a handful of garden soil adds the microbes that start it off.

## Section 2. Turning the heap

Turning the heap every two weeks with a garden fork lets air reach the middle, where the bacteria that break the
material down need oxygen to work. A heap that is turned often reaches sixty degrees Celsius and is ready in about
three months; a heap left alone still rots, but slowly, and takes a year or more to become crumbly dark compost.
"""


QUESTIONS = {  # passage -> (multiple-choice stem, flash card question), told apart by a word of the passage
    "brown": (
        "Which ratio of brown to green material keeps a compost heap healthy?",
        "What does green material bring?",
    ),
    "fork": ("How often should a compost heap be turned with a fork?", "Why does turning the heap speed it up?"),
}


@pytest.fixture(scope="module")
def own_notes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("my-notes")
    (folder / "compost.md").write_text(NOTES, encoding="utf-8")
    return folder / "compost.md"


@pytest.fixture(scope="module")
def own_index(own_notes: Path) -> Path:
    """The index of one student's notes file: two passages of one chapter."""
    from ingest.build import build_index

    root = own_notes.parent.parent / "my-index"
    build_index(paths=[own_notes.parent], root=root, progress=False)
    return root


@pytest.fixture
def shipped_bank(tmp_path: Path) -> Path:
    """A copy of the shipped bank (its hand seed marks the default notes as the project's own)."""
    for path in (bank_data.BANK_PATH, bank_data.META_PATH):
        shutil.copy(path, tmp_path / path.name)
    return tmp_path / bank_data.BANK_PATH.name


def card(inputs: dict) -> list[dict]:
    """What the quiz flow returns for a passage, checked: a multiple-choice question and a flash card."""
    where = {k: inputs[k] for k in ("chapter", "section", "source", "lines", "passage_id", "passage_hash")}
    quote = " ".join(inputs["passage_text"].split()[-12:])
    stem, question = next(q for word, q in QUESTIONS.items() if word in inputs["passage_text"])
    mcq = {
        "kind": "mcq",
        "stem": stem,
        "options": {"A": "Nothing at all", "B": quote, "C": "Only plastic bags", "D": "Burn it every week"},
        "key": "B",
        "explanation": "The passage says so.",
        "quote": quote,
        **where,
        "rejected": [],
    }
    recall = {"kind": "recall", "question": question, "answer": quote, "quote": quote}
    return [mcq, {**recall, **where, "rejected": []}]


def job(index: Path, bank_path: Path, generate_one, **options) -> BackgroundGeneration:
    every = index_passages(index)
    mine = background.own_passages(bank_data.load(bank_path), select(every))
    from ingest.embedder import embed

    hashes = [p.passage_hash for p in every]
    return BackgroundGeneration(mine, hashes, lambda: generate_one, embed, bank_path, **options)


def generated(bank_path: Path, source: Path) -> list[bank_data.Item]:
    """The bank's accepted generated questions of the notes file at source."""
    return [i for i in bank_data.load(bank_path).accepted() if i.origin == "generated" and i.source == str(source)]


def test_questions_reach_the_bank_and_practice_passage_by_passage(
    own_notes, own_index, shipped_bank, tmp_path, monkeypatch
):
    from studypage.desk import StudyDesk

    monkeypatch.setenv("STUDYFLOW_STUDY_BANK", str(shipped_bank))
    monkeypatch.setenv("STUDYFLOW_STUDY_DB", str(tmp_path / "progress.sqlite3"))
    desk = StudyDesk()
    before = set(desk.practice(None, None, 500))
    seen: list[tuple[int, int]] = []  # (passages done, generated questions in the bank) when each is asked

    def generate_one(inputs: dict) -> list[dict]:
        seen.append((running.progress().done, len(generated(shipped_bank, own_notes))))
        return card(inputs)

    running = job(own_index, shipped_bank, generate_one, on_merged=desk.reload)
    assert running.start()
    assert running.progress().total == 2
    running.join(120)
    final = running.progress()
    assert seen == [(0, 0), (1, 2)], seen  # the first passage's questions were in the bank before the second
    assert (final.done, final.accepted, final.finished, final.error) == (2, 4, True, ""), final
    assert (
        final.line()
        == "Practice questions from your notes are written: 2 of 2 passages, 4 accepted; they are in Practice now"
    )
    mine = {i.id for i in generated(shipped_bank, own_notes)}
    assert len(mine) == 4 and len({i.passage_hash for i in generated(shipped_bank, own_notes)}) == 2
    # Without a restart: the desk asks the new questions (the default notes' are retired: not in this index).
    assert set(desk.practice(None, None, 500)) == mine and not mine & before
    again = job(own_index, shipped_bank, generate_one)
    assert not again.start() and again.progress().line() == ""  # done: a restart writes nothing


def test_it_waits_while_ask_writes_an_answer(own_index, shipped_bank):
    busy = Busy()
    asked = threading.Event()
    running = job(own_index, shipped_bank, lambda inputs: (asked.set(), card(inputs))[1], busy=busy)
    with busy:
        assert running.start()
        deadline = time.monotonic() + 60
        while not running.progress().paused:
            assert time.monotonic() < deadline, running.progress()
            time.sleep(0.05)
        assert not asked.wait(1.0)  # still waiting: no passage is asked while the answer streams
        assert running.progress().line().endswith("0 of 2 passages, 0 accepted (paused while Ask writes an answer)")
    running.join(120)
    assert asked.is_set() and running.progress().done == 2


@pytest.mark.parametrize(
    ("error", "shown"),
    [
        (
            StudyflowError("passage 19-29: the local model server at http://127.0.0.1:9/v1 is not running;\nstart it"),
            "passage 19-29: the local model server at http://127.0.0.1:9/v1 is not running;\\nstart it",
        ),
        (RuntimeError("boom"), "boom"),
    ],
)
def test_a_failure_is_one_line_and_a_restart_goes_on_where_it_stopped(own_notes, own_index, shipped_bank, error, shown):
    calls: list[str] = []

    def fails_second(inputs: dict) -> list[dict]:
        calls.append(inputs["passage_hash"])
        if len(calls) == 2:
            raise error
        return card(inputs)

    first = job(own_index, shipped_bank, fails_second)
    assert first.start()
    first.join(120)
    stopped = first.progress()
    assert stopped.finished and not stopped.running and stopped.done == 1 and stopped.accepted == 2, stopped
    line = stopped.line()
    assert line == f"Writing practice questions from your notes stopped at 1 of 2 passages, 2 accepted: {shown}; " + (
        "restart to go on"
    )
    assert "\n" not in line and "&lt;b&gt;" in render.generation(Progress(total=1, error="<b>x</b>"))
    assert len(generated(shipped_bank, own_notes)) == 2  # the finished passage is in the bank

    asked: list[str] = []
    restart = job(own_index, shipped_bank, lambda inputs: (asked.append(inputs["passage_hash"]), card(inputs))[1])
    assert restart.start() and restart.progress().total == 1
    restart.join(120)
    assert asked == [calls[1]] and restart.progress().line().startswith(
        "Practice questions from your notes are written: 1 of 1"
    )
    assert len(generated(shipped_bank, own_notes)) == 4


def test_the_pages_generation_writes_the_students_own_bank_and_never_the_shipped_one(
    own_notes, own_index, shipped_bank, tmp_path, monkeypatch
):
    from study.practice import open_bank, own_bank_path

    monkeypatch.setattr(generate, "flow_generator", lambda connection, model: card)
    monkeypatch.setenv("STUDYFLOW_CHROMA_DIR", str(own_index))
    monkeypatch.setenv("STUDYFLOW_STUDY_BANK", str(shipped_bank))
    monkeypatch.setenv("STUDYFLOW_STUDY_DB", str(tmp_path / "student" / "progress.sqlite3"))
    monkeypatch.delenv(background.SETTING, raising=False)
    shipped = {p.name: p.read_bytes() for p in shipped_bank.parent.iterdir()}
    running = background.for_page("local", "local", Busy(), lambda: None)
    assert running is not None
    running.join(120)
    assert running.progress().accepted == 4, running.progress()
    assert {p.name: p.read_bytes() for p in shipped_bank.parent.iterdir() if p.name in shipped} == shipped
    assert own_bank_path() == tmp_path / "student" / "own_bank.jsonl"
    mine = {i.id for i in generated(own_bank_path(), own_notes)}
    assert len(mine) == 4
    # The student's bank began as a copy of the shipped one: the default notes' questions are retired (not in this
    # index) there, and only there.
    practised = open_bank()
    assert {i.id for i in practised.accepted()} == mine
    assert {i.id for i in practised.items} == mine | {i.id for i in bank_data.load(shipped_bank).items}
    assert background.for_page("local", "local", Busy(), lambda: None) is None  # done: a restart writes nothing


def never_the_model(connection: str, model: str):
    def generate_one(inputs: dict) -> list[dict]:
        raise StudyflowError("this test never asks the model")

    return generate_one


def test_nothing_runs_for_the_default_notes_and_the_shipped_bank(notes_index, shipped_bank, monkeypatch):
    monkeypatch.setattr(generate, "flow_generator", never_the_model)  # should it start after all: no LLM calls
    monkeypatch.setenv("STUDYFLOW_CHROMA_DIR", str(notes_index))
    monkeypatch.setenv("STUDYFLOW_STUDY_BANK", str(shipped_bank))
    monkeypatch.delenv(background.SETTING, raising=False)
    before = {p.name: p.read_bytes() for p in shipped_bank.parent.iterdir()}
    assert background.own_passages(bank_data.load(shipped_bank), select(index_passages(notes_index))) == []
    assert background.for_page("local", "local", Busy(), lambda: None) is None
    assert {p.name: p.read_bytes() for p in shipped_bank.parent.iterdir()} == before


def test_the_settings_turn_it_off_and_refuse_nonsense_in_one_line(monkeypatch):
    for value, on in (("", True), ("on", True), ("OFF", False), ("0", False), ("yes", True)):
        monkeypatch.setenv(background.SETTING, value)
        assert background.enabled() is on
    monkeypatch.setenv(background.SETTING, "off")
    assert background.for_page("local", "local", Busy(), lambda: None) is None  # before looking at any index
    monkeypatch.setenv(background.SETTING, "sometimes")
    with pytest.raises(SettingError, match="^STUDYFLOW_BACKGROUND_GENERATION must be on or off, not 'sometimes'"):
        background.for_page("local", "local", Busy(), lambda: None)
    monkeypatch.setenv(background.MCQ_SETTING, "1")
    assert background.mcq_cap() == 1
    monkeypatch.setenv(background.MCQ_SETTING, "9")
    with pytest.raises(SettingError, match="STUDYFLOW_BACKGROUND_MCQ_COUNT must be a number of questions from 1 to 4"):
        background.mcq_cap()
    monkeypatch.delenv(background.MCQ_SETTING)
    assert background.mcq_cap() is None
