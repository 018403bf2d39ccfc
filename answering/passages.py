"""Retrieved hits -> the numbered passages a prompt shows and the context text a flow outputs."""

from dataclasses import asdict

from answering.grounding import drop_instructions
from answering.question import check_question
from answering.retrieval import Retrieval, retrieve
from core.text import strip_html


def prompt_text(text: str) -> str:
    # Heading markup like <span style="color: green;"> costs prompt tokens (~11 ms each on the CPU) and says nothing;
    # a sentence of a note addressed to the model ("ignore previous instructions ...") is never shown to it.
    return drop_instructions(strip_html(text)).strip()


def passages(retrieval: Retrieval) -> list[dict]:
    """Numbered from 1, in the order the prompt shows them; `text` is cleaned for the prompt, `note_text` is the
    note's own lines for showing the student."""
    return [
        {**asdict(hit), "n": n, "text": prompt_text(hit.text), "note_text": hit.text}
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


def retrieve_passages(question: str, top_k: int = 3, source: str = "", chapter: str = "") -> dict:
    """The same for a question from outside a flow (a script, a test): checked first, as a flow's first node does."""
    return passages_for(check_question(question), top_k, source=source, chapter=chapter)
