"""A pasted question -> its form, its stem and its lettered options.

Students paste practice-exam questions as the test site shows them: a scenario stem, then options one per line
(`A.`, `A)`, `(A)`, `a.`) or all on one line, sometimes under a header ("Options:", "Answer choices:"), sometimes
with code in the stem; "select two" / "choose all that apply"; "Does this meet the goal?" with Yes / No; "True or
false". The flows answer such a question with the letter(s) first, so they must know which form it is, what the
stem asks (the relevance gate and the search judge the stem, never the distractors) and what each option says.
"""

import re
from dataclasses import dataclass, field

PLAIN, SINGLE, MULTI, YES_NO, TRUE_FALSE = "plain", "single", "multi", "yesno", "truefalse"

_FENCE = re.compile(r"^\s*(```|~~~)")
# An option at a line start: "A. text", "A) text", "(A) text", "a. text", "A: text", "- A. text".
_LINE_OPTION = re.compile(r"^\s*(?:[-*]\s+)?(?:\(([A-Ha-h])\)|([A-Ha-h])[.):])\s+(\S.*)$")
# An option inside a line: " B. text" / " (B) text" / " b) text" after a space, a line start or a colon.
_INLINE_OPTION = re.compile(r"(?:(?<=\s)|(?<=^)|(?<=:))(?:\(([A-Ha-h])\)|([A-Ha-h])[.)])\s+(?=\S)")
_HEADER = re.compile(
    r"^\s*(options|answer choices|answers|choices|answer area|select the correct answer|choose the correct answer)"
    r"\s*[:.]?\s*$",
    re.IGNORECASE,
)
_NUMBER_WORDS = {"two": 2, "three": 3, "four": 4, "2": 2, "3": 3, "4": 4}
_SELECT_N = re.compile(
    r"\b(?:select|choose|pick|identify|which)\s+(two|three|four|2|3|4)\b|\((?:choose|select)\s+(two|three|2|3)\)"
    r"|\beach correct answer presents (?:a complete solution|part of the solution)",
    re.IGNORECASE,
)
_ALL_THAT_APPLY = re.compile(r"\b(?:all|every\w*)\s+that\s+appl(?:y|ies)\b|\bselect all\b", re.IGNORECASE)
_GOAL_CHECK = re.compile(
    r"\bdoes (?:this|the|that) (?:solution )?meet the (?:goal|requirement)s?\b|\bmeets? the goal\?", re.IGNORECASE
)
_TRUE_FALSE = re.compile(r"\btrue\s+or\s+false\b|^\s*(?:t/f|true/false)\b", re.IGNORECASE | re.MULTILINE)
_YES_WORDS = {"yes", "no"}
_TF_WORDS = {"true", "false"}


@dataclass(frozen=True)
class ExamQuestion:
    """What a pasted question asks. `options` keep the student's order and are keyed by upper-case letter;
    `picks` is how many letters to choose (0: all that apply; 1 for single, yes/no and true/false)."""

    text: str
    stem: str
    form: str = PLAIN
    options: dict[str, str] = field(default_factory=dict)
    picks: int = 1

    @property
    def is_exam(self) -> bool:
        return self.form != PLAIN


def parse(text: str) -> ExamQuestion:
    """The form, stem and options of a question as pasted; a question without options or an exam cue is plain."""
    stem, options = _split_options(text)
    stem = stem.strip() or text.strip()
    words = {v.strip().rstrip(".").lower() for v in options.values()}
    if options and words <= _YES_WORDS and len(options) == 2 or (_GOAL_CHECK.search(stem) and not options):
        return ExamQuestion(text, stem, YES_NO, options or {"A": "Yes", "B": "No"}, 1)
    if options and words <= _TF_WORDS and len(options) == 2 or (_TRUE_FALSE.search(stem) and not options):
        return ExamQuestion(
            text, _TRUE_FALSE.sub("", stem).strip(" :.-") or stem, TRUE_FALSE, options or {"A": "True", "B": "False"}, 1
        )
    if len(options) < 2:
        return ExamQuestion(text, text.strip())
    picks = _picks(stem)
    return ExamQuestion(text, stem, MULTI if picks != 1 else SINGLE, options, picks)


