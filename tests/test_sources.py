"""Several folders in one index: provenance on every hit, --source / --chapter filters (search, gate, CLI, flow,
server), and a folder left out of a re-ingest losing its chunks."""

from __future__ import annotations

import importlib.util
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from answering.decline import NOT_COVERED
from answering.retrieval import retrieve
from core.paths import PROJECT_ROOT
from harness.cli import RunCli
from harness.pf import in_process_flow
from harness.ports import free_port
from harness.serving import chroma_server as running_chroma
from ingest import FilterError
from ingest.build import build_index
from ingest.chunker import chunk_markdown
from ingest.search import main as search_cli
from ingest.search import search

COURSE = {
    "earth.md": """# Earth science course

## Chapter 1. Volcanoes

Volcanoes form where magma from the mantle reaches the surface. Shield volcanoes such as Mauna Loa erupt runny
basalt lava in gentle flows, while stratovolcanoes like Mount Fuji build steep cones from alternating layers of ash
and viscous lava. Pyroclastic flows are the deadliest hazard.

## Chapter 2. Glaciers

Glaciers are rivers of ice that grow when winter snowfall exceeds summer melt. As they slide downhill they carve
U-shaped valleys, leave moraines of rock debris at their edges and snouts, and polish bedrock with striations that
show the direction of flow.

## Chapter 3. Coffee history

Espresso machines began in Italy: Angelo Moriondo patented a steam-driven coffee machine in Turin in 1884, and Luigi
Bezzera and Desiderio Pavoni sold the first commercial espresso machines in Milan after 1901.
""",
}
LABS = {
    "espresso-lab.md": """---
lab:
    title: 'Pull an espresso shot'
---

# Pull an espresso shot

## Grind and tamp

Grind eighteen grams of coffee as fine as table salt and tamp it level with firm, even pressure, so that the water
cannot channel through cracks in the puck and every part of the coffee is extracted alike.

## Pull the shot

Lock the portafilter into the group head and brew at about nine bars of pressure. A good espresso shot takes about
twenty-five seconds and yields a thick golden crema; a faster shot tastes sour, a slower one bitter.
""",
    "sourdough-lab.md": """# Feed a sourdough starter

## Feeding

A sourdough starter is a culture of wild yeast and lactic acid bacteria kept alive by daily feedings of flour and
water. Bakers judge it ready when it doubles within a few hours of feeding, smells pleasantly sour and passes the
float test.
""",
}


def write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


