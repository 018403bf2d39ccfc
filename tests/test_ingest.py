"""build_index on small notes in tmp: incremental updates, generations, and crashes that leave the old index in use."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import asdict
from pathlib import Path

import pytest
from filelock import FileLock

from core.paths import PROJECT_ROOT
from harness.cli import RunCli, cli_env
from ingest import IndexMissingError, build, embedder, store
from ingest.build import build_index, chunk_ids, chunk_notes
from ingest.search import Hit, search

NOTES = {
    "earth.md": """# Earth science

## Volcanoes

Volcanoes form where magma from the mantle reaches the surface. Shield volcanoes such as Mauna Loa erupt runny
basalt lava in gentle flows, while stratovolcanoes like Mount Fuji build steep cones from alternating layers of ash
and viscous lava. Pyroclastic flows are the deadliest hazard.

## Glaciers

Glaciers are rivers of ice that grow when winter snowfall exceeds summer melt. As they slide downhill they carve
U-shaped valleys, leave moraines of rock debris at their edges and snouts, and polish bedrock with striations that
show the direction of flow.
""",
    "kitchen.md": """# Kitchen

## Sourdough

A sourdough starter is a culture of wild yeast and lactic acid bacteria kept alive by daily feedings of flour and
water. Bakers judge it ready when it doubles within a few hours of feeding, smells pleasantly sour and passes the
float test.

## Espresso

Espresso is brewed by forcing hot water at about nine bars of pressure through finely ground, tightly tamped
coffee. A good shot takes roughly twenty-five seconds, yields a thick golden crema and tastes balanced rather than
bitter or sour.
""",
    "pastimes.md": """# Pastimes

## Chess openings

The Sicilian Defence answers 1.e4 with c5 and leads to sharp, unbalanced positions. The Queen's Gambit offers a
pawn on c4 to gain central control, and the Ruy Lopez develops the bishop to b5 to pressure the knight that defends
e5.

## Sailing knots

Sailors tie a bowline to make a fixed loop that will not slip, a cleat hitch to secure a line to a cleat on the
dock, and a figure-eight stop knot at the end of a sheet so it cannot run out through the block.
""",
}

BACKGAMMON = """## Backgammon

Backgammon players race fifteen checkers around twenty-four points, hitting lone blots and building primes to
block the opponent, and the doubling cube lets either side raise the stakes before a roll.

"""

ORIGAMI = """# Origami

## Cranes

A paper crane starts from a square base, then petal folds on both sides narrow the body before the neck and
tail are inside-reverse folded and the wings are pulled gently apart.

## Boxes

The masu box is folded from one square sheet: fold the corners to the centre, crease thirds, then raise the walls
and lock the flaps over the rim so the box holds small items without glue.

## Stars

