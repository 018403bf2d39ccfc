"""The evaluation flow: aggregation and report units, and one end-to-end QA batch + eval run through the pf CLI."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import uuid

import pytest
from promptflow.connections import OpenAIConnection

from answering.decline import NOT_COVERED
from core.paths import PROJECT_ROOT
from eval.aggregate import aggregate
from eval.metrics import METRICS, score
from eval.report import render
from harness.pf import PF, pf_home
from harness.ports import free_port

SMOKE = PROJECT_ROOT / "eval" / "data" / "smoke.jsonl"
RUNS = PROJECT_ROOT / "eval" / "runs"
AGGREGATES = [*METRICS, *(f"{m}_pass_rate" for m in METRICS), "unscored", "f1_score", "embedding_similarity"]


def s(value: int | None) -> dict:
    return {"score": value, "reason": "r"}


def test_aggregate_means_pass_rates_and_unscored_lines():
    scores = {
        "groundedness": [s(5), s(2), s(None), s(3)],
        "fluency": [s(4), s(4), s(4), None],  # None: the node itself failed on that line
    }
    metrics = aggregate(scores, {"f1_score": [0.5, None, 1.0, 0.0]}, threshold=3)
    assert metrics["groundedness"] == pytest.approx(10 / 3, abs=1e-3)  # mean over the 3 scored lines
    assert metrics["groundedness_pass_rate"] == pytest.approx(2 / 3, abs=1e-3)  # 5 and 3 pass, 2 fails
    assert metrics["fluency"] == 4 and metrics["fluency_pass_rate"] == 1
    assert metrics["unscored"] == 2  # lines 2 and 3, each missing one metric
    assert metrics["f1_score"] == pytest.approx(0.5)


def test_aggregate_leaves_out_the_mean_of_a_metric_nobody_scored():
    metrics = aggregate({"coherence": [s(None), s(None)]}, threshold=3)
    assert "coherence" not in metrics and metrics["unscored"] == 2


def test_both_judges_score_a_correct_decline_5_without_a_model():
    dead = OpenAIConnection(api_key="x", base_url=f"http://127.0.0.1:{free_port()}/v1")
    for judge in ("local", "llm"):
        for metric in ("groundedness", "relevance"):
            result = score(
                metric, judge, dead, answer=NOT_COVERED, context="ctx", question="q", ground_truth=NOT_COVERED
            )
            assert result["score"] == 5, (judge, metric, result)


GRID_CONTEXT = (
    "[1] Chapter 14. Perform hyperparameter tuning with Azure Machine Learning\n"
    "Grid Sampling tries every possible combination of the values. It can only be used if all the hyperparameters "
    "are discrete. Random Sampling picks values at random and can mix discrete and continuous hyperparameters."
)
GRID_QUESTION = "Which sampling method needs all hyperparameters to be discrete?"


def test_a_real_answer_is_scored_on_its_content_not_by_the_decline_shortcut():
    # The 5 above comes from the decline shortcut alone; an answer is scored by the judge on what it says.
    dead = OpenAIConnection(api_key="x", base_url=f"http://127.0.0.1:{free_port()}/v1")
    line = {"context": GRID_CONTEXT, "question": GRID_QUESTION, "ground_truth": "Grid sampling."}
    right = "Grid sampling needs all the hyperparameters to be discrete: it tries every combination of the values. [1]"
    wrong = "You must first buy a GPU cluster and sign a three-year support contract with Microsoft. [1]"
    for metric in ("groundedness", "relevance"):
        good, bad = (score(metric, "local", dead, answer=a, **line) for a in (right, wrong))
        assert good["score"] in (1, 2, 3, 4, 5) and good["score"] > bad["score"], (metric, good, bad)
        assert "don't cover" not in good["reason"] and "cosine" in good["reason"], (metric, good)


def test_an_llm_error_gives_no_score_and_the_error_as_reason():
    dead = OpenAIConnection(api_key="x", base_url=f"http://127.0.0.1:{free_port()}/v1")
    result = score("fluency", "llm", dead, answer="Grid sampling needs discrete values.")
    assert result["score"] is None and "not running" in result["reason"]


def test_report_escapes_everything_and_has_one_section_per_metric():
    row = {
        "question": "<script>alert(1)</script>?",
        "answer": "Use <b>grid</b> & co",
        "context": "</pre><img src=x>",
        "ground_truth": "gt",
        "scores": {m: s(2) for m in METRICS} | {"fluency": s(None)},
    }
    html = render("run<1>", {"groundedness": 2.0, "unscored": 1}, [row])
    assert "<script>" not in html and "<img" not in html and "<b>grid" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "Use &lt;b&gt;grid&lt;/b&gt; &amp; co" in html
    assert "run&lt;1&gt;" in html
    assert [m for m in METRICS if html.count(f"id='metric-{m}'") == 1] == list(METRICS)
    # Self-contained: nothing fetched from anywhere.
    assert not re.search(r"<script|<link|<[^>]*\bsrc=|@import|url\(", html)


def _pf(env: dict[str, str], *args: str) -> str:
    proc = subprocess.run([PF, *args], env=env, capture_output=True, text=True, timeout=1200, cwd=PROJECT_ROOT)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    return proc.stdout


@pytest.fixture(scope="module")
def smoke_eval(tmp_path_factory, notes_index, llm_server) -> tuple[dict, dict]:
    """A QA batch and an eval run (judge local) on the 3 smoke questions: the eval run's metrics and details."""
    env = pf_home(tmp_path_factory.mktemp("pf-eval"), llm_server)
    env["STUDYFLOW_CHROMA_DIR"] = str(notes_index)
    qa, ev = f"qa_smoke_{uuid.uuid4().hex[:8]}", f"eval_smoke_{uuid.uuid4().hex[:8]}"
    _pf(env, "run", "create", "--file", str(RUNS / "qa.yaml"), "--data", str(SMOKE), "--name", qa)
    _pf(env, "run", "create", "--file", str(RUNS / "eval.yaml"), "--run", qa, "--data", str(SMOKE), "--name", ev)
    metrics = json.loads(_pf(env, "run", "show-metrics", "--name", ev))
    # `pf run show-details` prints these rows as a table; the same rows as JSON through pf's client:
    dump = "from promptflow.client import PFClient; import sys; print(PFClient().get_details(sys.argv[1]).to_json())"
    proc = subprocess.run([sys.executable, "-c", dump, ev], env=env, capture_output=True, text=True, check=True)
    return metrics, json.loads(proc.stdout)


