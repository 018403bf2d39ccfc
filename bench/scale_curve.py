"""Scale curve: ingest time, search p50/p95, peak memory and index size at 1k, 10k and 100k chunks.

`python -m bench.scale_curve [--sizes 1000 10000 100000]`; each size runs in its own child process, so its peak RSS
is its own.

What is synthetic, what is measured, what is extrapolated:
- The notes are synthetic markdown made from the real chunks of notes/ and ../shared/corpus/mslearn-labs/: each
  section joins the first blocks (up to half) of one real chunk with the last blocks (up to half) of another (cut
  points at random, code fences kept whole), under the first one's chapter, in files of at most 500 sections, in two
  folders named like the real corpora (so `--source` filters have something to split).
- Ingest runs the real `build_index` (chunking, content ids, diff, Chroma generation, switch) on them; only the
  embedding call is replaced: a section's vector is the real model's vectors of its two source chunks, mixed by
  their share of the text, plus a little noise, normalised. So chunking and storing are measured; embedding time is
  extrapolated from the real model's throughput measured on the real chunks in the same run (and, up to
  --embed-real-max chunks, measured for real on the synthetic texts too, to check the extrapolation).
- Search is the real `ingest.search.search` over the real dev questions (query embedding included), warm, after
  one untimed query; "open" is the first query of a process: reading the generation from Chroma, building BM25 and
  the gate's vocabulary (every `pf flow test` pays it once).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.common import ROOT
from harness.questions import DEV_SET, load_questions
from harness.timing import median, percentile

SIZES = (1000, 10000, 100000)
CORPORA = [ROOT / "notes", ROOT.parent / "shared/corpus/mslearn-labs"]
SECTIONS_PER_FILE = 500
NOISE = 0.01  # per dimension, against unit vectors whose dimensions are ~0.05: near-duplicates stay distinct
_MARK = re.compile(r"\(s(\d+)\)")


def saved(sizes: tuple[int, ...], partial: bool = False) -> Path:
    """bench/results/scale_curve[-<sizes>][.partial].json: runs of other sizes side by side do not overwrite it."""
    tag = "" if tuple(sizes) == SIZES else "-" + "-".join(map(str, sizes))
    return ROOT / f"bench/results/scale_curve{tag}{'.partial' if partial else ''}.json"


def rss_mb() -> float:
    """Peak resident memory of this process so far (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def blocks(text: str) -> list[str]:
    """A chunk's lines as cut units: a code fence is one unit; headings and setext underlines are dropped so a
    synthetic section stays one section."""
    units: list[str] = []
    fence: list[str] | None = None
    for line in text.splitlines():
        if fence is not None:
            fence.append(line)
            if line.lstrip().startswith("```"):
                units.append("\n".join(fence))
                fence = None
        elif line.lstrip().startswith("```"):
            fence = [line]
        elif line.strip() and not line.lstrip().startswith("#") and set(line.strip()) - set("-=*_ "):
            units.append(line)
    if fence is not None:  # a chunk cut inside a fence: close it so it cannot swallow the sections after it
        units.append("\n".join([*fence, "```"]))
    return units


def base_chunks() -> tuple[list, np.ndarray, float]:
    """The real chunks, their real vectors, and the real model's throughput on them (chunks/s)."""
    from ingest import embedder
    from ingest.build import chunk_notes

    chunks = chunk_notes([p for p in CORPORA if p.exists()])
    texts = [c.embedding_text for c in chunks]
    embedder.embed(texts[:8])  # load the model outside the timing
    started = time.perf_counter()
    vectors = embedder.embed(texts)
    return chunks, vectors, len(texts) / (time.perf_counter() - started)


def write_notes(chunks: list, vectors: np.ndarray, n: int, folder: Path, seed: int = 0) -> dict[int, np.ndarray]:
    """n synthetic sections as markdown files under folder/<corpus>/; the vector of each, by section number."""
    rng = random.Random(seed)
    noise = np.random.default_rng(seed)
    parts = [blocks(c.text) for c in chunks]
    usable = [i for i, p in enumerate(parts) if p]
    files: dict[tuple[str, str], list[str]] = {}
    mixed: dict[int, np.ndarray] = {}
    for s in range(n):
        a, b = rng.choice(usable), rng.choice(usable)
        # Up to half of each, so a section is about one chunk long and n sections make about n chunks.
        head = parts[a][: rng.randint(1, (len(parts[a]) + 1) // 2)]
        tail = parts[b][rng.randint(len(parts[b]) // 2, len(parts[b]) - 1) :]
        body = "\n\n".join(head + tail)
        share = sum(map(len, head)) / max(1, len(body))
        vector = share * vectors[a] + (1 - share) * vectors[b] + noise.normal(0, NOISE, vectors.shape[1])
        mixed[s] = (vector / np.linalg.norm(vector)).astype(np.float32)
        key = (chunks[a].corpus, chunks[a].chapter)
        files.setdefault(key, []).append(f"## {chunks[a].section} (s{s})\n\n{body}\n")
    for (corpus, chapter), sections in files.items():
        slug = re.sub(r"[^a-z0-9]+", "-", chapter.lower()).strip("-")[:60]
        for part in range(0, len(sections), SECTIONS_PER_FILE):
            path = folder / corpus / f"{slug}-{part // SECTIONS_PER_FILE}.md"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"# {chapter}\n\n" + "\n".join(sections[part : part + SECTIONS_PER_FILE]))
    return mixed


def fake_embed(mixed: dict[int, np.ndarray], timer: list[float]):
    """embedder.embed's stand-in: the precomputed vector of the section a chunk comes from (by its heading mark)."""

    def embed(texts: list[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        started = time.perf_counter()
        rows = []
        for text in texts:
            mark = _MARK.search(text.split("\n", 1)[0]) or _MARK.search(text)
            rows.append(mixed[int(mark.group(1)) % len(mixed)] if mark else next(iter(mixed.values())))
        timer.append(time.perf_counter() - started)
        return np.stack(rows)

    return embed


def timed_searches(questions: list[str], **kwargs) -> dict:
    from ingest.search import search

    ms = []
    for q in questions:
        started = time.perf_counter()
        search(q, k=5, **kwargs)
        ms.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": percentile(ms, 0.5), "p95_ms": percentile(ms, 0.95)}


def folder_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def child(n: int, base: Path, embed_real_max: int, out: Path) -> dict:
    """One size, in its own process: ingest, re-ingests, searches, memory, size. The result is written to out after
    every phase, so a run stopped half-way keeps what it measured."""
    from ingest import build, embedder
    from ingest.search import search

    vectors = np.load(base)["vectors"]
    chunks = build.chunk_notes([p for p in CORPORA if p.exists()])
    embedder.load_model()
    result: dict = {"rss_model_mb": rss_mb()}

    def save(**values) -> None:
        result.update(values)
        out.write_text(json.dumps(result))

    chunking: list[float] = []
    real_chunk_notes = build.chunk_notes

    def timed_chunk_notes(paths: list[Path]) -> list:
        started = time.perf_counter()
        found = real_chunk_notes(paths)
        chunking.append(time.perf_counter() - started)
        return found

    with tempfile.TemporaryDirectory(prefix=f"scale-{n}-") as tmp:
        folder, root = Path(tmp) / "notes", Path(tmp) / "chroma"
        mixed = write_notes(chunks, vectors, n, folder)
        paths = sorted(p for p in folder.iterdir())
        fake: list[float] = []
        real_embed, embedder.embed = embedder.embed, fake_embed(mixed, fake)
        build.chunk_notes = timed_chunk_notes
        try:
            started = time.perf_counter()
            summary = build.build_index(paths, root=root, progress=False)
            total = time.perf_counter() - started - sum(fake)
            save(chunks=summary.chunks, chunk_s=chunking[-1], store_s=total - chunking[-1], rss_ingest_mb=rss_mb())
            save(index_mb=folder_mb(root), summary=summary.line())
            started = time.perf_counter()
            again = build.build_index(paths, root=root, progress=False)
            save(reingest_unchanged_s=time.perf_counter() - started, reingest_unchanged_chunk_s=chunking[-1])
            assert again.added == again.removed == 0, again.line()
            edited = paths[0] / sorted(p.name for p in paths[0].iterdir())[0]
            edited.write_text(edited.read_text() + "\n## An added section (s0)\n\nOne new paragraph of notes.\n")
            before = len(fake)
            started = time.perf_counter()
            one = build.build_index(paths, root=root, progress=False)
            save(reingest_one_edit_s=time.perf_counter() - started - sum(fake[before:]), one_edit_added=one.added)
        finally:
            embedder.embed, build.chunk_notes = real_embed, real_chunk_notes
        questions = [q["question"] for q in load_questions(DEV_SET)]
        started = time.perf_counter()
        search(questions[0], k=5, root=root)
        save(open_s=time.perf_counter() - started, rss_open_mb=rss_mb())
        save(hybrid=timed_searches(questions, root=root), dense=timed_searches(questions, root=root, mode="dense"))
        started = time.perf_counter()
        search(questions[0], k=5, root=root, source="notes")
        save(filter_setup_s=time.perf_counter() - started)
        save(hybrid_source_filter=timed_searches(questions, root=root, source="notes"), rss_peak_mb=rss_mb())
        if n <= embed_real_max:  # last: the real model on every synthetic text, to check extrapolation
            texts = [c.embedding_text for c in real_chunk_notes(paths)]
            started = time.perf_counter()
            embedder.embed(texts)
            save(embed_measured_s=time.perf_counter() - started)
    return result


def run_size(n: int, base: Path, embed_real_max: int) -> dict:
    """The child's result; a child that failed keeps its phases measured so far, with the error's last line."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        command = [sys.executable, "-m", "bench.scale_curve", "--child", str(n), "--base", str(base)]
        command += ["--embed-real-max", str(embed_real_max), "--out", out.name]
        proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        text = Path(out.name).read_text()
        result = json.loads(text) if text else {}
        if proc.returncode:
            result["error"] = (proc.stderr.strip().splitlines() or ["?"])[-1]
            print(f"{n}: failed: {result['error']}", file=sys.stderr)
        return result


def _get(r: dict, *keys: str, digits: int = 1) -> str:
    value = r
    for key in keys:
        if not isinstance(value, dict) or key not in value:
            return "-"  # a phase the run did not reach
        value = value[key]
    return f"{value:.{digits}f}"


def _ratio(a: dict, b: dict, *keys: str) -> str:
    x, y = _get(a, *keys, digits=6), _get(b, *keys, digits=6)
    return "-" if "-" in (x, y) or float(x) == 0 else f"x{float(y) / float(x):.2f}"


def report(rate: float, results: dict[int, dict]) -> None:
    print(f"embedding: the real model embeds {rate:.1f} chunks/s (measured on the real chunks in this run)")
    print(
        "chunks | embed s extrapolated (measured) | chunk s | store s | re-ingest same / 1 edit s | open s | "
        "hybrid p50/p95 ms | dense p50/p95 ms | source-filtered hybrid p50/p95 ms | RSS MB model/ingest/open/peak | "
        "index MB"
    )
    for r in results.values():
        embed = f"{r['chunks'] / rate:.0f} ({_get(r, 'embed_measured_s', digits=0)})" if "chunks" in r else "-"
        print(
            f"{r.get('chunks', '-')} | {embed} | {_get(r, 'chunk_s')} | {_get(r, 'store_s')} | "
            f"{_get(r, 'reingest_unchanged_s')} / {_get(r, 'reingest_one_edit_s')} | {_get(r, 'open_s')} | "
            f"{_get(r, 'hybrid', 'p50_ms')}/{_get(r, 'hybrid', 'p95_ms')} | "
            f"{_get(r, 'dense', 'p50_ms')}/{_get(r, 'dense', 'p95_ms')} | "
            f"{_get(r, 'hybrid_source_filter', 'p50_ms')}/{_get(r, 'hybrid_source_filter', 'p95_ms')} | "
            f"{_get(r, 'rss_model_mb', digits=0)}/{_get(r, 'rss_ingest_mb', digits=0)}/"
            f"{_get(r, 'rss_open_mb', digits=0)}/{_get(r, 'rss_peak_mb', digits=0)} | {_get(r, 'index_mb', digits=0)}"
            + (f" | failed: {r['error']}" if "error" in r else "")
        )
    sizes = list(results)
    for small, big in zip(sizes, sizes[1:]):
        a, b = results[small], results[big]
        print(
            f"{a.get('chunks')} -> {b.get('chunks')} chunks: store {_ratio(a, b, 'store_s')}, "
            f"re-ingest same {_ratio(a, b, 'reingest_unchanged_s')}, open {_ratio(a, b, 'open_s')}, "
            f"hybrid p50 {_ratio(a, b, 'hybrid', 'p50_ms')}, dense p50 {_ratio(a, b, 'dense', 'p50_ms')}, "
            f"peak RSS {_ratio(a, b, 'rss_peak_mb')}, index {_ratio(a, b, 'index_mb')}"
        )


def main(sizes: tuple[int, ...] = SIZES, embed_real_max: int = 1000) -> dict:
    chunks, vectors, rate = base_chunks()
    with tempfile.TemporaryDirectory(prefix="scale-base-") as tmp:
        base = Path(tmp) / "base.npz"
        np.savez(base, vectors=vectors)
        results: dict[int, dict] = {}
        for n in sizes:  # saved after each size: a 100k run that is stopped keeps the smaller ones
            results[n] = run_size(n, base, embed_real_max)
            saved(sizes, partial=True).write_text(json.dumps({"embed_chunks_per_s": rate, "sizes": results}, indent=2))
    report(rate, results)
    measured = [r for r in results.values() if "embed_measured_s" in r]
    extrapolation = [r["embed_measured_s"] / (r["chunks"] / rate) for r in measured]
    return {
        "base_chunks": len(chunks),
        "embed_chunks_per_s": rate,
        "embed_measured_vs_extrapolated": median(extrapolation) if extrapolation else None,
        "sizes": results,
    }


def _cli() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.scale_curve", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--embed-real-max", type=int, default=1000, help="embed for real up to this many chunks")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--base", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.base, args.embed_real_max, args.out)
        return
    result = main(tuple(args.sizes), args.embed_real_max)
    out = saved(tuple(args.sizes))
    out.write_text(json.dumps(result, indent=2))
    print(f"saved {out}")


if __name__ == "__main__":
    _cli()