@pytest.fixture(scope="module")
def two_folders(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("sources")
    return write(base / "course", COURSE), write(base / "labs", LABS)


@pytest.fixture(scope="module")
def index(two_folders: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Both folders ingested together, once."""
    root = tmp_path_factory.mktemp("sources-index") / "chroma"
    summary = build_index(paths=list(two_folders), root=root, progress=False)
    assert summary.files == 3 and summary.added == summary.chunks, summary.line()
    return root


def lines_of(hit) -> list[str]:
    start, end = map(int, hit.lines.split("-"))
    return Path(hit.source).read_text().splitlines()[start - 1 : end]


def test_every_hit_names_its_corpus_file_and_lines(index: Path, two_folders: tuple[Path, Path]) -> None:
    hits = search("espresso coffee machine", k=10, root=index)
    assert {h.corpus for h in hits} == {"course", "labs"}
    for hit in hits:
        folder = two_folders[0] if hit.corpus == "course" else two_folders[1]
        assert Path(hit.source).parent == folder
        # The hit is those lines of that file, word for word.
        assert hit.text.splitlines()[0] in lines_of(hit) and hit.text.splitlines()[-1] in lines_of(hit)


def test_front_matter_is_not_a_chapter() -> None:
    chunks = chunk_markdown(LABS["espresso-lab.md"], "labs/espresso-lab.md", lambda t: len(t.split()), min_tokens=5)
    # The front matter is kept (no text is ever dropped) as the file's preamble, not as a chapter of its own.
    assert {c.chapter for c in chunks} == {"labs/espresso-lab.md", "Pull an espresso shot"}
    assert (chunks[0].line_start, chunks[0].line_end) == (1, 5) and "title: 'Pull an espresso shot'" in chunks[0].text
    assert chunks[1].line_start == 6 and chunks[1].text.startswith("# Pull an espresso shot")


@pytest.mark.parametrize("mode", ["hybrid", "dense"])
def test_source_filter_keeps_both_sides_of_the_search_to_that_source(index: Path, mode: str) -> None:
    # "Moriondo" is a BM25 match only the course has; with the labs filter it must not come back through BM25.
    hits = search("Moriondo espresso machine history", k=5, mode=mode, root=index, source="labs")
    assert hits and {h.corpus for h in hits} == {"labs"}
    assert search("Moriondo", k=1, mode=mode, root=index, source="course")[0].chapter == "Chapter 3. Coffee history"
    # A file name, with or without .md, is a source too.
    assert {h.source.rsplit("/", 1)[1] for h in search("flour", k=5, root=index, source="sourdough-lab")} == {
        "sourdough-lab.md"
    }


@pytest.mark.parametrize("chapter", ["2", "Chapter 2", "glaciers"])
def test_chapter_filter_by_number_or_title_words(index: Path, chapter: str) -> None:
    hits = search("lava and ice", k=5, root=index, chapter=chapter)
    assert {h.chapter for h in hits} == {"Chapter 2. Glaciers"}


def test_the_gate_only_counts_words_of_the_filtered_source(index: Path) -> None:
    question = "How do glaciers carve U-shaped valleys?"
    assert retrieve(question, k=3, root=index).covered
    filtered = retrieve(question, k=3, root=index, source="labs")
    assert not filtered.covered and "never" in filtered.reason, filtered.reason


def test_a_filter_that_matches_nothing_says_what_exists(index: Path) -> None:
    with pytest.raises(FilterError, match=r"no passages match source 'nope'; the sources are course \(3 passages\)"):
        search("lava", root=index, source="nope")
    with pytest.raises(FilterError, match=r"chapter '9' in source 'course'; chapters there: numbers 1-3"):
        retrieve("lava", root=index, source="course", chapter="9")


def test_search_cli_filters_lists_and_refuses(
    index: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    result = run_cli(index, "-m", "ingest.search", "--json", "--source", "course", "--chapter", "glaciers", "ice")
    assert result.returncode == 0, result.stderr
    hits = json.loads(result.stdout)
    assert hits and all(h["corpus"] == "course" and h["chapter"] == "Chapter 2. Glaciers" for h in hits)
    assert {"source", "lines", "corpus"} <= set(hits[0])

    # The same main() in-process: a child process per case costs seconds of imports each.
    monkeypatch.setenv("STUDYFLOW_CHROMA_DIR", str(index))
    assert search_cli(["--source", "nope", "ice"]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "course" in err and "labs" in err, err
    assert search_cli(["--list"]) == 0
    listing = capsys.readouterr().out
    assert "[2] Chapter 2. Glaciers  (1)" in listing and "Pull an espresso shot" in listing


def test_reingest_without_a_folder_removes_its_chunks(
    index: Path, two_folders: tuple[Path, Path], tmp_path: Path
) -> None:
    root = tmp_path / "chroma"
    shutil.copytree(index, root)
    course, labs = two_folders
    # No paths: the folders the index was built from, not just notes/.
    again = build_index(root=root, progress=False)
    assert (again.files, again.added, again.removed) == (3, 0, 0), again.line()
    only_course = build_index(paths=[course], root=root, progress=False)
    assert only_course.added == 0 and only_course.removed > 0 and only_course.kept == only_course.chunks
    assert {h.corpus for h in search("espresso shot", k=10, root=root)} == {"course"}
    with pytest.raises(FilterError, match="the sources are course"):
        search("espresso", root=root, source="labs")
    back = build_index(paths=[course, labs], root=root, progress=False)
    assert back.removed == 0 and back.added == only_course.removed  # content-addressed: the same ids come back


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[str]:
    with running_chroma(tmp_path) as url:
        yield url


def test_filters_work_the_same_on_a_chroma_server(
    chroma_server: str, two_folders: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("STUDYFLOW_CHROMA_URL", chroma_server)
    monkeypatch.setenv("STUDYFLOW_CHROMA_DIR", str(tmp_path / "unused"))
    build_index(paths=list(two_folders), progress=False)
    hits = search("Moriondo espresso machine history", k=5, source="labs")
    assert hits and {h.corpus for h in hits} == {"labs"}
    assert {h.chapter for h in search("lava and ice", k=5, chapter="2")} == {"Chapter 2. Glaciers"}


def test_the_qa_flow_takes_a_source_filter(index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A question the course covers and the labs do not: with source=labs the passages are the labs' and the gate,
    # counting only the labs' words, declines it before any LLM call (so this needs no model and is quick).
    monkeypatch.setenv("STUDYFLOW_CHROMA_DIR", str(index))
    flow = in_process_flow(PROJECT_ROOT / "flows" / "qa", f"http://127.0.0.1:{free_port()}/v1")
    result = flow(question="How do glaciers carve U-shaped valleys?", source="labs")
    assert result["answer"] == NOT_COVERED and result["citations"] == []
    shown = [line.split("] ", 1)[1] for line in result["context"].splitlines() if line[:1] == "[" and "] " in line]
    assert shown and set(shown) <= {"Pull an espresso shot", "Feed a sourdough starter"}, shown


def test_the_chat_flow_passes_the_filters_to_retrieval(index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUDYFLOW_CHROMA_DIR", str(index))
    dag = (PROJECT_ROOT / "flows" / "chat" / "flow.dag.yaml").read_text()
    assert "source: ${inputs.source}" in dag and "chapter: ${inputs.chapter}" in dag
    spec = importlib.util.spec_from_file_location("chat_retrieve", PROJECT_ROOT / "flows" / "shared" / "retrieve.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = module.retrieve_passages("What does the espresso lab say?", 3, source="labs", chapter="espresso")
    assert out["passages"] and {p["chapter"] for p in out["passages"]} == {"Pull an espresso shot"}
    assert all(p["corpus"] == "labs" and p["source"].endswith("/labs/espresso-lab.md") for p in out["passages"])
