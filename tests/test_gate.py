"""The relevance gate on pasted practice-exam questions (issue 11, part 2), on the real notes index: it judges the
stem, never the options; plurals, hyphens, line starts, spelled-out acronyms and code are not unknown names; what
the notes do not cover is still declined. No LLM."""

from __future__ import annotations

from pathlib import Path

import pytest

from answering import gate
from answering.exam_question import parse
from harness.questions import FOLDER, load_questions
from ingest.search import search, vocabulary

STEM = "You need to try every combination of discrete hyperparameter values. Which sampling method should you use?"
DISTRACTORS = "A. Amazon SageMaker automatic model tuning\nB. Google BigQuery ML\nC. Grid sampling\nD. Random sampling"


@pytest.fixture(scope="module")
def vocab(notes_index: Path) -> frozenset[str]:
    return vocabulary(notes_index)


@pytest.fixture(scope="module")
def verdict(notes_index: Path, vocab: frozenset[str]):
    """judge_question as the retrieve path calls it: the best cosine of a search with the stem."""

    def judge(question: str) -> gate.Verdict:
        best = max((h.score for h in search(parse(question).stem, k=5, root=notes_index)), default=0.0)
        return gate.judge_question(question, best, vocab, gate.DEFAULT_MIN_RELEVANCE)

    return judge


@pytest.mark.parametrize("layout", ["lines", "inline", "header"])
def test_a_covered_stem_is_covered_whatever_its_options_name(verdict, vocab, layout: str) -> None:
    options = {
        "lines": f"\n{DISTRACTORS}",
        "inline": " " + DISTRACTORS.replace("\n", " "),
        "header": f"\nOptions:\n{DISTRACTORS.replace('. ', ') ')}",
    }[layout]
    pasted = STEM + options
    assert verdict(pasted).covered, verdict(pasted).reason
    # Judged as a whole, the same text is declined for its distractors: the stem alone is what makes it covered.
    assert not gate.judge(pasted, 0.5, vocab, gate.DEFAULT_MIN_RELEVANCE).covered


def test_the_options_alone_as_a_question_are_declined(verdict) -> None:
    result = verdict(DISTRACTORS)
    assert not result.covered and "SageMaker" in result.reason and "BigQuery" in result.reason


def test_a_goal_check_is_judged_by_its_scenario_not_its_proposed_solution(verdict) -> None:
    question = (
        "You must try every combination of discrete hyperparameter values in a sweep job.\n"
        "Solution: You use Amazon SageMaker automatic model tuning.\nDoes this meet the goal?"
    )
    assert verdict(question).covered, verdict(question).reason


@pytest.mark.parametrize(
    "question",
    [
        "Should the training job run on CPUs or GPUs?",  # plurals of acronyms
        "How much memory does the GPU's driver need on the cluster's VMs?",  # possessive, plural
        "Which Spark-based compute or MLflow-tracked job fits?",  # hyphenated: each part is known
        "Answer: the compute cluster\nOptions: several nodes",  # line starts, after a colon
        "The cluster scales. Several nodes start. Apart from that, what happens?",  # sentence starts
        "- Several nodes start\n* Apart from the cluster\n1. Afterwards the job runs",  # bullets
        "Which TWO compute targets are NOT billed, and WHY?",  # shouted filler words
        "NOTE: Each correct selection is worth one point.\nWhich compute should you use?",  # exam boilerplate
        "You store the keys in a Key Vault (KV). Which compute should use the KV?",  # spelled out by the question
        "Your AKS cluster serves a Kubernetes online endpoint.",  # an acronym the notes use
        "You are a data scientist at Contoso, Ltd. The job runs every Monday.",  # no subject of their own
        "my_data = Data(path=my_path, type=___)\nml_client.data.create_or_update(my_data)",  # code identifiers
        'job = command(code="./src", display_name="Nightly Fraud Detector")',  # a string in code is a value
        "Call `ml_client.jobs.create_or_update(myTrainingJob)` and then mlflow.log_metric()?",  # inline code
    ],
)
def test_words_that_are_not_unknown_names(vocab, question: str) -> None:
    assert gate.unknown_names(gate.without_boilerplate(question), vocab) == []


@pytest.mark.parametrize(
    "question, names",
    [
        ("Should I use SageMaker-hosted notebooks?", ["SageMaker"]),  # the unknown part of a compound
        ("Which compute should use the KV?", ["KV"]),  # not spelled out anywhere
        ("Deploy to Amazon SageMaker or Google BigQuery?", ["Amazon", "SageMaker", "Google", "BigQuery"]),
        ("estimator = SageMakerEstimator(role=my_role)", ["SageMakerEstimator"]),  # a class the notes never use
        ("You run the job. SmartNoise then adds noise.", ["SmartNoise"]),  # camel case at a sentence start
    ],
)
def test_names_the_notes_never_use_are_still_unknown(vocab, question: str, names: list[str]) -> None:
    assert gate.unknown_names(question, vocab) == names


def test_an_uncovered_exam_question_is_declined(verdict) -> None:
    question = (
        "Your company runs its ML workloads on AWS. Which fully managed AWS service builds, trains and deploys "
        "models from managed notebooks?\nA. Amazon SageMaker\nB. Azure Machine Learning\nC. AWS Glue"
    )
    result = verdict(question)
    assert not result.covered and "AWS" in result.reason


def test_the_uncovered_exam_set_is_declined_and_the_covered_stems_are_not(verdict) -> None:
    uncovered = load_questions(FOLDER / "exam_uncovered.jsonl")
    passed = [q["id"] for q in uncovered if verdict(q["question"]).covered]
    assert len(passed) <= 2, passed  # issue 11 target: >= 8/10 declined (bench.gate_calibration has the reasons)
    covered = load_questions(FOLDER / "exam_questions.jsonl")
    verdicts = [(q["id"], verdict(q["question"])) for q in covered]
    declined = [(qid, v.reason) for qid, v in verdicts if not v.covered]
    assert len(declined) <= 0.02 * len(covered), declined  # target: false declines <= 2%
