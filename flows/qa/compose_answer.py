from promptflow.core import tool

from answering.citations import citations
from answering.passages import NOT_COVERED


@tool
def compose_answer(retrieval: dict, llm_answer: str | None = None) -> dict:
    """The LLM's answer with its citations, or the fixed reply when the gate skipped the LLM."""
    if not retrieval["covered"] or llm_answer is None:
        return {"answer": NOT_COVERED, "citations": []}
    answer = llm_answer.strip()
    return {"answer": answer, "citations": citations(answer, retrieval["passages"])}
