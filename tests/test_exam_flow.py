"""Practice-exam questions: the letter parser, the vote, the reply (letter first, one line per option), the fused
retrieval, and the Q&A flow on the real model asserting the letter for each question form (dev questions only)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from answering.citations import cited_numbers
from answering.decline import NOT_COVERED
from answering.exam_answer import combine, letter_grammar, orders, parse_letters, ruled_out
from answering.exam_question import parse
from answering.exam_reply import exam_reply, option_support
from answering.exam_verdict import letters, parse_verdict
from answering.retrieval import retrieve
from core.paths import PROJECT_ROOT
from harness.pf import pf_flow_test
from harness.questions import FOLDER, load_questions

FLOW = PROJECT_ROOT / "flows" / "qa"
GRID = "You need to try every combination of discrete hyperparameter values. Which sampling should you use?"
GRID_Q = parse(f"{GRID}\nA. Bayesian sampling\nB. Grid sampling\nC. Random sampling")
PASSAGES = [
    {
        "n": 1,
        "text": "Bayesian sampling picks values based on the previous runs.",
        "chapter": "Chapter 14. X",
        "section": "S",
        "source": "notes/a.md",
        "lines": "1-2",
    },
    {
        "n": 2,
        "text": "Grid sampling tries every combination. It can only be used if all hyperparameters are discrete.",
        "chapter": "Chapter 14. X",
        "section": "S",
        "source": "notes/a.md",
        "lines": "3-4",
    },
]


def _node(name: str):
    spec = importlib.util.spec_from_file_location(name, FLOW / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, name)


@pytest.mark.parametrize(
    ("reply", "picks", "expected"),
    [
        ("Answer: B", 1, ["B"]),
        ("Answer: A, C", 2, ["A", "C"]),
        ("**C.** Random sampling", 1, ["C"]),
        ("The answer is B and D because [2] says so.", 2, ["B", "D"]),
        ("Grid sampling [2] is right, so option B.", 1, ["B"]),
        ("The correct answer is [3].", 1, []),  # a citation is never a letter
        ("Answer: E", 1, []),  # not one of the options shown
        ("Answer: (B)", 1, ["B"]),
        ("The answer is a combination of both.", 1, []),
    ],
)
def test_parse_letters_reads_replies_without_a_grammar(reply, picks, expected):
    assert parse_letters(reply, "ABCD", picks) == expected


def test_letter_grammar_allows_one_letter_or_a_list():
    assert letter_grammar("ABC", 1) == 'root ::= "Answer: " ("A"|"B"|"C")'
    assert letter_grammar("AB", 2).endswith('(", " ("A"|"B"))*')


def test_orders_start_with_the_students_and_a_two_option_question_has_two():
    assert orders(GRID_Q) == [["A", "B", "C"], ["C", "B", "A"], ["B", "C", "A"]]
    assert orders(parse("Does this meet the goal?\nA. Yes\nB. No")) == [["A", "B"], ["B", "A"]]


def test_combine_counts_votes_drops_ruled_out_options_and_breaks_ties_by_the_first_call():
    assert combine(GRID_Q, [["B"], ["A"], ["B"]], ["A"])[0] == ["B"]
    assert combine(GRID_Q, [["A"], ["B"], ["C"]], [])[0] == ["A"]  # a three-way tie: the student's order asked first
    assert combine(GRID_Q, [["C"], ["C"], ["B"]], ["C"], out=["C"])[0] == ["B"]
    multi = parse("Which two are discrete? (Choose two)\nA. choice\nB. uniform\nC. randint\nD. normal")
    assert combine(multi, [["A", "B"], ["A", "C"], ["A", "C"]], ["C", "D"])[0] == ["A", "C"]


def test_ruled_out_skips_negated_stems():
    vocab = frozenset("storage account key vault application insights azure".split())
    stem = "Which resource is created with the workspace?"
    options = "\nA. A storage account\nB. An Azure Cosmos DB account\nC. A key vault"
    assert ruled_out(parse(stem + options), vocab) == ["B"]
    assert ruled_out(parse("Which resource is NOT created with the workspace?" + options), vocab) == []


def test_verdict_letters_follow_the_option_words_not_their_places():
    assert letters(parse("You use grid sampling. Does this meet the goal?\nA. Yes\nB. No")) == ("A", "B")
    assert letters(parse("You use grid sampling. Does this meet the goal?\nA. No\nB. Yes")) == ("B", "A")
    assert letters(parse("True or false: grid sampling needs discrete values.\na. false\nb. true")) == ("B", "A")
    assert letters(parse("Does this meet the goal?")) == ("A", "B")  # no options written: Yes / No assumed
    assert letters(GRID_Q) is None  # lettered options: the votes answer it


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("Yes", True),
        ("No", False),
        ("no.", False),
        ("True, the notes say so", True),
        ("**False**", False),
        ("Maybe", None),
        ("", None),
        ("Nope", None),
    ],
)
def test_parse_verdict_reads_the_first_word_only(reply, expected):
    assert parse_verdict(reply) is expected


def test_reply_starts_with_the_letter_then_the_reason_then_one_line_per_option():
    reply = exam_reply(GRID_Q, ["B"], PASSAGES, ruled_out=[])
    lines = reply.splitlines()
    assert lines[0] == "**B.** Grid sampling"
    assert lines[1].startswith('The notes: "') and lines[1].endswith("[2]")
    option_lines = [ln for ln in lines if re.match(r"- [A-C]\. ", ln)]
    assert [ln[2] for ln in option_lines] == ["A", "B", "C"]
    assert option_lines[0].endswith("[1]") and "(chosen)" in option_lines[1]
    assert option_lines[2].endswith("not in these passages")
    # Citation markers are numbers of passages shown; letters only ever appear as "B." or "- B.".
    assert set(cited_numbers(reply)) <= {1, 2}
    assert not re.search(r"\[[A-Za-z]\]", reply)


def test_support_needs_the_options_own_words():
    assert option_support(GRID_Q, PASSAGES) == {"A": 1, "B": 2, "C": None}


def test_a_goal_check_is_judged_on_the_best_ranked_passage_only(monkeypatch):
    from answering import exam_answer, exam_verdict

    seen = []

    def ask_verdict(connection, model, question, passages):
        seen.append([p["n"] for p in passages])
        return False, 10

    monkeypatch.setattr(exam_verdict, "ask_verdict", ask_verdict)
    monkeypatch.setattr(exam_answer, "check_local_endpoint", lambda endpoint: None)
    question = parse("You use grid sampling for continuous values. Does this meet the goal?\nA. Yes\nB. No")
    passages = [{"n": n, "chapter": "Chapter 14", "text": f"passage {n}"} for n in (1, 2, 3)]
    chosen = exam_answer.choose(question, passages, connection=None, model="fake")
    assert chosen.choice == ["B"] and seen == [[1]]


def test_all_that_apply_judges_each_option_on_its_own_and_falls_back_to_the_votes(monkeypatch):
    from answering import exam_answer, exam_verdict

    options_asked, says_yes = [], {"Grid sampling", "Bayesian sampling"}

    def ask_verdict(connection, model, question, passages, no_bias, asked):
        assert asked.goal == "Which sampling methods can a sweep job use?", asked  # how to pick is not asked
        options_asked.append(asked.answer)
        return asked.answer in says_yes, 7

    monkeypatch.setattr(exam_verdict, "ask_verdict", ask_verdict)
    monkeypatch.setattr(exam_answer, "check_local_endpoint", lambda endpoint: None)
    monkeypatch.setattr(exam_answer, "ask_letters", lambda *args: (["C"], 5))
    question = parse(
        "Which sampling methods can a sweep job use? Select all that apply.\n"
        "A. Bayesian sampling\nB. Grid sampling\nC. Amazon SageMaker tuning"
    )
    chosen = exam_answer.choose(question, PASSAGES, connection=None, model="fake", vocab=None)
    assert chosen.choice == ["A", "B"] and chosen.calls == 3 and chosen.prompt_tokens == 21
    assert options_asked == ["Bayesian sampling", "Grid sampling", "Amazon SageMaker tuning"]
    says_yes.clear()  # no option judged right: the letter votes answer
    assert exam_answer.choose(question, PASSAGES, connection=None, model="fake").choice == ["C"]


def test_yes_no_reply_has_no_option_lines():
    question = parse("You use grid sampling for discrete hyperparameters. Does this meet the goal?\nA. Yes\nB. No")
    reply = exam_reply(question, ["A"], PASSAGES)
    assert reply.splitlines()[0] == "**A.** Yes" and "[2]" in reply
    assert not any(ln.startswith("- ") for ln in reply.splitlines())


def test_compose_answer_puts_the_letter_first_and_choice_joins_letters():
    compose, choice, route = _node("compose_answer"), _node("choice"), _node("route")
    retrieval = {"covered": True, "passages": PASSAGES, "question": GRID_Q.text}
    composed = compose(retrieval, None, {"choice": ["B"], "ruled_out": []})
    assert composed["answer"].startswith("**B.** Grid sampling")
    assert [c["n"] for c in composed["citations"]] == [2, 1]
    assert choice({"choice": ["A", "C"]}) == "A, C" and choice(None) == ""
    assert route(retrieval) == "exam"
    assert route({**retrieval, "question": GRID}) == "prose"
    assert route({**retrieval, "covered": False}) == "declined"
    assert compose({**retrieval, "covered": False}, None, None) == {"answer": NOT_COVERED, "citations": []}


def test_exam_retrieval_fuses_option_searches_and_gates_the_stem(notes_index: Path):
    question = f"{GRID}\nA. Amazon SageMaker tuning\nB. Grid sampling\nC. Google Vertex AI Vizier"
    result = retrieve(question, k=3, root=notes_index)
    assert result.covered, result.reason  # the distractors' unknown names do not decline the stem
    assert len(result.hits) == 4
    assert any(h.chapter.startswith("Chapter 14.") for h in result.hits)
    uncovered = "Which AWS service hosts notebooks in Amazon SageMaker?\nA. SageMaker Studio\nB. Grid sampling"
    assert not retrieve(uncovered, root=notes_index).covered


# One dev question per form (never held-out ones), each answered right by the method on the dev run; a goal check
# and a true/false whose key is No / False too, which the letter votes answered Yes / True.
FORM_IDS = {
    "single": "exam-001",
    "multi": "exam-003",
    "multi-all-that-apply": "exam-047",  # three keys: the letter votes named two, each option judged on its own all
    "yesno": "exam-014",
    "truefalse": "exam-097",
    "yesno-no": "exam-037",
    "truefalse-false": "exam-050",
}


def _dev_question(qid: str) -> dict:
    row = next(r for r in load_questions(FOLDER / "exam_questions.jsonl") if r["id"] == qid)
    assert row["split"] == "dev"
    return row


@pytest.mark.llm
@pytest.mark.parametrize("form", list(FORM_IDS))
def test_flow_answers_each_form_with_the_letter_first(pf_env, form):
    row = _dev_question(FORM_IDS[form])
    code, result, log = pf_flow_test(pf_env, FLOW, question=row["question"])
    assert code == 0, log[-3000:]
    assert result["choice"] == ", ".join(sorted(row["answer"])), result
    assert result["answer"].startswith(f"**{result['choice']}.**"), result["answer"]
    assert result["citations"], result
