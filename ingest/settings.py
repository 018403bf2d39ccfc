"""Where things live and how big they are; every value can be overridden by an environment variable."""

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

COLLECTION = "notes"
MAX_QUESTION_CHARS = 2000


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def chroma_dir() -> Path:
    """The folder holding the persistent Chroma index (its generations and the CURRENT pointer)."""
    return Path(os.environ.get("STUDYFLOW_CHROMA_DIR", PROJECT_ROOT / ".chroma")).resolve()


def chroma_url() -> str | None:
    """A `chroma run` server (e.g. http://127.0.0.1:8000) to use instead of the folder; unset means the folder."""
    return os.environ.get("STUDYFLOW_CHROMA_URL", "").strip().rstrip("/") or None


def chroma_collection() -> str:
    """On a server: the base name of the index's collections, so several indexes can share one server."""
    return os.environ.get("STUDYFLOW_CHROMA_COLLECTION", COLLECTION)


def chroma_tenant() -> str:
    return os.environ.get("STUDYFLOW_CHROMA_TENANT", "default_tenant")


def chroma_database() -> str:
    return os.environ.get("STUDYFLOW_CHROMA_DATABASE", "default_database")


def default_notes() -> list[Path]:
    return [PROJECT_ROOT / "notes"]


def chunk_max_tokens() -> int:
    return _int("STUDYFLOW_CHUNK_MAX_TOKENS", 200)


def chunk_min_tokens() -> int:
    return _int("STUDYFLOW_CHUNK_MIN_TOKENS", 40)


def chunk_overlap_tokens() -> int:
    return _int("STUDYFLOW_CHUNK_OVERLAP_TOKENS", 40)


def min_relevance() -> float:
    """Cosine similarity the best passage needs before the LLM is asked at all (the relevance gate)."""
    return _float("STUDYFLOW_MIN_RELEVANCE", 0.08)


def torch_threads() -> int:
    # With 2 cores, a query embedding must not fight the LLM server for both of them.
    return _int("STUDYFLOW_TORCH_THREADS", 1)
