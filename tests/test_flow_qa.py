"""The Q&A flow through `pf flow test`, on the real index and the real local model."""

from __future__ import annotations

import json

import pytest

from answering.citations import citations, cited_numbers
from answering.decline import NOT_COVERED
from answering.grounding import is_grounded, unsupported_names
from core.paths import PROJECT_ROOT
from harness.pf import pf_flow_test

FLOW = str(PROJECT_ROOT / "flows" / "qa")


def flow_test(env: dict[str, str], question: str) -> tuple[int, dict | None, str]:
    return pf_flow_test(env, FLOW, question=question)


def test_cited_numbers_reads_single_and_grouped_markers():
    assert cited_numbers("Grid [2]. Random [1, 3] and again [2].") == [2, 1, 3]
    assert cited_numbers("no markers here") == []


def test_citations_ignore_numbers_without_a_passage():
    numbered = [{"n": 1, "chapter": "Chapter 14. X", "section": "S", "source": "notes/a.md", "lines": "1-9"}]
    assert citations("see [1] and [7]", numbered) == [
        {"n": 1, "chapter": "Chapter 14. X", "section": "S", "source": "notes/a.md", "lines": "1-9"}
    ]


PASSAGES = ["Enable autologging using `mlflow.autolog`.", "Deploy with `ManagedOnlineDeployment` to an endpoint."]


def test_an_answer_inventing_code_names_is_not_grounded():
    invented = "Use the `DataDriftMonitor` class from the `azure.ai.ml.monitoring` module [1]."
    assert unsupported_names(invented, PASSAGES) == ["DataDriftMonitor", "azure.ai.ml.monitoring"]
    assert not is_grounded(invented, PASSAGES)


def test_an_answer_using_the_passages_names_is_grounded():
    assert is_grounded("Call `mlflow.autolog()` [1], then deploy a ManagedOnlineDeployment [2].", PASSAGES)
    # Code inside a fenced block is the model quoting or sketching, not naming facts: it is not judged.
    assert is_grounded("Like this:\n```python\nclient = SomeNewClient()\nx.y.z()\n```", PASSAGES)
    # One odd name is tolerated (a paraphrase); two are not.
    assert is_grounded("Use `mlflow.start_run` and `mlflow.autolog` [1].", PASSAGES)


def _compose(llm_answer: str | None, covered: bool = True) -> dict:
    import importlib.util

    spec = importlib.util.spec_from_file_location("compose_answer", PROJECT_ROOT / "flows/qa/compose_answer.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    numbered = [
        {"n": i, "text": t, "chapter": f"Chapter {i}. X", "section": "S", "source": "notes/a.md", "lines": "1-2"}
        for i, t in enumerate(PASSAGES, 1)
    ]
    return module.compose_answer({"covered": covered, "passages": numbered}, llm_answer)


def test_compose_answer_declines_ungrounded_and_skipped_answers_and_cites_grounded_ones():
    assert _compose("Use `DataDriftMonitor` from `azure.ai.ml.monitoring` [2].")["answer"] == NOT_COVERED
    assert _compose(None, covered=False) == {"answer": NOT_COVERED, "citations": []}
    grounded = _compose("Enable it with `mlflow.autolog` [1].")
    assert grounded["answer"].startswith("Enable it") and [c["n"] for c in grounded["citations"]] == [1]


def test_uncovered_question_is_declined_without_calling_the_model(pf_env_dead_model):
    # The connection points at a port nobody listens on: any LLM call would fail the run.
    code, result, log = flow_test(pf_env_dead_model, "Who won the 2018 FIFA World Cup?")
    assert code == 0, log[-2000:]
    assert result["answer"] == NOT_COVERED
    assert result["citations"] == []


def test_model_server_down_names_the_url_and_make_model(pf_env_dead_model):
    code, result, log = flow_test(pf_env_dead_model, "How do I enable MLflow autologging?")
    assert code != 0 and result is None
    failure = [line for line in log.splitlines() if "failed with" in line][-1]
    assert "is not running; start it with `make model`" in failure
    assert "http://127.0.0.1:" in failure


@pytest.mark.parametrize(
    ("question", "expected"),
    [("   ", "the question is empty"), ("x" * 2001, "keep it under 2000")],
)
def test_bad_questions_fail_with_one_line(pf_env_dead_model, question, expected):
    code, result, log = flow_test(pf_env_dead_model, question)
    assert code != 0 and result is None
    assert expected in [line for line in log.splitlines() if "failed with" in line][-1]


def test_missing_index_says_run_make_ingest(pf_env_dead_model, tmp_path):
    env = dict(pf_env_dead_model, STUDYFLOW_CHROMA_DIR=str(tmp_path / "nothing-here"))
    code, result, log = flow_test(env, "How do I enable MLflow autologging?")
    assert code != 0 and result is None
    assert "run `make ingest`" in [line for line in log.splitlines() if "failed with" in line][-1]


@pytest.mark.llm
def test_known_question_is_answered_and_cited(pf_env):
    code, result, log = flow_test(pf_env, "Which sampling method needs all hyperparameters to be discrete?")
    assert code == 0, log[-3000:]
    assert "grid" in result["answer"].lower(), result["answer"]
    assert result["citations"], result
    assert any(c["chapter"].startswith("Chapter 14.") for c in result["citations"]), result["citations"]
    assert "Chapter 14." in result["context"]
    json.dumps(result)  # the outputs a batch run stores must be plain JSON


@pytest.mark.llm
def test_near_miss_question_past_the_gate_is_declined_not_invented(pf_env):
    # Every word of this question occurs in the notes, so the gate lets it through; the model then invents an
    # API for it, and the grounding check must turn that into the fixed reply.
    code, result, log = flow_test(pf_env, "How do I set up data drift monitoring for a model deployed in Azure ML?")
    assert code == 0, log[-3000:]
    assert "Executing node answer_llm" in log, "the gate declined it: this test is about the check after the LLM"
    assert result["answer"] == NOT_COVERED, result["answer"]
    assert result["citations"] == []
