"""The round trip of a candidate question: the exam answering of the Q&A side, given only the question as a student
would paste it (stem and lettered options, no passage, no key), must pick the key. One function to swap if the
exam answering changes."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from answering.exam_answer import ask_letters, choose
from answering.exam_question import ExamQuestion, parse
from answering.llm_client import Connection, complete, render_messages
from answering.passages import retrieve_passages
from study.bank import OPTION_LETTERS

CARD_ANSWER_TOKENS = 40  # "a few words"; a reply that runs on is cut, and a long answer scores low anyway
TOP_K = 3  # as the Q&A flow retrieves (answering.retrieval widens it for an exam question)


def as_pasted(candidate: dict) -> str:
    """The question as a practice-exam site shows it."""
    options = "\n".join(f"{letter}. {candidate['options'][letter]}" for letter in OPTION_LETTERS)
    return f"{candidate['stem']}\n{options}"


def exam_letters(candidate: dict, connection: Connection, model: str, votes: int = 1) -> list[str]:
    """The letters the exam answering picks for the candidate's question alone; none when the relevance gate
    says the notes do not cover it. votes: option orders asked (more than one adds the closed-book vote too);
    1 keeps generation within the hour: on the shared 2-core server each call re-reads ~750 prompt tokens."""
    from ingest.search import vocabulary

    text = as_pasted(candidate)
    retrieved = retrieve_passages(text, top_k=TOP_K)
    if not retrieved["covered"]:
        return []
    passages, vocab = retrieved["passages"], vocabulary()
    return choose(parse(text), passages, connection, model, vocab, permutations=votes, closed_book=votes > 1).choice


def passage_asks(
    candidate: dict, passage_text: str, chapter: str, connection: Connection, model: str
) -> list[Callable[[], list[str]]]:
    """One call per option order, each made only when called, picking the letters for the candidate given its own
    passage as the only note: the candidate's option order, then reversed (a small model leans to a position), so
    study.verify.check_passage_agrees can skip the second once the first misses the key. The passage comes first
    in the prompt, so the server reuses its tokens from one question of a passage to the next."""
    question = parse(as_pasted(candidate))
    passages = [{"n": 1, "chapter": chapter, "text": passage_text}]
    orders = [list(question.options), list(reversed(question.options))]
    return [partial(_letters, connection, model, question, passages, order) for order in orders]


def _letters(
    connection: Connection, model: str, question: ExamQuestion, passages: list[dict], order: list[str]
) -> list[str]:
    return ask_letters(connection, model, question, passages, order)[0]


def card_answer(
    candidate: dict, passage_text: str, prompt: Path, connection: Connection, model: str, timeout: float | None = None
) -> str:
    """The model's few-word answer to a flash card's question, given the card's passage as the only note."""
    messages = render_messages(prompt, passage_text=passage_text, question=candidate["question"])
    return complete(connection, model, messages, max_tokens=CARD_ANSWER_TOKENS, timeout=timeout).strip()


def card_similarity(said: str, answer: str) -> int | None:
    """The 1-5 similarity of the model's answer with the card's: the evaluation flow's local scorer (no model)."""
    from eval.local_judge import similarity

    return similarity(answer=said, ground_truth=answer)["score"]
