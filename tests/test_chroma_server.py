"""Server mode: ingest, search and one Q&A against a real `chroma run` server (STUDYFLOW_CHROMA_URL)."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from answering.show import flow_output
from core.paths import PROJECT_ROOT
from harness.cli import RunCli
from harness.pf import PF, pf_flow_test, pf_home
from harness.ports import free_port
from harness.serving import chroma_server as running_chroma
from ingest import ChromaServerError

FLOW = str(PROJECT_ROOT / "flows" / "qa")
NOTES_DIR = PROJECT_ROOT / "notes"


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real `chroma run` on a free loopback port with its data in a temporary folder; its URL."""
    with running_chroma(tmp_path_factory.mktemp("chroma-server")) as url:
        yield url


@pytest.fixture(scope="module")
def server_env(chroma_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """STUDYFLOW_CHROMA_URL set for this module (in-process and for child processes); the folder it must not use."""
    unused_dir = tmp_path_factory.mktemp("unused") / "chroma"
    values = {"STUDYFLOW_CHROMA_URL": chroma_server, "STUDYFLOW_CHROMA_DIR": str(unused_dir)}
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    yield values
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="module")
def server_index(server_env: dict[str, str]) -> dict[str, str]:
    from ingest.build import build_index

    summary = build_index(paths=[NOTES_DIR], progress=False)
    assert summary.added == summary.chunks > 0
    assert summary.index == f"{server_env['STUDYFLOW_CHROMA_URL']} (collection notes)"
    assert not Path(server_env["STUDYFLOW_CHROMA_DIR"]).exists(), "server mode wrote to the folder"
    return server_env


def test_ingest_then_search_finds_the_chapter_on_the_server(server_index: dict[str, str]) -> None:
    from answering.retrieval import retrieve

    retrieval = retrieve("bandit policy slack", k=5)
    assert retrieval.covered, retrieval.reason
    assert retrieval.hits[0].chapter.startswith("Chapter 14."), [h.chapter for h in retrieval.hits]


def test_reingest_adds_nothing_and_keeps_one_generation(server_index: dict[str, str]) -> None:
    from ingest import store
    from ingest.build import build_index

    target = store.index()
    before = target.current()
    summary = build_index(paths=[NOTES_DIR], progress=False)
    assert (summary.added, summary.removed, summary.kept) == (0, 0, summary.chunks)
    assert target.current() == before
    names = {c.name for c in target.client.list_collections() if c.name.startswith("notes-")}
    assert names == {"notes-pointer", before}


def test_search_cli_reads_the_server(server_index: dict[str, str], run_cli: RunCli, tmp_path: Path) -> None:
    # run_cli points STUDYFLOW_CHROMA_DIR at a folder that does not exist: only the server can answer.
    result = run_cli(tmp_path / "nothing", "-m", "ingest.search", "--json", "-k", "3", "bandit policy slack")
    assert result.returncode == 0, result.stderr
    hits = json.loads(result.stdout)
    assert hits[0]["chapter"].startswith("Chapter 14.")


@pytest.mark.llm
def test_one_question_through_the_qa_flow_on_the_server(
    server_index: dict[str, str], llm_server: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    env = pf_home(tmp_path_factory.mktemp("pf-server"), llm_server)
    env.update(server_index)
    question = "Which sampling method needs all hyperparameters to be discrete?"
    code, result, log = pf_flow_test(env, FLOW, question=question)
    assert code == 0 and result is not None, log[-3000:]
    assert "grid" in result["answer"].lower(), result["answer"]
    assert any(c["chapter"].startswith("Chapter 14.") for c in result["citations"]), result["citations"]


def test_a_server_that_is_down_gives_one_line_saying_what_to_do(
    monkeypatch: pytest.MonkeyPatch, run_cli: RunCli, tmp_path: Path
) -> None:
    from ingest.build import build_index
    from ingest.search import search

    url = f"http://127.0.0.1:{free_port()}"  # nobody listens there
    monkeypatch.setenv("STUDYFLOW_CHROMA_URL", url)
    expected = f"the Chroma server at {url} is not answering; start it with `make chroma-server` or unset"
    with pytest.raises(ChromaServerError, match=re.escape(expected)):
        search("bandit policy slack")
    with pytest.raises(ChromaServerError, match="make chroma-server"):
        build_index(paths=[NOTES_DIR], progress=False)

    for args in (["-m", "ingest.search", "bandit policy slack"], ["-m", "ingest", "--quiet"]):
        result = run_cli(tmp_path / "chroma", *args)
        assert result.returncode == 2, result.stderr
        assert result.stderr.startswith(f"error: {expected}"), result.stderr
        assert len(result.stderr.splitlines()) == 1, result.stderr

    # The flows call ingest, so they say the same (the model connection is dead too; it is never reached).
    env = pf_home(tmp_path / "pf", f"http://127.0.0.1:{free_port()}/v1")
    env["STUDYFLOW_CHROMA_URL"] = url
    proc = subprocess.run(
        [PF, "flow", "test", "--flow", FLOW, "--inputs", "question=What is bandit policy slack?"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=PROJECT_ROOT,
    )
    log = proc.stdout + proc.stderr
    assert proc.returncode != 0 and flow_output(proc.stdout) is None
    assert expected in [line for line in log.splitlines() if "failed with" in line][-1], log[-2000:]


def test_an_interrupted_ingest_leaves_the_old_collection_in_use(
    server_index: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from ingest import build, embedder, store
    from ingest.search import search

    monkeypatch.setenv("STUDYFLOW_CHROMA_COLLECTION", "tiny")  # a second index on the same server
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "kitchen.md").write_text(
        "# Kitchen\n\n## Bread\n\nA sourdough starter is ready when it doubles within six hours of feeding.\n"
    )
    build.build_index(paths=[notes], progress=False)
    target = store.index()
    old = target.current()
    assert old.startswith("tiny-gen-")
    before = search("when is a sourdough starter ready", k=1)

    (notes / "crafts.md").write_text("# Crafts\n\n## Origami\n\nFold a paper crane from a square sheet.\n")
    real_embed = embedder.embed

    def crash(texts: list[str]):
        raise RuntimeError("stop in the middle")

    monkeypatch.setattr(embedder, "embed", crash)
    with pytest.raises(RuntimeError, match="stop in the middle"):
        build.build_index(paths=[notes], progress=False)
    names = {c.name for c in target.client.list_collections() if c.name.startswith("tiny-")}
    assert target.current() == old and len(names) == 3, names  # pointer, old, and the half-built one aside
    monkeypatch.setattr(embedder, "embed", real_embed)
    assert search("when is a sourdough starter ready", k=1) == before
    assert all("crane" not in h.text for h in search("how to fold a paper crane", k=5))

    summary = build.build_index(paths=[notes], progress=False)
    assert (summary.added, summary.kept) == (1, 1)
    assert "crane" in search("how to fold a paper crane", k=1)[0].text
    names = {c.name for c in target.client.list_collections() if c.name.startswith("tiny-")}
    assert names == {"tiny-pointer", old, target.current()}, "the half-built one is gone, the replaced one kept"
    assert store.index().current() != old
