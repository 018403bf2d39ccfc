"""Run the llama.cpp OpenAI-compatible server as a detached background process."""

from __future__ import annotations

import http.client
import importlib.util
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from core.errors import StudyflowError
from local_llm import settings
from local_llm.file_lock import exclusive
from local_llm.model_file import gguf_path

_THREADS = 2
_CTX = 4096
# Servers we spawned from this process, kept so we can reap them when they die.
_children: dict[int, subprocess.Popen[bytes]] = {}
# The server is always local, so an http_proxy in the environment must not be used.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class LLMServerError(StudyflowError):
    """The server could not be started or stopped; the message says where to look."""


@dataclass(frozen=True)
class ServerStatus:
    url: str
    ready: bool
    pid: int | None
    log_file: Path


def base_url() -> str:
    """The OpenAI-compatible base URL, e.g. http://127.0.0.1:8765/v1."""
    return f"http://{settings.llm_host()}:{settings.llm_port()}/v1"


def pid_file() -> Path:
    return settings.run_dir() / "llm_server.pid"


def log_file() -> Path:
    return settings.run_dir() / "llm_server.log"


def is_ready(url: str | None = None, timeout: float = 2.0) -> bool:
    """True if GET <url>/models answers 200, or the server took the connection but is busy.

    llama.cpp serves one request at a time, and /models waits behind a running completion: a read timeout
    means a live server that is generating, not a dead one.
    """
    try:
        with _opener.open(f"{(url or base_url()).rstrip('/')}/models", timeout=timeout) as resp:
            return resp.status == 200
    except TimeoutError:
        return True
    except (OSError, ValueError, http.client.HTTPException):
        return False


def _read_pid() -> int | None:
    try:
        return int(pid_file().read_text().strip())
    except (OSError, ValueError):
        return None


def _alive(pid: int) -> bool:
    child = _children.get(pid)
    if child is not None:
        return child.poll() is None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A dead child of some other process lingers as a zombie until reaped.
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _cmdline(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return None


def _is_our_server(pid: int) -> bool:
    # Guards against killing an unrelated process that reused a stale pid.
    args = _cmdline(pid)
    return _alive(pid) if args is None else "llama_cpp.server" in args


def _serves_our_port(pid: int) -> bool:
    args = _cmdline(pid)
    return args is None or str(settings.llm_port()) in args


def _last_log_line() -> str:
    try:
        lines = [line.strip() for line in log_file().read_text(errors="replace").splitlines()]
    except OSError:
        return ""
    return next((line for line in reversed(lines) if line), "")


def _fail(reason: str) -> LLMServerError:
    last = _last_log_line()
    hint = f" (last line: {last[:200]})" if last else ""
    return LLMServerError(f"LLM server {reason}; see {log_file()}{hint}")


def _command(model: Path) -> list[str]:
    draft = settings.llm_draft()
    command = [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(model),
        "--host", settings.llm_host(),
        "--port", str(settings.llm_port()),
        "--n_threads", str(_THREADS),
        "--n_threads_batch", str(_THREADS),
        "--logits_all", "true" if draft else "false",
        "--n_ctx", str(_CTX),
        "--interrupt_requests", "false",
        "--model_alias", settings.MODEL_ALIAS,
    ]  # fmt: skip
    # A draft model needs logits_all on: llama-cpp-python turns it on by itself but sizes its logits buffer from the
    # argument, so with "false" any prompt over one batch (512 tokens) fails ("could not broadcast ... shape (0,)").
    if draft == "prompt-lookup":
        command += ["--draft_model", "prompt-lookup-decoding"]
    return command


def _wait_ready(pid: int, url: str, wait_seconds: float) -> None:
    deadline = time.monotonic() + wait_seconds
    while time.monotonic() < deadline:
        if not _alive(pid):
            child = _children.pop(pid, None)
            code = child.returncode if child is not None else "unknown"
            pid_file().unlink(missing_ok=True)
            raise _fail(f"exited (code {code}) before it was ready")
        if is_ready(url):
            return
        time.sleep(0.5)
    stop(quiet=True)
    raise _fail(f"was not ready after {wait_seconds:.0f}s and was stopped")


def start(wait_seconds: float = 300.0, progress: bool = False) -> str:
    """Ensure a server answers at base_url(), starting one if needed; return the URL."""
    url = base_url()
    if is_ready(url):
        print(f"reusing the LLM server already running at {url}")
        return url
    if importlib.util.find_spec("llama_cpp") is None:
        raise LLMServerError(
            "llama-cpp-python is not installed; run "
            f"`{sys.executable} -m pip install 'llama-cpp-python[server]==0.3.36'`"
        )
    model = gguf_path(progress=progress)
    settings.run_dir().mkdir(parents=True, exist_ok=True)
    # Concurrent start() calls must agree on one server: the loser of a port
    # race would overwrite the pid file and the log of the winner.
    with exclusive(settings.run_dir() / "llm_server.lock"):
        pid = _read_pid()
        if pid is None or not (_alive(pid) and _is_our_server(pid)):
            pid = _spawn(model)
        elif not _serves_our_port(pid):
            raise LLMServerError(
                f"the LLM server in {pid_file()} (pid {pid}) uses another port; "
                "run `python -m local_llm stop` first or set STUDYFLOW_RUN_DIR"
            )
    _wait_ready(pid, url, wait_seconds)
    return url


def _spawn(model: Path) -> int:
    with open(log_file(), "wb") as log:
        proc = subprocess.Popen(
            _command(model),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # survives the caller's Ctrl-C and exit
        )
    _children[proc.pid] = proc
    pid_file().write_text(f"{proc.pid}\n")
    return proc.pid


def _signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)  # start_new_session made the server its group's leader
    except ProcessLookupError:
        pass


def stop(quiet: bool = False, grace_seconds: float = 10.0) -> bool:
    """Stop the pid-file server (SIGTERM, then SIGKILL); True if one was stopped."""
    pid = _read_pid()
    stopped = False
    if pid is not None and _alive(pid) and _is_our_server(pid):
        _signal_group(pid, signal.SIGTERM)
        deadline = time.monotonic() + grace_seconds
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if _alive(pid):
            _signal_group(pid, signal.SIGKILL)
            deadline = time.monotonic() + 5.0
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.1)
        stopped = True
    _children.pop(pid or -1, None)
    pid_file().unlink(missing_ok=True)
    if not quiet:
        print(f"stopped the LLM server (pid {pid})" if stopped else "no LLM server started by local_llm is running")
    return stopped


def status() -> ServerStatus:
    """Whether a server answers at base_url(), and our server's pid if alive."""
    pid = _read_pid()
    if pid is not None and not (_alive(pid) and _is_our_server(pid)):
        pid = None
    return ServerStatus(url=base_url(), ready=is_ready(), pid=pid, log_file=log_file())
