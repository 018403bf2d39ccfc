"""Chat follow-ups keep their subject without a model call, a standalone second turn keeps its own; passages cut
to what bears on the question never cut a code block."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from answering.focus import focused, units
from answering.followup import (
    CONTINUES_GAIN,
    follows,
    fuse,
    kept_searches,
    refers_back,
    search_queries,
    search_question,
)
from answering.passages import followup_passages_for
from core.paths import PROJECT_ROOT
from harness.pf import pf_flow_test
from harness.questions import FOLDER, load_questions

FLOW = PROJECT_ROOT / "flows" / "chat"
CONVERSATIONS = {c["id"]: c for c in load_questions(FOLDER / "followup_conversations.jsonl")}


def _pairs(*questions: str) -> list[dict]:
    return [{"question": q, "answer": "-"} for q in questions]


def test_refers_back_on_pointing_words_and_openings_only():
    for question in ("Which one should I use?", "and for batch?", "show me the code for it", "what about the CLI?",
                     "no, I meant for batch predictions", "Which of those has a hierarchical namespace?"):  # fmt: skip
        assert refers_back(question), question
    assert not refers_back("What columns does a question answering dataset need for fine-tuning a foundation model?")
    assert not refers_back("How do I pass arguments to a training script in a command job?")


def test_a_follow_up_is_led_by_the_question_it_continues_and_a_new_topic_by_itself():
    history = _pairs("What is a compute cluster?")
    assert search_question("Which one is cheaper?", history) == "What is a compute cluster? Which one is cheaper?"
    assert search_question("Which one is cheaper?", []) == "Which one is cheaper?"
    new_topic = "How do I register a model?"
    assert search_question(new_topic, history) == new_topic
    # A new topic is searched on its own first (its gate verdict counts), the conversation's subject second.
    assert search_queries(new_topic, new_topic, history) == [new_topic, f"What is a compute cluster? {new_topic}"]
    assert search_queries("Which one?", "rewritten by a model", history) == ["rewritten by a model"]


def test_a_follow_up_of_a_follow_up_reaches_back_to_the_question_that_stood_alone():
    history = _pairs("What is blue/green deployment?", "How do I send all the traffic to the blue one?")
    assert search_question("and how do I delete it?", history).startswith("What is blue/green deployment? How do I")


def test_fusion_ranks_a_hit_both_searches_found_first():
    class Hit:
        def __init__(self, id: str) -> None:
            self.id = id

    a, b, c = Hit("a"), Hit("b"), Hit("c")
    assert [h.id for h in fuse([[a, b], [c, b]], 2)] == ["b", "a"]


def _search(question: str, best: float) -> SimpleNamespace:
    return SimpleNamespace(question=question, hits=[SimpleNamespace(score=best - 0.2), SimpleNamespace(score=best)])


def test_a_turn_without_pointing_words_continues_only_when_the_subject_clearly_raises_its_best_match():
    alone, joined = _search("What type should the input be?", 0.24), _search("batch endpoint ... input?", 0.40)
    assert kept_searches([alone, joined]) == [joined]  # vague alone: the conversation's subject decides
    near = _search("joined", 0.24 + CONTINUES_GAIN - 0.01)
    assert kept_searches([alone, near]) == [alone, near]  # a new topic keeps its own search first, fused
    assert kept_searches([joined]) == [joined]  # a follow-up that refers back was searched joined only


def test_follows_names_the_question_a_turn_follows_up_on_and_nothing_for_a_new_topic():
    history = _pairs("What is blue/green deployment?", "How do I send all the traffic to the blue one?")
    question = "and how do I delete the endpoint afterwards?"
    assert follows(question, history, search_question(question, history)) == (
        "What is blue/green deployment? How do I send all the traffic to the blue one?"
    )
    assert follows("How do I register a model?", history, "How do I register a model?") == ""
    assert follows("Which one?", [], "Which one?") == ""


def test_focus_keeps_the_sentences_that_bear_on_the_question_and_whole_code_blocks():
    code = "```python\nsweep_job = job.sweep(sampling_algorithm='grid')\n\nprint(sweep_job)\n```"
    text = f"Grid sampling tries every combination. The weather was fine. {'Filler words here. ' * 10}\n{code}"
    kept = focused(text, "How does grid sampling work in a sweep job?", 150)
    assert "Grid sampling tries every combination." in kept and "weather" not in kept
    assert code in kept  # the block is one unit: whole or not at all
    assert units(code) == [code]
    assert focused(text, "anything", 0) == text and focused("short", "anything", 100) == "short"


@pytest.fixture
def notes(monkeypatch: pytest.MonkeyPatch, notes_index: Path) -> Path:
    monkeypatch.setenv("STUDYFLOW_CHROMA_DIR", str(notes_index))
    return notes_index


def _chapters(found: dict) -> list[int]:
    return [int(p["chapter"].split(".")[0].removeprefix("Chapter ")) for p in found["passages"]]


def test_a_follow_up_that_needs_the_history_finds_its_chapter(notes: Path):
    conv = CONVERSATIONS["conv-01"]  # dev: compute instance vs cluster, then "Which one should I use ... nightly?"
    first, second = conv["turns"]
    history = _pairs(first["question"])
    found = followup_passages_for(second["question"], search_question(second["question"], history), history)
    assert found["covered"] and second["chapter"] in _chapters(found), found["passages"]
    assert found["question"] == second["question"]  # the prompt keeps what the student asked
    assert found["follows"] == first["question"]


def test_a_standalone_second_turn_is_not_dragged_back(notes: Path):
    conv = CONVERSATIONS["conv-07"]  # dev: the MLmodel file, then fine-tuning data columns (standalone)
    first, second = conv["turns"]
    assert second["standalone"]
    history = _pairs(first["question"])
    found = followup_passages_for(second["question"], search_question(second["question"], history), history)
    chapters = _chapters(found)
    assert second["chapter"] in chapters and first["chapter"] not in chapters, chapters
    assert found["follows"] == ""  # nor is the answer prompt told it follows up on the MLmodel question


def test_a_vague_turn_with_no_pointing_word_is_searched_with_the_subject(notes: Path):
    conv = CONVERSATIONS["conv-21"]  # dev: start a batch scoring job, then "What type should the input be?"
    first, second = conv["turns"]
    assert not refers_back(second["question"])
    history = _pairs(first["question"])
    found = followup_passages_for(second["question"], search_question(second["question"], history), history)
    # Searched alone it found prompt flow and AutoML passages first; the key term was in none of the three.
    assert _chapters(found) == [second["chapter"]] * 3, found["passages"]
    assert any("URI_FOLDER" in p["text"] for p in found["passages"]), found["passages"]
    assert found["follows"] == first["question"]


@pytest.mark.llm
def test_chat_flow_answers_a_follow_up_from_the_right_chapter(pf_env):
    conv = CONVERSATIONS["conv-01"]
    first, second = conv["turns"]
    answer = (
        "A compute instance is a single managed machine for development work, while a compute cluster is a group "
        "of nodes that scales up for training jobs and down to zero when idle [1]."
    )
    history = [{"inputs": {"question": first["question"]}, "outputs": {"answer": answer}}]
    code, result, log = pf_flow_test(pf_env, FLOW, question=second["question"], chat_history=json.dumps(history))
    assert code == 0, log[-3000:]
    assert any(p["chapter"].startswith(f"Chapter {second['chapter']}.") for p in result["passages"]), result["passages"]
    assert "cluster" in result["answer"].lower(), result["answer"]
