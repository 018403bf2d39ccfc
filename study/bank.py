"""The question bank as data: `study/data/bank.jsonl` (one item a line) and `bank_meta.json` (who made it, from what).

An item is a multiple-choice question (`kind: "mcq"`) or a free-recall card (`kind: "recall"`), each with the
sentence of the notes that makes it right (`quote`) and where it came from (chapter, section, source, lines,
passage id and hash). Items are never deleted: a passage that changes or goes away retires its items, so the
student's review history keeps pointing at something.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from core.paths import PROJECT_ROOT
from core.text import one_line
from study.errors import BankError

DATA_DIR = PROJECT_ROOT / "study" / "data"
BANK_PATH = DATA_DIR / "bank.jsonl"
META_PATH = DATA_DIR / "bank_meta.json"

KINDS = ("mcq", "recall")
OPTION_LETTERS = ("A", "B", "C", "D")
ORIGINS = ("hand", "generated")
STATUSES = ("accepted", "retired")
_COMMON = ("id", "kind", "quote", "chapter", "section", "source", "lines", "passage_id", "passage_hash")
_REQUIRED = {"mcq": (*_COMMON, "stem", "options", "key", "explanation"), "recall": (*_COMMON, "question", "answer")}
_LINES = re.compile(r"^(\d+)(?:-(\d+))?$")
_CHAPTER_NUMBER = re.compile(r"^chapter\s+(\d+)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Item:
    id: str
    kind: str
    quote: str
    chapter: str
    section: str
    source: str
    lines: str  # the passage's lines in the source, "start-end" as the answer flow cites them
    passage_id: str
    passage_hash: str
    stem: str = ""  # mcq
    options: dict[str, str] = field(default_factory=dict)  # mcq: A-D
    key: str = ""  # mcq
    explanation: str = ""  # mcq
    question: str = ""  # recall
    answer: str = ""  # recall
    quote_lines: str = ""  # where the quote itself is, inside `lines`
    origin: str = "generated"
    status: str = "accepted"
    generator: str = ""  # a generated item: the version of the generator that wrote it (study.generate.GENERATOR)

    @property
    def prompt(self) -> str:
        """What the student is asked: the stem of an mcq, the question of a recall card."""
        return self.stem if self.kind == "mcq" else self.question

    @property
    def chapter_number(self) -> int | None:
        match = _CHAPTER_NUMBER.match(self.chapter)
        return int(match.group(1)) if match else None

    @property
    def line_range(self) -> tuple[int, int]:
        return parse_lines(self.lines)

    @property
    def accepted(self) -> bool:
        return self.status == "accepted"

    @property
    def reference(self) -> str:
        return f"{self.source}:{self.lines}"

    def to_dict(self) -> dict:
        data = asdict(self)
        unused = ("question", "answer") if self.kind == "mcq" else ("stem", "options", "key", "explanation")
        return {k: v for k, v in data.items() if k not in unused}


@dataclass(frozen=True)
class BankMeta:
    generator: str  # e.g. "hand-seed-1" or "flows/quiz 1.0"
    created: str  # ISO time
    notes: dict[str, str] = field(default_factory=dict)  # source -> sha256 of the file the bank was made from


@dataclass(frozen=True)
class Bank:
    items: list[Item]
    meta: BankMeta

    def accepted(self) -> list[Item]:
        return [item for item in self.items if item.accepted]

    def by_id(self) -> dict[str, Item]:
        return {item.id: item for item in self.items}

    def chapters(self) -> list[str]:
        """Chapter titles of the accepted items, in chapter order."""
        seen = dict.fromkeys(item.chapter for item in sorted(self.accepted(), key=chapter_order))
        return list(seen)


@dataclass(frozen=True)
class MergeSummary:
    added: int
    kept: int
    retired: int

    def line(self) -> str:
        return f"{self.added} added, {self.kept} kept, {self.retired} retired"


def chapter_order(item: Item) -> tuple[int, str]:
    number = item.chapter_number
    return (number if number is not None else 10**6, item.chapter)


def parse_lines(lines: str) -> tuple[int, int]:
    match = _LINES.match(lines)
    if not match:
        raise ValueError(f"lines {lines!r} is not 'start-end'")
    start = int(match.group(1))
    end = int(match.group(2) or start)
    if start < 1 or end < start:
        raise ValueError(f"lines {lines!r} is not a range of line numbers")
    return start, end


def normalize(text: str) -> str:
    """Case, spacing and punctuation do not make a different question."""
    return " ".join(re.findall(r"\w+", text.lower()))


def item_id(passage_hash: str, kind: str, question: str) -> str:
    """Stable: the same question about the same passage text keeps its id (and its review history)."""
    return hashlib.sha256(f"{passage_hash}\0{kind}\0{normalize(question)}".encode()).hexdigest()[:16]


def make_item(**fields: object) -> Item:
    """An item with its id computed from its passage hash, kind and question; validated like a loaded line."""
    kind = str(fields.get("kind", ""))
    question = str(fields.get("stem") if kind == "mcq" else fields.get("question", ""))
    data = {**fields, "id": item_id(str(fields.get("passage_hash", "")), kind, question)}
    return item_from_dict(data)


def item_from_dict(data: object) -> Item:
    """An Item from one decoded line; ValueError says what is wrong (the caller adds file:line)."""
    if not isinstance(data, dict):
        raise ValueError("an item must be a JSON object")
    kind = data.get("kind")
    if kind not in KINDS:
        raise ValueError(f"kind {kind!r} is not one of {', '.join(KINDS)}")
    missing = [name for name in _REQUIRED[kind] if data.get(name) in (None, "", {})]
    if missing:
        raise ValueError(f"an {kind} item needs {', '.join(missing)}")
    known = set(Item.__dataclass_fields__)
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"unknown field {', '.join(unknown)}")
    text_fields = [name for name in known - {"options"} if name in data]
    not_text = [name for name in text_fields if not isinstance(data[name], str)]
    if not_text:
        raise ValueError(f"{', '.join(sorted(not_text))} must be text")
    if kind == "mcq":
        _check_options(data)
    parse_lines(data["lines"])
    if data.get("quote_lines"):
        parse_lines(data["quote_lines"])
    if data.get("origin", "generated") not in ORIGINS:
        raise ValueError(f"origin {data['origin']!r} is not one of {', '.join(ORIGINS)}")
    if data.get("status", "accepted") not in STATUSES:
        raise ValueError(f"status {data['status']!r} is not one of {', '.join(STATUSES)}")
    expected = item_id(data["passage_hash"], kind, data["stem"] if kind == "mcq" else data["question"])
    if data["id"] != expected:
        raise ValueError(f"id {data['id']!r} does not match its passage hash, kind and question (expected {expected})")
    return Item(**data)


def _check_options(data: dict) -> None:
    options = data["options"]
    if not isinstance(options, dict) or sorted(options) != list(OPTION_LETTERS):
        raise ValueError("options must be an object with exactly the keys A, B, C and D")
    empty = [k for k in OPTION_LETTERS if not isinstance(options[k], str) or not options[k].strip()]
    if empty:
        raise ValueError(f"option {', '.join(empty)} is empty")
    if len({normalize(v) for v in options.values()}) < len(OPTION_LETTERS):
        raise ValueError("two options say the same thing")
    if data["key"] not in OPTION_LETTERS:
        raise ValueError(f"key {data['key']!r} is not one of A, B, C, D")


def load(path: Path = BANK_PATH, meta_path: Path | None = None) -> Bank:
    """The bank at path (and its header beside it); a malformed line is one error naming file:line."""
    meta_path = meta_path or path.with_name(META_PATH.name)
    if not path.is_file():
        raise BankError(f"no question bank at {one_line(str(path))}: run `python -m study seed` to build the seed bank")
    items: list[Item] = []
    seen: dict[str, int] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise BankError(f"{path}: cannot be read as UTF-8 text ({err})") from err
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            item = item_from_dict(json.loads(line))
        except json.JSONDecodeError as err:
            raise BankError(f"{where}: not a JSON line ({err.msg} at column {err.colno})") from err
        except ValueError as err:
            raise BankError(f"{where}: {err}") from err
        if item.id in seen:
            raise BankError(f"{where}: id {item.id} is already used on line {seen[item.id]}")
        seen[item.id] = number
        items.append(item)
    return Bank(items=items, meta=load_meta(meta_path))


def load_meta(path: Path) -> BankMeta:
    if not path.is_file():
        raise BankError(f"no bank header at {path}: rebuild the bank (`python -m study seed`)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        meta = BankMeta(generator=data["generator"], created=data["created"], notes=dict(data.get("notes", {})))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError) as err:
        raise BankError(f"{path}: not a bank header with generator, created and notes ({err})") from err
    return meta


def save(bank: Bank, path: Path = BANK_PATH, meta_path: Path | None = None) -> None:
    """Write both files atomically: a crash mid-write leaves the old bank, never half a card."""
    meta_path = meta_path or path.with_name(META_PATH.name)
    lines = "".join(json.dumps(item.to_dict(), ensure_ascii=False) + "\n" for item in bank.items)
    _write_atomic(path, lines)
    _write_atomic(meta_path, json.dumps(asdict(bank.meta), indent=2, ensure_ascii=False) + "\n")


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _new_temp(path)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _new_temp(path: Path) -> tuple[int, Path]:
    """A new temporary file beside path, created with the mode a plain open() gives (0666 less the umask):
    tempfile.mkstemp's 0600 would leave the shipped bank unreadable to everyone but its writer."""
    for _ in range(10):
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), tmp
        except FileExistsError:  # a leftover of a crashed write with the same random name: pick another
            continue
    raise FileExistsError(f"cannot create a temporary file beside {path}")


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def merge(
    bank: Bank, new_items: Iterable[Item], passage_hashes: Iterable[str], meta: BankMeta | None = None
) -> tuple[Bank, MergeSummary]:
    """The bank after a (re)generation over passages whose current content hashes are `passage_hashes`.

    Items of an unchanged passage are kept as they are (with their status); items whose passage hash is gone
    (the passage changed or was removed) are retired, never deleted, so review history still resolves; new items
    are added. Hand-written items of a passage the generator now covers with items of the same kind are retired:
    generated questions, which pass verification, replace the seed (a hand flash card stays until a generated one
    passes). A new item with the id of a retired one (the passage came back) is accepted again.
    """
    current = set(passage_hashes)
    incoming = [item for item in new_items if item.passage_hash in current]
    generated_for = {(item.passage_hash, item.kind) for item in incoming if item.origin == "generated"}
    merged: dict[str, Item] = {}
    kept = retired = 0
    for item in bank.items:
        replaced = item.origin == "hand" and (item.passage_hash, item.kind) in generated_for
        stale = item.passage_hash not in current or replaced
        if stale and item.accepted:
            item = replace(item, status="retired")
            retired += 1
        elif item.accepted:
            kept += 1
        merged[item.id] = item
    added = 0
    for item in incoming:
        old = merged.get(item.id)
        if old is None:
            merged[item.id] = replace(item, status="accepted")
            added += 1
        elif not old.accepted and old.origin == item.origin:
            merged[item.id] = replace(item, status="accepted")
            added += 1
    return Bank(items=list(merged.values()), meta=meta or bank.meta), MergeSummary(added, kept, retired)
