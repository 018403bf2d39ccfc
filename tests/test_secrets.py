"""API keys (issue #5, part 5): a key reaches the model only through a pf connection created from the environment,
and a failing call never shows it: not in the caller's error, the console, pf's run logs and outputs, nor in
plain text in pf's own store.

Where pf keeps it: `pf connection create` resolves ${env:OPENAI_API_KEY} once and stores the connection in
$PF_HOME_DIRECTORY/pf.sqlite with the key encrypted (Fernet); the encryption key is in the keyring, here the
file keyring under $XDG_DATA_HOME/python_keyring. So the whole private pf home is searched for the plain key,
store included."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.paths import PROJECT_ROOT
from harness.fake_openai import fake_openai
from harness.pf import PF, pf_home
from harness.ports import free_port

KEY = "sk-studyflow-FAKE-0123456789abcdef"
# OpenAI's own 401 echoes the key masked ("sk-study****cdef"); the middle must never show.
SECRET_PARTS = (KEY, "FAKE-0123456789")
QUESTION = "Which sampling method needs all hyperparameters to be discrete?"

CHAT = """
import app
try:
    reply = app.ChatFlow({CONNECTION!r}, "x")({QUESTION!r}, [])
    print("ANSWER:", "".join(reply["answer"]))
except Exception as error:
    print("ERROR:", app.readable(error))
"""


def _home(root: Path, urls: dict[str, str], chroma: Path) -> dict[str, str]:
    """A private pf home with an OpenAI connection created from the environment's key for each of urls."""
    env = pf_home(root, next(iter(urls.values())))  # also registers `local`; the flows are pointed at the others
    env.update(OPENAI_API_KEY=KEY, STUDYFLOW_CHROMA_DIR=str(chroma), STUDYFLOW_LLM_TIMEOUT="10")
    for name, url in urls.items():
        subprocess.run(
            [PF, "connection", "create", "--file", str(PROJECT_ROOT / "connections/openai.yaml")]
            + ["--name", name, "--set", f"base_url={url}"],
            env=env,
            check=True,
            capture_output=True,
        )
    listed = subprocess.run([PF, "connection", "list"], env=env, capture_output=True, text=True)
    shown = {c["name"]: c for c in json.loads(listed.stdout)}
    assert {name: shown[name]["base_url"] for name in urls} == urls, listed.stdout
    assert KEY not in listed.stdout, listed.stdout  # pf shows them scrubbed
    return env


def _leaks(texts: dict[str, str], private: list[Path], shared: list[Path], since: float) -> list[str]:
    """Where the key shows: in texts, in any file of the private folders, in files of shared ones written since."""
    found = [where for where, text in texts.items() if any(part in text for part in SECRET_PARTS)]
    files = [p for root in private for p in root.rglob("*")]
    files += [p for root in shared if root.exists() for p in root.rglob("*") if _mtime(p) >= since]
    for path in files:
        if path.is_file() and any(part.encode() in _read(path) for part in SECRET_PARTS):
            found.append(str(path))
    return found


# The shared folders (the flows' .promptflow) are rewritten by pf runs of other tests, on other xdist workers too.
def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return 0.0


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return b""


def _run_qa(env: dict[str, str], data: Path, connection: str, name: str) -> subprocess.CompletedProcess:
    data.write_text(json.dumps({"question": QUESTION}) + "\n", encoding="utf-8")
    return subprocess.run(
        [
            PF, "run", "create", "--flow", str(PROJECT_ROOT / "flows/qa"), "--data", str(data), "--name", name,
            "--column-mapping", "question=${data.question}",
            "--connections", f"answer_llm.connection={connection}", "answer_llm.model=x",
            "--stream",
        ],
        env=env, capture_output=True, text=True, timeout=300, cwd=PROJECT_ROOT,
    )  # fmt: skip


def _run_chat(env: dict[str, str], connection: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", CHAT.format(CONNECTION=connection, QUESTION=QUESTION)],
        env={**env, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True, text=True, timeout=300, cwd=PROJECT_ROOT,
    )  # fmt: skip


def _flows(env: dict[str, str], home: Path, connection: str, tmp_path: Path) -> tuple[str, str, str]:
    """The Q&A flow (a pf run) and the chat flow (as app.py calls it) on one connection: the Q&A run's output,
    the chat's stdout and its stdout and stderr."""
    run = f"secrets-{connection}"
    qa = _run_qa(env, tmp_path / f"{connection}.jsonl", connection, run)
    chat = _run_chat(env, connection)
    assert (home / ".runs" / run / "logs.txt").is_file(), "no pf run logs where expected"
    return qa.stdout + qa.stderr, chat.stdout, chat.stdout + chat.stderr


@pytest.mark.slow  # two pf runs and two chat processes: make test runs it, make check does not
def test_a_failing_openai_connection_never_shows_the_key(tmp_path, notes_index):
    """Both failures in one pf home (its pf subprocesses are the slow part): a server that refuses the key, and
    one that refuses the connection; each flow is pointed at its connection."""
    since = time.time() - 1
    with fake_openai("auth") as fake:
        refused = f"http://127.0.0.1:{free_port()}/v1"
        env = _home(tmp_path / "pf", {"openai_down": refused, "openai": fake.url}, notes_index)
        down_qa, down_chat, down_chat_out = _flows(env, tmp_path / "pf", "openai_down", tmp_path)
        sent_down = list(fake.keys)
        key_qa, key_chat, key_chat_out = _flows(env, tmp_path / "pf", "openai", tmp_path)
        sent = fake.keys[len(sent_down) :]

    flows_state = [PROJECT_ROOT / "flows" / name / ".promptflow" for name in ("qa", "chat")]
    texts = {"qa, refused connection": down_qa, "chat, refused connection": down_chat_out}
    texts |= {"qa, refused key": key_qa, "chat, refused key": key_chat_out}
    assert _leaks(texts, [tmp_path], flows_state, since) == []

    # The connection refused:
    assert sent_down == []
    expected = f"ERROR: ⚠️ the local model server at {refused} is not running; start it with `make model`"
    assert expected in down_chat, down_chat_out[-3000:]
    assert "is not running; start it with `make model`" in down_qa, down_qa[-3000:]
    # The key refused:
    expected = f"ERROR: ⚠️ the LLM endpoint at {fake.url} refused the API key; fix it in the promptflow connection"
    assert expected in key_chat, key_chat_out[-3000:]
    assert "refused the API key; fix it in the promptflow connection" in key_qa, key_qa[-3000:]
    # Each flow called the endpoint once (no retries on a 401), and both sent the key itself: pf stores the
    # connection's ${env:OPENAI_API_KEY} as written, and answering.llm_client reads it from the environment.
    assert sent == [f"Bearer {KEY}"] * 2, sent
