"""The question bank: validation of every line, the shipped seed bank, incremental merge."""

from __future__ import annotations

import json
import os
import stat
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from core.paths import PROJECT_ROOT
from study import bank as bank_data
from study import seed
from study.bank import item_id, make_item, merge
from study.errors import BankError
from study.schedule import mcq_rating
from tests.study_fixtures import NOW, bank_of, mcq, recall, schedule_for


def write_bank(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "bank.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "bank_meta.json").write_text(json.dumps({"generator": "t", "created": "now", "notes": {}}))
    return path


def good_line(**changes: object) -> str:
    data = mcq().to_dict()
    data.update(changes)
    return json.dumps(data)


def test_round_trip(tmp_path: Path) -> None:
    bank = bank_of(mcq(), recall())
    path = tmp_path / "bank.jsonl"
    bank_data.save(bank, path)
    loaded = bank_data.load(path)
    assert loaded.items == bank.items
    assert loaded.meta == bank.meta


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("{not json", "not a JSON line"),
        ("[1, 2]", "must be a JSON object"),
        (good_line(kind="essay"), "kind 'essay' is not one of mcq, recall"),
        (good_line(stem=""), "needs stem"),
        (good_line(options={"A": "a", "B": "b", "C": "c"}), "exactly the keys A, B, C and D"),
        (good_line(options={"A": "a", "B": "b", "C": "c", "D": " "}), "option D is empty"),
        (good_line(options={"A": "a", "B": "b", "C": "c", "D": "A"}), "two options say the same thing"),
        (good_line(key="E"), "key 'E' is not one of A, B, C, D"),
        (good_line(lines="twenty"), "is not 'start-end'"),
        (good_line(id="0000000000000000"), "does not match its passage hash"),
        (good_line(colour="red"), "unknown field colour"),
        (good_line(origin="robot"), "origin 'robot'"),
        (good_line(key=1), "key must be text"),
    ],
)
def test_a_malformed_line_is_one_error_naming_file_and_line(tmp_path: Path, line: str, expected: str) -> None:
    path = write_bank(tmp_path, [good_line(), line])
    with pytest.raises(BankError) as err:
        bank_data.load(path)
    message = str(err.value)
    assert f"{path}:2: " in message
    assert expected in message
    assert "\n" not in message


def test_a_duplicate_id_names_both_lines(tmp_path: Path) -> None:
    path = write_bank(tmp_path, [good_line(), "", good_line()])
    with pytest.raises(BankError, match=r"bank.jsonl:3: id \w+ is already used on line 1"):
        bank_data.load(path)


def test_a_missing_bank_says_how_to_build_it(tmp_path: Path) -> None:
    with pytest.raises(BankError, match="python -m study seed"):
        bank_data.load(tmp_path / "bank.jsonl")


def test_ids_are_stable_and_ignore_case_and_spacing() -> None:
    assert item_id("h", "mcq", "What is X?") == item_id("h", "mcq", "what  is x")
    assert item_id("h", "mcq", "What is X?") != item_id("h2", "mcq", "What is X?")
    assert item_id("h", "mcq", "What is X?") != item_id("h", "recall", "What is X?")


# --- the seed and the shipped bank ----------------------------------------------------------------------------------
def test_the_seed_has_two_mcq_and_one_recall_per_chapter_and_five_where_nothing_generated_covers_it() -> None:
    built = seed.build()
    counts = Counter((item.chapter_number, item.kind) for item in built.items)
    assert set(counts) == {(number, kind) for number in range(1, 24) for kind in ("mcq", "recall")}
    assert all(counts[(number, "mcq")] >= 2 and counts[(number, "recall")] >= 1 for number in range(1, 24))
    assert {item.origin for item in built.items} == {"hand"}
    accepted = Counter(item.chapter_number for item in bank_data.load().accepted())
    assert [number for number in range(1, 24) if accepted[number] < 5] == [3, 4]  # one passage each, generated


def test_rebuilding_the_seed_keeps_each_seed_question_as_the_bank_had_it(tmp_path: Path) -> None:
    # A hand question a recheck brought back beside a generated one of its passage stays; a new seed question
    # does not come in where a generated question of its passage and kind is accepted.
    built = seed.build()
    kept, new = [i for i in built.items if i.chapter_number == 9 and i.kind == "mcq"][:2]
    assert kept.passage_hash == new.passage_hash
    generated = make_item(**{**kept.to_dict(), "id": None, "stem": "Which sampling is generated here?"})
    generated = replace(generated, origin="generated", generator="flows/quiz 4")
    path = tmp_path / "bank.jsonl"
    others = [i for i in built.items if i.id != new.id]
    bank_data.save(bank_data.Bank(items=[*others, generated], meta=built.meta), path)
    rebuilt, _ = seed.write(path)
    status = {item.id: item.status for item in rebuilt.items}
    assert status[kept.id] == "accepted" and status[generated.id] == "accepted"
    assert new.id not in status


