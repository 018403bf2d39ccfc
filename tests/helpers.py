"""Helpers the flow, chat and page tests share: free ports and private pf homes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

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
    subprocess.run(
        [
            PF,
            "connection",
            "create",
            "--file",
            str(PROJECT_ROOT / "connections/local.yaml"),
            "--set",
            f"base_url={base_url}",
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    return env
