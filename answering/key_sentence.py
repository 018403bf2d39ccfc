"""The one sentence of the retrieved passages that bears most on the question, shown to the student (with its
chapter and line) while the model is still starting: no model call, one small batch for the embedding model.

A passage is cut into candidates as answering.focus cuts it (prose sentences, list lines), except that a code
block gives one candidate per line, its comments being the notes' prose about the code. Each candidate is scored
by the cosine of its embedding with the question's plus the (idf-weighted) share of the question's words it
carries; a sentence that points back ("It can only be used if ...") is quoted with the one before it.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from answering.focus import points_back, sentences, stems
from core.paths import PROJECT_ROOT
from core.text import strip_controls

_FENCE = ("```", "~~~")
_HEADING = re.compile(r"#{1,6}\s")
_LIST_MARKER = re.compile(r"(?:[-*+]|\d+[.)]|[a-z][.)])\s+")
_COMMENT = re.compile(r"(?:#+|//)\s*")
_CODE_NOISE = re.compile(r"[^\w\s]")
MIN_CHARS = 12  # shorter is a fragment ("Regression"), not a sentence that says something
MAX_CHARS = 300  # a quote, not the passage: longer is cut at a word with "…"
# Chosen on the tuning questions (`python -m bench.key_sentence`; a key term of the question in the quote): 0.60
# (dev 0.65), against idf-weighted words alone 0.60 (0.58), plain word share 0.52 (0.62), cosine alone 0.56 (0.53);
# the shortlist changes no answer there.
WORD_WEIGHT = 1.0  # score = cosine + WORD_WEIGHT x the idf-weighted share of the question's words
SHORTLIST = 8  # candidates (most question words first) the embedding model scores: ~8 ms each on a busy core


@dataclass(frozen=True)
class Candidate:
    text: str
    n: int  # the passage's number, as the prompt and the sources show it
    code: bool = False  # a line of code (shown as code), not prose


@dataclass(frozen=True)
class KeySentence:
    text: str
    n: int
    chapter: str
    section: str
    source: str
    lines: str  # the line(s) of the source file it is on; the passage's range when it cannot be found
    code: bool

    def as_dict(self) -> dict:
        return asdict(self)


def _item(line: str) -> str | None:
    """A list line without its marker ("- ", "2. ", "a) "), None for a line that is not a list item."""
    marker = _LIST_MARKER.match(line.strip())
    return line.strip()[marker.end() :] if marker else None


def _code_line(line: str) -> tuple[str, bool] | None:
    """A code line as a candidate: a comment as prose, other code as code; fences and punctuation-only lines none."""
    stripped = line.strip()
    if not stripped or stripped.startswith(_FENCE):
        return None
    comment = _COMMENT.match(stripped)
    if comment:
        text = stripped[comment.end() :]
        return _item(text) or text, False
    return (stripped, True) if len(_CODE_NOISE.sub("", stripped)) >= MIN_CHARS else None


def _joined(found: list[Candidate], sentence: str, n: int) -> Candidate:
    """The sentence as a candidate; one that points back ("It can only be used if ...") carries the sentence
    before it, which says what "it" is."""
    before = found[-1] if found and not found[-1].code and "\n" not in found[-1].text else None
    if before is not None and points_back(sentence):
        gap = " " if before.text.endswith((".", "!", "?", ";")) else ". "  # code comments often lack the full stop
        return Candidate(f"{before.text}{gap}{sentence}", n)
    return Candidate(sentence, n)


def candidates(text: str, n: int) -> list[Candidate]:
    """The sentences (and code lines) of one passage's text, in order; headings left out (the citation names the
    chapter). A sentence ending in ":" is quoted with the list items under it ("There are 3 types of data
    assets:" says nothing without them)."""
    found: list[Candidate] = []
    lead: int | None = None  # the index in found of the lead-in collecting the list under it
    in_code = False
    for line in text.split("\n"):
        item = _item(line)
        if lead is not None and (item is None or in_code):
            lead = None  # the list ended
        if line.lstrip().startswith(_FENCE):
            in_code = not in_code
        elif in_code:
            code = _code_line(line)
            if code is not None:
                found.append(Candidate(code[0], n, code=True) if code[1] else _joined(found, code[0], n))
        elif line.strip() and not _HEADING.match(line.lstrip()):
            if lead is not None:  # the item goes with its lead-in, and stands alone as well
                found[lead] = Candidate(f"{found[lead].text}\n{item}", n)
                found.extend(Candidate(sentence, n) for sentence in sentences(item))
                continue
            for sentence in sentences(item if item is not None else line):
                found.append(_joined(found, sentence, n))
            lead = len(found) - 1 if found and found[-1].text.endswith(":") and not found[-1].code else None
    # A lead-in that found no items says nothing; a list is judged by the part of it a quote can show.
    return [_shown(c) for c in found if MIN_CHARS <= len(c.text) and not c.text.endswith(":")]


def _shown(candidate: Candidate) -> Candidate:
    """A list cut to the items that fit in MAX_CHARS (at least its lead-in and first item), "…" for the rest."""
    lines = candidate.text.split("\n")
    if len(lines) == 1 or len(candidate.text) <= MAX_CHARS:
        return candidate
    kept = lines[:2]
    for line in lines[2:]:
        if len("\n".join([*kept, line])) > MAX_CHARS:
            break
        kept.append(line)
    return Candidate("\n".join([*kept, "…"]), candidate.n)


def word_shares(question: str, texts: list[str]) -> list[float]:
    """For each text, the share of the question's words it carries, each word weighted by how few of the texts
    have it (idf over these texts): "bandit" says more than "policy" when every line is about policies."""
    wanted = stems(question)
    found = [stems(t) & wanted for t in texts]
    weight = {w: math.log(1 + len(texts) / (1 + sum(w in f for f in found))) for w in wanted}
    total = sum(weight.values()) or 1.0
    return [sum(weight[w] for w in f) / total for f in found]


def best_candidate(question: str, found: list[Candidate]) -> Candidate | None:
    """The candidate that bears most on the question, None when there is none. The SHORTLIST candidates sharing the
    most question words are scored by embedding cosine + WORD_WEIGHT x word share; ties go to the earlier one."""
    if not found:
        return None
    from ingest.embedder import embed  # the model the search has loaded; imported here so the module stays light

    shares = word_shares(question, [c.text for c in found])
    shortlist = sorted(range(len(found)), key=lambda i: (-shares[i], i))[:SHORTLIST]
    vectors = embed([question, *[found[i].text for i in shortlist]])
    scores = {i: float(cosine) + WORD_WEIGHT * shares[i] for i, cosine in zip(shortlist, vectors[1:] @ vectors[0])}
    return found[max(shortlist, key=lambda i: (scores[i], -i))]


def _quoted(candidate: Candidate) -> str:
    """The candidate as one quote: spaces tidied, line breaks (a list) kept, cut at MAX_CHARS."""
    text = "\n".join(" ".join(line.split()) for line in strip_controls(candidate.text).split("\n"))
    if len(text) > MAX_CHARS:
        text = text[:MAX_CHARS].rsplit(" ", 1)[0] + " …"
    return text


def _file(source: str) -> Path:
    path = Path(source)
    return path if path.is_absolute() else PROJECT_ROOT / path


def _find(lines: list[str], probe: str, start: int = 0) -> int | None:
    probe = probe.strip()
    return next((i for i in range(start, len(lines)) if probe and probe in lines[i]), None)


def lines_of(passage: dict, quote: str) -> str:
    """The lines of the passage's source file the quote is on ("546" or "19-22"), else the passage's own range
    (a file changed or gone since ingest, text the prompt cleaning changed): a citation a little wide beats none."""
    try:
        start, end = (int(x) for x in str(passage["lines"]).split("-"))
        lines = _file(passage["source"]).read_text(encoding="utf-8").split("\n")[start - 1 : end]
    except (OSError, UnicodeDecodeError, ValueError):
        return str(passage["lines"])
    parts = [part for part in quote.split("\n") if part.strip() != "…"]
    first = _find(lines, parts[0][:40])
    last = _find(lines, parts[-1][-40:], first or 0)
    if first is None or last is None:
        return str(passage["lines"])
    return str(start + first) if last == first else f"{start + first}-{start + last}"


def key_sentence(question: str, passages: list[dict]) -> KeySentence | None:
    """The sentence of the passages (numbered, as answering.passages makes them) that bears most on the question."""
    found = [c for p in passages for c in candidates(p["text"], p["n"])]
    best = best_candidate(question, found)
    if best is None:
        return None
    passage = next(p for p in passages if p["n"] == best.n)
    return KeySentence(
        text=_quoted(best),
        n=best.n,
        chapter=passage["chapter"],
        section=passage["section"],
        source=passage["source"],
        lines=lines_of(passage, best.text),
        code=best.code,
    )
