"""Helpers the flow, chat and page tests share: free ports and private pf homes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from ingest.settings import PROJECT_ROOT

PF = str(Path(sys.executable).parent / "pf")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pf_home(home: Path, base_url: str) -> dict[str, str]:
    """The environment of a private pf home whose `local` connection points at base_url."""
    env = dict(os.environ)
    env.update(
        PF_HOME_DIRECTORY=str(home),
        XDG_DATA_HOME=str(home / "xdg"),
        APPLICATIONINSIGHTS_CONTROLPLANE_DISABLED="true",
        TELEMETRY_ENABLED="false",
        PF_DISABLE_TRACING="true",
        HF_HUB_OFFLINE="1",
        GRADIO_ANALYTICS_ENABLED="False",
    )
    subprocess.run(
        [PF, "config", "set", "telemetry.enabled=false", "trace.destination=none"],
        env=env,
        check=True,
        capture_output=True,
    )
    create_connection(env, base_url)
    return env


def create_connection(env: dict[str, str], base_url: str, name: str = "local") -> None:
    """A connection like `local` (connections/local.yaml) under `name`, pointing at base_url, in env's pf home."""
    local = str(PROJECT_ROOT / "connections/local.yaml")
    command = [PF, "connection", "create", "--file", local, "--name", name, "--set", f"base_url={base_url}"]
    subprocess.run(command, env=env, check=True, capture_output=True)


def pf_flow_test(env: dict[str, str], flow: Path | str, **inputs: str) -> tuple[int, dict | None, str]:
    """`pf flow test` in a child process: exit code, the outputs it printed (None if none), everything it logged."""
    from answering.show import flow_output

    proc = subprocess.run(
        [PF, "flow", "test", "--flow", str(flow), "--inputs", *(f"{k}={v}" for k, v in inputs.items())],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=PROJECT_ROOT,
    )
    return proc.returncode, flow_output(proc.stdout), proc.stdout + proc.stderr


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
                time.sleep(1)
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=30)
