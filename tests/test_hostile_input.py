"""Hostile and odd input (issue #5): random markdown, unicode, control characters, 1 MB lines, unclosed fences,
NUL bytes, invisible-only files, symlinks and special files in the notes folders.

The chunker is run with made-up token counters (no embedding model, no tokenizer), so these tests are cheap.
"""

from __future__ import annotations

import os
import re
import time
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ingest import NotesError
from ingest.chunker import Chunk, chunk_markdown
from ingest.notes import find_notes, read_note

# --- token counters --------------------------------------------------------------------------------------------


def count_chars(text: str) -> int:
    """Never 0 for a non-empty text (needed for the exact check with overlap=0, see below)."""
    return 1 + len(text) // 8


def count_words(text: str) -> int:
    return max(1, len(text.split()))


def count_alnum(text: str) -> int:
    """Like a real tokenizer that drops control characters: a line of symbols only costs 0 tokens."""
    return sum(ch.isalnum() for ch in text) // 3


# --- what "no text is dropped" means ---------------------------------------------------------------------------

# The lines the chunker (and markdown-it) count: \r\n, \r and \n break lines; \x0b, \x0c, \x1c-\x1e, \x85,
# \u2028 and \u2029 do not (str.splitlines would break there too).
_LINE_BREAK = re.compile(r"\r\n?|\n")


def source_lines(text: str) -> list[str]:
    lines = _LINE_BREAK.split(text)
    if lines[-1] == "":
        lines.pop()
    return lines


def visible(text: str) -> str:
    """The non-whitespace characters of text, in order (str.isspace decides what whitespace is)."""
    return "".join(ch for ch in text if not ch.isspace())


def is_subsequence(needle: str, haystack: str) -> bool:
    it = iter(haystack)
    return all(ch in it for ch in needle)


def check_no_text_dropped(text: str, chunks: list[Chunk]) -> None:
    """What the chunker's design promises for any overlap (chunk text is a slice of the source lines; a long
    block is cut at line starts, a huge line at spaces; the overlap repeats whole units from the chunk before):

    1. every chunk is non-blank and has a true line range: its non-whitespace characters, in order, are a
       subsequence of those of its source lines (no character is invented, rewritten or reordered);
    2. chunks come in document order (line_start never goes back);
    3. every non-whitespace character of the note is in some chunk, counted with multiplicity
       (overlap may repeat characters, so this is `<=` on the multisets);
    4. every non-blank source line is in some chunk whose line range covers it: the whole line verbatim, or, for
       a line too long for one chunk, each of its space-separated words.
    The exact version of 3 (nothing repeated either) is `check_exact_partition`, for overlap=0.
    """
    lines = source_lines(text)
    for c in chunks:
        assert c.text.strip(), c
        assert 1 <= c.line_start <= c.line_end <= len(lines), (c.line_start, c.line_end, len(lines))
        span = "\n".join(lines[c.line_start - 1 : c.line_end])
        assert is_subsequence(visible(c.text), visible(span)), c
        assert all("\n" not in h and "\r" not in h for h in c.headings), c.headings
        # Metadata never raises on odd headings either.
        assert isinstance(c.chapter, str) and isinstance(c.section, str) and len(c.content_hash) == 64
    assert [c.line_start for c in chunks] == sorted(c.line_start for c in chunks)
    missing_chars = Counter(visible(text)) - Counter(ch for c in chunks for ch in visible(c.text))
    assert not missing_chars, f"characters dropped: {dict(missing_chars)!r}"
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        holders = [c for c in chunks if c.line_start <= n <= c.line_end]
        if any(line.rstrip() in c.text for c in holders):
            continue
        for word in line.split(" "):
            assert not word.strip() or any(word in c.text for c in holders), (n, line, word)


def check_exact_partition(text: str, chunks: list[Chunk]) -> None:
    """With overlap=0 (and a counter that never says 0 tokens, or zero-token units could ride along as
    "overlap"), the chunks partition the note: their non-whitespace characters, concatenated in order, are
    exactly those of the note. Nothing dropped, nothing repeated, nothing moved."""
    assert "".join(visible(c.text) for c in chunks) == visible(text)


# --- a markdown-ish strategy ------------------------------------------------------------------------------------

