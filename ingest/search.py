"""The read side: `search(query, k)` over the current index, dense vectors fused with BM25, optionally limited to one
source (corpus or file) and/or chapter. It says which passages and how close (and, for the relevance gate, which
words the searched passages use); whether the notes cover a question is answering's decision (answering.gate).

CLI: `python -m ingest.search QUERY -k 5 [--json] [--source S] [--chapter C]`; with no QUERY, one query per line from
stdin; `--list` shows the sources and chapters.
"""

import argparse
import json
import logging
import re
import sys
from collections import Counter
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath

import bm25s
import numpy as np
from chromadb.api.models.Collection import Collection

from core.errors import cli_exit
from ingest import embedder, store, terms
from ingest.errors import FilterError, QueryError
from ingest.notes import source_name

logging.getLogger("bm25s").setLevel(logging.WARNING)

RRF_K = 60  # the usual reciprocal-rank-fusion constant; dampens the gap between rank 1 and rank 2
POOL = 30  # candidates each retriever contributes before fusion


@dataclass(frozen=True)
class Hit:
    text: str
    score: float  # cosine similarity of query and passage
    chapter: str
    section: str
    source: str
    lines: str
    id: str
    corpus: str = ""  # the folder given to ingest that holds the source file, e.g. "notes" or "mslearn-labs"


class _Generation:
    """One generation's collection and its BM25 index (built from the collection's own documents, so it works the
    same on a folder and on a server), kept while that generation is current."""

    def __init__(self, collection: Collection):
        self.collection = collection
        got = store.get_all(self.collection, include=["metadatas", "documents"])
        self.ids: list[str] = got["ids"]
        self.metadatas: list[dict] = got["metadatas"]
        self.documents: list[str] = got["documents"]
        corpus = [m.get("embedding_text") or d for m, d in zip(self.metadatas, self.documents)]
        self.texts = corpus
        self.position = {i: p for p, i in enumerate(self.ids)}
        self.vocabulary = terms.vocabulary(corpus)
        self.subsets: dict[tuple[str, str], Subset] = {}
        self.bm25 = bm25s.BM25()
        if self.ids:
            self.bm25.index(bm25s.tokenize(corpus, stopwords="en", show_progress=False), show_progress=False)


@dataclass(frozen=True)
class Subset:
    """The passages a source/chapter filter keeps, in the forms each side of the search needs."""

    count: int
    where: dict  # for Chroma's dense query
    mask: np.ndarray  # 1.0 for kept rows: bm25s's weight_mask
    vocabulary: frozenset[str]  # every word of the kept passages (see vocabulary())


_CHAPTER_NUMBER = re.compile(r"^(?:chapter\s*)?(\d+)\.?$", re.IGNORECASE)


def corpus_of(meta: dict) -> str:
    # Indexes built before corpora were stored: the folder holding the file.
    return meta.get("corpus") or PurePosixPath(meta["source"]).parent.name or meta["source"]


@lru_cache(maxsize=64)
def _as_stored(value: str) -> str:
    # A path that exists as given (../shared/corpus/mslearn-labs) is stored resolved; once per filter, not per row.
    value = value.strip().rstrip("/")
    return source_name(Path(value)) if value and Path(value).exists() else value


def source_matches(value: str, meta: dict) -> bool:
    """A corpus name (`mslearn-labs`), a file path as stored or as given, a file name, or a folder the file is in."""
    value = _as_stored(value)
    source = meta["source"]
    return (
        value in (corpus_of(meta), source, PurePosixPath(source).stem)
        or source.endswith("/" + value)
        or source.startswith(value + "/")
    )


def chapter_matches(value: str, meta: dict) -> bool:
    """A chapter number (`14`, `Chapter 14`), else words of the title: every chapter whose title contains them."""
    number = _CHAPTER_NUMBER.match(value.strip())
    if number:
        return meta.get("chapter_number") == int(number.group(1))
    return " ".join(value.split()).casefold() in meta["chapter"].casefold()


