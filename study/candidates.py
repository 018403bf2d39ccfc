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

from core.errors import StudyflowError
from study.bank import OPTION_LETTERS, normalize
from study.sentences import MAX_SENTENCES, sentence

MCQ_FIELDS = ("stem", "options", "key", "explanation", "quote")
RECALL_FIELDS = ("question", "answer", "quote")
MCQ_REPLY_FIELDS = ("sentence", "answer", "stem", "wrong", "explanation")  # what the model writes of an mcq
WRONG_COUNT = len(OPTION_LETTERS) - 1
PASSAGE_FIELDS = ("chapter", "section", "source", "lines", "passage_id", "passage_hash")
INCOMPLETE = "incomplete"
JSON_MODES = ("llama_cpp", "openai", "none")
MAX_MCQ_COUNT = 8  # study.passages asks for at most 4; more makes a long grammar and a reply past max_tokens
_SCHEMA_KEYWORDS = {"type", "properties", "required", "items", "minItems", "maxItems", "minLength", "enum"}
_SCHEMA_TYPES = ("object", "array", "string", "integer")
# "Both" / "None" alone point at the other options as surely as "all of the above" (a blind-checked bank item keyed
# "ACI" next to a "Both" that the notes made right).
_POINTS_AT_OTHERS = re.compile(
    r"\b(?:all|none|both|neither) of (?:the )?(?:above|these|them)\b|^\W*(?:both|none|neither|all)\W*$", re.IGNORECASE
)


def reply_schema(mcq_count: int, sentence_count: int) -> dict:
    """What one reply holds: exactly mcq_count multiple-choice questions and one flash card, each naming the number
    of the sentence it is about (study.sentences; the quote is that sentence, copied by code). The grammar holds
    numbers to 1..sentence_count, never text to a list: an enum of the passage's sentences took the local llama.cpp
    server down mid-answer (4 of 9 passages)."""
    text = {"type": "string", "minLength": 1}
    numbers = list(range(1, check_sentence_count(sentence_count) + 1))
    mcq = {
        "type": "object",
        # The grammar writes properties in this order: the sentence first, then the right answer copied from it,
        # then the question it answers and three wrong answers; the options and the key are made from those
        # (candidate), so a small model never keys the wrong letter.
        "properties": {
            "sentence": {"type": "integer", "enum": numbers},
            "answer": text,
            "stem": text,
            "wrong": {"type": "array", "items": text, "minItems": WRONG_COUNT, "maxItems": WRONG_COUNT},
            "explanation": text,
        },
        "required": list(MCQ_REPLY_FIELDS),
    }
    card = {
        "type": "object",
        "properties": {"sentence": {"type": "integer", "enum": list(numbers)}, "question": text, "answer": text},
        "required": ["sentence", "question", "answer"],
    }
    return {
        "type": "object",
        "properties": {
            "questions": {"type": "array", "items": mcq, "minItems": mcq_count, "maxItems": mcq_count},
            "card": card,
        },
        "required": ["questions", "card"],
    }


