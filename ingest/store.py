"""The Chroma index on disk. Each ingest writes a new generation folder aside and then switches the
CURRENT pointer with an atomic rename, so a crash mid-ingest leaves the previous generation in use."""

import os
from pathlib import Path

import chromadb
from chromadb.api.models.Collection import Collection
from chromadb.config import Settings

from ingest.errors import IndexMissingError
from ingest.settings import COLLECTION

POINTER = "CURRENT"


def current_generation(root: Path) -> Path | None:
    try:
        name = (root / POINTER).read_text().strip()
    except FileNotFoundError:
        return None
    path = root / name
    return path if name and path.is_dir() else None


def switch_generation(root: Path, generation: Path) -> None:
    tmp = root / f"{POINTER}.tmp"
    with open(tmp, "w") as f:
        f.write(generation.name)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, root / POINTER)
    dir_fd = os.open(root, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def open_collection(generation: Path, create: bool = False) -> Collection:
    client = chromadb.PersistentClient(path=str(generation), settings=Settings(anonymized_telemetry=False))
    if create:
        # No embedding function: Chroma's default one downloads a model; we always pass vectors ourselves.
        return client.get_or_create_collection(COLLECTION, embedding_function=None, metadata={"hnsw:space": "cosine"})
    return client.get_collection(COLLECTION, embedding_function=None)


def open_current(root: Path) -> tuple[Path, Collection]:
    generation = current_generation(root)
    if generation is None:
        raise IndexMissingError(f"no index yet in {root}; run `make ingest` (or `python -m ingest`) first")
    return generation, open_collection(generation)
