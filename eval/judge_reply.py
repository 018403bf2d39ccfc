"""Reading a 1-5 score and a short reason out of an LLM judge's reply.

A small model does not always follow "Score: N / Reason: ..." to the letter: it adds markdown, chats, writes
"4/5", "four", JSON, or echoes the rubric. The parser accepts all of those, and when it cannot be sure it gives
`score: None` with a reason saying why: a missing score is honest, a guessed 3 would skew every average.

Decisions (tested in tests/test_eval_judge_reply.py):
- Evidence is tried in tiers, most explicit first: a JSON object with a score key; a labelled score ("Score: 4",
  "Rating - 4/5", "Fluency: four", "I'd rate it 4"); a bare fraction or stars ("4/5", "4 out of 5", "4 stars");
  a line that is only a number ("4", "4."). The first tier that yields anything decides; weaker tiers are
  ignored, so numbers in the prose ("lists 3 services") never become scores.
- Several scores in the deciding tier that disagree -> None ("conflicting scores"); repeats of one value are fine.
  Picking the first or last would be a guess, and at temperature 0 disagreement means the model is confused.
- Text after "Reason:" on its line is reason, never score ("Reason: a 5 would need more detail").
- A range like "1-5" or "1 to 5" is the rubric being echoed, not a score.
- Out of 1-5 (0, 7, -1), a non-integer (4.5) or another scale ("8/10") -> None with a reason; never rescaled.
"""

from __future__ import annotations

import json
import re

from eval.scores import Score, score

WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
}  # fmt: skip
# A number word must end its phrase ("Score: four.", "four out of five"): "Relevance: one claim is off" is prose.
NUM = r"(-?\d+(?:\.\d+)?\b|(?:" + "|".join(WORDS) + r")\b(?=[ \t]*(?:\r?\n|$|[.,;:)!/]|out\s+of\b|stars?\b)))"
# A number followed by another number through "-"/"to" is a range from the rubric ("1-5", "1 to 5").
NOT_RANGE = r"(?!\s*(?:-|–|to)\s*\d)"
OUT_OF = r"(?:\s*(?:/|out\s+of)\s*(\d+|five|ten)\b)?"
LABELS = r"score[sd]?|rating|grade|stars?|groundedness|relevance|coherence|fluency|similarity"
LABELLED = re.compile(
    rf"\b(?:{LABELS})\b[\"']?\s*(?:\(1\s*-\s*5\))?\s*(?:is|of|=|:|-|–)?\s*(?:a|an)?\s*{NUM}{NOT_RANGE}{OUT_OF}",
    re.IGNORECASE,
)
RATED = re.compile(
    rf"\b(?:rate[ds]?\s+(?:it|this|this answer|the answer)?|(?:give[sn]?|gave)\s+(?:it|this|this answer|the answer))"
    rf"\s*(?:as|at)?\s*(?:a|an)?\s*{NUM}{NOT_RANGE}{OUT_OF}",
    re.IGNORECASE,
)
FRACTION = re.compile(rf"(?<![\w/.-]){NUM}\s*(?:/|out\s+of)\s*(\d+|five|ten)\b", re.IGNORECASE)
STARS = re.compile(rf"(?<![\w/.-]){NUM}\s*stars?\b", re.IGNORECASE)
LONE = re.compile(rf"^\s*{NUM}\s*[.)!]?\s*$", re.IGNORECASE | re.MULTILINE)
REASON = re.compile(r"\b(?:reason|explanation|justification|because)\b\s*[:\-–]\s*(.*)", re.IGNORECASE)
JSON_OBJECT = re.compile(r"\{.*?\}", re.DOTALL)
SCORE_KEYS = ("score", "rating", "stars", "grade")
REASON_KEYS = ("reason", "explanation", "reasoning", "justification", "rationale")
MAX_REASON = 160  # a short phrase; a rambling reply must not flood the results table


