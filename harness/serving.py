"""Servers in child processes, from the moment they answer until the block ends: any command, app.py, `chroma run`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from core.paths import PROJECT_ROOT
from harness.ports import free_port

CHROMA = str(Path(sys.executable).parent / "chroma")


@contextmanager
def serving(command: list[str], env: dict[str, str], ready_url: str, log: Path, timeout: float = 180) -> Iterator[None]:
    """A server in a child process, from the moment ready_url answers 200 until the block ends."""
    with log.open("w") as out:
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=PROJECT_ROOT)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{' '.join(command[:3])} did not start: {log.read_text()[-3000:]}")
            try:
                if httpx.get(ready_url, timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.25)  # a server answers within a quarter second of being up: tests wait no longer
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@contextmanager
def running_app(env: dict[str, str], port: int, log: Path, *args: str) -> Iterator[str]:
    """app.py in a child process; yields its URL once the page answers. Its question bank and progress file are
    copies beside the log unless env names them: the page writes both (answers, background generation for notes
    that have no questions yet), and a test or benchmark must never rewrite the bank that ships in study/data."""
    url = f"http://127.0.0.1:{port}/"
    env = private_study_state(env, log.parent / f"{log.stem}-study")
    with serving([sys.executable, "app.py", "--port", str(port), *args], env, url, log):
        yield url


def private_study_state(env: dict[str, str], folder: Path) -> dict[str, str]:
    """env with the question bank (a copy of the shipped one in folder) and the progress file (in folder) set, where
    env does not set them already."""
    from study import bank as bank_data
    from study.practice import BANK_SETTING
    from study.store import DB_SETTING

    env = dict(env)
    if BANK_SETTING not in env:
        folder.mkdir(parents=True, exist_ok=True)
        for path in (bank_data.BANK_PATH, bank_data.META_PATH):
            shutil.copy(path, folder / path.name)
        env[BANK_SETTING] = str(folder / bank_data.BANK_PATH.name)
    env.setdefault(DB_SETTING, str(folder / "progress.sqlite3"))
    return env


def _heartbeat(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


@contextmanager
def chroma_server(data: Path, port: int | None = None, timeout: float = 60) -> Iterator[str]:
    """A real `chroma run` on a loopback port, its data in data/db and its log in data/server.log; yields its URL."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    log = data / "server.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [CHROMA, "run", "--path", str(data / "db"), "--host", "127.0.0.1", "--port", str(port)],
            env=dict(os.environ, ANONYMIZED_TELEMETRY="False"),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + timeout
        while not _heartbeat(url):
            if proc.poll() is not None:
                raise RuntimeError(f"chroma run exited: {log.read_text()[-2000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"chroma run did not answer its heartbeat within {timeout:g} s")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
