"""The quiz flow's reply -> candidate cards: the JSON schema the model is held to, a parser that keeps every complete
card of a reply (even a cut-off or chatty one) and flags the rest, and the options shuffled so the key is not
always A.

A candidate is a plain dict (it crosses promptflow nodes and the work file as JSON): the item fields of
study.bank (kind, stem, options, key, explanation or question, answer; quote; the passage's chapter, section,
source, lines, passage_id, passage_hash) plus `rejected` (the names of the checks it failed) and `detail`.
"""

from __future__ import annotations

import hashlib
import json
import random
import re

from study.bank import OPTION_LETTERS, normalize

MCQ_FIELDS = ("stem", "options", "key", "explanation", "quote")
RECALL_FIELDS = ("question", "answer", "quote")
PASSAGE_FIELDS = ("chapter", "section", "source", "lines", "passage_id", "passage_hash")
INCOMPLETE = "incomplete"
_POINTS_AT_OTHERS = re.compile(r"\b(?:all|none|both|neither) of (?:the )?(?:above|these|them)\b", re.IGNORECASE)


def reply_schema(mcq_count: int) -> dict:
    """What one reply holds: exactly mcq_count multiple-choice questions and one flash card. Quotes are free text,
    checked afterwards: an enum of the passage's sentences took the local llama.cpp server down mid-answer (4 of 9
    passages), so the grammar never holds a quote to a list."""
    text = {"type": "string", "minLength": 1}
    mcq = {
        "type": "object",
        "properties": {
            "stem": text,
            "options": {
                "type": "object",
                "properties": {letter: text for letter in OPTION_LETTERS},
                "required": list(OPTION_LETTERS),
            },
            "key": {"type": "string", "enum": list(OPTION_LETTERS)},
            "explanation": text,
            "quote": text,
        },
        "required": list(MCQ_FIELDS),
    }
    card = {
        "type": "object",
        "properties": {"question": text, "answer": text, "quote": text},
        "required": list(RECALL_FIELDS),
    }
    return {
        "type": "object",
        "properties": {
            "questions": {"type": "array", "items": mcq, "minItems": mcq_count, "maxItems": mcq_count},
            "card": card,
        },
        "required": ["questions", "card"],
    }


def response_format(json_mode: str, mcq_count: int) -> dict | None:
    """How to ask the endpoint for JSON of the schema: llama.cpp's server turns `schema` into a grammar; OpenAI
    takes json_schema; `none` asks nothing (the parser copes with plain text)."""
    schema = reply_schema(mcq_count)
    if json_mode == "llama_cpp":
        return {"type": "json_object", "schema": schema}
    if json_mode == "openai":
        return {"type": "json_schema", "json_schema": {"name": "quiz", "schema": schema}}
    if json_mode == "none":
        return None
    raise ValueError(f"json_mode {json_mode!r} is not one of llama_cpp, openai, none")


def cards_in(reply: str) -> list[dict]:
    """Every complete card object in the reply, in order: JSON inside prose or a code fence, or cut off after some
    cards, still gives the cards that were finished (never half of one)."""
    decoder = json.JSONDecoder()
    found: list[dict] = []
    position = reply.find("{")
    while position != -1:
        try:
            value, end = decoder.raw_decode(reply, position)
        except ValueError:
            position = reply.find("{", position + 1)  # a cut-off object: look inside it for finished ones
            continue
        found.extend(_cards(value))
        position = reply.find("{", end)
    return found


def _cards(value: object) -> list[dict]:
    if isinstance(value, dict):
        if "stem" in value or "question" in value:
            return [value]
        return [card for child in value.values() for card in _cards(child)]
    if isinstance(value, list):
        return [card for child in value for card in _cards(child)]
    return []


def _text(value: object) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""


def candidate(card: dict, passage: dict) -> dict:
    """One card as a candidate, with `incomplete` in rejected if a field is missing, empty or malformed."""
    where = {name: str(passage.get(name, "")) for name in PASSAGE_FIELDS}
    if "stem" in card:
        options = card.get("options")
        options = {k: _text(options.get(k)) for k in OPTION_LETTERS} if isinstance(options, dict) else {}
        out = {
            "kind": "mcq",
            "stem": _text(card.get("stem")),
            "options": options,
            "key": _text(card.get("key")).upper().rstrip("."),
            "explanation": _text(card.get("explanation")),
            "quote": _text(card.get("quote")),
            **where,
        }
    else:
        out = {
            "kind": "recall",
            "question": _text(card.get("question")),
            "answer": _text(card.get("answer")),
            "quote": _text(card.get("quote")),
            **where,
        }
    problem = incomplete(out)
    return {**out, "rejected": [INCOMPLETE] if problem else [], "detail": problem or ""}


def incomplete(card: dict) -> str | None:
    """Why the card is not whole (a field missing or empty, options not exactly A-D or two alike, a key that is
    no option), or None."""
    fields = MCQ_FIELDS if card.get("kind") == "mcq" else RECALL_FIELDS
    missing = [name for name in fields if not card.get(name)]
    if missing:
        return f"no {', '.join(missing)}"
    if card["kind"] != "mcq":
        return None
    options = card["options"]
    if not isinstance(options, dict) or sorted(options) != list(OPTION_LETTERS):
        return "options are not exactly A, B, C and D"
    empty = [k for k in OPTION_LETTERS if not options[k]]
    if empty:
        return f"option {', '.join(empty)} is empty"
    if len({normalize(v) for v in options.values()}) < len(OPTION_LETTERS):
        return "two options say the same thing"
    if any(_POINTS_AT_OTHERS.search(v) for v in options.values()):
        return "an option points at the others (all / none of the above); shuffled options break it"
    if card["key"] not in OPTION_LETTERS:
        return f"key {card['key']!r} is not one of A, B, C, D"
    return None


def shuffled(card: dict) -> dict:
    """The options in an order fixed by the question (the same card always gets the same order), key moved with
    them: a small model puts the right answer first."""
    if card.get("kind") != "mcq" or card.get("rejected"):
        return card
    seed = hashlib.sha256(f"{card['passage_hash']}\0{normalize(card['stem'])}".encode()).hexdigest()
    texts = [card["options"][k] for k in OPTION_LETTERS]
    right = card["options"][card["key"]]
    random.Random(seed).shuffle(texts)
    options = dict(zip(OPTION_LETTERS, texts))
    key = next(k for k, v in options.items() if v == right)
    return {**card, "options": options, "key": key}


def parse_reply(reply: str, passage: dict) -> list[dict]:
    """The candidates of one reply; a reply without a single card is one `incomplete` candidate saying so."""
    cards = [shuffled(candidate(card, passage)) for card in cards_in(reply)]
    if cards:
        return cards
    where = {name: str(passage.get(name, "")) for name in PASSAGE_FIELDS}
    return [{"kind": "none", **where, "rejected": [INCOMPLETE], "detail": "no complete card in the reply"}]
