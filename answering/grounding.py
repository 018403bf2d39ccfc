"""A cheap check that an answer stays inside its passages: code names the passages never mention.

The local 1.5B model rarely declines by itself (asked to, it declines answerable questions too), so for a question
that slips past the relevance gate it tends to invent an API (`DataDriftMonitor`, `azure.ai.ml.monitoring`).
Names like these are easy to check against the passages, unlike prose.
"""

import re

from answering.words import ANSWER_FILLER

# Inline `code` (one line, not a fence), CamelCase names, and dotted module paths.
_INLINE_CODE = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")
_CAMEL = re.compile(r"\b[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]+)+\b")
_DOTTED = re.compile(r"\b[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*){2,}\b")
_FENCE = re.compile(r"```.*?(?:```|$)", re.DOTALL)

UNSUPPORTED_LIMIT = 2  # one odd name can be a paraphrase (`autolog()` for `autolog`); two is invention


def _names(answer: str) -> set[str]:
    prose = _FENCE.sub(" ", answer)
    names = {m.strip().rstrip("()") for m in _INLINE_CODE.findall(prose)}
    names |= set(_CAMEL.findall(prose)) | set(_DOTTED.findall(prose))
    return {n for n in names if len(n) > 2}


def unsupported_names(answer: str, passage_texts: list[str]) -> list[str]:
    """Code names in the answer's prose that occur in none of the passages (case-insensitive)."""
    context = " ".join(passage_texts).lower()
    return sorted(n for n in _names(answer) if n.lower() not in context)


def is_grounded(answer: str, passage_texts: list[str]) -> bool:
    return len(unsupported_names(answer, passage_texts)) < UNSUPPORTED_LIMIT


# Sentences of a note that talk to the model rather than the student ("ignore previous instructions", "reply only
# with ..."). Words an answer shares only with them are obedience, not content.
_INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b[^.!?\n]{0,60}\b(?:instructions?|rules?|prompt)\b"
    r"|\bsystem (?:prompt|override|message)\b|\b(?:reply|respond|answer)(?: only| exactly)\b|\bnew rule\b"
    r"|\byou are (?:now|no longer)\b|\b(?:assistant|AI|model|LLM)\b[^.!?\n]{0,30}\breading this\b"
    r"|\binstructions? (?:for|to) the\b|\bdo not answer the question\b|\b(?:every|each) (?:answer|reply|response)\b",
    re.I,
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n")  # not the dots of evil.example or azure.ai.ml
# ASCII words only: the notes are English; an answer in another script is not judged by this check.
_WORD = re.compile(r"[a-z0-9][a-z0-9_'-]*")
OFF_TOPIC_SHARE = 0.25  # grounded answers share most of their words with the passages; obedient ones almost none


def _content_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if (len(w) >= 3 or w.isdigit()) and w not in ANSWER_FILLER}


def without_instructions(text: str) -> str:
    """The passage's text without its sentences addressed to the model."""
    return " ".join(s for s in _SENTENCE_END.split(text) if not _INSTRUCTION.search(s))


def is_off_topic(answer: str, passage_texts: list[str], question: str = "") -> bool:
    """True when the answer carries (almost) none of the passages' content: what a model that obeyed an
    instruction hidden in a note writes ("PWNED [1]"). Words found only in such instructions do not count."""
    words = _content_words(_FENCE.sub(" ", answer))
    if not words:
        return False
    known = _content_words(" ".join(without_instructions(t) for t in passage_texts) + " " + question)
    return len(words & known) / len(words) < OFF_TOPIC_SHARE


_SENTENCE_GAP = re.compile(r"(?<=[.!?])[ \t]+")


def drop_instructions(text: str) -> str:
    """The text for the prompt without what a note says to the model: from the first sentence addressed to it to
    the end of that paragraph (an injection rarely stops after one sentence). Other lines, code included, are kept
    as they are. A model that never reads "reply only with PWNED" cannot obey it; the sources still show it."""
    lines, dropping, in_code = [], False, False
    for line in text.split("\n"):
        if line.lstrip().startswith(("```", "~~~")):
            in_code, dropping = not in_code, False
        if in_code or not line.strip():  # code is quoted as it is: `# ignore the rules` may be a comment
            dropping = False
        elif dropping:
            continue
        elif _INSTRUCTION.search(line):
            sentences = _SENTENCE_GAP.split(line)
            first = next(i for i, s in enumerate(sentences) if _INSTRUCTION.search(s))
            line, dropping = " ".join(sentences[:first]), True
        lines.append(line)
    return "\n".join(lines)
