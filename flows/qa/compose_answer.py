from promptflow.core import tool

from answering.citations import citations
from answering.decline import NOT_COVERED
from answering.exam_question import parse
from answering.exam_reply import exam_reply
from answering.grounding import is_grounded, is_off_topic


@tool
def compose_answer(retrieval: dict, llm_answer: str | None = None, exam: dict | None = None) -> dict:
    """The LLM's answer with its citations; the fixed reply when the gate skipped the LLM or the answer names
    code the passages never mention, or carries none of their content (it obeyed an instruction hidden in a note).
    An exam question (`exam`: answering.exam_answer.ExamAnswer as a dict) gets its letter(s) first."""
    if retrieval["covered"] and exam and exam.get("choice"):
        question = parse(retrieval["question"])
        answer = exam_reply(question, exam["choice"], retrieval["passages"], exam.get("ruled_out", []))
        return {"answer": answer, "citations": citations(answer, retrieval["passages"])}
    if retrieval["covered"] and llm_answer is not None:
        answer = llm_answer.strip()
        texts = [p["text"] for p in retrieval["passages"]]
        if is_grounded(answer, texts) and not is_off_topic(answer, texts, retrieval.get("question", "")):
            return {"answer": answer, "citations": citations(answer, retrieval["passages"])}
    return {"answer": NOT_COVERED, "citations": []}
