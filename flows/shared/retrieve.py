from promptflow.core import tool

from answering.passages import followup_passages_for, passages_for


@tool
def retrieve_passages(
    question: str,
    top_k: int = 3,
    source: str = "",
    chapter: str = "",
    search_question: str = "",
    history: list | None = None,
) -> dict:
    """Passages for the checked question and the relevance gate's verdict (`covered`), within the source/chapter
    filter. A chat turn (history given) is searched as answering.followup chooses: a follow-up fused with the
    question it continues."""
    if history:
        return followup_passages_for(
            question, search_question or question, history, top_k, source=source, chapter=chapter
        )
    return passages_for(question, top_k, source=source, chapter=chapter)
