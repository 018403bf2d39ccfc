"""Retrieved hits -> the numbered passages a prompt shows and the context text a flow outputs."""

from dataclasses import asdict, replace

from answering import followup
from answering.focus import focus_chars, focused
from answering.grounding import drop_instructions
from answering.question import check_question
from answering.retrieval import Retrieval, retrieve
from core.text import strip_html


def prompt_text(text: str) -> str:
    # Heading markup like <span style="color: green;"> costs prompt tokens (~11 ms each on the CPU) and says nothing;
    # a sentence of a note addressed to the model ("ignore previous instructions ...") is never shown to it.
    return drop_instructions(strip_html(text)).strip()


def _shown(text: str, question: str, budget: int) -> str:
    return focused(prompt_text(text), question, budget)


def passages(retrieval: Retrieval, budget: int | None = None) -> list[dict]:
    """Numbered from 1, in the order the prompt shows them; `text` is cleaned for the prompt and cut to the parts
    that bear on the question (answering.focus, STUDYFLOW_FOCUS_CHARS), `note_text` is the note's own lines for
    showing the student. budget: characters a passage keeps (None: the setting)."""
    budget = focus_chars() if budget is None else budget
    return [
        {**asdict(hit), "n": n, "text": _shown(hit.text, retrieval.question, budget), "note_text": hit.text}
        for n, hit in enumerate(retrieval.hits, 1)
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
    own question: the history before it says what it refers to."""
    queries = followup.search_queries(question, led_by, history)
    if len(queries) == 1 and queries[0] == question:
        return passages_for(question, top_k, source=source, chapter=chapter)
    searches = [retrieve(q, k=followup.POOL, source=source, chapter=chapter) for q in queries]
    fused = replace(searches[0], hits=followup.fuse([s.hits for s in searches], top_k))
    numbered = passages(fused)
    return {
        "question": question,
        "passages": numbered,
        "context": context_text(numbered),
        "covered": fused.covered,
        "gate": fused.reason,
    }


def retrieve_passages(question: str, top_k: int = 3, source: str = "", chapter: str = "") -> dict:
    """The same for a question from outside a flow (a script, a test): checked first, as a flow's first node does."""
    return passages_for(check_question(question), top_k, source=source, chapter=chapter)
