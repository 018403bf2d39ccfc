from promptflow.core import tool

from answering.passages import passages_for


@tool
def retrieve_passages(question: str, top_k: int = 3, source: str = "", chapter: str = "") -> dict:
    """Passages for the checked question and the relevance gate's verdict (`covered`), within the source/chapter
    filter."""
    return passages_for(question, top_k, source=source, chapter=chapter)
