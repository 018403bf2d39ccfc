"""Validate the practice-exam question sets and the follow-up conversations against the notes.

Run with the other sets' checks: `python -m harness.questions.check` (standard library only; exits 1 on any problem).
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
NOTES = HERE.parents[1] / "notes" / "dp100-notes.md"
EXAM = HERE / "exam_questions.jsonl"
UNCOVERED = HERE / "exam_uncovered.jsonl"
FOLLOWUPS = HERE / "followup_conversations.jsonl"

CHAPTERS = range(1, 24)
SPLITS = ("dev", "heldout")
FORMS = ("single", "multi", "yesno", "truefalse", "code")
# target share of each form; the band is loose on purpose: the mix should look like a practice test, not be exact
FORM_SHARE = {"single": 0.45, "multi": 0.15, "yesno": 0.15, "truefalse": 0.10, "code": 0.15}
SHARE_BAND = 0.06
FIXED_OPTIONS = {"yesno": {"A": "Yes", "B": "No"}, "truefalse": {"A": "True", "B": "False"}}
EXAM_KEYS = {"id", "split", "form", "question", "options", "answer", "chapter", "lines", "evidence"}
MIN_COVERED, MIN_PER_CHAPTER, N_UNCOVERED, MIN_CONVERSATIONS, MIN_CONV_CHAPTERS = 80, 3, 10, 30, 15


def collapse(text: str) -> str:
    """Whitespace-collapsed text, for comparing option texts with the pasted question."""
    return re.sub(r"\s+", " ", text).strip()


def normalise(text: str) -> str:
    """Comparable form of notes text: HTML tags out (the headings carry <span>), whitespace collapsed, case folded."""
    return collapse(re.sub(r"<[^>]+>", " ", text)).casefold()


def chapter_ranges(lines: list[str]) -> dict[int, tuple[int, int]]:
    """1-based inclusive line range of each chapter, from its `### ... Chapter N.` heading to the next one."""
    heads = [
        (i, int(m.group(1))) for i, line in enumerate(lines, 1) if (m := re.match(r"^###\s.*Chapter (\d+)\.", line))
    ]
    ends = [start - 1 for start, _ in heads[1:]] + [len(lines)]
    return {chapter: (start, end) for (start, chapter), end in zip(heads, ends)}


def read_jsonl(path: Path, problems: list[str]) -> list[dict]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as exc:
            problems.append(f"{path.name}:{n}: not JSON ({exc})")
    return rows


def check_question(row: dict, covered: bool, notes: list[str], ranges: dict, problems: list[str]) -> None:
    """One exam-style question: schema, options shown in the pasted text, key letters, and (covered) its evidence."""
    qid = row.get("id", "?")

    def bad(msg: str) -> None:
        problems.append(f"{qid}: {msg}")

    if set(row) != EXAM_KEYS:
        bad(f"keys {sorted(set(row) ^ EXAM_KEYS)} missing or unexpected")
        return
    if row["split"] not in SPLITS:
        bad(f"split {row['split']!r}")
    if row["form"] not in FORMS:
        bad(f"form {row['form']!r}")
    options, answer, question = row["options"], row["answer"], row["question"]
    if not isinstance(options, dict) or list(options) != [chr(65 + i) for i in range(len(options))] or len(options) < 2:
        bad("options must be a dict keyed A, B, C, ... (two or more)")
        return
    fixed = FIXED_OPTIONS.get(row["form"])
    if fixed and options != fixed:
        bad(f"{row['form']} options must be {fixed}")
    if not isinstance(answer, list) or not answer or len(set(answer)) != len(answer):
        bad("answer must be a non-empty list of distinct letters")
        return
    if any(letter not in options for letter in answer):
        bad(f"answer {answer} names a letter not in options")
    if (row["form"] == "multi") != (len(answer) >= 2):
        bad(f"form {row['form']} with {len(answer)} keyed letters")
    flat = collapse(question)
    for letter, text in options.items():
        if collapse(text) not in flat:
            bad(f"option {letter} text not in the question: {text!r}")
    if row["form"] == "code" and "___" not in question:
        bad("code question has no ___ blank")
    if covered:
        check_evidence(row, notes, ranges, bad)
    elif (row["chapter"], row["lines"], row["evidence"]) != (None, None, ""):
        bad("uncovered question must have chapter null, lines null, evidence ''")


def check_evidence(row: dict, notes: list[str], ranges: dict, bad) -> None:
    chapter, lines, evidence = row["chapter"], row["lines"], row["evidence"]
    if chapter not in ranges:
        bad(f"chapter {chapter!r} not in the notes")
        return
    if not (isinstance(lines, list) and len(lines) == 2 and all(isinstance(n, int) for n in lines)):
        bad(f"lines {lines!r} must be [first, last]")
        return
    first, last = lines
    low, high = ranges[chapter]
    if not (1 <= first <= last <= len(notes)) or first < low or last > high:
        bad(f"lines {lines} outside chapter {chapter} ({low}-{high})")
        return
    if not isinstance(evidence, str) or not evidence.strip():
        bad("evidence is empty")
    elif normalise(evidence) not in normalise(" ".join(notes[first - 1 : last])):
        bad(f"evidence not found verbatim in lines {first}-{last}: {evidence!r}")


def check_exam_set(rows: list[dict], notes: list[str], ranges: dict, problems: list[str]) -> Counter:
    for row in rows:
        check_question(row, True, notes, ranges, problems)
    per_split = Counter((r.get("split"), r.get("chapter")) for r in rows)
    per_chapter = Counter(r.get("chapter") for r in rows)
    for chapter in CHAPTERS:
        if per_chapter[chapter] < MIN_PER_CHAPTER:
            problems.append(f"exam: chapter {chapter} has {per_chapter[chapter]} questions (< {MIN_PER_CHAPTER})")
        for split in SPLITS:
            if not per_split[(split, chapter)]:
                problems.append(f"exam: chapter {chapter} missing from the {split} split")
    if len(rows) < MIN_COVERED:
        problems.append(f"exam: {len(rows)} questions (< {MIN_COVERED})")
    forms = Counter(r.get("form") for r in rows)
    for form, share in FORM_SHARE.items():
        got = forms[form] / max(len(rows), 1)
        if abs(got - share) > SHARE_BAND:
            problems.append(f"exam: form {form} is {got:.0%} of the set (target {share:.0%})")
        for split in SPLITS:
            if not any(r.get("form") == form and r.get("split") == split for r in rows):
                problems.append(f"exam: form {form} missing from the {split} split")
    return Counter((r.get("split"), r.get("form")) for r in rows)


def check_uncovered(rows: list[dict], notes: list[str], ranges: dict, problems: list[str]) -> None:
    for row in rows:
        check_question(row, False, notes, ranges, problems)
    if len(rows) != N_UNCOVERED:
        problems.append(f"uncovered: {len(rows)} questions (want {N_UNCOVERED})")
    splits = Counter(r.get("split") for r in rows)
    if splits["dev"] != splits["heldout"]:
        problems.append(f"uncovered: split {dict(splits)} is not half and half")


def check_followups(rows: list[dict], notes: list[str], ranges: dict, problems: list[str]) -> int:
    """Conversations: 2-3 turns, each turn's key terms occur in its chapter; returns the number of standalone turns."""
    chapter_text = {ch: normalise(" ".join(notes[lo - 1 : hi])) for ch, (lo, hi) in ranges.items()}
    chapters, standalone = set(), 0
    for conv in rows:
        cid = conv.get("id", "?")
        if set(conv) != {"id", "split", "turns"} or conv["split"] not in SPLITS:
            problems.append(f"{cid}: needs exactly id, split (dev|heldout), turns")
            continue
        turns = conv["turns"]
        if not isinstance(turns, list) or not 2 <= len(turns) <= 3:
            problems.append(f"{cid}: {len(turns) if isinstance(turns, list) else 'no'} turns (want 2 or 3)")
            continue
        for n, turn in enumerate(turns, 1):
            where = f"{cid} turn {n}"
            if not set(turn) <= {"question", "chapter", "key_terms", "standalone"} or not turn.get("question"):
                problems.append(f"{where}: bad keys {sorted(turn)}")
                continue
            if turn.get("standalone") is not None and (n == 1 or turn["standalone"] is not True):
                problems.append(f"{where}: standalone is only for a later turn, and only true")
            standalone += bool(turn.get("standalone"))
            chapter, terms = turn.get("chapter"), turn.get("key_terms")
            if chapter not in chapter_text:
                problems.append(f"{where}: chapter {chapter!r} not in the notes")
                continue
            chapters.add(chapter)
            if not isinstance(terms, list) or not 1 <= len(terms) <= 3:
                problems.append(f"{where}: key_terms must list 1-3 terms")
                continue
            for term in terms:
                if normalise(term) not in chapter_text[chapter]:
                    problems.append(f"{where}: key term {term!r} not in chapter {chapter}")
    if len(rows) < MIN_CONVERSATIONS:
        problems.append(f"followups: {len(rows)} conversations (< {MIN_CONVERSATIONS})")
    if len(chapters) < MIN_CONV_CHAPTERS:
        problems.append(f"followups: {len(chapters)} chapters covered (< {MIN_CONV_CHAPTERS})")
    if not standalone:
        problems.append("followups: no standalone later turn")
    if {r.get("split") for r in rows} != set(SPLITS):
        problems.append("followups: both splits needed")
    return standalone


