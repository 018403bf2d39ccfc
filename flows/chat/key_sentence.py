from promptflow.core import tool

from answering.key_sentence import key_sentence as find_key_sentence


@tool
def key_sentence(retrieval: dict, search_question: str = "") -> dict:
    """The sentence of the passages that bears most on the question, with its chapter, file and lines, for the
    page to quote before the model's first word; {} when the notes do not cover the question. search_question:
    the question a follow-up's search was led by, which names what "it" refers to."""
    if not retrieval["covered"]:
        return {}
    found = find_key_sentence(search_question or retrieval["question"], retrieval["passages"])
    return found.as_dict() if found else {}
