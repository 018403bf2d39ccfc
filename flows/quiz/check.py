from promptflow.core import tool

from study.verify import check_passage


@tool
def check(candidates: list, passage_text: str) -> list:
    """The checks that need only the passage: the quote is in it, no distractor is named by the quote."""
    return check_passage(candidates, passage_text)
