"""Markdown -> chunks: split by headings, keep code fences whole, merge tiny pieces, split long ones with overlap.

Chunk text is always a slice of the source lines (never re-rendered), so no character of a note is lost.
"""

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from markdown_it import MarkdownIt

from core.text import clean_heading

TokenCounter = Callable[[str], int]

_CHAPTER = re.compile(r"^chapter\s+(\d+)\b", re.IGNORECASE)
_LINE_BREAK = re.compile(r"\r\n?|\n")  # what markdown-it counts as a line break (its token maps use these lines)
_FRONT_MATTER_END = frozenset({"---", "..."})
# Only the block structure is used (heading inline tokens get their .content from the block parser), so the
# inline parser is off: it spent ~15 s on a 1 MB line of "[" and produced nothing the chunker reads.
_parser = MarkdownIt("commonmark").enable("table").disable("inline")


@dataclass(frozen=True)
class Chunk:
    text: str
    source: str
    headings: tuple[str, ...]  # outermost first, HTML stripped
    line_start: int  # 1-based, inclusive
    line_end: int
    tokens: int
    corpus: str = ""  # the folder (or file) given to ingest that holds this note, e.g. "notes" or "mslearn-labs"
    root: str = ""  # that folder's path

    @property
    def chapter(self) -> str:
        for heading in self.headings:
            if _CHAPTER.match(heading):
                return heading
        return self.headings[0] if self.headings else self.source

    @property
    def chapter_number(self) -> int | None:
        match = _CHAPTER.match(self.chapter)
        return int(match.group(1)) if match else None

    @property
    def section(self) -> str:
        """The most specific heading that is not the chapter itself (the chapter's parent for DP-100 notes)."""
        others = [h for h in self.headings if h != self.chapter]
        return others[-1] if others else self.chapter

    @property
    def embedding_text(self) -> str:
        # The nearest headings give a passage deep inside a long chapter the context its words lack;
        # the document title above them would only eat into the model's 256-token window.
        return " > ".join(self.headings[-2:]) + "\n" + self.text if self.headings else self.text

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.embedding_text.encode()).hexdigest()


@dataclass
class _Unit:
    text: str
    start: int  # 0-based line index, inclusive
    end: int  # exclusive
    tokens: int
    fence: bool = False


@dataclass
class _Section:
    headings: tuple[str, ...]
    start: int
    end: int
    block_starts: list[int] = field(default_factory=list)
    fences: set[int] = field(default_factory=set)
    nested_fences: dict[int, int] = field(default_factory=dict)  # start -> end of fences inside lists and quotes


def _sections(text: str, n_lines: int) -> list[_Section]:
    tokens = _parser.parse(text)
    sections = [_Section(headings=(), start=0, end=n_lines)]
    stack: list[tuple[int, str]] = []
    for i, tok in enumerate(tokens):
        if tok.map is None or tok.nesting == -1:
            continue
        start = tok.map[0]
        if tok.level != 0:
            if tok.type == "fence":
                sections[-1].nested_fences[start] = tok.map[1]
            continue
        if tok.type == "heading_open":
            level = int(tok.tag[1])
            title = clean_heading(tokens[i + 1].content)
            stack = [(lvl, t) for lvl, t in stack if lvl < level] + ([(level, title)] if title else [])
            sections[-1].end = start
            sections.append(_Section(headings=tuple(t for _, t in stack), start=start, end=n_lines))
        else:
            sections[-1].block_starts.append(start)
            if tok.type in ("fence", "code_block"):
                sections[-1].fences.add(start)
    return [s for s in sections if s.end > s.start]


def _units(lines: list[str], section: _Section, count: TokenCounter, max_tokens: int) -> list[_Unit]:
    """Cut a section's lines at block starts; blank lines stay with the block above them."""
    cuts = sorted({section.start, *(b for b in section.block_starts if section.start < b < section.end)})
    units = []
    for start, end in zip(cuts, cuts[1:] + [section.end]):
        text = "\n".join(lines[start:end]).rstrip()
        if not text.strip():
            continue
        fence = start in section.fences
        tokens = count(text)
        if tokens > max_tokens and not fence:
            units.extend(_split_block(lines, start, end, count, max_tokens, section.nested_fences))
        else:
            units.append(_Unit(text, start, end, tokens, fence))
    return units