def check_unique(sets: dict[str, list[dict]], problems: list[str]) -> None:
    ids = Counter(r.get("id") for rows in sets.values() for r in rows)
    problems += [f"duplicate id {i}" for i, n in ids.items() if n > 1]
    texts = Counter(
        collapse(r["question"]).casefold()
        for name in ("exam", "uncovered")
        for r in sets[name]
        if isinstance(r.get("question"), str)
    )
    problems += [f"duplicate question text: {t[:70]!r}" for t, n in texts.items() if n > 1]


def main() -> int:
    notes = NOTES.read_text(encoding="utf-8").splitlines()
    ranges = chapter_ranges(notes)
    problems: list[str] = []
    if sorted(ranges) != list(CHAPTERS):
        problems.append(f"notes: chapters found {sorted(ranges)}")
    sets = {
        "exam": read_jsonl(EXAM, problems),
        "uncovered": read_jsonl(UNCOVERED, problems),
        "followups": read_jsonl(FOLLOWUPS, problems),
    }
    by_split_form = check_exam_set(sets["exam"], notes, ranges, problems)
    check_uncovered(sets["uncovered"], notes, ranges, problems)
    standalone = check_followups(sets["followups"], notes, ranges, problems)
    check_unique(sets, problems)
    for problem in problems:
        print(problem, file=sys.stderr)
    forms = " ".join(f"{f}={by_split_form[('dev', f)]}+{by_split_form[('heldout', f)]}" for f in FORMS)
    print(
        f"{'FAIL' if problems else 'ok'}: exam {len(sets['exam'])} (dev+heldout {forms}), "
        f"uncovered {len(sets['uncovered'])}, conversations {len(sets['followups'])} ({standalone} standalone turns)"
        f"{f', {len(problems)} problems' if problems else ''}"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
