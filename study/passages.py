"""The passages questions are written from: every chunk of the current index (ingest's store), with its content
hash, as the quiz flow's inputs and as lines of the jsonl `pf run create --file flows/quiz/run.yaml` reads."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from markdown_it import MarkdownIt

from answering.passages import prompt_text

MCQ_COUNT_BY_SIZE = {1: 6, 2: 4, 3: 3}  # passages in the chapter -> questions per passage (else 2): ~10 per chapter
# Counted without the headings: a section heading over a chapter heading has 20 words and nothing to ask about.
MIN_WORDS = 15
# Block structure only (as ingest.chunker parses the notes): a "# comment" inside a code fence is no heading.
_MARKDOWN = MarkdownIt("commonmark").disable("inline")
_LINE_BREAK = re.compile(r"\r\n?|\n")  # the lines markdown-it's token maps count


@dataclass(frozen=True)
class Passage:
    passage_id: str
    passage_hash: str
    passage_text: str  # as the prompts show notes: HTML markup and lines addressed to the model removed
    chapter: str
    chapter_number: int  # -1: a passage before any chapter heading
    section: str
    source: str
    lines: str
    mcq_count: int = 2  # questions to ask for; more in a chapter of one or two passages (5 per chapter is the aim)

    def inputs(self) -> dict:
        """The quiz flow's inputs for this passage."""
        return {k: v for k, v in asdict(self).items() if k != "chapter_number"}


def index_passages(root: Path | None = None) -> list[Passage]:
    """Every passage of the current index, in the order of the notes (file, then line)."""
    from ingest import store

    target = store.index(root)
    with store.reachable(target):
        generation = target.current()
        if generation is None:
            raise target.missing()
        got = store.get_all(target.collection(generation), include=["metadatas", "documents"])
    rows = zip(got["ids"], got["metadatas"], got["documents"])
    rows = sorted(rows, key=lambda row: (row[1]["source"], row[1]["line_start"]))
    return [
        Passage(
            passage_id=chunk_id,
            passage_hash=meta["hash"],
            passage_text=prompt_text(text),
            chapter=meta["chapter"],
            chapter_number=int(meta.get("chapter_number", -1)),
            section=meta["section"],
            source=meta["source"],
            lines=f"{meta['line_start']}-{meta['line_end']}",
        )
        for chunk_id, meta, text in rows
    ]


def body_text(passage_text: str) -> str:
    """The passage without its heading lines: what a question can be asked about."""
    headings = {
        line
        for token in _MARKDOWN.parse(passage_text)
        if token.type == "heading_open" and token.map
        for line in range(*token.map)
    }
    return "\n".join(text for n, text in enumerate(_LINE_BREAK.split(passage_text)) if n not in headings)


def has_body(passage: Passage) -> bool:
    """At least MIN_WORDS words besides the headings: the writing call is not spent on a heading alone."""
    from study.verify import plain_words

    return len(plain_words(body_text(passage.passage_text))) >= MIN_WORDS


def select(passages: list[Passage], chapters: list[int] | None = None) -> list[Passage]:
    """The passages of the chapters given (all without), never one that is only headings or has no sentence to ask
    about (study.sentences: a list of bare terms, code alone), nor the preface of a file with chapters; at most a
    question per askable sentence."""
    from study.sentences import askable

    wanted = set(chapters or [])
    sentences = {p.passage_id: len(askable(p.passage_text)) for p in passages}
    chaptered = {p.source for p in passages if p.chapter_number >= 0}
    useful = [p for p in passages if has_body(p) and sentences[p.passage_id] and not _preface(p, chaptered)]
    size = Counter(p.chapter for p in useful)
    return [
        replace(p, mcq_count=min(MCQ_COUNT_BY_SIZE.get(size[p.chapter], p.mcq_count), sentences[p.passage_id]))
        for p in useful
        if not wanted or p.chapter_number in wanted
    ]


def _preface(passage: Passage, chaptered: set[str]) -> bool:
    """Text before the first chapter heading of a file that has chapters: its title and where the notes come from
    ("Where are the notes taken from?" is no exam question). A file without chapter headings has no preface."""
    return passage.chapter_number < 0 and passage.source in chaptered


def round_robin(passages: list[Passage]) -> list[Passage]:
    """The passages one chapter at a time in turn (first of each chapter, then the second ...), so a run stopped
    part way has questions for every chapter rather than all of the first few."""
    by_chapter: dict[str, list[Passage]] = {}
    for passage in passages:
        by_chapter.setdefault(passage.chapter, []).append(passage)
    turns = max((len(group) for group in by_chapter.values()), default=0)
    return [group[turn] for turn in range(turns) for group in by_chapter.values() if turn < len(group)]


def write_jsonl(passages: list[Passage], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(p.inputs(), ensure_ascii=False) + "\n" for p in passages), encoding="utf-8")
