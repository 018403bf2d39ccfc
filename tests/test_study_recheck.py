"""`python -m study recheck`: today's model-free checks on a bank's generated questions (no LLM)."""

from __future__ import annotations

from dataclasses import replace

from study import bank as bank_data
from study.candidates import INCOMPLETE
from study.recheck import recheck
from study.verify import QUOTE_NOT_IN_PASSAGE
from tests.study_fixtures import bank_of, mcq, recall

TEXT = "Notes about the options.\nbravo is right for this, and alpha is not what the notes use here."
KNOWN = frozenset("which option is right what".split())


def generated(item: bank_data.Item, **change: object) -> bank_data.Item:
    return replace(item, origin="generated", generator="flows/quiz 1", **{"quote": "bravo is right for this", **change})


def hand(item: bank_data.Item, status: str = "retired") -> bank_data.Item:
    return replace(item, origin="hand", status=status, id=f"hand-{item.id}")


def test_a_generated_question_a_check_now_turns_away_is_retired_and_its_hand_questions_come_back():
    good = generated(mcq("p1", stem="Which option is right?"))
    both = generated(mcq("p2"), options={"A": "alpha", "B": "bravo", "C": "Both", "D": "None of the above"})
    displaced = hand(mcq("p2", stem="Which option is right here?"))
    card = generated(recall("p2"))
    bank, turned = recheck(bank_of(good, both, displaced, card), KNOWN, lambda item: TEXT)
    status = {i.id: i.status for i in bank.items}
    assert [(t.item.id, t.reason) for t in turned] == [(both.id, INCOMPLETE)]
    assert status == {good.id: "accepted", both.id: "retired", displaced.id: "accepted", card.id: "accepted"}
    assert len(bank.items) == 4  # retired, never deleted


def test_hand_questions_come_back_beside_a_generated_one_of_their_kind_that_is_left():
    kept = generated(mcq("p1", stem="Which option is right?"))
    invented = generated(mcq("p1", stem="Which option is right now?"), quote="a sentence the notes never had at all")
    displaced = hand(mcq("p1", stem="Which option is right here?"))
    other_passage = hand(mcq("p3", stem="Which option is right there?"))
    bank, turned = recheck(bank_of(kept, invented, displaced, other_passage), KNOWN, lambda item: TEXT)
    assert [t.reason for t in turned] == [QUOTE_NOT_IN_PASSAGE]
    status = {i.id: i.status for i in bank.items}
    assert (status[kept.id], status[displaced.id], status[other_passage.id]) == ("accepted", "accepted", "retired")


def test_hand_items_and_unreadable_passages_are_left_alone():
    hand_item = hand(mcq("p1", stem="Which?"), status="accepted")  # would fail the checks if it were generated
    unreadable = generated(mcq("p2"), quote="not in any passage we can read")
    bank, turned = recheck(bank_of(hand_item, unreadable), KNOWN, lambda item: None)
    assert turned == [] and [i.status for i in bank.items] == ["accepted", "accepted"]


def test_the_cli_rechecks_the_students_own_bank_and_never_the_shipped_one(tmp_path, monkeypatch, notes_index, capsys):
    from study.__main__ import main
    from study.practice import own_bank_path

    both = generated(mcq("p2"), options={"A": "alpha", "B": "bravo", "C": "Both", "D": "None of the above"})
    shipped = tmp_path / "shipped" / "bank.jsonl"
    bank_data.save(bank_of(both), shipped)
    monkeypatch.setenv("STUDYFLOW_CHROMA_DIR", str(notes_index))
    monkeypatch.setenv("STUDYFLOW_STUDY_BANK", str(shipped))
    monkeypatch.setenv("STUDYFLOW_STUDY_DB", str(tmp_path / "student" / "progress.sqlite3"))
    assert main(["recheck"]) == 0  # no own bank yet: the bank itself (a maintainer fixing the shipped one)
    assert "1 generated questions retired, 0 hand-written ones back" in capsys.readouterr().out
    assert bank_data.load(shipped).items[0].status == "retired"
    bank_data.save(bank_of(both), shipped)
    bank_data.save(bank_of(both), own_bank_path())
    before = shipped.read_bytes()
    assert main(["recheck"]) == 0
    assert str(own_bank_path()) in capsys.readouterr().out.replace("\n", "")
    assert bank_data.load(own_bank_path()).items[0].status == "retired" and shipped.read_bytes() == before