@pytest.mark.llm
def test_qa_batch_then_eval_run_give_every_metric(smoke_eval):
    metrics, details = smoke_eval
    assert [k for k in AGGREGATES if k not in metrics] == [], metrics
    assert metrics["unscored"] == 0, metrics
    for m in METRICS:
        assert f"outputs.{m}" in details and f"outputs.{m}_reason" in details, m
    for m in ("f1_score", "embedding_similarity"):
        assert f"outputs.{m}" in details, m
    rows = [str(i) for i in range(len(details["inputs.question"]))]
    assert len(rows) == 3
    for m in METRICS:
        assert all(details[f"outputs.{m}"][i] in (1, 2, 3, 4, 5) for i in rows), details[f"outputs.{m}"]
        assert all(details[f"outputs.{m}_reason"][i] for i in rows), details[f"outputs.{m}_reason"]


@pytest.mark.llm
def test_not_covered_question_is_declined_and_scored_grounded(smoke_eval):
    _, details = smoke_eval
    rows = [
        str(i) for i in range(len(details["inputs.question"])) if details["inputs.ground_truth"][str(i)] == NOT_COVERED
    ]
    assert len(rows) == 1
    line = rows[0]
    # The QA flow must decline this one (the notes don't cover the designer), and the eval flow must count the
    # decline as grounded and relevant.
    assert details["inputs.answer"][line] == NOT_COVERED, details["inputs.answer"][line]
    assert details["outputs.groundedness"][line] == 5, details["outputs.groundedness_reason"][line]
    assert details["outputs.relevance"][line] == 5, details["outputs.relevance_reason"][line]
    # The other two lines are real answers, scored by the judge on their content, not by the decline shortcut.
    answered = [str(i) for i in range(len(details["inputs.question"])) if str(i) != line]
    for i in answered:
        assert details["inputs.answer"][i] != NOT_COVERED, details["inputs.answer"][i]
        for m in ("groundedness", "relevance"):
            assert "don't cover" not in details[f"outputs.{m}_reason"][i], details[f"outputs.{m}_reason"][i]
            assert details[f"outputs.{m}"][i] in (1, 2, 3, 4, 5), details[f"outputs.{m}_reason"][i]
