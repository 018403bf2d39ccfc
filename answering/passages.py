"""Retrieved hits -> the numbered passages a prompt shows and the context text a flow outputs."""

import re
from dataclasses import asdict, replace

from answering import followup
from answering.exam_question import parse
from answering.focus import focus_chars
from answering.grounding import drop_instructions
from answering.question import check_question
from answering.retrieval import Retrieval, retrieve
from answering.shared_focus import shared_focus
from core.text import strip_html

_CHAPTER_NUMBER = re.compile(r"(Chapter \d+)\.\s")  # "Chapter 14. Perform hyperparameter tuning ..."


def prompt_text(text: str) -> str:
    # Heading markup like <span style="color: green;"> costs prompt tokens (~11 ms each on the CPU) and says nothing;
    # a sentence of a note addressed to the model ("ignore previous instructions ...") is never shown to it.
    return drop_instructions(strip_html(text)).strip()


def label(chapter: str, trimmed: bool) -> str:
    """What the prompt names a passage's chapter by: the whole title, or "Chapter 14" for trimmed passages (a title
    is ~18 prompt tokens; measured with them in bench.flow_overhead --focus)."""
    short = _CHAPTER_NUMBER.match(chapter) if trimmed else None
    return short.group(1) if short else chapter


def passages(retrieval: Retrieval, budget: int | None = None) -> list[dict]:
    """Numbered from 1, in the order the prompt shows them; `text` is cleaned for the prompt and, with a budget, cut
    to the parts that bear on the question within the characters the passages share (answering.shared_focus,
    STUDYFLOW_FOCUS_CHARS); `label` names its chapter for the prompt; `note_text` is the note's own lines for
    showing the student. budget: None for the setting, 0 for whole passages. A practice-exam question keeps whole
    passages: its options are decided by lines that need not share a word with the stem."""
    budget = focus_chars() if budget is None else budget
    if parse(retrieval.question).is_exam:
        budget = 0
    texts = shared_focus([prompt_text(hit.text) for hit in retrieval.hits], retrieval.question, budget)
    return [
        {**asdict(hit), "n": n, "text": text, "label": label(hit.chapter, budget > 0), "note_text": hit.text}
        for n, (hit, text) in enumerate(zip(retrieval.hits, texts, strict=True), 1)
    ]


def context_text(numbered: list[dict]) -> str:
    return "\n\n".join(f"[{p['n']}] {p['chapter']}\n{p['text']}" for p in numbered)


def passages_for(question: str, top_k: int = 3, source: str = "", chapter: str = "") -> dict:
    """What a flow's retrieve node outputs for a question its first node checked: the numbered passages, their
    context text and the gate's verdict; source / chapter limit the search (empty: the whole index), as
    `python -m ingest.search --source/--chapter`."""
    retrieval = retrieve(question, k=top_k, source=source, chapter=chapter)
    numbered = passages(retrieval)
    return {
        "question": retrieval.question,
        "passages": numbered,
        "context": context_text(numbered),
        "covered": retrieval.covered,
        "gate": retrieval.reason,
    }


def followup_passages_for(
    question: str, led_by: str, history: list[dict], top_k: int = 3, source: str = "", chapter: str = ""
) -> dict:
    """passages_for for a chat turn: the searches answering.followup chooses, fused; the gate judges the first
    search (the question that carries the subject, or a standalone question itself). The prompt keeps the student's
    own question: the history before it and `follows` (the question it follows up on, "" if it stands alone) say
    what it refers to."""
    queries = followup.search_queries(question, led_by, history)
    if len(queries) == 1 and queries[0] == question:
        return passages_for(question, top_k, source=source, chapter=chapter)
    searches = [retrieve(q, k=followup.POOL, source=source, chapter=chapter) for q in queries]
    searches = followup.kept_searches(searches)
    fused = replace(searches[0], hits=followup.fuse([s.hits for s in searches], top_k))
    numbered = passages(fused)
    return {
        "question": question,
        "passages": numbered,
        "context": context_text(numbered),
        "covered": fused.covered,
        "gate": fused.reason,
        "follows": followup.follows(question, history, searches[0].question),
    }


def retrieve_passages(question: str, top_k: int = 3, source: str = "", chapter: str = "") -> dict:
    """The same for a question from outside a flow (a script, a test): checked first, as a flow's first node does."""
    return passages_for(check_question(question), top_k, source=source, chapter=chapter)
