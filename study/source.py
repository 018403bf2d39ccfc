"""The lines of the notes an item came from, read from its source file by the line numbers stored with it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.paths import PROJECT_ROOT
from core.text import strip_controls
from study.bank import Item, parse_lines


@dataclass(frozen=True)
class SourceLines:
    reference: str  # "notes/dp100-notes.md:544-596"
    lines: list[tuple[int, str]]  # (line number, text); empty when the file is gone or shorter now
    missing: str = ""  # why the lines could not be read

    @property
    def text(self) -> str:
        return "\n".join(text for _, text in self.lines)


def _path(source: str) -> Path:
    path = Path(source)
    return path if path.is_absolute() else PROJECT_ROOT / path


def read_lines(source: str, lines: str) -> SourceLines:
    """Lines `start-end` of a notes file, controls stripped (they go to a terminal or a page)."""
    start, end = parse_lines(lines)
    reference = f"{source}:{lines}"
    try:
        text = _path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        return SourceLines(reference, [], f"cannot read {source}: {err.__class__.__name__}")
    all_lines = text.split("\n")
    if end > len(all_lines):
        return SourceLines(reference, [], f"{source} has only {len(all_lines)} lines now")
    return SourceLines(reference, [(n, strip_controls(all_lines[n - 1])) for n in range(start, end + 1)])


def passage(item: Item) -> SourceLines:
    """The whole passage the item was written from."""
    return read_lines(item.source, item.lines)


def quote_context(item: Item, around: int = 1) -> SourceLines:
    """The quoted line with `around` lines either side, inside the passage (short enough to show after an answer)."""
    if not item.quote_lines:
        return passage(item)
    first, last = item.line_range
    start, end = parse_lines(item.quote_lines)
    return read_lines(item.source, f"{max(first, start - around)}-{min(last, end + around)}")