def _split_block(
    lines: list[str], start: int, end: int, count: TokenCounter, max_tokens: int, fences: dict[int, int]
) -> list[_Unit]:
    """A prose block too long for one chunk: by lines, and a single huge line by words; a code fence inside it
    (under a list item) stays one unit."""
    units = []
    fence_end = start
    for i in range(start, end):
        if i < fence_end:
            continue
        if i in fences:
            fence_end = min(fences[i], end)
            text = "\n".join(lines[i:fence_end]).rstrip()
            units.append(_Unit(text, i, fence_end, count(text), fence=True))
            continue
        line = lines[i]
        if not line.strip():
            continue
        tokens = count(line)
        if tokens <= max_tokens:
            units.append(_Unit(line, i, i + 1, tokens))
            continue
        words = line.split(" ")
        # Estimate words per piece from this line's own token density, then pack.
        per_piece = max(1, int(len(words) * max_tokens / tokens * 0.9))
        for w in range(0, len(words), per_piece):
            units.extend(_word_pieces(words[w : w + per_piece], i, count, max_tokens))
    return units


def _word_pieces(words: list[str], i: int, count: TokenCounter, max_tokens: int) -> list[_Unit]:
    """Words of line i as one unit, halved while over max_tokens (the density estimate can be short of it)."""
    piece = " ".join(words)
    if not piece.strip():
        return []
    tokens = count(piece)
    if tokens > max_tokens and len(words) > 1:
        half = len(words) // 2
        return _word_pieces(words[:half], i, count, max_tokens) + _word_pieces(words[half:], i, count, max_tokens)
    return [_Unit(piece, i, i + 1, tokens)]


def _pack(units: list[_Unit], max_tokens: int, overlap: int) -> list[list[_Unit]]:
    groups: list[list[_Unit]] = []
    current: list[_Unit] = []
    size = 0
    for unit in units:
        if current and size + unit.tokens > max_tokens:
            groups.append(current)
            carry: list[_Unit] = []
            carried = 0
            for prev in reversed(current):
                if prev.fence or carried + prev.tokens > overlap:
                    break
                carry.insert(0, prev)
                carried += prev.tokens
            if carried + unit.tokens > max_tokens:
                carry, carried = [], 0
            current, size = carry, carried
        current.append(unit)
        size += unit.tokens
    if current:
        groups.append(current)
    return groups


Piece = tuple[tuple[str, ...], list[_Unit]]


def _size(units: list[_Unit]) -> int:
    return sum(u.tokens for u in units)


def _merge_tiny(pieces: list[Piece], min_tokens: int, max_tokens: int) -> list[Piece]:
    """Fold a piece under min_tokens (a bare heading, a one-liner) into a neighbour under the same heading:
    forward into its own first subsection, else back into the rest of its section; never across chapters."""
    merged: list[Piece] = []
    pending: Piece | None = None
    for headings, units in pieces:
        if pending is not None:
            if headings[: len(pending[0])] == pending[0] and _size(pending[1]) + _size(units) <= max_tokens:
                units = pending[1] + units
            else:
                merged.append(pending)
            pending = None
        if _size(units) >= min_tokens:
            merged.append((headings, units))
        elif merged and merged[-1][0] == headings and _size(merged[-1][1]) + _size(units) <= max_tokens:
            merged[-1] = (headings, merged[-1][1] + units)
        else:
            pending = (headings, units)
    if pending is not None:
        merged.append(pending)
    return merged


def _front_matter_end(lines: list[str]) -> int | None:
    """The line closing a leading YAML front matter block (`---` ... `---`), if the note has one."""
    if not lines or lines[0].strip() != "---":
        return None
    end = next((i for i, line in enumerate(lines[1:], 1) if line.strip() in _FRONT_MATTER_END), None)
    if end is None or not any(":" in line for line in lines[1:end]):
        return None
    return end


def chunk_markdown(
    text: str,
    source: str,
    count: TokenCounter,
    max_tokens: int = 200,
    min_tokens: int = 40,
    overlap: int = 40,
) -> list[Chunk]:
    """Chunks of a markdown note in document order; token sizes are counted by `count`."""
    # Not str.splitlines(): it also breaks at \x0b, \x0c, \x1c-\x1e, \x85, \u2028 and \u2029, which the parser
    # does not, and every chunk after such a character would be cut one line off its headings.
    lines = _LINE_BREAK.split(text)
    if lines[-1] == "":
        lines.pop()
    end = _front_matter_end(lines)
    if end is not None:
        # Markdown reads front matter as a setext heading ("lab: title: ...") that would become a bogus chapter. Only
        # the parser sees its closing line blanked; the chunks keep every line of the note.
        text = "\n".join(lines[:end] + [""] + lines[end + 1 :])
    pieces = []
    for section in _sections(text, len(lines)):
        units = _units(lines, section, count, max_tokens)
        pieces.extend((section.headings, group) for group in _pack(units, max_tokens, overlap))
    chunks = []
    for headings, units in _merge_tiny(pieces, min_tokens, max_tokens):
        body = "\n".join(u.text for u in units)
        chunks.append(
            Chunk(
                text=body,
                source=source,
                headings=headings,
                line_start=units[0].start + 1,
                line_end=max(u.end for u in units),
                tokens=sum(u.tokens for u in units),
            )
        )
    return chunks
