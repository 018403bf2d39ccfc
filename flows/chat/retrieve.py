from promptflow.core import tool

from answering.passages import retrieve_passages as _retrieve_passages


@tool
def retrieve_passages(question: str, top_k: int = 3, source: str = "", chapter: str = "") -> dict:
    """Passages for the question and the relevance gate's verdict (`covered`), within the source/chapter filter."""
    return _retrieve_passages(question, top_k, source=source, chapter=chapter)
