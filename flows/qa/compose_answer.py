from promptflow.core import tool

from answering.citations import citations
from answering.grounding import is_grounded
from answering.passages import NOT_COVERED


@tool
def compose_answer(retrieval: dict, llm_answer: str | None = None) -> dict:
    """The LLM's answer with its citations; the fixed reply when the gate skipped the LLM or the answer names
    code the passages never mention."""
    if retrieval["covered"] and llm_answer is not None:
        answer = llm_answer.strip()
        if is_grounded(answer, [p["text"] for p in retrieval["passages"]]):
            return {"answer": answer, "citations": citations(answer, retrieval["passages"])}
    return {"answer": NOT_COVERED, "citations": []}