def _whole_number(value: object, name: str, most: int) -> int:
    """value if it is a whole number from 1 to most, else one StudyflowError naming it, before anything is sent."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= most:
        raise StudyflowError(f"{name} must be a whole number from 1 to {most}, not {value!r}")
    return value


def check_mcq_count(mcq_count: object) -> int:
    """The questions per reply a schema may ask for: 1 to MAX_MCQ_COUNT (llama.cpp spells minItems/maxItems out as
    grammar rules)."""
    return _whole_number(mcq_count, "mcq_count", MAX_MCQ_COUNT)


def check_sentence_count(sentence_count: object) -> int:
    """The sentences a reply may pick from: 1 to study.sentences.MAX_SENTENCES (the grammar's enum of numbers)."""
    return _whole_number(sentence_count, "sentence_count", MAX_SENTENCES)


def check_schema(schema: object) -> dict:
    """The schema if every part of it is one a grammar is safely built from: only the keywords reply_schema uses,
    enums only of option letters or sentence numbers (an enum of the passage's sentences crashed the llama.cpp
    server), small counts;
    StudyflowError naming the first part that is not."""
    problem = _schema_problem(schema, "reply")
    if problem:
        raise StudyflowError(f"reply schema: {problem}; build it with reply_schema (no text held to a list)")
    return schema


def _schema_problem(node: object, where: str) -> str | None:
    if not isinstance(node, dict) or not isinstance(node.get("properties", {}), dict):
        return f"{where} is not an object schema"
    unknown = sorted(map(str, set(node) - _SCHEMA_KEYWORDS))
    if unknown:
        return f"{where} uses {', '.join(unknown)}"
    if node.get("type") not in _SCHEMA_TYPES:
        return f"{where} has type {node.get('type')!r}"
    enum = node.get("enum", [])
    if not isinstance(enum, list) or not (all(v in OPTION_LETTERS for v in enum) or all(map(_is_number, enum))):
        return f"{where} has an enum of {enum!r}, not of option letters or sentence numbers"
    for name in ("minItems", "maxItems", "minLength"):
        value = node.get(name, 1)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_MCQ_COUNT:
            return f"{where}.{name} is {value!r}"
    children = [(f"{where}.{name}", child) for name, child in node.get("properties", {}).items()]
    children += [(f"{where}[]", node["items"])] if "items" in node else []
    return next((found for name, child in children if (found := _schema_problem(child, name))), None)


def _is_number(value: object) -> bool:
    return type(value) is int and 1 <= value <= MAX_SENTENCES


def response_format(json_mode: str, mcq_count: int, sentence_count: int) -> dict | None:
    """How to ask the endpoint for JSON of the schema: llama.cpp's server turns `schema` into a grammar; OpenAI
    takes json_schema; `none` asks nothing (the parser copes with plain text). The schema is checked before it
    is returned, so the flow never sends one a grammar cannot safely be built from."""
    if json_mode not in JSON_MODES:
        raise StudyflowError(f"json_mode {json_mode!r} is not one of {', '.join(JSON_MODES)}")
    schema = check_schema(reply_schema(check_mcq_count(mcq_count), sentence_count))
    if json_mode == "llama_cpp":
        return {"type": "json_object", "schema": schema}
    if json_mode == "openai":
        return {"type": "json_schema", "json_schema": {"name": "quiz", "schema": schema}}
    return None  # json_mode "none"


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


def _options(card: dict) -> tuple[dict[str, str], str]:
    """(options A-D, key) of an mcq as the schema has it written (the right answer and three wrong ones: the key
    is A until shuffled) or as lettered options and a key (a reply in another shape)."""
    wrong = card.get("wrong")
    if "answer" in card or isinstance(wrong, list):
        texts = [card.get("answer"), *(wrong if isinstance(wrong, list) else [])]
        if len(texts) != len(OPTION_LETTERS):
            return {}, "A"
        return {k: _text(v) for k, v in zip(OPTION_LETTERS, texts)}, "A"
    options = card.get("options")
    options = {k: _text(options.get(k)) for k in OPTION_LETTERS} if isinstance(options, dict) else {}
    return options, _text(card.get("key")).upper().rstrip(".")


def _quote(card: dict, sentences: list[str]) -> str:
    """The sentence the card names by number; a card in another shape may carry its quote as text."""
    if "sentence" in card:
        return sentence(sentences, card["sentence"])
    return _text(card.get("quote"))


def candidate(card: dict, passage: dict, sentences: list[str] = ()) -> dict:
    """One card as a candidate, with `incomplete` in rejected if a field is missing, empty or malformed (a sentence
    number that is none of `sentences` leaves it without a quote)."""
    where = {name: str(passage.get(name, "")) for name in PASSAGE_FIELDS}
    if "stem" in card:
        options, key = _options(card)
        out = {
            "kind": "mcq",
            "stem": _text(card.get("stem")),
            "options": options,
            "key": key,
            "explanation": _text(card.get("explanation")),
            "quote": _quote(card, sentences),
            **where,
        }
    else:
        out = {
            "kind": "recall",
            "question": _text(card.get("question")),
            "answer": _text(card.get("answer")),
            "quote": _quote(card, sentences),
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


def parse_reply(reply: str, passage: dict, sentences: list[str] = ()) -> list[dict]:
    """The candidates of one reply, quotes taken from the numbered `sentences` the prompt listed; a reply without a
    single card is one `incomplete` candidate saying so."""
    cards = [shuffled(candidate(card, passage, list(sentences))) for card in cards_in(reply)]
    if cards:
        return cards
    where = {name: str(passage.get(name, "")) for name in PASSAGE_FIELDS}
    return [{"kind": "none", **where, "rejected": [INCOMPLETE], "detail": "no complete card in the reply"}]
