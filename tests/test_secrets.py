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
    reply = app.ChatFlow("openai", "x")({QUESTION!r}, [])
    print("ANSWER:", "".join(reply["answer"]))
except Exception as error:
    print("ERROR:", app.readable(error))
"""


def _home_with_openai_connection(home: Path, base_url: str, chroma: Path) -> dict[str, str]:
    env = pf_home(home, base_url)  # also registers `local`; the flows are pointed at `openai` below
    env.update(OPENAI_API_KEY=KEY, STUDYFLOW_CHROMA_DIR=str(chroma), STUDYFLOW_LLM_TIMEOUT="10")
    subprocess.run(
        [PF, "connection", "create", "--file", str(PROJECT_ROOT / "connections/openai.yaml")]
        + ["--set", f"base_url={base_url}"],
        env=env,
        check=True,
        capture_output=True,
    )
    shown = subprocess.run([PF, "connection", "show", "--name", "openai"], env=env, capture_output=True, text=True)
    assert base_url in shown.stdout and KEY not in shown.stdout, shown.stdout  # pf shows it scrubbed
    return env


def _leaks(texts: dict[str, str], roots: list[Path], since: float) -> list[str]:
    found = [where for where, text in texts.items() if any(part in text for part in SECRET_PARTS)]
    for root in roots:
        for path in root.rglob("*") if root.exists() else []:
            if path.is_file() and path.stat().st_mtime >= since:
                data = path.read_bytes()
                if any(part.encode() in data for part in SECRET_PARTS):
                    found.append(str(path))
    return found


def _run_qa(env: dict[str, str], data: Path) -> subprocess.CompletedProcess:
    data.write_text(json.dumps({"question": QUESTION}) + "\n", encoding="utf-8")
    return subprocess.run(
        [
            PF, "run", "create", "--flow", str(PROJECT_ROOT / "flows/qa"), "--data", str(data),
            "--column-mapping", "question=${data.question}",
            "--connections", "answer_llm.connection=openai", "answer_llm.model=x",
            "--stream",
        ],
        env=env, capture_output=True, text=True, timeout=300, cwd=PROJECT_ROOT,
    )  # fmt: skip


def _run_chat(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", CHAT.format(QUESTION=QUESTION)],
        env={**env, "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True, text=True, timeout=300, cwd=PROJECT_ROOT,
    )  # fmt: skip


@pytest.mark.parametrize("endpoint", ["refuses the key", "refuses the connection"])
def test_a_failing_openai_connection_never_shows_the_key(endpoint, tmp_path, notes_index):
    since = time.time() - 1
    with fake_openai("auth") as fake:
        url = fake.url if endpoint == "refuses the key" else f"http://127.0.0.1:{free_port()}/v1"
        env = _home_with_openai_connection(tmp_path / "pf", url, notes_index)
        qa = _run_qa(env, tmp_path / "one.jsonl")
        chat = _run_chat(env)
        sent = list(fake.keys)

    qa_out, chat_out = qa.stdout + qa.stderr, chat.stdout + chat.stderr
    flows_state = [PROJECT_ROOT / "flows" / name / ".promptflow" for name in ("qa", "chat")]
    texts = {"qa stdout/stderr": qa_out, "chat stdout/stderr": chat_out}
    assert _leaks(texts, [tmp_path, *flows_state], since) == []
    assert any(p.name == "logs.txt" for p in (tmp_path / "pf" / ".runs").rglob("*")), "no pf run logs where expected"

    if endpoint == "refuses the connection":
        assert sent == []
        expected = f"ERROR: ⚠️ the local model server at {url} is not running; start it with `make model`"
        assert expected in chat.stdout, chat_out[-3000:]
        assert "is not running; start it with `make model`" in qa_out, qa_out[-3000:]
        return
    expected = f"ERROR: ⚠️ the LLM endpoint at {url} refused the API key; fix it in the promptflow connection"
    assert expected in chat.stdout, chat_out[-3000:]
    assert "refused the API key; fix it in the promptflow connection" in qa_out, qa_out[-3000:]
    # Each flow called the endpoint once (no retries on a 401), and both sent the key itself: pf stores the
    # connection's ${env:OPENAI_API_KEY} as written, and answering.llm_client reads it from the environment.
    assert sent == [f"Bearer {KEY}"] * 2, sent
