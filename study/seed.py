"""The hand-written seed bank: `study/data/seed.yaml` -> `study/data/bank.jsonl` with each item's provenance.

Every quote must occur verbatim on one line of its chapter; the passage (the ingest chunk) holding that line gives
the item its passage id, hash, section and lines, exactly as the generation flow will record them, so generated
items can replace hand-written ones passage by passage.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import yaml

from core.paths import PROJECT_ROOT
from study import bank as bank_data
from study.errors import BankError

SEED_PATH = bank_data.DATA_DIR / "seed.yaml"
NOTES_FILE = PROJECT_ROOT / "notes" / "dp100-notes.md"
GENERATOR = "hand-seed-1"


def build(seed_path: Path = SEED_PATH, notes_file: Path = NOTES_FILE) -> bank_data.Bank:
    """The seed bank; a quote not found in its chapter is an error naming the entry."""
    from ingest.build import chunk_ids, chunk_notes

    chunks = chunk_notes([notes_file])
    ids = chunk_ids(chunks)
    lines = notes_file.read_text(encoding="utf-8").split("\n")
    entries = yaml.safe_load(seed_path.read_text(encoding="utf-8"))
    items = []
    for number, entry in enumerate(entries, 1):
        found = _locate(entry, chunks, ids, lines)
        if found is None:
            chapter, quote = entry["chapter"], entry["quote"]
            raise BankError(f"{seed_path} entry {number}: quote not found in chapter {chapter}: {quote!r}")
        chunk, passage_id, line = found
        fields = {k: v for k, v in entry.items() if k not in ("chapter", "options")}
        items.append(
            bank_data.make_item(
                **fields,
                options={k: str(v) for k, v in entry.get("options", {}).items()},
                chapter=chunk.chapter,
                section=chunk.section,
                source=chunk.source,
                lines=f"{chunk.line_start}-{chunk.line_end}",
                quote_lines=str(line),
                passage_id=passage_id,
                passage_hash=chunk.content_hash,
                origin="hand",
            )
        )
    meta = bank_data.BankMeta(
        generator=GENERATOR,
        created=bank_data.now_iso(),
        notes={_source_name(notes_file): bank_data.file_hash(notes_file)},
    )
    return bank_data.Bank(items=items, meta=meta)


def _locate(entry: dict, chunks: list, ids: list[str], lines: list[str]):
    """(chunk, passage id, 1-based line) of the first passage of the entry's chapter with the quote on a line."""
    for chunk, passage_id in zip(chunks, ids):
        if chunk.chapter_number != entry["chapter"]:
            continue
        for line in range(chunk.line_start, chunk.line_end + 1):
            if entry["quote"] in lines[line - 1]:
                return chunk, passage_id, line
    return None


def _source_name(path: Path) -> str:
    try:
        return path.resolve().relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def write(path: Path = bank_data.BANK_PATH) -> tuple[bank_data.Bank, bank_data.MergeSummary]:
    """Rebuild the seed into the bank at path: merged, so items of changed passages (and hand items no longer in
    seed.yaml) are retired, not dropped."""
    seed = build()
    if not path.exists():
        bank_data.save(seed, path)
        return seed, bank_data.MergeSummary(added=len(seed.items), kept=0, retired=0)
    old = bank_data.load(path)
    before = old.by_id()
    covered = {(item.passage_hash, item.kind) for item in old.items if item.origin == "generated" and item.accepted}
    # A seed question keeps the status the bank gave it (generated questions of its passage and kind retire it; a
    # recheck that retires those brings it back); a new one comes in unless generated questions cover its place.
    fresh = [
        item
        for item in seed.items
        if (before[item.id].accepted if item.id in before else (item.passage_hash, item.kind) not in covered)
    ]
    wanted = {item.id for item in fresh}
    current = {item.passage_hash for item in seed.items} | {passage for passage, _ in covered}
    merged, summary = bank_data.merge(old, fresh, current, meta=seed.meta)
    dropped = [i for i in merged.items if i.origin == "hand" and i.accepted and i.id not in wanted]
    if dropped:
        retire = {i.id for i in dropped}
        merged = bank_data.Bank(
            items=[replace(i, status="retired") if i.id in retire else i for i in merged.items], meta=merged.meta
        )
        summary = bank_data.MergeSummary(summary.added, summary.kept - len(dropped), summary.retired + len(dropped))
    bank_data.save(merged, path)
    return merged, summary
