"""The one check a question gets, where a flow starts (the first node of the Q&A and chat flows); later nodes and
functions trust what it returns."""

from core.errors import StudyflowError
from core.text import strip_controls

MAX_QUESTION_CHARS = 2000


class QuestionError(StudyflowError):
    """A question that cannot be asked as it is."""


def check_question(question: str) -> str:
    """The question without control characters and surrounding space; QuestionError if nothing is left or it is
    longer than MAX_QUESTION_CHARS."""
    # Controls out first: a question of NULs or escape codes is empty, and none reaches the prompt or a terminal.
    question = strip_controls(question or "").strip()
    if not question:
        raise QuestionError("the question is empty; type a question about your notes")
    if len(question) > MAX_QUESTION_CHARS:
        raise QuestionError(
            f"the question is {len(question)} characters; keep it under {MAX_QUESTION_CHARS} "
            "(ask about one thing at a time)"
        )
    return question
