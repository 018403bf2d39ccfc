"""Where the Chroma index lives: a folder (the default) or a `chroma run` server (STUDYFLOW_CHROMA_URL).

Either way an ingest writes a whole new generation aside and then switches a pointer to it in one step, so readers
only ever open a complete generation and a crash mid-ingest leaves the previous one in use:
- folder: generation folders `gen-<ns>` and a CURRENT file replaced by an atomic rename;
- server: generation collections `<base>-gen-<ns>` and the metadata of a one-purpose collection `<base>-pointer`,
  changed by one update.
"""

import atexit
import errno
import hashlib
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import chromadb
import httpx
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.config import Settings
from chromadb.errors import ChromaError, NotFoundError
from filelock import FileLock, Timeout

from core.errors import SettingError, StudyflowError
from ingest import settings
from ingest.errors import ChromaServerError, IndexMissingError
from ingest.settings import COLLECTION

POINTER = "CURRENT"
# No embedding function anywhere: Chroma's default one downloads a model; we always pass vectors ourselves.
COSINE = {"hnsw:space": "cosine"}
COPY_BATCH = 1000


def _settings() -> Settings:
    # A new object each time: the client constructors write their host, port or path into it.
    return Settings(anonymized_telemetry=False)


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
    try:
        client = chromadb.PersistentClient(path=str(generation), settings=_settings())
    except ChromaError:
        _forget_failed_client(generation)
        # Chroma writes to its database even to read it, so it cannot open one on a read-only mount, in files of
        # another user or on a full disk. What a generation holds never changes once it is current: a copy reads
        # the same.
        if create:
            raise
        client = chromadb.PersistentClient(path=str(_private_copy(generation)), settings=_settings())
    if create:
        return client.get_or_create_collection(COLLECTION, embedding_function=None, metadata=COSINE)
    return client.get_collection(COLLECTION, embedding_function=None)


def _forget_failed_client(path: Path) -> None:
    # chromadb 1.5 caches a client's system before starting it and keeps it when starting fails: every later client
    # for the same folder would get that broken one (AttributeError: no `bindings`) instead of trying again.
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient._identifier_to_system.pop(str(path), None)
    SharedSystemClient._identifier_to_refcount.pop(str(path), None)


_copies: dict[Path, Path] = {}


def _private_copy(generation: Path) -> Path:
    if generation not in _copies:
        folder = Path(tempfile.mkdtemp(prefix="studyflow-index-copy-"))
        atexit.register(shutil.rmtree, folder, True)
        copy = folder / generation.name
        try:
            shutil.copytree(generation, copy, copy_function=shutil.copyfile)  # the copy must be writable: no modes
        except OSError as err:
            shutil.rmtree(folder, ignore_errors=True)
            raise StudyflowError(
                f"cannot open the index in {generation.parent} (its disk is full or read-only) nor copy it to "
                f"{folder.parent} ({_single_spaced(err)}); free some space and try again"
            ) from None
        for path in [copy, *copy.rglob("*")]:
            path.chmod(0o700 if path.is_dir() else 0o600)
        _copies[generation] = copy
    return _copies[generation]


def open_current(root: Path) -> tuple[Path, Collection]:
    generation = current_generation(root)
    if generation is None:
        raise IndexMissingError(f"no index yet in {root}; run `make ingest` (or `python -m ingest`) first")
    return generation, open_collection(generation)


class Folder:
    """The index in a local folder, opened with PersistentClient."""

    def __init__(self, root: Path):
        self.root = root
        self.where: Path | str = root

    def lock_file(self) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        return self.root / ".ingest.lock"

    def current(self) -> Path | None:
        return current_generation(self.root)

    def collection(self, generation: Path, create: bool = False) -> Collection:
        return open_collection(generation, create=create)

    def create(self, copy_of: Path | None) -> Path:
        generation = self.root / f"gen-{time.time_ns()}"
        if copy_of is not None:
            shutil.copytree(copy_of, generation)
        return generation

    def switch(self, generation: Path) -> None:
        switch_generation(self.root, generation)

    def remove_stale(self, keep: Path | None) -> None:
        current = self.current()
        for path in self.root.glob("gen-*"):
            if path not in (current, keep) and path.is_dir():
                shutil.rmtree(path, ignore_errors=True)

    def missing(self) -> IndexMissingError:
        return IndexMissingError(f"no index yet in {self.root}; run `make ingest` (or `python -m ingest`) first")


