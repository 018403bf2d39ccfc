"""`python -m study generate`'s bookkeeping with a fake generator (no LLM): incremental by passage hash, resumable
after Ctrl-C, the bank merged and the work file kept. The llm-marked test runs the real flow on one passage."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from core.errors import StudyflowError
from harness.pf import pf_flow_test
from study import bank as bank_data
from study import generate
from study.candidates import parse_reply
from study.passages import Passage, select
from study.verify import check_passage
from tests.study_fixtures import bank_of, mcq, recall

QUIZ_FLOW = Path(__file__).resolve().parent.parent / "flows" / "quiz"


def passage(n: int, text: str | None = None) -> Passage:
    text = text or f"Fact number {n} says that the widget {n} is blue and the gadget {n} is red."
    return Passage(
        passage_id=f"id{n}",
        passage_hash=f"hash-{n}-{abs(hash(text))}",
        passage_text=text,
        chapter=f"Chapter {n}. Things",
        chapter_number=n,
        section="Section 1. All",
        source="notes/missing.md",
        lines=f"{n * 10}-{n * 10 + 5}",
    )


class FakeFlow:
    """One good mcq and one good flash card per passage, quoting it; records what it was asked."""

    def __init__(self, stop_after: int | None = None):
        self.asked: list[str] = []
        self.stop_after = stop_after

    def __call__(self, inputs: dict) -> list[dict]:
        if self.stop_after is not None and len(self.asked) == self.stop_after:
            raise KeyboardInterrupt
        self.asked.append(inputs["passage_id"])
        text = inputs["passage_text"]
        topic = text.split(" says")[0]
        reply = {
            "questions": [
                {
                    "stem": f"What colour is the widget in {topic}?",
                    "options": {"A": "blue", "B": "green", "C": "yellow", "D": "black"},
                    "key": "A",
                    "explanation": "The notes say so.",
                    "quote": text.split(" and")[0],
                }
            ],
            "card": {
                "question": f"What colour is the gadget in {topic}?",
                "answer": text.split()[-1].rstrip("."),
                "quote": text,
            },
        }
        return check_passage(parse_reply(json.dumps(reply), inputs), text)


def embed(texts: list[str]) -> np.ndarray:
    vectors = np.zeros((len(texts), 256), dtype=np.float32)
    for row, text in enumerate(texts):
        for word in text.lower().split():
            vectors[row, sum(map(ord, word)) % 256] += 1
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@pytest.fixture
def bank_path(tmp_path: Path) -> Path:
    path = tmp_path / "bank.jsonl"
    bank_data.save(bank_of(), path)
    return path


def run(passages: list[Passage], flow: FakeFlow, bank_path: Path, also: tuple = (), **kwargs) -> generate.Summary:
    hashes = [p.passage_hash for p in passages] + list(also)
    return generate.run(passages, hashes, flow, embed, bank_path, progress=False, **kwargs)


def test_first_run_generates_every_passage_and_says_so(bank_path: Path):
    flow = FakeFlow()
    summary = run([passage(1), passage(2)], flow, bank_path)
    assert flow.asked == ["id1", "id2"]
    assert (summary.passages, summary.generated, summary.accepted) == (2, 4, 4)
    bank = bank_data.load(bank_path)
    assert len(bank.accepted()) == 4 and bank.meta.generator == generate.GENERATOR
    assert "2 passages (0 unchanged), 4 generated, 4 accepted, rejected: none; acceptance 100%" in summary.line()


def test_a_changed_passage_regenerates_only_its_questions(bank_path: Path):
    run([passage(1), passage(2)], FakeFlow(), bank_path)
    before = {i.id: i for i in bank_data.load(bank_path).items}
    changed = passage(2, "Fact number 2 says that the widget 2 is blue and the gadget 2 is now purple.")
    flow = FakeFlow()
    summary = run([passage(1), changed], flow, bank_path)
    assert flow.asked == ["id2"] and summary.skipped == 1
    bank = bank_data.load(bank_path)
    kept = [i for i in bank.items if i.passage_hash == passage(1).passage_hash]
    assert all(i.accepted and before[i.id] == i for i in kept) and len(kept) == 2
    old = [i for i in bank.items if i.passage_hash == passage(2).passage_hash]
    assert len(old) == 2 and not any(i.accepted for i in old)  # retired, not deleted
    assert sum(1 for i in bank.accepted() if i.passage_hash == changed.passage_hash) == 2


def test_unchanged_notes_ask_nothing(bank_path: Path):
    run([passage(1)], FakeFlow(), bank_path)
    flow = FakeFlow()
    summary = run([passage(1)], flow, bank_path)
    assert flow.asked == [] and summary.merge.added == 0 and summary.merge.kept == 2


def test_ctrl_c_keeps_what_finished_and_a_rerun_skips_it(bank_path: Path):
    passages = [passage(1), passage(2), passage(3)]
    summary = run(passages, FakeFlow(stop_after=1), bank_path)
    assert summary.interrupted and summary.passages == 1 and "run again" in summary.line()
    assert len(bank_data.load(bank_path).accepted()) == 2
    flow = FakeFlow()
    run(passages, flow, bank_path)
    assert flow.asked == ["id2", "id3"]
    assert len(bank_data.load(bank_path).accepted()) == 6


def test_a_crash_before_the_merge_is_merged_by_the_next_run(bank_path: Path):
    record = {"passage_hash": passage(1).passage_hash, "generator": generate.GENERATOR, "seconds": 1.0}
    record["candidates"] = FakeFlow()(passage(1).inputs())
    work = generate.work_path(bank_path)
    work.write_text(json.dumps(record) + "\n" + '{"passage_hash": "cut off', encoding="utf-8")
    flow = FakeFlow()
    run([passage(1)], flow, bank_path)
    assert flow.asked == [] and len(bank_data.load(bank_path).accepted()) == 2
    assert all(r["merged"] for r in generate.load_work(work).values())


def test_limit_and_near_duplicates_against_the_bank(bank_path: Path):
    twin = mcq(passage_hash="other", stem="What colour is the widget in Fact number 1?")
    bank_data.save(bank_of(twin), bank_path)
    summary = run([passage(1), passage(2)], FakeFlow(), bank_path, also=("other",), limit=1)
    assert summary.passages == 1 and summary.rejected == {"near_duplicate": 1} and summary.accepted == 1
    work = generate.load_work(generate.work_path(bank_path))
    rejected = [c for c in work[passage(1).passage_hash]["candidates"] if c["rejected"]]
    assert rejected[0]["rejected"] == ["near_duplicate"]


def test_hand_questions_of_a_generated_passage_are_retired(bank_path: Path):
    hand = bank_data.make_item(**{**mcq(passage_hash=passage(1).passage_hash).to_dict(), "origin": "hand"})
    bank_data.save(bank_of(hand), bank_path)
    run([passage(1)], FakeFlow(), bank_path)
    bank = bank_data.load(bank_path)
    assert not bank.by_id()[hand.id].accepted and len(bank.accepted()) == 2


def test_the_flow_writes_a_parseable_candidate(pf_env: dict[str, str]):
    code, result, log = pf_flow_test(pf_env, QUIZ_FLOW, mcq_count="1")
    assert code == 0, log[-2000:]
    found = [c for c in result["candidates"] if c["kind"] in ("mcq", "recall")]
    assert found, result
    assert all(isinstance(c["rejected"], list) for c in found)


def test_an_llm_error_mid_run_merges_what_finished_then_stops(bank_path: Path):
    class Down(FakeFlow):
        def __call__(self, inputs: dict) -> list[dict]:
            if self.asked:
                raise StudyflowError("the local model server is not running; start it with `make model`")
            return super().__call__(inputs)

    with pytest.raises(StudyflowError, match="make model"):
        run([passage(1), passage(2)], Down(), bank_path)
    assert len(bank_data.load(bank_path).accepted()) == 2
    flow = FakeFlow()
    run([passage(1), passage(2)], flow, bank_path)
    assert flow.asked == ["id2"]


def test_a_hand_flash_card_stays_until_a_generated_one_passes(bank_path: Path):
    hand = bank_data.make_item(**{**recall(passage_hash=passage(1).passage_hash).to_dict(), "origin": "hand"})
    bank_data.save(bank_of(hand), bank_path)

    class McqOnly(FakeFlow):
        def __call__(self, inputs: dict) -> list[dict]:
            return [c for c in super().__call__(inputs) if c["kind"] == "mcq"]

    run([passage(1)], McqOnly(), bank_path)
    assert bank_data.load(bank_path).by_id()[hand.id].accepted


def test_a_passage_of_headings_only_is_not_sent_to_the_writing_call():
    headings = "##  Section 6. Deploy and consume models with Azure Machine Learning\n###  Chapter 18. Deploy a model"
    body = (
        "- A managed online endpoint serves a model in real time and Azure manages the compute that it runs on.\n"
        "- A batch endpoint scores large files on a compute cluster some time later."
    )
    code = "```bash\n# to create an endpoint from the command line of the machine\naz ml online-endpoint create\n```"
    chapter = [
        replace(passage(1, headings), passage_id="headings"),
        replace(passage(2, f"{headings}\n{body}"), passage_id="body"),
        replace(passage(3, code), passage_id="code"),
    ]
    chapter = [replace(p, chapter="Chapter 18. Deploy a model", chapter_number=18) for p in chapter]
    chosen = select(chapter)
    assert [p.passage_id for p in chosen] == ["body", "code"]
    # A chapter of two passages (the headings alone do not count) asks 4 a passage, but no more than it has sentences.
    assert {p.passage_id: p.mcq_count for p in chosen} == {"body": 2, "code": 1}


def test_the_preface_of_notes_with_chapters_is_not_sent_but_notes_without_chapters_are():
    about = "Most of these notes are taken from the Microsoft Learn course for the exam, with a few labs."
    preface = replace(passage(1, about), chapter="", chapter_number=-1, passage_id="preface")
    chapters = [preface, replace(passage(2), source=preface.source)]
    assert [p.passage_id for p in select(chapters)] == ["id2"]
    alone = replace(preface, source="notes/no-chapters.md")
    assert [p.passage_id for p in select([alone, chapters[1]])] == ["preface", "id2"]


def test_the_card_check_keeps_a_card_the_passage_answers_and_turns_away_one_it_does_not(llm_server: str):
    from promptflow.connections import OpenAIConnection

    from study.round_trip import card_answer, card_similarity
    from study.source import read_lines
    from study.verify import CARD_DISAGREES, check_card_agrees

    # A card of the blind check (labelled right), and the same card with another line of its passage as the answer.
    text = read_lines("notes/dp100-notes.md", "166-181").text
    right, wrong = (
        {"kind": "recall", "question": "What command is used to install the SDK?", "answer": answer, "rejected": []}
        for answer in ("pip install azure-ai-ml", "ml_client.jobs.create_or_update(job)")
    )
    connection = OpenAIConnection(api_key="sk-no-key-needed", base_url=llm_server)
    found = check_card_agrees(
        [right, wrong],
        lambda card: card_answer(card, text, QUIZ_FLOW / "card_answer.jinja2", connection, "local"),
        card_similarity,
    )
    assert [c["rejected"] for c in found] == [[], [CARD_DISAGREES]], found
