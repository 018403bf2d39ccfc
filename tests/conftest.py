"""Shared fixtures: real Chroma, the real embedding model, indexes in temporary folders (never the project's)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from filelock import FileLock

from core.paths import PROJECT_ROOT
from harness.cli import RunCli, cli_env
from harness.pf import pf_home
from harness.ports import free_port
from study import bank as bank_data

pytest_plugins = ["tests.llm_fixture"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A test that needs the model server, however many fixtures away, is an `llm` test: `-m "not llm"` (make check)
    # leaves it out without anyone having to remember the marker.
    for item in items:
        if "llm_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.llm)


SHIPPED_DATA = bank_data.DATA_DIR
_SHIPPED_KEY = pytest.StashKey[dict]()


def _shipped_data() -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(SHIPPED_DATA.iterdir()) if p.is_file()}


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config.stash[_SHIPPED_KEY] = _shipped_data()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # A test that writes the shipped question bank (an app, a CLI or a generator run pointed at the default paths)
    # fails the run: that bank is data the project ships, and a test run had once rewritten it unnoticed.
    before = session.config.stash.get(_SHIPPED_KEY, None)
    changed = sorted(k for k, v in _shipped_data().items() if before is not None and before.get(k) != v)
    if changed:
        print(f"\nFAILED: a test wrote the shipped study data: {', '.join(changed)} in {SHIPPED_DATA}", file=sys.stderr)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def notes_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The index of the real notes/ folder, built once per session: under pytest-xdist (make check) the first
    worker builds it in the run's shared temporary folder and the others read it, as the flows' child processes do."""
    from ingest.build import build_index

    if not os.environ.get("PYTEST_XDIST_WORKER"):
        shared = tmp_path_factory.mktemp("notes-index")
    else:
        shared = tmp_path_factory.getbasetemp().parent / "notes-index"  # the run's folder, above each worker's
        shared.mkdir(exist_ok=True)
    root, built = shared / "chroma", shared / "built"
    with FileLock(shared / "build.lock"):
        if not built.exists():
            summary = build_index(paths=[PROJECT_ROOT / "notes"], root=root, progress=False)
            assert summary.added == summary.chunks > 0
            built.write_text(f"{summary.chunks}\n")
    return root


@pytest.fixture
def chroma_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An index folder (not yet created) that STUDYFLOW_CHROMA_DIR points at for this test."""
    root = tmp_path / "chroma"
    monkeypatch.setenv("STUDYFLOW_CHROMA_DIR", str(root))
    return root


@pytest.fixture
def run_cli() -> RunCli:
    """run_cli(chroma, "-m", "ingest", ..., input=None): a CLI in a child process from the project root."""

    def run(chroma: Path, *args: str, input: str | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, *args],
            cwd=PROJECT_ROOT,
            env=cli_env(chroma),
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    return run


# pf homes for the Q&A flow over the session's notes index, shared by the flow and hostile-question tests.
@pytest.fixture(scope="session")
def pf_env_dead_model(tmp_path_factory: pytest.TempPathFactory, notes_index: Path) -> dict[str, str]:
    """A pf home whose model is a port nobody listens on: only questions the gate declines can pass."""
    env = pf_home(tmp_path_factory.mktemp("pf-dead"), f"http://127.0.0.1:{free_port()}/v1")
    env["STUDYFLOW_CHROMA_DIR"] = str(notes_index)
    return env


@pytest.fixture(scope="session")
def pf_env(tmp_path_factory: pytest.TempPathFactory, notes_index: Path, llm_server: str) -> dict[str, str]:
    env = pf_home(tmp_path_factory.mktemp("pf-live"), llm_server)
    env["STUDYFLOW_CHROMA_DIR"] = str(notes_index)
    return env