ODD_CHARS = [
    *(chr(c) for c in range(0x20) if c not in (0x0A, 0x0D)),  # C0 controls incl. NUL, tab, \x0b, \x0c, \x1c-\x1f
    "\x7f", "\x85", "\xa0", "\u2028", "\u2029", "\u200b", "\u200d", "\u200f", "\u202e", "\ufeff", "\u3000",
    "\u0301", "\u0308", "\u20dd",  # combining marks
    "😀", "👩‍💻", "🇯🇵", "𝔘", "\U0010fffd",  # emoji (incl. ZWJ and flag sequences), astral
    "ع", "ש", "ـ", "١", "中", "ア", "é", "ß", "İ",  # RTL, CJK, case-mapping oddities
    "*", "_", "`", "~", "#", "[", "]", "(", ")", "<", ">", "!", "|", "\\", "&", "-", "+", "=", ".", ":", '"', "'",
]  # fmt: skip

inline_char = st.one_of(
    st.sampled_from(ODD_CHARS),
    st.characters(codec="utf-8", exclude_characters="\r\n"),
    st.sampled_from("abcdefgh      "),
)
inline = st.lists(inline_char, max_size=30).map("".join)  # ODD_CHARS has multi-character emoji sequences
word_line = st.lists(st.sampled_from(["alpha", "beta", "gamma", "δέλτα", "😀", "x\x00y", "a\tb", "`c`"]), max_size=30)


@st.composite
def heading(draw: st.DrawFn) -> list[str]:
    level = draw(st.integers(1, 6))
    title = draw(inline)
    if draw(st.booleans()):
        color = draw(st.sampled_from(["red", "green", "#00f"]))
        title = f'<span style="color: {color};">{title}</span>'
    if draw(st.integers(0, 5)) == 0:  # setext, or an unclosed tag
        return [title or "t", draw(st.sampled_from(["===", "---"]))]
    return [("#" * level + " " + title + draw(st.sampled_from(["", " ##", "<span"]))).rstrip(" ")]


@st.composite
def fence(draw: st.DrawFn) -> list[str]:
    marker = draw(st.sampled_from(["```", "~~~", "````"]))
    indent = draw(st.sampled_from(["", "  ", "   "]))
    body = draw(st.lists(st.one_of(inline, st.just("# not a heading"), st.just("```")), max_size=6))
    lines = [indent + marker + draw(st.sampled_from(["", "python", "bash {x}"])), *body]
    if draw(st.booleans()):
        lines.append(indent + marker)
    return lines


@st.composite
def list_block(draw: st.DrawFn) -> list[str]:
    lines = []
    for i in range(draw(st.integers(1, 5))):
        bullet = draw(st.sampled_from(["-", "*", "+", f"{i + 1}.", f"{i + 1})"]))
        lines.append(f"{'  ' * draw(st.integers(0, 2))}{bullet} {draw(inline)}")
        if draw(st.integers(0, 3)) == 0:
            lines.extend("    " + line for line in draw(fence()))
    return lines


@st.composite
def table(draw: st.DrawFn) -> list[str]:
    cols = draw(st.integers(1, 4))
    rows = draw(st.lists(st.lists(inline, min_size=cols, max_size=cols), max_size=4))
    return ["| " + " | ".join(["h"] * cols) + " |", "|" + "---|" * cols] + ["| " + " | ".join(r) + " |" for r in rows]


block = st.one_of(
    heading(),
    fence(),
    list_block(),
    table(),
    st.lists(inline, min_size=1, max_size=4),  # a paragraph
    word_line.map(lambda words: [" ".join(words)]),  # a long line to be split by words
    st.lists(inline.map(lambda s: "> " + s), min_size=1, max_size=3),  # a quote
    st.sampled_from([["---"], ["<div>"], ["</div>"], ["    indented code"], ["\t\ttabbed"], [""], ["", ""], ["   "]]),
    st.text(max_size=60).map(lambda s: [s]),  # anything at all, line breaks included
)


@st.composite
def markdown_note(draw: st.DrawFn) -> str:
    lines = [line for b in draw(st.lists(block, max_size=25)) for line in b]
    eol = draw(st.sampled_from(["\n", "\r\n", "\r", "mixed"]))
    if eol == "mixed":
        ends = draw(st.lists(st.sampled_from(["\n", "\r\n", "\r"]), min_size=len(lines), max_size=len(lines)))
    else:
        ends = [eol] * len(lines)
    text = "".join(line + end for line, end in zip(lines, ends))
    if text and draw(st.booleans()):  # no line break at the end of the file
        text = text[: -len(ends[-1])]
    return draw(st.sampled_from(["", "\ufeff", " \t"])) + text


