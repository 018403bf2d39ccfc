from promptflow.core import tool

from answering.passages import context_text, passages
from ingest.search import retrieve


@tool
def retrieve_passages(question: str, top_k: int = 3) -> dict:
    """Passages for the question and the relevance gate's verdict (`covered`)."""
    retrieval = retrieve(question, k=top_k)
    numbered = passages(retrieval)
    return {
        "question": retrieval.question,
        "passages": numbered,
        "context": context_text(numbered),
        "covered": retrieval.covered,
        "gate": retrieval.reason,
    }
