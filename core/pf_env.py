"""The pf environment (the project's pf home, offline, no telemetry), as tools/pf.env writes it once for the
Makefile, bin/pf, the venv's activate hook and the python code that starts promptflow in its own process."""

import os
from pathlib import Path
from string import Template

from core.paths import PROJECT_ROOT

PF_ENV_FILE = PROJECT_ROOT / "tools" / "pf.env"


def pf_settings(home: Path | None = None) -> dict[str, str]:
    """tools/pf.env's settings, for the project's pf home or (home given) a private one."""
    known = {"STUDYFLOW_ROOT": str(PROJECT_ROOT)}
    settings: dict[str, str] = {}
    for line in PF_ENV_FILE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, _, value = line.partition("=")
        value = str(home) if name == "PF_HOME_DIRECTORY" and home is not None else Template(value).substitute(known)
        known[name] = settings[name] = value
    return settings


def use_project_pf_home() -> None:
    """Before promptflow is imported in this process: its settings, where the environment does not set them
    already (a test's private pf home stays private)."""
    for name, value in pf_settings().items():
        os.environ.setdefault(name, value)