def test_the_shipped_bank_is_the_seed_or_newer() -> None:
    shipped = bank_data.load().by_id()
    for item in seed.build().items:
        # Each seed item is in the bank: accepted, or retired once generated questions replaced its passage.
        assert item.id in shipped, f"{item.id} missing: run `python -m study seed`"


def test_every_quote_of_the_shipped_bank_is_on_its_recorded_line() -> None:
    bank = bank_data.load()
    notes = {}
    for item in bank.accepted():
        lines = notes.setdefault(item.source, (PROJECT_ROOT / item.source).read_text(encoding="utf-8").split("\n"))
        start, end = item.line_range
        quote_line = int(item.quote_lines)
        assert start <= quote_line <= end, item.id
        assert item.quote in lines[quote_line - 1], item.id
        assert item.chapter.startswith(f"Chapter {item.chapter_number}.")


def test_the_shipped_bank_matches_the_notes_it_was_built_from() -> None:
    bank = bank_data.load()
    for source, digest in bank.meta.notes.items():
        assert bank_data.file_hash(PROJECT_ROOT / source) == digest, "notes changed: rebuild the bank"


# --- merge ----------------------------------------------------------------------------------------------------------
def test_merge_keeps_unchanged_adds_new_and_retires_only_the_changed_passage(tmp_path: Path) -> None:
    kept, changed = mcq("keep"), mcq("old")
    schedule = schedule_for(tmp_path, kept, changed)
    schedule.review(changed, mcq_rating(True), NOW, "B", True, "mcq")
    new = mcq("new", stem="A new question?")
    merged, summary = merge(bank_of(kept, changed), [new], ["keep", "new"])
    status = {item.id: item.status for item in merged.items}
    assert status == {kept.id: "accepted", changed.id: "retired", new.id: "accepted"}
    assert (summary.added, summary.kept, summary.retired) == (1, 1, 1)
    # Never deleted: the retired item still resolves, and its review history is where it was.
    assert merged.by_id()[changed.id].prompt == changed.prompt
    assert [r.item_id for r in schedule.store.reviews()] == [changed.id]


def test_merge_is_idempotent() -> None:
    first, _ = merge(bank_of(mcq("a")), [mcq("b")], ["a", "b"])
    second, summary = merge(first, [mcq("b")], ["a", "b"])
    assert second.items == first.items
    assert (summary.added, summary.retired) == (0, 0)


def test_generated_questions_replace_the_hand_seed_of_their_passage() -> None:
    from dataclasses import replace

    hand = replace(mcq("p"), origin="hand")
    other_hand = replace(mcq("q"), origin="hand")
    generated = mcq("p", stem="A generated question?")
    merged, _ = merge(bank_of(hand, other_hand), [generated], ["p", "q"])
    status = {item.id: item.status for item in merged.items}
    assert status == {hand.id: "retired", other_hand.id: "accepted", generated.id: "accepted"}


def test_a_passage_that_comes_back_reactivates_its_items() -> None:
    item = mcq("p")
    gone, _ = merge(bank_of(item), [], [])
    assert not gone.items[0].accepted
    back, summary = merge(gone, [item], ["p"])
    assert back.items[0].accepted and summary.added == 1


@pytest.mark.parametrize("umask, expected", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_bank_files_get_the_mode_a_plain_open_gives(tmp_path: Path, umask: int, expected: int) -> None:
    from study.generate import rewrite_work, work_path

    path = tmp_path / "bank.jsonl"
    old = os.umask(umask)
    try:
        bank_data.save(bank_of(mcq()), path)
        rewrite_work(work_path(path), [{"passage_hash": "p1"}])
        with (tmp_path / "plain.txt").open("w") as out:
            out.write("x")
    finally:
        os.umask(old)
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in tmp_path.iterdir()}
    assert modes == dict.fromkeys(("bank.jsonl", "bank_meta.json", "generation.jsonl", "plain.txt"), expected), modes


def test_the_shipped_bank_files_are_world_readable() -> None:
    for path in sorted(bank_data.DATA_DIR.iterdir()):
        assert stat.S_IMODE(path.stat().st_mode) & 0o044 == 0o044, f"{path}: chmod 644 it"


def test_round_robin_takes_each_chapter_in_turn():
    from study.passages import Passage, round_robin

    def passage(chapter: str, n: int) -> Passage:
        return Passage(f"{chapter}{n}", f"h{chapter}{n}", "text", chapter, 1, "s", "notes.md", f"{n}-{n}")

    ordered = [passage("a", 1), passage("a", 2), passage("a", 3), passage("b", 1), passage("c", 1), passage("c", 2)]
    assert [p.passage_id for p in round_robin(ordered)] == ["a1", "b1", "c1", "a2", "c2", "a3"]
