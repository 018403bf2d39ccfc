from promptflow.core import tool

from answering.exam_question import parse


# Which answer node runs: only one `activate` condition fits a node, so the gate's verdict and the question's form
# become one value here.
@tool
def route(retrieval: dict) -> str:
    """ "declined" (the gate found the notes silent: no LLM call), "exam" (letters first) or "prose"."""
    if not retrieval["covered"]:
        return "declined"
    return "exam" if parse(retrieval["question"]).is_exam else "prose"
