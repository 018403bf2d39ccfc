"""Nothing unchecked is ever sent as a grammar: llama.cpp once failed to parse an enum grammar and its server
process died. The letter grammar (answering.exam_answer) and the quiz reply schema (study.candidates, sent by
flows/quiz/write.py) are built only from fixed parts; anything else is one StudyflowError before any request,
shown here against the fake OpenAI server (loopback, so the grammar would be sent)."""

from __future__ import annotations

import importlib.util

import pytest
from promptflow.connections import OpenAIConnection

from answering.exam_answer import ask_letters, letter_grammar
from answering.exam_question import ExamQuestion, parse
from core.errors import StudyflowError
from core.paths import PROJECT_ROOT
from harness.fake_openai import fake_openai
from study.candidates import MAX_MCQ_COUNT, check_schema, reply_schema, response_format
from study.sentences import MAX_SENTENCES

GRID = parse("Which sampling method needs discrete hyperparameters?\nA. Grid\nB. Random\nC. Bayesian")


def _write_node():
    spec = importlib.util.spec_from_file_location("quiz_write", PROJECT_ROOT / "flows/quiz/write.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.write


@pytest.mark.parametrize(
    ("letters", "picks", "expected"),
    [
        ('A"|[^x]', 1, "must be some of ABCDEFGH"),
        ("abc", 1, "must be some of ABCDEFGH"),
        ("", 1, "must be some of ABCDEFGH"),
        ("ABCDEFGHI", 1, "must be some of ABCDEFGH"),
        ("AAB", 1, "repeat a letter"),
        (["A", "B"], 1, "must be some of ABCDEFGH"),
        ("ABC", -1, "picks must be a whole number of at least 0"),
        ("ABC", True, "picks must be a whole number of at least 0"),
        ("ABC", "1", "picks must be a whole number of at least 0"),
    ],
)
def test_a_letter_grammar_is_built_only_from_the_fixed_alphabet(letters, picks, expected):
    with pytest.raises(StudyflowError, match=expected) as caught:
        letter_grammar(letters, picks)
    assert "\n" not in str(caught.value)


def test_the_letter_grammars_the_exam_answering_builds_still_pass():
    assert letter_grammar("ABCDEFGH", 0).startswith('root ::= "Answer: " ("A"|"B"|"C"|"D"|"E"|"F"|"G"|"H")')
    assert letter_grammar("AB", 1) == 'root ::= "Answer: " ("A"|"B")'


@pytest.mark.parametrize("count", [0, -1, MAX_MCQ_COUNT + 1, True, "2", 2.0, None])
def test_the_reply_schema_asks_for_a_small_whole_number_of_questions(count):
    with pytest.raises(StudyflowError, match="mcq_count must be a whole number from 1 to"):
        response_format("llama_cpp", count, 3)


@pytest.mark.parametrize("count", [0, -1, MAX_SENTENCES + 1, True, "2", 2.0, None])
def test_the_reply_schema_holds_sentence_numbers_to_a_small_range(count):
    with pytest.raises(StudyflowError, match="sentence_count must be a whole number from 1 to"):
        response_format("llama_cpp", 2, count)


def test_a_json_mode_outside_the_three_is_refused():
    with pytest.raises(StudyflowError, match="json_mode 'gbnf' is not one of llama_cpp, openai, none"):
        response_format("gbnf", 2, 3)


def test_a_schema_holding_a_quote_to_the_passages_sentences_is_refused():
    schema = reply_schema(2, 3)
    schema["properties"]["card"]["properties"]["quote"] = {"type": "string", "enum": ["Grid sampling tries every"]}
    with pytest.raises(StudyflowError, match=r"reply\.card\.quote has an enum .* not of option letters or sentence"):
        check_schema(schema)
    far = reply_schema(2, 3)
    far["properties"]["card"]["properties"]["sentence"]["enum"] = [1, MAX_SENTENCES + 1]
    with pytest.raises(StudyflowError, match=r"reply\.card\.sentence has an enum"):
        check_schema(far)
    pattern = reply_schema(1, 1)
    pattern["properties"]["card"]["properties"]["answer"] = {"type": "string", "pattern": "^[a-z]+$"}
    with pytest.raises(StudyflowError, match=r"reply\.card\.answer uses pattern"):
        check_schema(pattern)
    huge = reply_schema(1, 1)
    huge["properties"]["questions"]["maxItems"] = 10_000
    with pytest.raises(StudyflowError, match=r"reply\.questions\.maxItems is 10000"):
        check_schema(huge)
    assert check_schema(reply_schema(MAX_MCQ_COUNT, MAX_SENTENCES))  # what response_format sends passes


def test_a_bad_grammar_input_is_refused_before_any_request():
    with fake_openai("ok") as fake:
        connection = OpenAIConnection(api_key="sk-no-key-needed", base_url=fake.url)
        nine = ExamQuestion("q", "Which one?", "single", {c: f"option {c}" for c in "ABCDEFGHI"}, 1)
        with pytest.raises(StudyflowError, match="an exam question has 1 to 8 options, not 9"):
            ask_letters(connection, "local", nine, [], list(nine.options))
        negative = ExamQuestion("q", "Which one?", "single", dict(GRID.options), -2)
        with pytest.raises(StudyflowError, match="picks must be a whole number of at least 0"):
            ask_letters(connection, "local", negative, [], list(negative.options))
        write = _write_node()
        with pytest.raises(StudyflowError, match="mcq_count must be a whole number from 1 to"):
            write("quiz.jinja2", "Grid sampling tries every combination.", "Chapter 14", 0, connection, "local")
        # A passage with no sentence to ask about (headings, bare terms) is no call at all.
        assert write("quiz.jinja2", "## Models\n- Grid\n- Random", "Chapter 14", 2, connection, "local") == ""
        assert fake.completions == 0
        # The same calls with good parts do reach the server: the refusals above were not a dead connection.
        ask_letters(connection, "local", GRID, [], list(GRID.options))
        write("quiz.jinja2", "Grid sampling tries every combination.", "Chapter 14", 1, connection, "local")
        assert fake.completions == 2