counters = st.sampled_from([count_chars, count_words, count_alnum])
sizes = st.tuples(st.integers(1, 60), st.integers(0, 30), st.integers(0, 30))  # max_tokens, min_tokens, overlap
HYPOTHESIS = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@HYPOTHESIS
@given(text=markdown_note(), count=counters, size=sizes)
@example(text="# a\r\rb\x00\x1c\u2028c\r\n```\n# x", count=count_chars, size=(2, 0, 1))
def test_random_markdown_never_crashes_and_drops_no_text(text: str, count, size: tuple[int, int, int]) -> None:
    max_tokens, min_tokens, overlap = size
    chunks = chunk_markdown(text, "note.md", count, max_tokens=max_tokens, min_tokens=min_tokens, overlap=overlap)
    check_no_text_dropped(text, chunks)


@HYPOTHESIS
@given(text=markdown_note(), count=st.sampled_from([count_chars, count_words]), size=sizes)
def test_without_overlap_the_chunks_partition_the_note(text: str, count, size: tuple[int, int, int]) -> None:
    max_tokens, min_tokens, _ = size
    chunks = chunk_markdown(text, "note.md", count, max_tokens=max_tokens, min_tokens=min_tokens, overlap=0)
    check_exact_partition(text, chunks)
    check_no_text_dropped(text, chunks)


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=300), count=counters)
def test_any_text_at_all_never_crashes_and_drops_no_text(text: str, count) -> None:
    check_no_text_dropped(text, chunk_markdown(text, "note.md", count, max_tokens=20, min_tokens=5, overlap=5))


# --- explicit cases ---------------------------------------------------------------------------------------------

MB = 1_000_000