Modular stars join several identical units cut from sticky notes; each unit's pocket receives the next unit's
tab until the ring closes into a rigid eight-pointed star.
"""


class EmbedSpy:
    """Wraps the real embedder.embed: records what it embeds, and can raise on a chosen call."""

    def __init__(self, real):
        self.real = real
        self.reset()

    def reset(self, fail_on_call: int | None = None, error: BaseException | None = None) -> None:
        self.calls = 0
        self.texts: list[str] = []
        self.fail_on_call = fail_on_call
        self.error = error

    def __call__(self, texts: list[str], *args, **kwargs):
        self.calls += 1
        if self.calls == self.fail_on_call:
            raise self.error
        self.texts.extend(texts)
        return self.real(texts, *args, **kwargs)


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> EmbedSpy:
    wrapper = EmbedSpy(embedder.embed)
    monkeypatch.setattr(embedder, "embed", wrapper)
    return wrapper


@pytest.fixture
def notes(tmp_path: Path) -> Path:
    folder = tmp_path / "notes"
    folder.mkdir()
    for name, text in NOTES.items():
        (folder / name).write_text(text)
    return folder


def current(root: Path) -> str:
    return (root / "CURRENT").read_text()


def generations(root: Path) -> list[str]:
    return sorted(p.name for p in root.glob("gen-*"))


def ids_of(folder: Path) -> set[str]:
    return set(chunk_ids(chunk_notes([folder])))


def top(query: str, root: Path, k: int = 3) -> list[Hit]:
    return search(query, k=k, root=root)


def hit_with(query: str, needle: str, root: Path) -> Hit:
    found = [h for h in top(query, root) if needle in h.text]
    assert found, f"no hit for {query!r} contains {needle!r}"
    return found[0]


def test_first_build_adds_all_and_a_second_build_changes_nothing(notes: Path, chroma_dir: Path, spy: EmbedSpy) -> None:
    expected = len(ids_of(notes))
    assert expected == 6  # one chunk per section: the tests below count on it

    first = build_index(paths=[notes], progress=False)
    assert (first.files, first.chunks, first.added, first.kept, first.removed) == (3, expected, expected, 0, 0)
    assert first.index == chroma_dir
    assert len(spy.texts) == expected
    pointer, gens = current(chroma_dir), generations(chroma_dir)
    assert gens == [pointer]

    spy.reset()
    second = build_index(paths=[notes], progress=False)
    assert (second.chunks, second.added, second.kept, second.removed) == (expected, 0, expected, 0)
    assert spy.calls == 0
    assert current(chroma_dir) == pointer and generations(chroma_dir) == gens
    assert hit_with("how are U-shaped valleys carved", "moraines", chroma_dir).source.endswith("earth.md")


def test_editing_one_section_reembeds_only_that_chunk(notes: Path, chroma_dir: Path, spy: EmbedSpy) -> None:
    build_index(paths=[notes], progress=False)
    before = ids_of(notes)
    old_pointer = current(chroma_dir)
    kitchen = notes / "kitchen.md"
    kitchen.write_text(kitchen.read_text().replace("roughly twenty-five seconds", "about thirty seconds in a warm cup"))
    changed = ids_of(notes) - before
    assert len(changed) == 1

    spy.reset()
    summary = build_index(paths=[notes], progress=False)
    assert (summary.added, summary.removed, summary.kept) == (1, 1, len(before) - 1)
    assert len(spy.texts) == 1 and "thirty seconds in a warm cup" in spy.texts[0]
    assert current(chroma_dir) != old_pointer
    assert generations(chroma_dir) == sorted([current(chroma_dir), old_pointer])
    hits = top("how long should an espresso shot take", chroma_dir)
    assert "thirty seconds in a warm cup" in hits[0].text
    assert not any("twenty-five seconds" in h.text for h in hits)


@pytest.mark.parametrize("insert", ["a new section", "blank lines"])
def test_lines_inserted_above_a_section_keep_its_chunk_and_move_its_lines(
    notes: Path, chroma_dir: Path, spy: EmbedSpy, insert: str
) -> None:
    build_index(paths=[notes], progress=False)
    query = "which knot makes a fixed loop that does not slip"
    old = hit_with(query, "bowline", chroma_dir)
    old_pointer = current(chroma_dir)

    pastimes = notes / "pastimes.md"
    added_text = BACKGAMMON if insert == "a new section" else "\n\n\n"
    pastimes.write_text(pastimes.read_text().replace("## Sailing knots", added_text + "## Sailing knots"))
    shift = added_text.count("\n")

    spy.reset()
    summary = build_index(paths=[notes], progress=False)
    new_chunks = 1 if insert == "a new section" else 0
    assert (summary.added, summary.removed, summary.kept) == (new_chunks, 0, 6)
    assert len(spy.texts) == new_chunks
    assert current(chroma_dir) != old_pointer, "moved lines are metadata worth a new generation"

    new = hit_with(query, "bowline", chroma_dir)
    assert new.id == old.id and new.text == old.text
    old_start, old_end = map(int, old.lines.split("-"))
    assert new.lines == f"{old_start + shift}-{old_end + shift}"
    file_lines = pastimes.read_text().splitlines()
    assert file_lines[old_start + shift - 1] == "## Sailing knots"
    assert "bowline" in "\n".join(file_lines[old_start + shift - 1 : old_end + shift])


def test_deleting_a_file_removes_its_chunks(notes: Path, chroma_dir: Path, spy: EmbedSpy) -> None:
    build_index(paths=[notes], progress=False)
    gone = notes / "pastimes.md"
    source = gone.resolve().as_posix()
    gone.unlink()

    spy.reset()
    summary = build_index(paths=[notes], progress=False)
    assert (summary.files, summary.chunks, summary.added, summary.removed, summary.kept) == (2, 4, 0, 2, 4)
    assert spy.calls == 0
    _, collection = store.open_current(chroma_dir)
    assert collection.count() == 4
    assert collection.get(where={"source": source})["ids"] == []
    assert all(h.source != source for h in top("Sicilian Defence chess opening", chroma_dir, k=4))


def test_rebuild_reembeds_everything(notes: Path, chroma_dir: Path, spy: EmbedSpy) -> None:
    build_index(paths=[notes], progress=False)
    old_pointer = current(chroma_dir)
    spy.reset()
    summary = build_index(paths=[notes], rebuild=True, progress=False)
    assert (summary.added, summary.kept, summary.removed) == (6, 0, 0)
    assert len(spy.texts) == 6
    # The replaced generation stays until the next ingest, for readers that opened it a moment ago.
    assert current(chroma_dir) != old_pointer and generations(chroma_dir) == sorted([current(chroma_dir), old_pointer])


@pytest.mark.parametrize("error", [KeyboardInterrupt, RuntimeError])
def test_an_interrupted_ingest_leaves_the_old_index_in_use(
    notes: Path, chroma_dir: Path, spy: EmbedSpy, monkeypatch: pytest.MonkeyPatch, error: type[BaseException]
) -> None:
    build_index(paths=[notes], progress=False)
    old_pointer = current(chroma_dir)
    old_query = "when is a sourdough starter ready"
    old_hits = top(old_query, chroma_dir)
    origami = notes / "origami.md"
    origami.write_text(ORIGAMI)

    monkeypatch.setattr(build, "EMBED_BATCH", 1)
    spy.reset(fail_on_call=2, error=error("stop in the middle"))
    with pytest.raises(error, match="stop in the middle"):
        build_index(paths=[notes], progress=False)
    assert spy.calls == 2 and len(spy.texts) == 1, "one batch went into the new generation before the crash"
    assert current(chroma_dir) == old_pointer
    stale = [g for g in generations(chroma_dir) if g != old_pointer]
    assert len(stale) == 1

    spy.reset()
    assert top(old_query, chroma_dir) == old_hits
    assert all(h.source != origami.resolve().as_posix() for h in top("how to fold a paper crane", chroma_dir, k=6))

    summary = build_index(paths=[notes], progress=False)
    assert (summary.added, summary.kept) == (3, 6)
    assert generations(chroma_dir) == sorted([current(chroma_dir), old_pointer]) and current(chroma_dir) not in stale
    assert "paper crane" in top("how to fold a paper crane", chroma_dir)[0].text


def _many_notes(folder: Path, files: int, sections: int) -> None:
    for f in range(files):
        body = [f"# Batch note {f}\n"]
        for s in range(sections):
            words = " ".join(f"term{f}x{s}x{w}" for w in range(12))
            body.append(f"## Topic {f}.{s}\n\nThis section of note {f} records fact {s} about {words}.\n")
        (folder / f"note-{f:02d}.md").write_text("\n".join(body))


def _search_cli(run_cli: RunCli, root: Path, queries: list[str]) -> list[list[dict]]:
    """Hits as a fresh process reads them from disk (no cached client or generation)."""
    result = run_cli(root, "-m", "ingest.search", "--json", "-k", "4", input="\n".join(queries) + "\n")
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_a_killed_ingest_leaves_the_old_index_answering_identically(
    notes: Path, chroma_dir: Path, run_cli: RunCli
) -> None:
    build_index(paths=[notes], progress=False)
    old_pointer = current(chroma_dir)
    queries = ["when is a sourdough starter ready", "which knot makes a fixed loop", "deadliest volcano hazard"]
    before = [[asdict(h) for h in top(q, chroma_dir, k=4)] for q in queries]
    assert [Path(hits[0]["source"]).name for hits in before] == ["kitchen.md", "pastimes.md", "earth.md"]

    _many_notes(notes, files=40, sections=5)
    proc = subprocess.Popen(
        [sys.executable, "-m", "ingest", str(notes)],
        cwd=PROJECT_ROOT,
        env=cli_env(chroma_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    stderr = bytearray()

    def read_stderr() -> None:
        for block in iter(lambda: proc.stderr.read1(4096), b""):
            stderr.extend(block)

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    # Kill once the progress bar shows a batch embedded and written into the new generation.
    progress = re.compile(rb"embedding:.*?\|\s*([1-9]\d*)/(\d+)")
    deadline = time.monotonic() + 180
    while proc.poll() is None and not progress.search(stderr) and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    reader.join(timeout=10)
    assert proc.returncode == -signal.SIGKILL, f"ingest ended before it was killed: {stderr.decode()[-500:]}"
    assert progress.search(stderr), stderr.decode()[-500:]

    assert current(chroma_dir) == old_pointer
    assert len(generations(chroma_dir)) == 2, "the killed ingest's half-written generation is left aside"
    assert _search_cli(run_cli, chroma_dir, queries) == before
    # The kill released the ingest lock with the process.
    with FileLock(str(chroma_dir / ".ingest.lock"), timeout=0):
        pass


def test_search_without_an_index_says_to_run_make_ingest(tmp_path: Path, chroma_dir: Path, run_cli: RunCli) -> None:
    with pytest.raises(IndexMissingError, match="make ingest"):
        search("what is a datastore", root=tmp_path / "never-built")
    with pytest.raises(IndexMissingError, match="make ingest"):
        search("what is a datastore")  # STUDYFLOW_CHROMA_DIR, which does not exist yet
    chroma_dir.mkdir()
    (chroma_dir / "CURRENT").write_text("gen-123")  # pointing at a generation that is gone
    with pytest.raises(IndexMissingError, match="make ingest"):
        search("what is a datastore")

    result = run_cli(chroma_dir, "-m", "ingest.search", "what is a datastore")
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and "make ingest" in result.stderr
    assert len(result.stderr.splitlines()) == 1
