"""What the benchmarks share beyond the harness: scoring an answer against a question's key terms and gold chapter,
and the Q&A flow loaded in this process."""

import re

from core.paths import PROJECT_ROOT

ROOT = PROJECT_ROOT

# The model's own prose declines ("the notes don't cover ..."), looser than the fixed reply the gate and the
# grounding check give (answering.decline.is_decline).
_SAYS_NOT_COVERED = re.compile(
    r"(don't|do not|doesn't|does not)\s+(cover|mention|contain|say)|not\s+(covered|mentioned)\s+in\s+the\s+notes",
    re.IGNORECASE,
)


def normalise(text: str) -> str:
    return " ".join(re.sub(r"[_\-`*]", " ", text.lower()).split())


def has_key_terms(answer: str, terms: list[str]) -> bool:
    """A right answer names every key term (case, underscores and hyphens ignored)."""
    text = normalise(answer)
    return all(normalise(t) in text for t in terms)


def says_not_covered(answer: str) -> bool:
    """The answer says in its own words that the notes do not cover the question."""
    return bool(_SAYS_NOT_COVERED.search(answer))


def gold_rank(chapters: list[str], chapter: int) -> int | None:
    """1-based rank of the first hit from the gold chapter, None if it is not among them."""
    return next((i for i, c in enumerate(chapters, 1) if c.startswith(f"Chapter {chapter}.")), None)


def load_qa_flow():
    """The Q&A flow in this process, the same definition `pf flow test` runs."""
    from promptflow.client import load_flow

    return load_flow(str(ROOT / "flows" / "qa"))
