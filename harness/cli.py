"""The project's CLIs in child processes, from the project root, on a given index folder."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

from core.paths import PROJECT_ROOT

RunCli = Callable[..., subprocess.CompletedProcess]


def cli_env(chroma: Path) -> dict[str, str]:
    """This environment, offline, unbuffered, with the project importable and STUDYFLOW_CHROMA_DIR at chroma."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    env["PYTHONUNBUFFERED"] = "1"
    env["HF_HUB_OFFLINE"] = "1"
    env["TRANSFORMERS_OFFLINE"] = "1"
    env["STUDYFLOW_CHROMA_DIR"] = str(chroma)
    return env
