from promptflow.core import tool

from study.verify import check_passage, known_words


@tool
def check(candidates: list, passage_text: str) -> list:
    """The checks that need only the passage (and the words of the notes and of English, for typos)."""
    from ingest.embedder import word_pieces
    from ingest.search import vocabulary

    return check_passage(candidates, passage_text, known_words(vocabulary(), word_pieces()))
