"""pf in child processes: the project's pf settings (tools/pf.env), private pf homes, connections, `pf flow test`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from core.paths import PROJECT_ROOT
from core.pf_env import pf_settings

PF = str(Path(sys.executable).parent / "pf")
PF_CONFIG = PROJECT_ROOT / "pf.yaml"


def pf_home(home: Path, base_url: str) -> dict[str, str]:
    """The environment of a private pf home whose `local` connection points at base_url."""
    env = dict(os.environ) | pf_settings(home) | {"GRADIO_ANALYTICS_ENABLED": "False"}
    # pf sends telemetry before it reads a config: the home starts with the project's (no telemetry, no tracing).
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(PF_CONFIG, home / "pf.yaml")
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