def _subset(gen: _Generation, source: str, chapter: str) -> Subset:
    rows = [
        p
        for p, meta in enumerate(gen.metadatas)
        if (not source or source_matches(source, meta)) and (not chapter or chapter_matches(chapter, meta))
    ]
    if not rows:
        raise FilterError(_no_match(gen.metadatas, source, chapter))
    clauses = []
    if source:
        clauses.append({"source": {"$in": sorted({gen.metadatas[p]["source"] for p in rows})}})
    if chapter:
        clauses.append({"chapter": {"$in": sorted({gen.metadatas[p]["chapter"] for p in rows})}})
    mask = np.zeros(len(gen.ids), dtype=np.float32)
    mask[rows] = 1.0
    where = clauses[0] if len(clauses) == 1 else {"$and": clauses}
    return Subset(len(rows), where, mask, terms.vocabulary(gen.texts[p] for p in rows))


def subset(gen: _Generation, source: str = "", chapter: str = "") -> Subset | None:
    """None without a filter; FilterError, naming what exists, when the filter keeps nothing."""
    source, chapter = (source or "").strip(), (chapter or "").strip()
    if not source and not chapter:
        return None
    if (source, chapter) not in gen.subsets:
        gen.subsets[(source, chapter)] = _subset(gen, source, chapter)
    return gen.subsets[(source, chapter)]


def _no_match(metadatas: list[dict], source: str, chapter: str) -> str:
    corpora = Counter(corpus_of(m) for m in metadatas)
    if source and not any(source_matches(source, m) for m in metadatas):
        names = ", ".join(f"{c} ({n} passages)" for c, n in sorted(corpora.items()))
        return f"no passages match source {source!r}; the sources are {names} (or give a file path or file name)"
    within = [m for m in metadatas if not source or source_matches(source, m)]
    numbers = sorted({m["chapter_number"] for m in within if m.get("chapter_number", -1) >= 0})
    titled = sorted({m["chapter"] for m in within if m.get("chapter_number", -1) < 0})
    kinds = [f"numbers {numbers[0]}-{numbers[-1]}"] if numbers else []
    if titled:
        kinds.append(f"{len(titled)} titled, e.g. {titled[0]!r}")
    where = f" in source {source!r}" if source else ""
    return (
        f"no passages match chapter {chapter!r}{where}; chapters there: {' and '.join(kinds)}; "
        "give a number or words of a title (`python -m ingest.search --list` lists them)"
    )


_open: dict[tuple, _Generation] = {}


def _current(root: Path | None) -> _Generation:
    target = store.index(root)
    with store.reachable(target):
        generation = target.current()
        if generation is None:
            raise target.missing()
        key = (str(target.where), str(generation))
        if key not in _open:
            collection = target.collection(generation)
            _open.clear()
            _open[key] = _Generation(collection)
    return _open[key]


def search(
    query: str, k: int = 5, mode: str = "hybrid", root: Path | None = None, source: str = "", chapter: str = ""
) -> list[Hit]:
    """Top-k passages for the query; mode is "hybrid" (dense + BM25, rank-fused) or "dense". A source or chapter
    limits both sides of the search to the passages it matches (see source_matches and chapter_matches)."""
    if mode not in ("hybrid", "dense"):
        raise ValueError(f"mode must be 'hybrid' or 'dense', not {mode!r}")
    if not query.strip():  # nothing to embed or match; a question is checked where a flow starts (answering)
        raise QueryError("the query is empty; give words to search for")
    gen = _current(root)
    n = len(gen.ids)
    if n == 0:
        return []
    kept = subset(gen, source, chapter)
    with store.reachable(store.index(root)):
        return _search(gen, query, k, mode, kept)


def _search(gen: _Generation, query: str, k: int, mode: str, kept: Subset | None = None) -> list[Hit]:
    n = kept.count if kept else len(gen.ids)
    vector = embedder.embed([query])[0]
    dense = gen.collection.query(
        query_embeddings=[vector], n_results=min(POOL, n), where=kept.where if kept else None, include=["distances"]
    )
    cosine = {i: 1.0 - d for i, d in zip(dense["ids"][0], dense["distances"][0])}
    fused = {i: 1.0 / (RRF_K + rank) for rank, i in enumerate(dense["ids"][0], 1)}
    if mode == "hybrid":
        tokens = bm25s.tokenize([query], stopwords="en", show_progress=False)
        if tokens.vocab:
            mask = kept.mask if kept else None
            docs, scores = gen.bm25.retrieve(tokens, k=min(POOL, len(gen.ids)), show_progress=False, weight_mask=mask)
            ranked = [gen.ids[d] for d, s in zip(docs[0], scores[0]) if s > 0]
            for rank, i in enumerate(ranked, 1):
                fused[i] = fused.get(i, 0.0) + 1.0 / (RRF_K + rank)
    top = sorted(fused, key=fused.get, reverse=True)[:k]
    missing = [i for i in top if i not in cosine]
    if missing:
        got = gen.collection.get(ids=missing, include=["embeddings"])
        for i, emb in zip(got["ids"], got["embeddings"]):
            cosine[i] = float(np.dot(vector, np.asarray(emb)))
    position = gen.position
    return [_hit(i, cosine[i], gen.metadatas[position[i]], gen.documents[position[i]]) for i in top]