_clients: dict[tuple[str, str, str], ClientAPI] = {}


class Server:
    """The index on a Chroma server, opened with HttpClient."""

    def __init__(self, url: str, base: str):
        self.url = url
        self.base = base
        self.pointer = f"{base}-pointer"
        self.prefix = f"{base}-gen-"
        self.where = f"{url} (collection {base})"

    def down(self) -> ChromaServerError:
        return ChromaServerError(
            f"the Chroma server at {self.url} is not answering; start it with `make chroma-server` "
            "or unset STUDYFLOW_CHROMA_URL"
        )

    @property
    def client(self) -> ClientAPI:
        key = (self.url, settings.chroma_tenant(), settings.chroma_database())
        if key not in _clients:
            parts = urlsplit(self.url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise SettingError(f"STUDYFLOW_CHROMA_URL={self.url!r} is not a URL like http://127.0.0.1:8000")
            try:
                _clients[key] = chromadb.HttpClient(
                    host=parts.hostname,
                    port=parts.port or (443 if parts.scheme == "https" else 8000),
                    ssl=parts.scheme == "https",
                    tenant=key[1],
                    database=key[2],
                    settings=_settings(),
                )
            except ValueError as err:  # HttpClient checks the server at once: "Could not connect to a Chroma server"
                if "could not connect" not in str(err).lower():
                    raise
                raise self.down() from err
        return _clients[key]

    def lock_file(self) -> Path:
        # One ingest at a time from this machine; ingests from several machines into one server are not serialised.
        digest = hashlib.sha256(self.where.encode()).hexdigest()[:16]
        return Path(tempfile.gettempdir()) / f"studyflow-ingest-{digest}.lock"

    def current(self) -> str | None:
        try:
            name = (self.client.get_collection(self.pointer, embedding_function=None).metadata or {}).get("current")
        except NotFoundError:
            return None
        return name or None

    def collection(self, name: str, create: bool = False) -> Collection:
        try:
            return self.client.get_collection(name, embedding_function=None)
        except NotFoundError:
            raise self.missing() from None

    def create(self, copy_of: str | None) -> str:
        name = f"{self.prefix}{time.time_ns()}"
        new = self.client.create_collection(name, embedding_function=None, metadata=COSINE)
        if copy_of is not None:  # vectors are copied, never re-embedded
            old = self.collection(copy_of)
            for offset in range(0, old.count(), COPY_BATCH):
                got = old.get(include=["embeddings", "documents", "metadatas"], limit=COPY_BATCH, offset=offset)
                new.add(
                    ids=got["ids"], embeddings=got["embeddings"], documents=got["documents"], metadatas=got["metadatas"]
                )
        return name

    def switch(self, name: str) -> None:
        pointer = self.client.get_or_create_collection(self.pointer, embedding_function=None)
        pointer.modify(metadata={"current": name})

    def remove_stale(self, keep: str | None) -> None:
        current = self.current()
        for collection in self.client.list_collections():
            if collection.name.startswith(self.prefix) and collection.name not in (current, keep):
                try:
                    self.client.delete_collection(collection.name)
                except NotFoundError:
                    pass

    def missing(self) -> IndexMissingError:
        return IndexMissingError(
            f"no index yet in collection {self.base} at {self.url}; run `make ingest` (or `python -m ingest`) first"
        )


Index = Folder | Server


def index(root: Path | None = None) -> Index:
    """The folder given, else the server STUDYFLOW_CHROMA_URL names, else the folder STUDYFLOW_CHROMA_DIR names."""
    if root is not None:
        return Folder(root)
    url = settings.chroma_url()
    if url:
        return Server(url, settings.chroma_collection())
    return Folder(settings.chroma_dir())


@contextmanager
def reachable(where: Index) -> Iterator[None]:
    """A server that stops answering mid-way is reported as one line, not an httpx traceback."""
    try:
        yield
    except httpx.TransportError as err:
        if isinstance(where, Server):
            raise where.down() from err
        raise


# Below this much free space, an error Chroma reports without an errno is taken for a full disk (its own wording,
# "Failed to apply logs to the metadata segment", says nothing of the cause).
LOW_SPACE = 64 * 1024 * 1024

_WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM}


