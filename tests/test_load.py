"""A short load on the chat page (issue #5, part 6), through harness.load (what bench.load runs): 3 simulated users
for 15 s against app.py, its model a fake OpenAI server that streams a short answer (the real model would take the
whole time on one answer), the queue capped at 1 so some questions are refused. The full 10-user run is
`python -m bench.load`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from harness import load
from harness.fake_openai import fake_openai
from harness.pf import pf_home

USERS, SECONDS, DRAIN = 3, 15, 20
APP_GROWTH_MB = 150  # second half of the run; a leak of ~1 MB a request would show well before this


@pytest.fixture(scope="module")
def app(tmp_path_factory, notes_index) -> Iterator[tuple[str, int | None]]:
    with fake_openai("ok") as fake:
        env = pf_home(tmp_path_factory.mktemp("pf-load"), fake.url)
        env["STUDYFLOW_CHROMA_DIR"] = str(notes_index)
        log = tmp_path_factory.mktemp("load") / "app.log"
        with load.started_app(log, env, ("--max-queue", "1")) as (url, pid):
            yield url, pid


@pytest.mark.slow  # 35 s of simulated users: make test runs it, make check does not
def test_users_in_a_loop_get_answers_or_a_clean_refusal_and_memory_stays_flat(app):
    url, pid = app
    run = load.load(url, USERS, SECONDS, DRAIN, load.questions(), pid, think=(0.0, 0.3))
    result = load.summary(run)
    print(load.report(result))
    assert result["error"] == 0 and result["unfinished"] == 0, result["errors"]
    assert result["answered"] >= 5, result
    assert result["declined_by_gate"] < result["answered"], result  # the model path was exercised too
    # Past the cap, Gradio refuses with its message at once rather than queueing without bound.
    assert result["refused"] > 0 and all("queue" in d.lower() for d in result["refusals"]), result["refusals"]
    assert pid is not None and result["app_mb"]["second_half_growth"] < APP_GROWTH_MB, result["app_mb"]


@pytest.mark.parametrize("url", ["http://example.org:7860/", "https://127.0.0.1:7860/", "http://10.0.0.1/"])
def test_the_load_script_only_targets_loopback(url):
    with pytest.raises(SystemExit, match="must be http://127.0.0.1"):
        load.check_url(url)
