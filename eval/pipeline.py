"""`make eval`: a batch Q&A run, an evaluation run over its outputs, a metrics table and an HTML report.

    python -m eval.pipeline [--data F] [--variant NAME] [--judge local|llm] [--limit N] [--qa-run NAME]

Both runs go through the pf CLI with the run files in eval/runs/, exactly as a user would type them, so what
`make eval` does can be repeated by hand; the runs are kept in pf's store (`pf run list`, `pf run visualize`).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from core.errors import StudyflowError, cli_exit
from eval.report import RESULTS_DIR, rows_from_details, write_report

EVAL_DIR = Path(__file__).resolve().parent
RUNS_DIR = EVAL_DIR / "runs"
DEFAULT_DATA = EVAL_DIR / "data" / "questions.jsonl"
PF = str(Path(sys.executable).parent / "pf")


def pf_run(args: list[str]) -> None:
    """`pf run create ...`, its log streamed to stderr; a failed run stops the pipeline with pf's message."""
    proc = subprocess.run([PF, "run", "create", *args], stdout=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        sys.exit(f"pf run create {' '.join(args)} failed (exit {proc.returncode}):\n{proc.stdout[-3000:]}")


def failed_lines(run_name: str) -> int:
    from promptflow.client import PFClient

    system_metrics = PFClient().runs.get(run_name).properties.get("system_metrics", {})
    return int(system_metrics.get("__pf__.lines.failed", 0))


def retry_failed_lines(qa_name: str) -> tuple[str, int]:
    """Re-run a QA run's failed lines once (`pf run create --resume-from`): a model server restarted mid-batch
    fails a few lines, and the eval run would silently skip them. Returns the run to evaluate, its failed lines."""
    failed = failed_lines(qa_name)
    if not failed:
        return qa_name, 0
    print(f"{failed} lines of {qa_name} failed; running them again once", file=sys.stderr)
    resumed = f"{qa_name}_retry"
    pf_run(["--resume-from", qa_name, "--name", resumed])
    return resumed, failed_lines(resumed)


def existing_run(name: str) -> Any:
    """The pf run called `name`; a name pf does not know is a user error, not a traceback."""
    from promptflow.client import PFClient
    from promptflow.exceptions import UserErrorException

    try:
        return PFClient().runs.get(name)
    except UserErrorException as exc:
        raise StudyflowError(f"no pf run named {name!r} ({exc}); `pf run list` shows the runs") from exc


def limited(data: Path, limit: int | None, folder: Path) -> Path:
    """The data file, or a copy of its first `limit` lines (a quick run on a slow machine), kept in `folder` so the
    runs that name it can be resumed and shown later."""
    if not limit:
        return data
    head = folder / f"{data.stem}-first{limit}.jsonl"
    lines = data.read_text(encoding="utf-8").splitlines(keepends=True)[:limit]
    head.write_text("".join(lines), encoding="utf-8")
    return head


def run_pipeline(
    data: Path,
    variant: str | None = None,
    judge: str = "local",
    limit: int | None = None,
    qa_run: str | None = None,
) -> tuple[str, dict[str, Any], Path]:
    """Run both flows (or only the eval flow over the existing `qa_run`); return the eval run's name, its metrics
    and the report's path."""
    from promptflow.client import PFClient

    stamp = datetime.now().strftime("%Y%m%d_%H%M%S")
    variant_name = variant or "variant_0"
    started = time.monotonic()
    if qa_run:
        # The eval run joins the QA run's outputs with the same data file, line by line.
        data_file = str(existing_run(qa_run).data)
        qa_name = qa_run
    else:
        if not data.is_file():
            raise StudyflowError(f"no questions file {data}: --data takes a jsonl file of question and ground_truth")
        # pf resolves --data against the run file's folder: pass an absolute path.
        data_file = str(limited(data.resolve(), limit, RESULTS_DIR))
        qa_name = f"qa_{variant_name}_{stamp}"
        qa_args = ["--file", str(RUNS_DIR / "qa.yaml"), "--name", qa_name, "--data", data_file]
        pf_run(qa_args + (["--variant", f"${{answer_llm.{variant}}}"] if variant else []))
    qa_name, failed = retry_failed_lines(qa_name)
    qa_seconds = time.monotonic() - started
    started = time.monotonic()
    eval_name = f"eval_{judge}_{qa_name.removeprefix('qa_')}" if qa_run else f"eval_{judge}_{variant_name}_{stamp}"
    eval_args = ["--file", str(RUNS_DIR / "eval.yaml"), "--run", qa_name, "--name", eval_name]
    pf_run(eval_args + ["--data", data_file, "--set", f"column_mapping.judge={judge}"])
    eval_seconds = time.monotonic() - started
    pf = PFClient()
    metrics = pf.get_metrics(eval_name)
    rows = rows_from_details(pf.get_details(eval_name, all_results=True))
    meta = (
        f"QA run {qa_name} (answer variant {variant_name}, {qa_seconds:.0f} s), judge {judge} "
        f"({eval_seconds:.0f} s), {len(rows)} questions from {Path(data_file).name}."
    )
    if failed:
        meta += f" {failed} QA lines failed and are not scored (see pf run show-details --name {qa_name})."
    print(meta)
    return eval_name, metrics, write_report(eval_name, metrics, rows, meta)


def metrics_table(metrics: dict[str, Any]) -> str:
    width = max(map(len, metrics), default=10)
    return "\n".join(
        f"{k:<{width}}  {v:>8.3f}" if isinstance(v, float) else f"{k:<{width}}  {v:>8}" for k, v in metrics.items()
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.pipeline", description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="questions (jsonl: question, ground_truth)")
    parser.add_argument("--variant", help="answer prompt variant of flows/qa, e.g. variant_1 (default variant_0)")
    parser.add_argument("--judge", choices=("local", "llm"), default="local", help="who scores (default local)")
    parser.add_argument("--limit", type=int, help="only the first N questions")
    parser.add_argument("--qa-run", help="evaluate this existing QA run instead of running a new one")
    args = parser.parse_args(argv)
    name, metrics, report = run_pipeline(args.data, args.variant, args.judge, args.limit, args.qa_run)
    print(f"\nMetrics of {name} (pf run show-metrics --name {name}):\n{metrics_table(metrics)}")
    print(f"\nReport: {report}")
    return 0


if __name__ == "__main__":
    raise SystemExit(cli_exit(main))