def _picks(stem: str) -> int:
    if _ALL_THAT_APPLY.search(stem):
        return 0
    match = _SELECT_N.search(stem)
    if not match:
        return 1
    number = match.group(1) or match.group(2)
    return _NUMBER_WORDS.get(number.lower(), 2) if number else 2


def _split_options(text: str) -> tuple[str, dict[str, str]]:
    """(stem, options): options one per line win; else a run of inline options A, B, C... at the end."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    prose = _outside_code(lines)
    found = _line_options(lines, prose)
    if found:
        first, options = found
        stem_lines = [ln for i, ln in enumerate(lines[:first]) if not (prose[i] and _HEADER.match(ln))]
        return "\n".join(stem_lines), options
    return _inline_options(lines, prose)


def _outside_code(lines: list[str]) -> list[bool]:
    """For each line, whether it is outside a fenced code block (code may hold `a)` or `B.` of its own)."""
    inside, out = False, []
    for line in lines:
        if _FENCE.match(line):
            inside = not inside
            out.append(False)
            continue
        out.append(not inside)
    return out


def _line_options(lines: list[str], prose: list[bool]) -> tuple[int, dict[str, str]] | None:
    """The last run of lines lettered A, B, C... in order (a later line without a letter continues the option)."""
    best: tuple[int, dict[str, str]] | None = None
    i = 0
    while i < len(lines):
        match = _LINE_OPTION.match(lines[i]) if prose[i] else None
        if not match or _letter(match) != "A":
            i += 1
            continue
        options, first, j = {}, i, i
        expected = "A"
        last = None
        while j < len(lines):
            m = _LINE_OPTION.match(lines[j]) if prose[j] else None
            if m and _letter(m) == expected:
                last = expected
                options[last] = m.group(3).strip()
                expected = chr(ord(expected) + 1)
            elif last and lines[j].strip() and not _HEADER.match(lines[j]):
                options[last] = f"{options[last]}\n{lines[j].strip()}".strip()
            elif last and not lines[j].strip():
                pass
            else:
                break
            j += 1
        if len(options) >= 2:
            best = (first, _trim_trailer(options))
        i = j if j > i else i + 1
    return best


def _inline_options(lines: list[str], prose: list[bool]) -> tuple[str, dict[str, str]]:
    """Options written on one line after the stem: `... sampling? A. Bayesian B. Grid C. Random`."""
    text = "\n".join(ln if ok else " " * len(ln) for ln, ok in zip(lines, prose))
    original = "\n".join(lines)
    marks = [(m.start(), m.end(), (m.group(1) or m.group(2)).upper()) for m in _INLINE_OPTION.finditer(text)]
    # The run A, B, C... that starts latest and still has at least two letters: an "a." inside the stem is not it.
    for start_index in range(len(marks) - 1, -1, -1):
        if marks[start_index][2] != "A":
            continue
        run = [marks[start_index]]
        for mark in marks[start_index + 1 :]:
            if mark[2] == chr(ord(run[-1][2]) + 1):
                run.append(mark)
        if len(run) < 2:
            continue
        options = {}
        for k, (_, end, letter) in enumerate(run):
            stop = run[k + 1][0] if k + 1 < len(run) else len(original)
            options[letter] = " ".join(original[end:stop].split())
        stem = original[: run[0][0]]
        stem = "\n".join(ln for ln in stem.split("\n") if not _HEADER.match(ln))
        stem = re.sub(r"(?i)\b(options|answer choices|choices)\s*:\s*$", "", stem.rstrip())
        return stem, _trim_trailer(options)
    return original, {}


def _trim_trailer(options: dict[str, str]) -> dict[str, str]:
    """The options with their surrounding blanks removed; an option left empty is dropped."""
    return {k: v.strip() for k, v in options.items() if v.strip()}


def _letter(match: re.Match) -> str:
    return (match.group(1) or match.group(2)).upper()


def option_lines(question: ExamQuestion) -> str:
    """The options as the prompt shows them: one per line, `A. text`, never confusable with `[1]` citations."""
    return "\n".join(f"{letter}. {text}" for letter, text in question.options.items())