def vocabulary(root: Path | None = None, source: str = "", chapter: str = "") -> frozenset[str]:
    """Every word (ingest.terms) of the passages a search with this source/chapter filter looks at: a word only the
    other sources use is not in it. What the relevance gate checks a question's words against."""
    gen = _current(root)
    kept = subset(gen, source, chapter) if gen.ids else None
    return kept.vocabulary if kept else gen.vocabulary


def _hit(chunk_id: str, score: float, meta: dict, text: str) -> Hit:
    return Hit(
        text=text,
        score=round(float(score), 4),
        chapter=meta["chapter"],
        section=meta["section"],
        source=meta["source"],
        lines=f"{meta['line_start']}-{meta['line_end']}",
        id=chunk_id,
        corpus=corpus_of(meta),
    )


def _print(hits: list[Hit], as_json: bool) -> None:
    if as_json:
        print(json.dumps([asdict(h) for h in hits], ensure_ascii=False))
        return
    for rank, hit in enumerate(hits, 1):
        print(f"[{rank}] {hit.score:.3f}  {hit.chapter} ({hit.source}:{hit.lines})")
        print("    " + " ".join(hit.text.split())[:200])


def catalogue(root: Path | None = None) -> list[str]:
    """The index's sources and chapters, one line each, with passage counts: what --source and --chapter accept."""
    gen = _current(root)
    counts = Counter((corpus_of(m), m["source"], m.get("chapter_number", -1), m["chapter"]) for m in gen.metadatas)
    lines, corpus, source = [], None, None
    for (c, s, number, chapter), n in sorted(counts.items()):
        if c != corpus:
            corpus = c
            lines.append(f"{c}  ({sum(v for k, v in counts.items() if k[0] == c)} passages)")
        if s != source:
            source = s
            lines.append(f"  {s}")
        lines.append(f"    {f'[{number}] ' if number >= 0 else ''}{chapter}  ({n})")
    return lines


def main(argv: list[str] | None = None) -> int:
    """The CLI's exit code: 2 with one line on stderr for a user error."""
    return cli_exit(lambda: _main(argv))


def _main(argv: list[str] | None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ingest.search", description="Search the notes index.")
    parser.add_argument("query", nargs="?", help="the query; without it, one query per line from stdin")
    parser.add_argument("-k", type=int, default=5, help="how many passages (default 5)")
    parser.add_argument("--json", action="store_true", help="print hits as JSON (one line per query)")
    parser.add_argument("--dense", action="store_true", help="dense retrieval only, no BM25 fusion")
    parser.add_argument(
        "--source",
        default="",
        help="only passages from this source: a corpus name (the folder given to ingest, e.g. notes, mslearn-labs), "
        "a file path, a file name (with or without .md) or a folder the files are in",
    )
    parser.add_argument(
        "--chapter",
        default="",
        help="only passages from this chapter: its number (14 or 'Chapter 14'), or words of its title "
        "(case-insensitive; every chapter whose title contains them)",
    )
    parser.add_argument("--list", action="store_true", help="list the sources and chapters of the index and exit")
    args = parser.parse_args(argv)
    if args.list:
        print("\n".join(catalogue()))
        return 0
    queries = [args.query] if args.query is not None else [line for line in sys.stdin if line.strip()]
    mode = "dense" if args.dense else "hybrid"
    for query in queries:
        _print(search(query, k=args.k, mode=mode, source=args.source, chapter=args.chapter), args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
