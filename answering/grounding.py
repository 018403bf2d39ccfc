"""A cheap check that an answer stays inside its passages: code names the passages never mention.

The local 1.5B model rarely declines by itself (asked to, it declines answerable questions too), so for a question
that slips past the relevance gate it tends to invent an API (`DataDriftMonitor`, `azure.ai.ml.monitoring`).
Names like these are easy to check against the passages, unlike prose.
"""

import re

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
