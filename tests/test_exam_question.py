"""Pasted practice-exam questions are recognised by form, with the stem apart from the options."""

import pytest

from answering.exam_question import MULTI, PLAIN, SINGLE, TRUE_FALSE, YES_NO, option_lines, parse
from answering.exam_verdict import Claim, claim

INLINE = (
    "You need to try every combination of discrete hyperparameter values. Which sampling should you use? "
    "A. Bayesian B. Grid C. Random"
)
LINES = """A team trains on data in a datastore. Which two compute targets can run a sweep job?
Each correct answer presents a complete solution.

Answer choices:
A) Compute cluster
B) Amazon SageMaker
C) Serverless compute
D) Power BI Premium"""
GOAL = """You must deploy a model for real-time scoring.
Solution: you deploy it to a batch endpoint.
Does this meet the goal?
(A) Yes
(B) No"""
CODE = """Complete the code to submit a training script:
```python
job = command(
    code="./src",
    ___="python train.py",
    a) not an option, inside the code
)
```
a. command
b. script
c. entry"""


@pytest.mark.parametrize(
    ("text", "form", "picks", "letters", "stem_end"),
    [
        (INLINE, SINGLE, 1, "ABC", "Which sampling should you use?"),
        (LINES, MULTI, 2, "ABCD", "Each correct answer presents a complete solution."),
        (GOAL, YES_NO, 1, "AB", "Does this meet the goal?"),
        ("True or false: a compute instance can be shared by several users.", TRUE_FALSE, 1, "AB", "users"),
        (CODE, SINGLE, 1, "ABC", "```"),
        ("Which apply? Select all that apply. A. MLflow B. Kubeflow C. autolog", MULTI, 0, "ABC", "apply."),
        ("Which services? (Choose three) A) a B) b C) c D) d", MULTI, 3, "ABCD", "(Choose three)"),
    ],
)
def test_forms_and_layouts(text, form, picks, letters, stem_end):
    question = parse(text)
    assert (question.form, question.picks, "".join(question.options)) == (form, picks, letters)
    assert question.stem.endswith(stem_end)
    assert not any(option in question.stem for option in question.options.values() if len(option) > 8)


def test_the_stem_never_holds_the_options_or_their_header():
    question = parse(LINES)
    assert "SageMaker" not in question.stem and "Answer choices" not in question.stem
    assert question.options["B"] == "Amazon SageMaker"


def test_code_in_the_stem_keeps_its_lines_and_its_own_letters():
    question = parse(CODE)
    assert "a) not an option, inside the code" in question.stem
    assert question.options == {"A": "command", "B": "script", "C": "entry"}


@pytest.mark.parametrize(
    "text",
    [
        "What is the difference between a compute instance and a compute cluster?",
        "How do I log a metric with MLflow? I tried mlflow.log_metric(a, b).",
        "Is plan A. better than plan B?",
    ],
)
def test_plain_questions_stay_plain(text):
    question = parse(text)
    assert question.form == PLAIN and question.options == {} and question.stem == text


def test_option_lines_use_letters_never_brackets():
    assert option_lines(parse(INLINE)) == "A. Bayesian\nB. Grid\nC. Random"


SERIES = """Note: This question is part of a series of questions that present the same scenario. Each question in the \
series contains a unique solution that might meet the stated goals. Some question sets might have more than one \
correct solution, while others might not have a correct solution.

Two data scientists need to run notebooks at the same time.
Solution: You create a single compute instance and ask both of them to use it.
Does this meet the goal?
a. Yes
b. No"""


def test_a_goal_check_claim_is_the_goal_and_the_solution_without_the_series_note():
    asked = claim(parse(SERIES))
    assert asked.goal == "Two data scientists need to run notebooks at the same time."
    assert asked.solution == "You create a single compute instance and ask both of them to use it."
    assert asked.statement == ""
    inline = claim(parse("You need real-time scoring. Solution: you use a batch endpoint. Does this meet the goal?"))
    assert (inline.goal, inline.solution) == ("You need real-time scoring.", "you use a batch endpoint.")


def test_a_true_false_claim_is_the_statement_and_a_yes_no_question_without_a_solution_is_the_question():
    assert claim(parse("True or false: a compute instance can be shared.\nA. True\nB. False")) == Claim(
        statement="a compute instance can be shared"  # parse drops the stem's end punctuation
    )
    assert claim(parse("Can one endpoint have several deployments?\nA. Yes\nB. No")) == Claim(
        goal="Can one endpoint have several deployments?"
    )
