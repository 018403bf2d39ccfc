"""The sentences of a passage a question may be written from, numbered as the quiz prompt lists them.

The writing call picks a sentence by its number (the reply's grammar allows only those numbers) and the quote is
that sentence, copied by code: a small model asked to copy a sentence made up a third of its quotes (generator 2:
99 of 332 candidates failed `quote_not_in_passage`). The sentences are those the chat quotes as key sentences
(answering.key_sentence): prose sentences, list items, code comments; a sentence that points back ("It can only
be used if ...") carries the one before it. Lines of code, list blocks (their items are listed one by one) and
sentences too short to hold a fact are left out.
"""

from __future__ import annotations

from answering.key_sentence import candidates

MIN_WORDS = 4  # as study.verify.MIN_QUOTE_WORDS: "Grid sampling" is no fact to ask about
MAX_SENTENCES = 40  # the grammar's enum stays small; a passage is a section of the notes, ~5-25 sentences


def askable(passage_text: str) -> list[str]:
    """The passage's askable sentences, in order, without repeats; at most MAX_SENTENCES."""
    found = [c.text for c in candidates(passage_text, 1) if not c.code and "\n" not in c.text]
    kept: list[str] = []
    for n, text in enumerate(found):
        joined_next = n + 1 < len(found) and found[n + 1].startswith(f"{text} ")
        if joined_next or text in kept or len(text.split()) < MIN_WORDS or text.endswith("…"):
            continue  # the next one is this sentence with the one that points back at it
        kept.append(text)
    return kept[:MAX_SENTENCES]


def numbered(sentences: list[str]) -> str:
    """The sentences as the prompt lists them: "[1] ...", one a line."""
    return "\n".join(f"[{n}] {text}" for n, text in enumerate(sentences, 1))


def sentence(sentences: list[str], number: object) -> str:
    """The sentence with that number ("" for a number that is none of them)."""
    if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= len(sentences):
        return ""
    return sentences[number - 1]
