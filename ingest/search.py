"""The read side: `search(query, k)` over the current index, dense vectors fused with BM25.

CLI: `python -m ingest.search QUERY -k 5 [--json]`; with no QUERY, one query per line from stdin.
"""

import argparse
import json
import logging
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import bm25s
import numpy as np
from chromadb.api.models.Collection import Collection

from ingest import embedder, gate, settings, store
from ingest.errors import QuestionError, StudyflowError

logging.getLogger("bm25s").setLevel(logging.WARNING)

RRF_K = 60  # the usual reciprocal-rank-fusion constant; dampens the gap between rank 1 and rank 2
POOL = 30  # candidates each retriever contributes before fusion


@dataclass(frozen=True)
class Hit:
    text: str
    score: float  # cosine similarity of query and passage: what the relevance gate reads
    chapter: str
    section: str
    source: str
    lines: str
    id: str


class _Generation:
    """One generation's collection and its BM25 index (built from the collection's own documents, so it works the
    same on a folder and on a server), kept while that generation is current."""

    def __init__(self, collection: Collection):
        self.collection = collection
        got = self.collection.get(include=["metadatas", "documents"])
        self.ids: list[str] = got["ids"]
        self.metadatas: list[dict] = got["metadatas"]
        self.documents: list[str] = got["documents"]
        corpus = [m.get("embedding_text") or d for m, d in zip(self.metadatas, self.documents)]
        self.vocabulary = gate.vocabulary(corpus)
        self.bm25 = bm25s.BM25()
        if self.ids:
            self.bm25.index(bm25s.tokenize(corpus, stopwords="en", show_progress=False), show_progress=False)


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


def check_question(question: str) -> str:
    question = (question or "").strip()
    if not question:
        raise QuestionError("the question is empty; type a question about your notes")
    if len(question) > settings.MAX_QUESTION_CHARS:
        raise QuestionError(
            f"the question is {len(question)} characters; keep it under {settings.MAX_QUESTION_CHARS} "
            "(ask about one thing at a time)"
        )
    return question


def search(query: str, k: int = 5, mode: str = "hybrid", root: Path | None = None) -> list[Hit]:
    """Top-k passages for the query; mode is "hybrid" (dense + BM25, rank-fused) or "dense"."""
    if mode not in ("hybrid", "dense"):
        raise ValueError(f"mode must be 'hybrid' or 'dense', not {mode!r}")
    query = check_question(query)
    gen = _current(root)
    n = len(gen.ids)
    if n == 0:
        return []
    with store.reachable(store.index(root)):
        return _search(gen, query, k, mode)


def _search(gen: _Generation, query: str, k: int, mode: str) -> list[Hit]:
    n = len(gen.ids)
    vector = embedder.embed([query])[0]
    dense = gen.collection.query(query_embeddings=[vector], n_results=min(POOL, n), include=["distances"])
    cosine = {i: 1.0 - d for i, d in zip(dense["ids"][0], dense["distances"][0])}
    fused = {i: 1.0 / (RRF_K + rank) for rank, i in enumerate(dense["ids"][0], 1)}
    if mode == "hybrid":
        tokens = bm25s.tokenize([query], stopwords="en", show_progress=False)
        if tokens.vocab:
            docs, scores = gen.bm25.retrieve(tokens, k=min(POOL, n), show_progress=False)
            ranked = [gen.ids[d] for d, s in zip(docs[0], scores[0]) if s > 0]
            for rank, i in enumerate(ranked, 1):
                fused[i] = fused.get(i, 0.0) + 1.0 / (RRF_K + rank)
    top = sorted(fused, key=fused.get, reverse=True)[:k]
    missing = [i for i in top if i not in cosine]
    if missing:
        got = gen.collection.get(ids=missing, include=["embeddings"])
        for i, emb in zip(got["ids"], got["embeddings"]):
            cosine[i] = float(np.dot(vector, np.asarray(emb)))
    position = {i: p for p, i in enumerate(gen.ids)}
    return [_hit(i, cosine[i], gen.metadatas[position[i]], gen.documents[position[i]]) for i in top]


@dataclass(frozen=True)
class Retrieval:
    question: str
    hits: list[Hit]
    covered: bool
    reason: str


def retrieve(question: str, k: int = 5, root: Path | None = None) -> Retrieval:
    """Passages for a question and the relevance gate's verdict on them."""
    hits = search(question, k=k, root=root)
    best = max((h.score for h in hits), default=0.0)
    verdict = gate.judge(question, best, _current(root).vocabulary, settings.min_relevance())
    return Retrieval(question=question.strip(), hits=hits, covered=verdict.covered, reason=verdict.reason)


def _hit(chunk_id: str, score: float, meta: dict, text: str) -> Hit:
    return Hit(
        text=text,
        score=round(float(score), 4),
        chapter=meta["chapter"],
        section=meta["section"],
        source=meta["source"],
        lines=f"{meta['line_start']}-{meta['line_end']}",
        id=chunk_id,
    )


def _print(hits: list[Hit], as_json: bool) -> None:
    if as_json:
        print(json.dumps([asdict(h) for h in hits], ensure_ascii=False))
        return
    for rank, hit in enumerate(hits, 1):
        print(f"[{rank}] {hit.score:.3f}  {hit.chapter} ({hit.source}:{hit.lines})")
        print("    " + " ".join(hit.text.split())[:200])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ingest.search", description="Search the notes index.")
    parser.add_argument("query", nargs="?", help="the query; without it, one query per line from stdin")
    parser.add_argument("-k", type=int, default=5, help="how many passages (default 5)")
    parser.add_argument("--json", action="store_true", help="print hits as JSON (one line per query)")
    parser.add_argument("--dense", action="store_true", help="dense retrieval only, no BM25 fusion")
    args = parser.parse_args(argv)
    queries = [args.query] if args.query is not None else [line for line in sys.stdin if line.strip()]
    mode = "dense" if args.dense else "hybrid"
    try:
        for query in queries:
            _print(search(query, k=args.k, mode=mode), args.json)
    except StudyflowError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
