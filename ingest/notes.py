"""Finding and reading markdown notes, with one-line errors for files that cannot be used."""

from dataclasses import dataclass
from pathlib import Path

from core.paths import PROJECT_ROOT
from core.text import one_line
from ingest.errors import NotesError

MARKDOWN_SUFFIXES = {".md", ".markdown"}


@dataclass(frozen=True)
class Note:
    source: str  # stable name stored with every chunk: relative to the project when inside it
    text: str


def source_name(path: Path) -> str:
    # A name's non-UTF-8 bytes reach Python as lone surrogates, which cannot be hashed into a chunk id, stored in
    # Chroma or printed; escaped (`caf\xe9.md`, `two\nlines.md`), a source is one printable line.
    resolved = path.resolve()
    try:
        return one_line(resolved.relative_to(PROJECT_ROOT).as_posix())
    except ValueError:
        return one_line(resolved.as_posix())


def find_notes(paths: list[Path]) -> list[Path]:
    """Markdown files named directly or found below folders; symlinks inside folders are not followed."""
    found: list[Path] = []
    for path in paths:
        if not path.exists():
            raise NotesError(f"{path}: no such file or folder; give a .md file or a folder of them")
        if path.is_dir():
            found.extend(_walk(path))
        else:
            found.append(path)
    unique = sorted({p.resolve(): p for p in found}.values(), key=lambda p: source_name(p))
    if not unique:
        raise NotesError(f"no .md files found in {', '.join(map(str, paths))}; put your notes there as markdown")
    return unique


@dataclass(frozen=True)
class Corpus:
    name: str  # short name a search can filter on: the folder's name (`notes`, `mslearn-labs`), or a file's stem
    root: str  # the path given to ingest, as source_name() writes it; a plain `python -m ingest` ingests these again


def corpora(paths: list[Path]) -> dict[Path, Corpus]:
    """The corpus of every markdown file below the paths: the first path given that holds it."""
    owner: dict[Path, Corpus] = {}
    taken: dict[str, str] = {}
    for path in paths:
        name = path.resolve().name if path.is_dir() else path.resolve().stem
        root = source_name(path)
        if taken.setdefault(name, root) != root:  # two folders both called notes/: keep both filterable
            name = f"{path.resolve().parent.name}/{name}"
            taken.setdefault(name, root)
        for file in _walk(path) if path.is_dir() else [path]:
            owner.setdefault(file.resolve(), Corpus(name=name, root=root))
    return owner


def _walk(folder: Path) -> list[Path]:
    files = []
    for path in sorted(folder.iterdir()):
        if path.is_symlink() or path.name.startswith("."):
            continue
        if path.is_dir():
            files.extend(_walk(path))
        elif path.suffix.lower() in MARKDOWN_SUFFIXES and path.is_file():  # not a named pipe or a device
            files.append(path)
    return files


def read_note(path: Path) -> Note:
    if path.suffix.lower() not in MARKDOWN_SUFFIXES:
        raise NotesError(f"{path}: not a markdown file; studyflow reads .md files (convert it or rename it)")
    if path.exists() and not path.is_file():
        raise NotesError(f"{path}: not a regular file (a folder, pipe or device); give a .md file")
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise NotesError(f"{path}: cannot be read ({err.strerror}); check its permissions") from None
    if b"\x00" in raw:
        raise NotesError(f"{path}: binary content, not markdown text; remove it from the notes")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise NotesError(f"{path}: not UTF-8 (bad byte at offset {err.start}); re-save the file as UTF-8") from None
    if not text.strip():
        raise NotesError(f"{path}: the file is empty; write some notes in it or remove it")
    if not any(ch.isprintable() and not ch.isspace() for ch in text):
        raise NotesError(
            f"{path}: no visible text, only control or invisible characters; write some notes in it or remove it"
        )
    return Note(source=source_name(path), text=text)
