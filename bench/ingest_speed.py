"""Ingest throughput (chunks/s) against the ceiling: the same texts embedded straight with sentence-transformers."""

import tempfile
import time
from pathlib import Path

from ingest import embedder
from ingest.build import build_index, chunk_notes
from ingest.settings import default_notes


def main(paths: list[Path] | None = None, repeats: int = 3) -> dict:
    paths = paths or default_notes()
    texts = [c.embedding_text for c in chunk_notes(paths)]
    embedder.embed(texts[:4])  # load the model outside the timings
    ingest_s, direct_s = [], []
    for _ in range(repeats):
        # Side by side in one run: the full ingest (chunk, embed, write a Chroma generation), then the bare encode.
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            summary = build_index(paths, root=Path(tmp) / "chroma", progress=False)
            ingest_s.append(time.perf_counter() - t)
        t = time.perf_counter()
        embedder.load_model().encode(texts, batch_size=32, normalize_embeddings=True)
        direct_s.append(time.perf_counter() - t)
    ingest, direct = sorted(ingest_s)[repeats // 2], sorted(direct_s)[repeats // 2]
    result = {
        "chunks": summary.chunks,
        "ingest_chunks_per_s": summary.chunks / ingest,
        "direct_chunks_per_s": len(texts) / direct,
        "ratio": (summary.chunks / ingest) / (len(texts) / direct),
    }
    print(
        f"ingest: {result['chunks']} chunks, {result['ingest_chunks_per_s']:.1f} chunks/s through ingest vs "
        f"{result['direct_chunks_per_s']:.1f} chunks/s bare sentence-transformers encode "
        f"(ratio {result['ratio']:.2f}, median of {repeats})"
    )
    return result


if __name__ == "__main__":
    main()
