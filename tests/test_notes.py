"""Finding and reading notes: one-line errors that say which file and what to do; the CLI leaves the index alone."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from harness.cli import RunCli
from ingest import NotesError
from ingest.build import build_index, chunk_ids, chunk_notes
from ingest.notes import find_notes, read_note
from ingest.search import search

GOOD_NOTE = "# Good\n\nAzure ML workspaces hold compute targets, datastores and registered models for a team.\n"


def one_line(err: pytest.ExceptionInfo[NotesError]) -> str:
    message = str(err.value)
    assert message and "\n" not in message and "\r" not in message
    assert "; " in message, "the message should say what to do after the problem"
    return message


@pytest.mark.parametrize(
    ("name", "content", "advice"),
    [
        ("empty.md", b"", "write some notes"),
        ("blank.md", b"  \n\t\n   \n", "write some notes"),
        ("bom-only.md", b"\xef\xbb\xbf\n", "write some notes"),
        ("latin1.md", b"caf\xe9 notes", "re-save the file as UTF-8"),
        ("binary.md", b"# title\x00\x01\x02", "remove it"),
        ("notes.txt", b"# real markdown in a .txt\n", ".md"),
        ("slides.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", ".md"),
    ],
)
def test_unusable_files_raise_one_line_errors(tmp_path: Path, name: str, content: bytes, advice: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(NotesError) as err:
        read_note(path)
    message = one_line(err)
    assert str(path) in message
    assert advice in message


def test_not_utf8_names_the_offset(tmp_path: Path) -> None:
    path = tmp_path / "cafe.md"
    path.write_bytes(b"caf\xe9")
    with pytest.raises(NotesError, match="not UTF-8 .*offset 3"):
        read_note(path)


def test_utf8_with_bom_is_read_without_the_bom(tmp_path: Path) -> None:
    path = tmp_path / "bom.md"
    path.write_bytes("\ufeff# Café\n\nnotes".encode())
    note = read_note(path)
    assert note.text == "# Café\n\nnotes"
    assert note.source == path.resolve().as_posix()


def test_a_missing_path_raises_one_line_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.md"
    with pytest.raises(NotesError) as err:
        find_notes([missing])
    message = one_line(err)
    assert str(missing) in message and "no such file" in message


def test_a_folder_without_markdown_raises_one_line_error(tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "todo.txt").write_text("not markdown")
    (folder / "slides.pdf").write_bytes(b"%PDF-1.4")
    with pytest.raises(NotesError) as err:
        find_notes([folder])
    message = one_line(err)
    assert str(folder) in message and "no .md files" in message


def test_folder_walk_finds_nested_markdown_and_skips_symlinks_and_dotfiles(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    (notes / "deep" / "deeper").mkdir(parents=True)
    (notes / ".obsidian").mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "elsewhere.md").write_text(GOOD_NOTE)
    expected = [notes / "a.md", notes / "deep" / "b.markdown", notes / "deep" / "deeper" / "C.MD"]
    for path in expected:
        path.write_text(GOOD_NOTE)
    (notes / ".hidden.md").write_text(GOOD_NOTE)
    (notes / ".obsidian" / "workspace.md").write_text(GOOD_NOTE)
    (notes / "readme.txt").write_text("skip me")
    os.symlink(outside / "elsewhere.md", notes / "linked.md")
    os.symlink(outside, notes / "linked-folder")

    found = find_notes([notes])
    assert sorted(p.resolve() for p in found) == sorted(p.resolve() for p in expected)


def test_a_file_named_twice_is_read_once(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text(GOOD_NOTE)
    assert find_notes([path, tmp_path, tmp_path / "." / "a.md"]) == [path]


def _snapshot(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize(("name", "content"), [("empty.md", b""), ("latin1.md", b"caf\xe9")])
def test_cli_rejects_a_bad_file_with_one_line_and_leaves_the_index_unchanged(
    tmp_path: Path, run_cli: RunCli, name: str, content: bytes
) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "good.md").write_text(GOOD_NOTE)
    root = tmp_path / "chroma"
    build_index(paths=[notes], root=root, progress=False)
    before = _snapshot(root)
    assert "CURRENT" in before

    bad = notes / name
    bad.write_bytes(content)
    # The bad file alone, and inside the folder with a good one: both are refused before anything is written.
    for args in ([str(bad)], [str(notes)]):
        result = run_cli(root, "-m", "ingest", *args)
        assert result.returncode == 2, result.stderr
        lines = result.stderr.splitlines()
        assert len(lines) == 1, result.stderr
        assert lines[0].startswith("error: ") and str(bad) in lines[0]
        assert result.stdout == ""
        assert _snapshot(root) == before


def test_a_file_name_that_is_not_utf8_is_ingested_under_its_bytes_escaped(tmp_path: Path) -> None:
    """Such a name reaches Python with a lone surrogate, which crashed chunk_ids (UnicodeEncodeError) and which Chroma
    refuses in metadata; the source stored is the name with the byte written as \\xe9."""
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / os.fsdecode(b"caf\xe9.md")).write_text(GOOD_NOTE)
    chunks = chunk_notes([notes])
    expected = f"{notes.resolve().as_posix()}/caf\\xe9.md"
    assert [c.source for c in chunks] == [expected]
    assert len(chunk_ids(chunks)) == 1

    root = tmp_path / "chroma"
    assert build_index(paths=[notes], root=root, progress=False).added == 1
    [hit] = search("registered models for a team", k=1, root=root)
    assert hit.source == expected
    hit.source.encode()  # printable and sendable as it is

    (notes / os.fsdecode(b"caf\xe9.md")).write_bytes(b"")
    with pytest.raises(NotesError) as err:
        read_note(notes / os.fsdecode(b"caf\xe9.md"))
    message = one_line(err)
    assert "caf\\xe9.md: the file is empty" in message
    message.encode()


def test_a_file_name_with_a_line_break_keeps_errors_and_sources_on_one_line(tmp_path: Path, run_cli: RunCli) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "good.md").write_text(GOOD_NOTE)
    bad = notes / "two\nlines\r\u2028x.md"
    bad.write_bytes(b"")
    with pytest.raises(NotesError) as err:
        read_note(bad)
    assert "two\\nlines\\r\\u2028x.md: the file is empty" in one_line(err)

    result = run_cli(tmp_path / "chroma", "-m", "ingest", str(notes))
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("error: ") and "two\\nlines\\r\\u2028x.md: the file is empty" in line

    bad.write_text(GOOD_NOTE)
    sources = {c.source for c in chunk_notes([notes])}
    assert f"{notes.resolve().as_posix()}/two\\nlines\\r\\u2028x.md" in sources
    assert all(len(s.splitlines()) == 1 for s in sources)
