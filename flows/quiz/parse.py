from promptflow.core import tool

from study.candidates import parse_reply
from study.sentences import askable


@tool
def parse(
    reply: str,
    passage_text: str,
    chapter: str,
    section: str,
    source: str,
    lines: str,
    passage_id: str,
    passage_hash: str,
) -> list:
    """Every complete card of the reply as a candidate, its quote the sentence it names (a whole reply that is no
    card: one `incomplete`)."""
    passage = {
        "chapter": chapter,
        "section": section,
        "source": source,
        "lines": lines,
        "passage_id": passage_id,
        "passage_hash": passage_hash,
    }
    return parse_reply(reply, passage, askable(passage_text))