def parse_reply(text: str) -> Score:
    """`{"score": 1-5 or None, "reason": str}` from a judge's reply; never raises, never guesses."""
    if not text or not text.strip():
        return score(None, "the judge's reply was empty")
    plain = _unmarkdown(text)
    found = _from_json(plain)
    if found is None:
        without_reason = REASON.sub("", plain)  # the reason may mention numbers; they are not scores
        found = next(
            (r for r in (_labelled(without_reason), _fractions(without_reason), _lone(without_reason)) if r),
            None,
        )
    reason = _reason(plain)
    if not found:
        return score(None, f"could not parse a score from the judge's reply: {_snippet(plain)!r}")
    values = set(found)
    if len(values) > 1:
        listed = ", ".join(str(v) for v in sorted(values, key=str))
        return score(None, f"conflicting scores in the judge's reply ({listed}): {_snippet(plain)!r}")
    value = values.pop()
    if isinstance(value, str):  # a rejection explained by _number
        return score(None, f"{value}: {_snippet(plain)!r}")
    return score(value, reason)


def _unmarkdown(text: str) -> str:
    # "**Score:** 4", "`4`", "## Score" -> plain words; headings and bullets lose their markers.
    text = re.sub(r"[*_`]+", "", text)
    return re.sub(r"^\s*(?:#+|>|[-•]\s)\s*", "", text, flags=re.MULTILINE).strip()


def _number(raw: str, out_of: str | None = None) -> int | str:
    """An int 1-5, or a string saying why the value is not a usable score."""
    if out_of and WORDS.get(out_of.lower(), out_of) not in (5, "5"):
        return f"score {raw}/{out_of} is not on the 1-5 scale"
    if raw.lower() in WORDS:
        value: float = WORDS[raw.lower()]
    else:
        value = float(raw)
    if value != int(value):
        return f"score {raw} is not a whole number"
    if not 1 <= value <= 5:
        return f"score {raw} is outside 1-5"
    return int(value)


def _labelled(text: str) -> list[int | str]:
    matches = [*LABELLED.finditer(text), *RATED.finditer(text)]
    return [_number(m.group(1), m.group(2)) for m in sorted(matches, key=lambda m: m.start())]


def _fractions(text: str) -> list[int | str]:
    found = [(m.start(), _number(m.group(1), m.group(2))) for m in FRACTION.finditer(text)]
    found += [(m.start(), _number(m.group(1))) for m in STARS.finditer(text)]
    return [value for _, value in sorted(found)]


def _lone(text: str) -> list[int | str]:
    return [_number(m.group(1)) for m in LONE.finditer(text)]


def _from_json(text: str) -> list[int | str] | None:
    """The score of the first JSON object that has a score key; None when there is no such object."""
    for candidate in JSON_OBJECT.findall(text):
        try:
            data = json.loads(candidate)
        except ValueError:
            continue
        if not isinstance(data, dict):
            continue
        keys = {str(k).lower(): v for k, v in data.items()}
        for key in SCORE_KEYS:
            if key in keys:
                value = keys[key]
                if isinstance(value, bool) or not isinstance(value, int | float | str):
                    return [f"score {value!r} is not a number"]
                raw = str(value).strip()
                match = re.fullmatch(NUM + OUT_OF, raw, re.IGNORECASE)
                return [_number(match.group(1), match.group(2)) if match else f"score {raw!r} is not a number"]
    return None


def _reason(text: str) -> str:
    for candidate in JSON_OBJECT.findall(text):
        try:
            data = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(data, dict):
            for key, value in data.items():
                if str(key).lower() in REASON_KEYS and str(value).strip():
                    return _short(str(value))
    match = REASON.search(text)
    if match and match.group(1).strip():
        return _short(match.group(1))
    # No "Reason:" line: the first line that is not just the score stands in for it.
    for line in text.splitlines():
        rest = LABELLED.sub("", line).strip().lstrip(".,:;-–/ \t")
        if rest and not LONE.fullmatch(rest) and not FRACTION.fullmatch(rest):
            return _short(rest)
    return "no reason given"


def _short(text: str) -> str:
    text = " ".join(text.split()).strip(" \"'")
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 3].rstrip() + "..."


def _snippet(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= 80 else flat[:77] + "..."
