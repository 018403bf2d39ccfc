"""Notes -> chunks -> vectors -> a new index generation, re-embedding only what changed."""

import hashlib
import time
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from chromadb.api.models.Collection import Collection
from filelock import FileLock
from tqdm import tqdm

from core.paths import PROJECT_ROOT
from ingest import embedder, settings, store
from ingest.chunker import Chunk, chunk_markdown
from ingest.notes import corpora, find_notes, read_note

EMBED_BATCH = 32


@dataclass(frozen=True)
class Summary:
    files: int
    chunks: int
    added: int
    kept: int
    removed: int
    seconds: float
    index: Path | str  # the folder, or the server URL and collection

    def line(self) -> str:
        return (
            f"{self.files} files, {self.chunks} chunks: {self.added} added, {self.kept} kept, "
            f"{self.removed} removed in {self.seconds:.1f} s -> {self.index}"
        )


def chunk_notes(paths: list[Path]) -> list[Chunk]:
    """Every file is read and checked before anything is written, so a bad file leaves the index as it was."""
    chunks = []
    owner = corpora(paths)
    for path in find_notes(paths):
        note = read_note(path)
        corpus = owner[path.resolve()]
        chunks.extend(
            replace(chunk, corpus=corpus.name, root=corpus.root)
            for chunk in chunk_markdown(
                note.text,
                note.source,
                embedder.count_tokens,
                max_tokens=settings.chunk_max_tokens(),
                min_tokens=settings.chunk_min_tokens(),
                overlap=settings.chunk_overlap_tokens(),
            )
        )
    return chunks


def chunk_ids(chunks: list[Chunk]) -> list[str]:
    """Content-addressed ids: an unchanged passage keeps its id (and its vector) wherever it moves in the file."""
    seen: Counter[str] = Counter()
    ids = []
    for chunk in chunks:
        base = hashlib.sha256(f"{chunk.source}\0{chunk.content_hash}".encode()).hexdigest()[:32]
        seen[base] += 1
        ids.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return ids


def chunk_metadata(chunk: Chunk) -> dict:
    return {
        "source": chunk.source,
        "corpus": chunk.corpus,
        "root": chunk.root,
        "chapter": chunk.chapter,
        "chapter_number": chunk.chapter_number if chunk.chapter_number is not None else -1,
        "section": chunk.section,
        "headings": " > ".join(chunk.headings),
        "line_start": chunk.line_start,
        "line_end": chunk.line_end,
        "hash": chunk.content_hash,
        "tokens": chunk.tokens,
        "embedding_text": chunk.embedding_text,
    }


def build_index(
    paths: list[Path] | None = None, root: Path | None = None, rebuild: bool = False, progress: bool = True
) -> Summary:
    """Into the folder root if given, else where the settings say (STUDYFLOW_CHROMA_URL, else STUDYFLOW_CHROMA_DIR)."""
    started = time.perf_counter()
    target = store.index(root)
    with store.reachable(target):
        paths = paths or previous_roots(target) or settings.default_notes()
    chunks = chunk_notes(paths)
    files = len({c.source for c in chunks})
    desired = dict(zip(chunk_ids(chunks), chunks))
    with store.writable(target), store.reachable(target), FileLock(str(target.lock_file())):
        previous = target.current()
        # What an ingest killed mid-way left goes first: on a nearly full disk its space is needed for this one.
        target.remove_stale(keep=previous)
        old = None if rebuild else previous
        existing = _existing_metadata(target, old) if old else {}
        to_add = [i for i in desired if i not in existing]
        to_remove = [i for i in existing if i not in desired]
        to_update = [i for i in desired if i in existing and existing[i] != chunk_metadata(desired[i])]
        if old is None or to_add or to_remove or to_update:
            generation = target.create(copy_of=old)
            _apply(target.collection(generation, create=True), desired, to_add, to_remove, to_update, progress)
            target.switch(generation)
        # Generations left by earlier ingests, or by one that crashed before its switch. The one just replaced is
        # kept until the next ingest, so a reader that opened it a moment ago is not pulled out from under.
        target.remove_stale(keep=previous)
    return Summary(
        files=files,
        chunks=len(desired),
        added=len(to_add),
        kept=len(desired) - len(to_add),
        removed=len(to_remove),
        seconds=time.perf_counter() - started,
        index=target.where,
    )


def previous_roots(target: store.Index) -> list[Path]:
    """The folders the current index was built from, so a plain `python -m ingest` (and `make chat`) refreshes all
    of them instead of dropping every folder but notes/."""
    generation = target.current()
    if generation is None:
        return []
    roots = {m.get("root") for m in store.get_all(target.collection(generation), include=["metadatas"])["metadatas"]}
    return [PROJECT_ROOT / r for r in sorted(r for r in roots if r)]


def _existing_metadata(target: store.Index, generation: Path | str) -> dict[str, dict]:
    collection = target.collection(generation, create=True)
    got = store.get_all(collection, include=["metadatas"])
    return dict(zip(got["ids"], got["metadatas"]))


def _apply(
    collection: Collection,
    desired: dict[str, Chunk],
    to_add: list[str],
    to_remove: list[str],
    to_update: list[str],
    progress: bool,
) -> None:
    # In pages: Chroma refuses one call with more than ~5k ids (a removed 100k-chunk folder, or new metadata fields).
    for start in range(0, len(to_remove), store.READ_BATCH):
        collection.delete(ids=to_remove[start : start + store.READ_BATCH])
    for start in range(0, len(to_update), store.READ_BATCH):
        page = to_update[start : start + store.READ_BATCH]
        collection.update(ids=page, metadatas=[chunk_metadata(desired[i]) for i in page])
    batches = [to_add[i : i + EMBED_BATCH] for i in range(0, len(to_add), EMBED_BATCH)]
    with tqdm(total=len(to_add), desc="embedding", unit="chunk", disable=not progress or not to_add) as bar:
        for batch in batches:
            chunks = [desired[i] for i in batch]
            vectors = embedder.embed([c.embedding_text for c in chunks])
            collection.add(
                ids=batch,
                embeddings=vectors,
                documents=[c.text for c in chunks],
                metadatas=[chunk_metadata(c) for c in chunks],
            )
            bar.update(len(batch))
