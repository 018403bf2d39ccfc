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


def in_process_flow(flow: Path | str, base_url: str):
    """The flow loaded by promptflow in this process, as the chat page loads it, with every node that takes a
    connection given one to the OpenAI-compatible server at base_url (an object, so no pf home is read). For tests
    of what a flow does with its inputs: it costs a call where a `pf flow test` child process costs ~9 s of start-up
    (promptflow, torch, the embedding model); one `pf flow test` per command still covers the command itself."""
    import yaml
    from promptflow.client import load_flow
    from promptflow.connections import OpenAIConnection
    from promptflow.entities import FlowContext

    dag = yaml.safe_load((Path(flow) / "flow.dag.yaml").read_text(encoding="utf-8"))
    takes_connection = [node["name"] for node in dag["nodes"] if "connection" in node.get("inputs", {})]
    takes_connection += [name for name, node in dag.get("node_variants", {}).items() if _variants_take_connection(node)]
    connection = OpenAIConnection(name="local", api_key="sk-no-key-needed", base_url=base_url)
    loaded = load_flow(str(flow))
    loaded.context = FlowContext(connections={name: {"connection": connection} for name in takes_connection})
    return loaded


def _variants_take_connection(node_variants: dict) -> bool:
    return any("connection" in v["node"].get("inputs", {}) for v in node_variants.get("variants", {}).values())
