"""Where the index lives and how notes are cut; every value can be overridden by an environment variable."""

from pathlib import Path

from core import settings
from core.paths import PROJECT_ROOT

COLLECTION = "notes"


def chroma_dir() -> Path:
    """The folder holding the persistent Chroma index (its generations and the CURRENT pointer)."""
    return settings.path("STUDYFLOW_CHROMA_DIR", PROJECT_ROOT / ".chroma")


def chroma_url() -> str | None:
    """A `chroma run` server (e.g. http://127.0.0.1:8000) to use instead of the folder; unset means the folder."""
    return (settings.optional_text("STUDYFLOW_CHROMA_URL") or "").rstrip("/") or None


def chroma_collection() -> str:
    """On a server: the base name of the index's collections, so several indexes can share one server."""
    return settings.text("STUDYFLOW_CHROMA_COLLECTION", COLLECTION)


def chroma_tenant() -> str:
    return settings.text("STUDYFLOW_CHROMA_TENANT", "default_tenant")


def chroma_database() -> str:
    return settings.text("STUDYFLOW_CHROMA_DATABASE", "default_database")


def default_notes() -> list[Path]:
    return [PROJECT_ROOT / "notes"]


def chunk_max_tokens() -> int:
    return settings.integer("STUDYFLOW_CHUNK_MAX_TOKENS", 200, minimum=1)


def chunk_min_tokens() -> int:
    return settings.integer("STUDYFLOW_CHUNK_MIN_TOKENS", 40, minimum=0)


def chunk_overlap_tokens() -> int:
    return settings.integer("STUDYFLOW_CHUNK_OVERLAP_TOKENS", 40, minimum=0)


def torch_threads() -> int:
    # With 2 cores, a query embedding must not fight the LLM server for both of them.
    return settings.integer("STUDYFLOW_TORCH_THREADS", 1, minimum=1)