@contextmanager
def writable(where: Index) -> Iterator[None]:
    """A full disk, a quota or a read-only index folder mid-ingest is one line that says what to do, not a
    traceback, and the half-written generation is removed at once: a full disk needs its space back."""
    try:
        yield
    except (OSError, ChromaError) as err:
        if not isinstance(where, Folder):  # a server's disk is the server's to report
            raise
        code = _write_errno(where.root, err)
        if code is None:
            raise
        problem = _write_problem(where, code)
        try:
            with FileLock(str(where.root / ".ingest.lock"), timeout=0):  # not under another ingest's feet
                where.remove_stale(keep=None)
                (where.root / f"{POINTER}.tmp").unlink(missing_ok=True)
        except (OSError, Timeout):
            pass  # read-only, or another ingest runs: the next ingest removes it
        raise StudyflowError(problem) from err


def _write_errno(root: Path, err: OSError | ChromaError) -> int | None:
    """The errno behind a failed write into root, or None if the failure is not about writing there."""
    filename = getattr(err, "filename", None)
    if filename is not None and not Path(os.fsdecode(filename)).is_relative_to(root):
        return None  # e.g. the embedding model's files: not the index's disk
    code = getattr(err, "errno", None)
    if code is None:  # shutil.Error (from copytree) keeps each error only as text; Chroma keeps none
        found = re.search(r"\[Errno (\d+)\]", str(err))
        code = int(found.group(1)) if found else None
    if code is None and "(code: 13)" in str(err):  # SQLITE_FULL
        code = errno.ENOSPC
    if code is None:
        probe = next((p for p in [root, *root.parents] if p.exists()), root)
        stat = os.statvfs(probe)
        if stat.f_flag & os.ST_RDONLY:
            code = errno.EROFS
        elif stat.f_bavail * stat.f_frsize < LOW_SPACE:
            code = errno.ENOSPC
    return code if code in _WRITE_ERRNOS else None


def _write_problem(folder: Folder, code: int) -> str:
    unchanged = "the previous index is unchanged" if folder.current() else "no index was written"
    again = f"then run `make ingest` again; {unchanged}"
    root = folder.root
    if code == errno.ENOSPC:
        free = shutil.disk_usage(next((p for p in [root, *root.parents] if p.exists()), root)).free
        return f"disk full while writing the index in {root} ({free // 1024} KB free); free some space, {again}"
    if code == errno.EDQUOT:
        return f"disk quota exceeded while writing the index in {root}; free some space or raise the quota, {again}"
    if code == errno.EROFS:
        return (
            f"the index folder {root} is on a read-only file system; remount it writable or set "
            f"STUDYFLOW_CHROMA_DIR to a writable folder, {again}"
        )
    return (
        f"no permission to write in the index folder {root}; make it writable (chmod, chown, chattr -i) or set "
        f"STUDYFLOW_CHROMA_DIR to a writable folder, {again}"
    )


def _single_spaced(err: BaseException) -> str:
    """The error's message with each run of whitespace (line breaks too) as one space, to quote it in a sentence."""
    return " ".join(str(err).split())


READ_BATCH = 5000  # rows a get may ask for: Chroma's SQLite refuses one get of ~100k rows ("too many SQL variables")


def get_all(collection: Collection, include: list[str]) -> dict[str, list]:
    """Every row of a collection, read in pages, as one get() result (ids and the fields asked for)."""
    out: dict[str, list] = {"ids": [], **{field: [] for field in include}}
    for offset in range(0, collection.count(), READ_BATCH):
        got = collection.get(include=include, limit=READ_BATCH, offset=offset)
        for field in out:
            out[field].extend(got[field])
    return out
