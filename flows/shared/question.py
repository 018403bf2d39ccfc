from promptflow.core import tool

from answering.question import check_question


# The flow's first node: the one place a question is checked; every later node trusts what it returns.
@tool
def checked_question(question: str) -> str:
    """The question without control characters; a one-line error if it is empty or over 2000 characters."""
    return check_question(question)
