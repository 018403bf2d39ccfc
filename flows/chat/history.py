from promptflow.core import tool

from answering.history import bounded, history_budget, turns


@tool
def bounded_history(chat_history: list, budget: int = 0) -> list:
    """The newest question/answer pairs that fit the token budget (0: STUDYFLOW_HISTORY_TOKENS or 600)."""
    return bounded(turns(chat_history), budget or history_budget())
