"""Does the LLM judge tell a good answer from a bad one? `python -m eval.llm_judge_check`

Hand-made cases from the notes' domain, two (good, bad) pairs per metric: prints each pair's scores, how often
the reply parsed, and seconds per call. Used to tune eval/prompts/; needs the LLM server (20 calls, ~2-5 min).
`python -m eval.llm_judge_check fluency similarity` checks only those metrics.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

from core.errors import StudyflowError, cli_exit
from eval import llm_judge

CTX_CLUSTER = (
    "Compute clusters: multi-node clusters of virtual machines that automatically scale up or down to meet "
    "demand. A cost-effective way to run scripts that need to process large volumes of data. "
    "idle_time_before_scale_down sets how long an idle cluster waits before scaling down."
)
CTX_BANDIT = (
    "In Bandit policy we can provide a slack_factor (relative) or slack_amount (absolute) and it checks if the new "
    "model is performing better than the slack range of the best performing model."
)
Q_CLUSTER = "Why would I use a compute cluster instead of a compute instance?"
Q_BANDIT = "What does the slack amount do in a Bandit policy?"

# metric -> [(inputs of a good answer, inputs of a bad answer)]
CASES: dict[str, list[tuple[dict, dict]]] = {
    "groundedness": [
        (
            {
                "answer": "Compute clusters scale up or down automatically and are cost-effective for large data.",
                "context": CTX_CLUSTER,
            },
            {
                "answer": "Compute clusters need a GPU and are billed per user, so they only suit small notebooks.",
                "context": CTX_CLUSTER,
            },
        ),
        (
            {
                "answer": "A Bandit policy compares a new model with the best model, allowing a slack_amount or "
                "slack_factor.",
                "context": CTX_BANDIT,
            },
            {
                "answer": "A Bandit policy retrains the best model every hour using reinforcement learning.",
                "context": CTX_BANDIT,
            },
        ),
    ],
    "relevance": [
        (
            {
                "question": Q_CLUSTER,
                "context": CTX_CLUSTER,
                "answer": "Use a cluster because it scales automatically and is cheap for processing large data.",
            },
            {
                "question": Q_CLUSTER,
                "context": CTX_CLUSTER,
                "answer": "idle_time_before_scale_down is a parameter of AmlCompute.",
            },
        ),
        (
            {
                "question": Q_BANDIT,
                "context": CTX_BANDIT,
                "answer": "The slack amount is an absolute margin: a run within it of the best model keeps going.",
            },
            {
                "question": Q_BANDIT,
                "context": CTX_BANDIT,
                "answer": "Grid sampling tries every combination of discrete hyperparameters.",
            },
        ),
    ],
    "coherence": [
        (
            {
                "question": Q_CLUSTER,
                "answer": "A compute cluster scales out to many nodes when jobs arrive. Because it scales back down "
                "when idle, you only pay while work runs, which suits large data.",
            },
            {
                "question": Q_CLUSTER,
                "answer": "Clusters nodes. Compute instance is for notebooks, so therefore the data is blue. Scaling "
                "is not scaling but it is.",
            },
        ),
        (
            {
                "question": Q_BANDIT,
                "answer": "The slack amount sets how far below the best run a new run may fall. Runs that fall "
                "further behind are stopped early.",
            },
            {
                "question": Q_BANDIT,
                "answer": "Bandit. The best model is the worst. Slack amount is an hour, therefore grid sampling, "
                "and MLflow.",
            },
        ),
    ],
    "fluency": [
        (
            {
                "answer": "An MLTable data asset includes a schema, so a change in the files' layout does not "
                "break how the data is read."
            },
            {"answer": "mltable schema the include asset so break files read not layout the change data a."},
        ),
        (
            {"answer": "Batch endpoints suit long-running scoring jobs whose results are saved to a file."},
            {"answer": "batch endpoint is where job the long is, file saving it results to is them the."},
        ),
    ],
    "similarity": [
        (
            {
                "ground_truth": "AutoML needs an MLTable data asset as its training input.",
                "answer": "Automated ML takes its training data as an MLTable asset.",
            },
            {
                "ground_truth": "AutoML needs an MLTable data asset as its training input.",
                "answer": "AutoML reads a single CSV file uploaded from your laptop.",
            },
        ),
        (
            {
                "ground_truth": "Before a pipeline schedule can be deleted it must be disabled.",
                "answer": "You first have to disable the schedule, then you can delete it.",
            },
            {
                "ground_truth": "Before a pipeline schedule can be deleted it must be disabled.",
                "answer": "Schedules are deleted automatically after one run.",
            },
        ),
    ],
}


def main(metrics: list[str] | None = None) -> int:
    """Exit 0 when every good answer outscores its bad twin and every reply parsed, 1 otherwise."""
    metrics = sys.argv[1:] if metrics is None else metrics
    unknown = set(metrics) - set(CASES)
    if unknown:
        raise StudyflowError(f"unknown metric(s): {', '.join(sorted(unknown))}; choose from {', '.join(CASES)}")
    calls = parsed = 0
    seconds = 0.0
    wins = pairs = 0
    for metric in metrics or list(CASES):
        pairs_of_metric = CASES[metric]
        judge: Callable[..., dict] = getattr(llm_judge, metric)
        for good_inputs, bad_inputs in pairs_of_metric:
            results = []
            for inputs in (good_inputs, bad_inputs):
                start = time.perf_counter()
                result = judge(**inputs)
                seconds += time.perf_counter() - start
                calls += 1
                parsed += result["score"] is not None
                results.append(result)
            good, bad = results
            won = good["score"] is not None and bad["score"] is not None and good["score"] > bad["score"]
            wins += won
            pairs += 1
            print(f"{metric:13s} good={good['score']} bad={bad['score']} {'ok' if won else 'FAIL'}")
            print(f"{'':13s}   good: {good['reason']}")
            print(f"{'':13s}   bad:  {bad['reason']}")
    print(f"\ngood > bad: {wins}/{pairs} pairs; parsed: {parsed}/{calls} replies; {seconds / calls:.1f} s per call")
    return 0 if wins == pairs and parsed == calls else 1


if __name__ == "__main__":
    raise SystemExit(cli_exit(main))
