"""pf works the same with or without `source .venv/bin/activate`: bin/pf and the venv's pf (which `make setup` makes
bin/pf too), run with a clean environment from another folder, use the project's pf home and tools/pf.env's offline
settings; the activate hook and the harness read the same file."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from core.paths import PROJECT_ROOT
from harness.pf import pf_settings

ENTRY_POINTS = {"bin/pf": PROJECT_ROOT / "bin" / "pf", ".venv/bin/pf": PROJECT_ROOT / ".venv" / "bin" / "pf"}


@pytest.mark.parametrize("name", list(ENTRY_POINTS))
def test_pf_with_a_clean_environment_uses_the_projects_pf_home(name: str, tmp_path: Path) -> None:
    # No activation and an empty HOME: had pf fallen back to ~/.promptflow it would find no `local` connection there.
    clean = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    proc = subprocess.run(
        [str(ENTRY_POINTS[name]), "connection", "list"], env=clean, cwd=tmp_path, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    connections = {c["name"]: c for c in json.loads(proc.stdout)}
    assert "local" in connections, proc.stdout
    assert not (tmp_path / ".promptflow").exists()


def test_an_environment_setting_wins_over_the_projects(tmp_path: Path) -> None:
    """A private pf home (the tests' own) stays private through bin/pf."""
    clean = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PF_HOME_DIRECTORY": str(tmp_path / "pf")}
    proc = subprocess.run(
        [str(ENTRY_POINTS["bin/pf"]), "connection", "list"], env=clean, cwd=tmp_path, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout) == [] and (tmp_path / "pf").is_dir()


def test_the_activate_hook_sets_what_tools_pf_env_says(tmp_path: Path) -> None:
    script = f"cd {tmp_path} && . {PROJECT_ROOT / '.venv/bin/activate'} && env"
    out = subprocess.run(["bash", "-c", script], env={"PATH": "/usr/bin:/bin"}, capture_output=True, text=True)
    shown = dict(line.split("=", 1) for line in out.stdout.splitlines() if "=" in line)
    expected = pf_settings()
    assert expected["PF_HOME_DIRECTORY"] == str(PROJECT_ROOT / ".pf")
    assert {k: shown.get(k) for k in expected} == expected


def test_a_private_pf_home_keeps_the_offline_settings(tmp_path: Path) -> None:
    settings = pf_settings(tmp_path)
    assert settings["PF_HOME_DIRECTORY"] == str(tmp_path) and settings["XDG_DATA_HOME"] == str(tmp_path / "xdg")
    assert {k: v for k, v in settings.items() if k not in ("PF_HOME_DIRECTORY", "XDG_DATA_HOME")} == {
        k: v for k, v in pf_settings().items() if k not in ("PF_HOME_DIRECTORY", "XDG_DATA_HOME")
    }
    assert settings["TELEMETRY_ENABLED"] == "false" and settings["HF_HUB_OFFLINE"] == "1"


@pytest.mark.parametrize("package", ["study", "bench", "eval.agreement", "app"])
def test_the_python_entry_points_that_start_promptflow_take_the_projects_pf_settings(package: str, tmp_path) -> None:
    # `python -m study generate`, `python -m bench.x`, `python -m eval.agreement`, `python app.py` run without make
    # or activation: pf's settings are in place before promptflow is imported, so it reads the project's pf home
    # and tries no Azure settings host.
    python = PROJECT_ROOT / ".venv" / "bin" / "python"
    show = f"import json, os, {package}; print(json.dumps({{k: os.environ.get(k) for k in {sorted(pf_settings())!r}}}))"
    clean = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONPATH": str(PROJECT_ROOT)}
    proc = subprocess.run([str(python), "-c", show], env=clean, cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads(proc.stdout) == pf_settings()
