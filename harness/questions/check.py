"""Validate the studyflow question sets against the DP-100 notes.

Checks:
  * schema of every record in harness/questions/dev_questions.jsonl and
    harness/questions/tuning_questions.jsonl
  * every chapter 1..23 appears at least once in the dev set
  * every key term occurs (case-insensitive, verbatim) in its chapter's text
  * no question text is duplicated within or across the two files
    (compared after lower-casing and collapsing whitespace/punctuation)

Prints a one-line summary; exits non-zero on failure. Standard library and core only.
Usage: python -m harness.questions.check [--notes PATH]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from core.paths import PROJECT_ROOT
from harness.questions import DEV_SET as DEV_PATH
from harness.questions import TUNING_SET as TUNE_PATH
from harness.questions import exam_check

NOTES_PATH = PROJECT_ROOT / "notes" / "dp100-notes.md"
N_CHAPTERS = 23

CHAPTER_RE = re.compile(r"^###\s+.*?\bChapter\s+(\d+)\.", re.MULTILINE)
ID_RE = {"dev": re.compile(r"^dev-\d{2,}$"), "tune": re.compile(r"^tune-\d{2,}$")}
REQUIRED = {"id": str, "question": str, "chapter": (int, type(None)), "key_terms": list}


def split_chapters(text: str) -> dict[int, str]:
    """Map chapter number -> text from its level-3 heading up to the next chapter heading."""
    matches = list(CHAPTER_RE.finditer(text))
    chapters: dict[int, str] = {}
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        chapters[int(m.group(1))] = text[m.start() : end]
    return chapters


def norm_question(q: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", q.lower()).split())


def load_jsonl(path: Path, errors: list[str]) -> list[dict]:
    rows: list[dict] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        errors.append(f"cannot read {path}: {exc}")
        return rows
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(f"{path.name}:{n}: invalid JSON ({exc})")
            continue
        if not isinstance(obj, dict):
            errors.append(f"{path.name}:{n}: not a JSON object")
            continue
        obj["_where"] = f"{path.name}:{n}"
        rows.append(obj)
    return rows


def check_record(rec: dict, kind: str, chapters: dict[int, str], errors: list[str]) -> None:
    where = rec["_where"]
    extra = set(rec) - set(REQUIRED) - {"_where"}
    if extra:
        errors.append(f"{where}: unexpected fields {sorted(extra)}")
    for field, typ in REQUIRED.items():
        if field not in rec:
            errors.append(f"{where}: missing field '{field}'")
            return
        val = rec[field]
        if not isinstance(val, typ) or isinstance(val, bool):
            errors.append(f"{where}: field '{field}' has wrong type {type(val).__name__}")
            return
    if not ID_RE[kind].match(rec["id"]):
        errors.append(f"{where}: id {rec['id']!r} does not match {kind}-NN")
    if not rec["question"].strip():
        errors.append(f"{where}: empty question")
    ch, terms = rec["chapter"], rec["key_terms"]
    if ch is None:
        if terms:
            errors.append(f"{where}: uncovered question must have empty key_terms")
        return
    if not 1 <= ch <= N_CHAPTERS:
        errors.append(f"{where}: chapter {ch} out of range 1..{N_CHAPTERS}")
        return
    if not 1 <= len(terms) <= 3:
        errors.append(f"{where}: expected 1-3 key_terms, got {len(terms)}")
    body = chapters.get(ch, "").lower()
    for t in terms:
        if not isinstance(t, str) or not t.strip():
            errors.append(f"{where}: key term {t!r} is not a non-empty string")
        elif t.lower() not in body:
            errors.append(f"{where}: key term {t!r} not found in chapter {ch} text")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--notes", type=Path, default=NOTES_PATH)
    ap.add_argument("--dev", type=Path, default=DEV_PATH)
    ap.add_argument("--tune", type=Path, default=TUNE_PATH)
    args = ap.parse_args(argv)

    errors: list[str] = []
    try:
        chapters = split_chapters(args.notes.read_text(encoding="utf-8"))
    except OSError as exc:
        print(f"FAIL: cannot read notes {args.notes}: {exc}")
        return 2
    missing_ch = [c for c in range(1, N_CHAPTERS + 1) if c not in chapters]
    if missing_ch:
        errors.append(f"notes: chapters not found: {missing_ch}")

    sets = {"dev": load_jsonl(args.dev, errors), "tune": load_jsonl(args.tune, errors)}
    seen_q: dict[str, str] = {}
    for kind, rows in sets.items():
        ids: set[str] = set()
        for rec in rows:
            check_record(rec, kind, chapters, errors)
            rid, q = rec.get("id"), rec.get("question")
            if isinstance(rid, str):
                if rid in ids:
                    errors.append(f"{rec['_where']}: duplicate id {rid}")
                ids.add(rid)
            if isinstance(q, str):
                key = norm_question(q)
                if key in seen_q:
                    errors.append(f"{rec['_where']}: question duplicates {seen_q[key]}")
                else:
                    seen_q[key] = rec["_where"]

    dev_chapters = {
        c
        for c in (r.get("chapter") for r in sets["dev"])
        if isinstance(c, int) and not isinstance(c, bool) and 1 <= c <= N_CHAPTERS
    }
    absent = [c for c in range(1, N_CHAPTERS + 1) if c not in dev_chapters]
    if absent:
        errors.append(f"dev set misses chapters {absent}")

    def counts(rows: list[dict]) -> tuple[int, int]:
        unc = sum(1 for r in rows if r.get("chapter") is None)
        return len(rows) - unc, unc

    (da, du), (ta, tu) = counts(sets["dev"]), counts(sets["tune"])
    for e in errors:
        print(e, file=sys.stderr)
    status = "OK" if not errors else f"FAIL ({len(errors)} errors)"
    print(
        f"{status}: dev {da} answerable + {du} uncovered, chapters "
        f"{len(dev_chapters)}/{N_CHAPTERS}; tune {ta} answerable + {tu} uncovered"
    )
    # The practice-exam questions and follow-up conversations have checks of their own, run with these.
    exam_status = exam_check.main()
    return 0 if not errors and exam_status == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
