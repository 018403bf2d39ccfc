"""chunk_markdown on hand-made notes and on the real DP-100 notes, counted with the embedding model's tokenizer."""

from __future__ import annotations

from collections import Counter

import pytest

from core.paths import PROJECT_ROOT
from ingest.chunker import Chunk, chunk_markdown
from ingest.embedder import count_tokens

REAL_NOTES = PROJECT_ROOT / "notes" / "dp100-notes.md"


def chunk(text: str, **kwargs) -> list[Chunk]:
    return chunk_markdown(text, "note.md", count_tokens, **kwargs)


def prose(topic: str, n: int) -> str:
    """n words that belong to one topic (so different topics never share a line)."""
    return " ".join(f"{topic}{i}" for i in range(n))


def non_blank(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def containing(chunks: list[Chunk], needle: str) -> list[Chunk]:
    return [c for c in chunks if needle in c.text]


def test_nested_headings_become_the_heading_path() -> None:
    text = (
        f"# Book\n\n{prose('intro', 20)}\n\n"
        f"## Part A\n\n{prose('parta', 20)}\n\n"
        f"### Topic A1\n\n{prose('topica', 20)}\n\n"
        f"## Part B\n\n{prose('partb', 20)}\n"
    )
    chunks = chunk(text, min_tokens=0)
    by_word = {w: containing(chunks, w) for w in ("intro0", "parta0", "topica0", "partb0")}
    assert all(len(found) == 1 for found in by_word.values()), by_word
    assert by_word["intro0"][0].headings == ("Book",)
    assert by_word["parta0"][0].headings == ("Book", "Part A")
    assert by_word["topica0"][0].headings == ("Book", "Part A", "Topic A1")
    # A heading of the same level closes the deeper ones.
    assert by_word["partb0"][0].headings == ("Book", "Part B")


def test_html_in_headings_is_stripped_and_chapter_and_section_are_found() -> None:
    text = (
        '## <span style="color: red;"> Section 1. Design things</span>\n\n'
        '### <span style="color: green;"> Chapter 3. Foo</span>\n\n'
        f"{prose('foo', 30)}\n"
    )
    [found] = containing(chunk(text, min_tokens=0), "foo0")
    assert found.headings == ("Section 1. Design things", "Chapter 3. Foo")
    assert found.chapter == "Chapter 3. Foo"
    assert found.chapter_number == 3
    assert found.section == "Section 1. Design things"
    assert "span" not in found.embedding_text.splitlines()[0]


def test_comment_lines_inside_a_fence_are_not_headings() -> None:
    fence = "```bash\n# install the SDK\npip install azure-ai-ml\n## also a comment\n```"
    text = f"# Setup\n\n{prose('setup', 30)}\n\n{fence}\n\n{prose('after', 30)}\n"
    chunks = chunk(text, min_tokens=0)
    assert {c.headings for c in chunks} == {("Setup",)}
    assert len(containing(chunks, fence)) == 1


def test_a_fence_longer_than_max_tokens_stays_whole_in_one_chunk() -> None:
    code = "\n".join(f"result_{i} = compute_something(value_{i}, factor={i})  # step {i}" for i in range(60))
    fence = f"```python\n{code}\n```"
    assert count_tokens(fence) > 300
    text = f"# Code\n\n{prose('before', 80)}\n\n{fence}\n\n{prose('after', 80)}\n"
    chunks = chunk(text, max_tokens=100, min_tokens=10, overlap=20)
    holders = containing(chunks, fence)
    assert len(holders) == 1
    # ...and no other chunk carries a piece of it (no overlap copy of a fence line).
    assert [c for c in chunks if "result_30 =" in c.text] == holders


def test_a_fence_inside_a_list_item_stays_whole_when_the_list_is_split() -> None:
    """The real notes indent code under numbered items (chapter 7); such a fence must not be cut either."""
    code = "\n".join(f"    my_data_{i} = Data(path=path_{i}, name='asset_{i}')" for i in range(30))
    fence = f"    ```python\n{code}\n    ```"
    text = f"# Assets\n\n1. `URI file`: {prose('first', 20)}\n\n{fence}\n\n2. `URI folder`: {prose('second', 20)}\n"
    chunks = chunk(text, max_tokens=150, min_tokens=10, overlap=20)
    assert count_tokens(fence) > 150
    assert len(containing(chunks, fence)) == 1


def test_a_bare_heading_merges_forward_into_its_subsection_but_never_into_another_chapter() -> None:
    text = (
        f"### Chapter 1. One\n\n{prose('one', 40)}\n\n"
        f"#### Tiny\n\nshort tail\n\n"  # tiny, last in chapter 1: must not move into chapter 2
        "### Chapter 2. Two\n\n"  # a bare heading: merges into its first subsection
        f"#### Sub\n\n{prose('two', 40)}\n\n"
        "### Chapter 3. Empty\n\n"  # a bare chapter heading before another chapter stays alone
        f"### Chapter 4. Four\n\n{prose('four', 40)}\n"
    )
    chunks = chunk(text, max_tokens=200, min_tokens=20, overlap=0)
    [bare] = containing(chunks, "### Chapter 2. Two")
    assert "#### Sub" in bare.text and "two0" in bare.text
    assert bare.headings == ("Chapter 2. Two", "Sub") and bare.chapter_number == 2
    [tail] = containing(chunks, "short tail")
    assert tail.chapter_number == 1 and "Chapter 2" not in tail.text
    [empty] = containing(chunks, "### Chapter 3. Empty")
    assert empty.chapter_number == 3 and "four0" not in empty.text
    # Each chunk's text belongs to the chapter in its metadata.
    for word, number in (("one0", 1), ("two0", 2), ("four0", 4)):
        assert [c.chapter_number for c in containing(chunks, word)] == [number]


def test_a_tiny_trailing_paragraph_merges_back_into_its_own_section() -> None:
    text = (
        f"# Doc\n\n## Big\n\n{prose('big', 80)}\n\n{prose('more', 80)}\n\nok then\n\n## Next\n\n{prose('next', 40)}\n"
    )
    chunks = chunk(text, max_tokens=200, min_tokens=20, overlap=0)
    [tail] = containing(chunks, "ok then")
    assert tail.headings == ("Doc", "Big") and "more0" in tail.text


def _check_line_ranges(text: str, chunks: list[Chunk]) -> None:
    lines = text.splitlines()
    for c in chunks:
        assert 1 <= c.line_start <= c.line_end <= len(lines)
        assert non_blank(c.text) == non_blank("\n".join(lines[c.line_start - 1 : c.line_end])), c


@pytest.mark.parametrize("layout", ["one paragraph", "many paragraphs"])
def test_a_huge_section_splits_within_max_tokens_with_overlap_and_true_line_ranges(layout: str) -> None:
    sentences = [f"Sentence {i} is about {prose(f'item{i}n', 2)} here." for i in range(150)]
    assert all(count_tokens(s) < 20 for s in sentences)
    body = "\n".join(sentences) if layout == "one paragraph" else "\n\n".join(sentences)
    text = f"# Doc\n\n## Huge\n\n{body}\n\n## After\n\n{prose('after', 30)}\n"
    max_tokens, overlap = 120, 40
    chunks = chunk(text, max_tokens=max_tokens, min_tokens=20, overlap=overlap)
    huge = [c for c in chunks if c.headings == ("Doc", "Huge")]
    assert len(huge) >= 5
    for c in chunks:
        assert c.tokens <= max_tokens
        assert count_tokens(c.text) <= max_tokens
    for first, second in zip(huge, huge[1:]):
        head = second.text.splitlines()[0]
        assert head in first.text.splitlines(), "the next chunk should start with the end of this one"
        assert second.line_start <= first.line_end
        assert second.line_end > first.line_end
    _check_line_ranges(text, chunks)
    # Every sentence survives.
    assert all(containing(chunks, s) for s in sentences)


def test_a_long_single_line_is_split_by_words_with_its_own_line_number() -> None:
    line = " ".join(f"w{i}" for i in range(1500))
    text = f"# Doc\n\nintro line\n\n{line}\n\nclosing line here\n"
    chunks = chunk(text, max_tokens=100, min_tokens=0, overlap=20)
    pieces = [c for c in chunks if all(w.startswith("w") for w in c.text.split())]
    assert len(pieces) >= 5 and all(c.line_start == c.line_end == 5 for c in pieces)
    assert all(c.line_start == 1 and c.line_end == 5 for c in containing(chunks, "intro line"))
    words = set(line.split())
    assert words <= {w for c in chunks for w in c.text.split()}
    assert all(c.tokens <= 100 for c in chunks)


def test_word_pieces_respect_max_tokens_when_token_density_changes_along_the_line() -> None:
    """Pieces are sized from the line's average density; a denser tail must still not overflow."""
    line = " ".join(["cat"] * 600 + [f"x{i}q{i * 7}z{i * 13}" for i in range(300)])
    chunks = chunk(f"# Doc\n\n{line}\n", max_tokens=100, min_tokens=0, overlap=10)
    assert len(chunks) > 10
    for c in chunks:
        assert count_tokens(c.text) <= 100, c.tokens


def test_a_one_megabyte_line_is_split_without_error() -> None:
    line = " ".join(f"word{i}" for i in range(120_000))
    assert len(line) > 1_000_000
    chunks = chunk(line)
    assert len(chunks) > 1000
    assert all(c.line_start == c.line_end == 1 for c in chunks)
    assert all(c.tokens <= 200 for c in chunks)
    got = Counter(w for c in chunks for w in c.text.split())
    assert set(got) == set(line.split())


@pytest.mark.parametrize("text", ["", "   ", "\n\n\n", " \t \n  \n\t"])
def test_empty_or_blank_text_gives_no_chunks(text: str) -> None:
    assert chunk(text) == []


def test_an_unclosed_fence_does_not_crash_and_keeps_its_text() -> None:
    text = f"# Doc\n\n{prose('intro', 30)}\n\n```python\nx = 1\n# not a heading\ny = 2\n"
    chunks = chunk(text, min_tokens=0)
    assert {c.headings for c in chunks} == {("Doc",)}
    assert containing(chunks, "```python\nx = 1\n# not a heading\ny = 2")


def test_lines_are_counted_like_the_markdown_parser_counts_them() -> None:
    """A Unicode line separator or form feed inside a line must not shift later chunks off their lines."""
    text = (
        f"# Doc\n\n## One\n\nfirst\u2028same line \x0c still {prose('one', 30)}\n\n"
        f"## Two\n\n{prose('two', 30)}\nsecond line of two\n\n## Three\n\n{prose('three', 30)}\n"
    )
    chunks = chunk(text, min_tokens=0)
    [two] = containing(chunks, "two0")
    assert two.headings == ("Doc", "Two")
    assert two.text.startswith("## Two") and two.text.endswith("second line of two")
    [three] = containing(chunks, "three0")
    assert three.text.startswith("## Three")
    lines = text.split("\n")
    assert lines[two.line_start - 1] == "## Two" and lines[three.line_start - 1] == "## Three"


@pytest.fixture(scope="module")
def real_notes() -> tuple[str, list[Chunk]]:
    text = REAL_NOTES.read_text(encoding="utf-8")
    return text, chunk_markdown(text, "notes/dp100-notes.md", count_tokens)


def test_every_line_of_the_real_notes_is_in_some_chunk(real_notes: tuple[str, list[Chunk]]) -> None:
    text, chunks = real_notes
    missing = [n for n, line in enumerate(text.splitlines(), 1) if line.strip() and not containing(chunks, line)]
    assert missing == []
    # The same holds character by character: nothing is dropped or rewritten.
    source_chars = Counter(ch for ch in text if not ch.isspace())
    chunk_chars = Counter(ch for c in chunks for ch in c.text if not ch.isspace())
    assert not source_chars - chunk_chars


def test_real_notes_chunks_have_true_line_ranges_and_chapters(real_notes: tuple[str, list[Chunk]]) -> None:
    text, chunks = real_notes
    _check_line_ranges(text, chunks)
    assert {c.chapter_number for c in chunks} >= set(range(1, 24))
    fences = [c for c in chunks if c.text.count("```") % 2]
    assert fences == [], "a chunk with an odd number of fence markers cut a code block"
    for c in chunks:
        if c.chapter_number is not None:
            assert c.chapter.startswith(f"Chapter {c.chapter_number}.")
            assert "<span" not in c.chapter