@pytest.mark.parametrize(
    "line",
    [
        pytest.param(" ".join(f"word{i}" for i in range(130_000)), id="words"),
        pytest.param("x" * MB, id="one-token"),  # no space to split at: one oversized chunk is accepted
        pytest.param("[" * MB, id="brackets"),  # was ~15 s in markdown-it's inline parser
        pytest.param("[a [b [c " * (MB // 9), id="nested-links"),
        pytest.param("_a_ **b** " * (MB // 10), id="emphasis"),
        pytest.param("<a " * (MB // 3), id="html-ish"),
        pytest.param("😀 ع\u0301 \x00\x01 " * (MB // 8), id="unicode-and-controls"),
    ],
)
def test_a_one_megabyte_line_is_chunked_quickly_and_keeps_its_text(line: str) -> None:
    assert len(line) >= 0.99 * MB
    for text in (line, f"# Big\r\n\r\nintro\r\n\r\n{line}\r\n\r\n## After\r\n\r\nthe end\r\n"):
        started = time.perf_counter()
        chunks = chunk_markdown(text, "big.md", count_words)
        assert time.perf_counter() - started < 10
        check_exact_partition(text, chunk_markdown(text, "big.md", count_words, overlap=0))
        assert Counter(visible(text)) <= Counter(ch for c in chunks for ch in visible(c.text))
        if " " in line.strip():
            assert all(c.tokens <= 200 for c in chunks)


@pytest.mark.parametrize("marker", ["```", "~~~", "    ```"])
def test_an_unclosed_fence_swallows_the_rest_of_the_note_without_losing_it(marker: str) -> None:
    """An unclosed fence runs to the end of the file (CommonMark): the headings after it are code, not sections."""
    text = f"# Doc\n\nintro words here\n\n{marker}python\nx = 1\n\n# not a heading\n\n## nor this\ny = 2"
    chunks = chunk_markdown(text, "note.md", count_words, max_tokens=3, min_tokens=0, overlap=0)
    check_exact_partition(text, chunks)
    check_no_text_dropped(text, chunks)
    if not marker.startswith(" "):
        assert {c.headings for c in chunks} == {("Doc",)}
        [code] = [c for c in chunks if marker in c.text]
        assert code.text.endswith("## nor this\ny = 2")


def test_nul_bytes_are_kept_by_the_chunker_and_refused_in_files(tmp_path: Path) -> None:
    """markdown-it turns NUL into U+FFFD while parsing; chunk text is cut from the source, so NUL stays there
    (and only the heading metadata sees the replacement). A file with NUL is refused as binary by read_note."""
    text = "# ti\x00tle\n\nbody \x00 with nul\x00\n\n```\n\x00\n```\n"
    chunks = chunk_markdown(text, "note.md", count_words, max_tokens=4, min_tokens=0, overlap=0)
    check_exact_partition(text, chunks)
    assert {c.headings for c in chunks} == {("ti\ufffdtle",)}
    path = tmp_path / "nul.md"
    path.write_text(text)
    with pytest.raises(NotesError, match="binary content"):
        read_note(path)


@pytest.mark.parametrize(
    ("content", "advice"),
    [
        (" \t\r\n\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u2028\u2029\u3000\r", "the file is empty"),
        ("\x01\x02\x03\x07\x08\x1b\x7f\n\x0e\x0f", "no visible text"),
        ("\u200b\u200d\ufeff\u202e\n", "no visible text"),
    ],
    ids=["whitespace-only", "control-only", "invisible-only"],
)
def test_a_file_without_visible_text_is_refused_in_one_line(tmp_path: Path, content: str, advice: str) -> None:
    """Convention of read_note: a file that cannot give a useful chunk is a one-line NotesError, not 0 chunks."""
    path = tmp_path / "odd.md"
    path.write_text(content, newline="")
    with pytest.raises(NotesError) as err:
        read_note(path)
    message = str(err.value)
    assert advice in message and str(path) in message and "\n" not in message


def test_whitespace_only_text_gives_no_chunks_and_control_only_text_is_kept() -> None:
    """The chunker itself judges nothing: blank text gives no chunks, anything visible to Python is kept."""
    blank = " \t\r\n\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u2028\u2029\u3000\r"
    assert chunk_markdown(blank, "note.md", count_words) == []
    controls = "".join(chr(c) for c in range(0x20) if not chr(c).isspace())
    [chunk] = chunk_markdown(controls, "note.md", count_alnum)
    assert chunk.text == controls and chunk.tokens == 0


# --- paths ------------------------------------------------------------------------------------------------------

GOOD_NOTE = "# Good\n\nAzure ML workspaces hold compute targets and datastores.\n"


@pytest.fixture
def notes(tmp_path: Path) -> Path:
    folder = tmp_path / "notes"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.md").write_text(GOOD_NOTE)
    (folder / "sub" / "b.md").write_text(GOOD_NOTE)
    outside = tmp_path / "outside"
    (outside / "deep").mkdir(parents=True)
    (outside / "secret.md").write_text(GOOD_NOTE)
    (outside / "deep" / "other.md").write_text(GOOD_NOTE)
    return folder


def found(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in find_notes([folder]))


def test_symlinks_out_of_the_notes_folder_are_not_followed(notes: Path) -> None:
    outside = notes.parent / "outside"
    os.symlink(outside / "secret.md", notes / "linked.md")
    os.symlink(outside, notes / "linked-folder")
    os.symlink(outside / "deep", notes / "sub" / "deep-link")
    os.symlink("../../outside/secret.md", notes / "sub" / "relative.md")
    assert found(notes) == ["a.md", "sub/b.md"]


def test_symlink_cycles_and_dangling_links_do_not_loop_or_fail(notes: Path) -> None:
    os.symlink(notes, notes / "sub" / "loop")
    os.symlink("..", notes / "sub" / "up")
    os.symlink(".", notes / "self")
    os.symlink(notes / "nowhere.md", notes / "dangling.md")
    os.symlink("ping", notes / "pong.md")
    os.symlink("pong.md", notes / "ping")
    assert found(notes) == ["a.md", "sub/b.md"]


def test_a_symlink_inside_the_folder_to_a_note_inside_it_is_skipped_not_read_twice(notes: Path) -> None:
    os.symlink(notes / "a.md", notes / "sub" / "alias.md")
    os.symlink(notes / "sub", notes / "sub-alias")
    assert found(notes) == ["a.md", "sub/b.md"]


def test_a_symlink_named_explicitly_is_the_users_choice_and_is_read(notes: Path) -> None:
    link = notes.parent / "chosen.md"
    os.symlink(notes.parent / "outside" / "secret.md", link)
    assert find_notes([link]) == [link]
    assert read_note(link).text == GOOD_NOTE


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_special_files_named_like_notes_are_skipped_and_refused_without_blocking(notes: Path) -> None:
    """Reading a named pipe would block forever; a folder named x.md is walked like any folder."""
    pipe = notes / "pipe.md"
    os.mkfifo(pipe)
    (notes / "folder.md").mkdir()
    (notes / "folder.md" / "c.md").write_text(GOOD_NOTE)
    assert found(notes) == ["a.md", "folder.md/c.md", "sub/b.md"]
    with pytest.raises(NotesError, match="not a regular file"):
        read_note(pipe)
