"""A practice-exam question + its passages -> the letter(s) to answer, never worse than the bare model.

The 1.5B model answers best when it only has to name a letter (a llama.cpp grammar forces "Answer: X"), and its
pick still depends on where an option stands. So it is asked several times with the options in other orders (the
notes come first and stay the same, so llama.cpp re-reads only the options: ~1 s a call after the first), once
more without the notes (the closed-book vote), and the votes are counted. An option naming something the notes
never mention (a distractor's "Azure Cosmos DB") loses its votes while another option is one the notes know,
unless the stem asks which one is NOT right. A "select all that apply" question is asked option by option instead
(is this one a correct answer? Yes / No), since the letter votes name two options where three are right; a goal
check or true/false is one Yes / No question (answering.exam_verdict). Measured on the dev split:
docs/benchmarks.md#practice-exam-questions.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import openai

from answering import exam_verdict, gate
from answering.endpoint import check_local_endpoint, is_local
from answering.exam_question import ExamQuestion
from answering.llm_client import Connection, endpoint_of, explain, make_client, render_messages
from core.errors import StudyflowError

PROMPT = Path(__file__).with_name("prompts") / "exam_letter.jinja2"
GROUNDING = (
    "The notes are the course material: the right option is the one the notes describe for this need."  # measured
)
CLOSED_BOOK_WEIGHT = 1.0  # the no-notes vote counts as one grounded vote (dev sample: 0, 1 tie at 14/22; 0.5: 13/22)
LETTERS = "ABCDEFGH"  # the option letters answering.exam_question reads, and all a letter grammar may name
PERMUTATIONS = 3  # grounded calls: the student's order, reversed, rotated by one
# "Select all that apply": each option is asked on its own whether it answers the question (answering.exam_verdict,
# Yes / No) and the ones the model prefers Yes for are chosen; the letter votes picked two where three were right.
# On dev (`python -m bench.option_verdict --split dev`): 3/4 all-that-apply questions right with no bias on "No",
# 2/4 by the letter votes; a bias of 0.5 or more on "No" got fewer right. Held out: multi-select 4/8 and 5/8 (3/8).
ALL_THAT_APPLY_NO_BIAS = 0.0
_NEGATED = re.compile(r"\b(?:NOT|EXCEPT|LEAST)\b|\bnot one of\b|\bwhich\b[^?.]*\b(?:not|cannot|isn't|doesn't)\b", re.I)


@dataclass(frozen=True)
class ExamAnswer:
    """The letters chosen (in the student's lettering, sorted), the votes behind them and what they cost."""

    choice: list[str]
    votes: dict[str, float] = field(default_factory=dict)
    ruled_out: list[str] = field(default_factory=list)  # options naming what the notes never mention
    grounded: list[list[str]] = field(default_factory=list)  # each grounded call's pick, in the order asked
    closed_book: list[str] = field(default_factory=list)  # the pick without the notes
    calls: int = 0
    prompt_tokens: int = 0  # summed over the calls (llama.cpp reuses the shared prefix of the grounded ones)
    seconds: float = 0.0

    @property
    def letters(self) -> str:
        """The choice as the flows output it: "B" or "A, C"."""
        return ", ".join(self.choice)


def how_many(question: ExamQuestion) -> str:
    return {1: "the one correct option", 0: "every correct option"}.get(
        question.picks, f"the {question.picks} correct options"
    )


def orders(question: ExamQuestion, count: int = PERMUTATIONS) -> list[list[str]]:
    """Option orders to ask in: the student's first; a two-option question has only two."""
    keys = list(question.options)
    candidates = [keys, keys[::-1], keys[1:] + keys[:1], keys[-1:] + keys[:-1]]
    unique: list[list[str]] = []
    for order in candidates:
        if order not in unique:
            unique.append(order)
    return unique[:count]


def letter_grammar(letters: str, picks: int) -> str:
    """GBNF for llama.cpp: "Answer: B", or "Answer: A, C" when more than one letter is asked for. Built only from
    distinct letters of LETTERS and a whole number of picks, else StudyflowError before anything is sent: a
    grammar the server cannot parse has taken the llama.cpp server process down."""
    check_grammar_parts(letters, picks)
    alternatives = "|".join(f'"{letter}"' for letter in letters)
    more = "" if picks == 1 else f' (", " ({alternatives}))*'
    return f'root ::= "Answer: " ({alternatives}){more}'


def check_grammar_parts(letters: object, picks: object) -> None:
    """The letters and picks a letter grammar may be built from; one line naming what is wrong otherwise."""
    if not isinstance(letters, str) or not letters or any(c not in LETTERS for c in letters):
        raise StudyflowError(f"exam letters must be some of {LETTERS}, not {letters!r}; parse the question first")
    if len(set(letters)) != len(letters):
        raise StudyflowError(f"exam letters {letters!r} repeat a letter; parse the question first")
    if isinstance(picks, bool) or not isinstance(picks, int) or picks < 0:
        raise StudyflowError(f"picks must be a whole number of at least 0 (0: all that apply), not {picks!r}")


# Letters are upper case only: "the answer is a combination" names no option.
_LETTER = r"(?-i:\(?[A-H]\)?)(?![\w])"
_ANSWER_LINE = re.compile(rf"answer\s*(?:is|:)?\s*[:\-]?\s*\**\s*({_LETTER}(?:\s*(?:,|and|&)\s*{_LETTER})*)", re.I)
_LEAD_LETTER = re.compile(r"^\W*\(?([A-H])\)?(?:[.):*]|$)")
_OPTION_WORD = re.compile(r"\b(?:option|choice)\s+\(?((?-i:[A-H]))\b", re.I)


def parse_letters(reply: str, letters: str, picks: int = 1) -> list[str]:
    """The letters a reply names, for endpoints without a grammar: "Answer: B", "**B.** Grid", "The answer is B and
    D", "Option C". Only `letters` count; a single-answer question keeps the first one named. [n] citations never
    count (they are digits)."""
    found: list[str] = []
    match = _ANSWER_LINE.search(reply)
    if match:
        found = re.findall(r"[A-H]", match.group(1))
    if not found:
        lead = _LEAD_LETTER.match(reply.strip())
        found = [lead.group(1).upper()] if lead else _OPTION_WORD.findall(reply)
    kept: list[str] = []
    for letter in (f.upper() for f in found):
        if letter in letters and letter not in kept:
            kept.append(letter)
    return kept[:1] if picks == 1 else kept


def ruled_out(question: ExamQuestion, vocab: frozenset[str] | None) -> list[str]:
    """Options naming something the notes never mention, while another option names only what they know; none when
    the stem asks which is NOT right (the unknown option may well be the answer) or without a vocabulary."""
    if not vocab or _NEGATED.search(question.stem):
        return []
    unknown = [letter for letter, text in question.options.items() if gate.unknown_names(text, vocab)]
    return unknown if len(unknown) < len(question.options) else []


def combine(
    question: ExamQuestion,
    grounded: list[list[str]],
    closed: list[str],
    out: list[str] = (),
    closed_weight: float = CLOSED_BOOK_WEIGHT,
) -> tuple[list[str], dict[str, float]]:
    """(choice, votes): the letters with the most votes; ties go to the first grounded call's pick, then to the
    closed-book pick, then to the student's order. Votes for ruled-out options do not count."""
    votes: Counter[str] = Counter()
    for pick in grounded:
        votes.update(letter for letter in pick if letter not in out)
    for letter in closed:
        if letter not in out:
            votes[letter] += closed_weight
    first = grounded[0] if grounded else []
    keys = list(question.options)

    def rank(letter: str) -> tuple:
        return (-votes[letter], letter not in first, letter not in closed, keys.index(letter))

    ranked = sorted((letter for letter in keys if letter not in out), key=rank) or keys
    if question.picks == 1:
        count = 1
    elif question.picks > 1:
        count = question.picks
    else:  # all that apply: what at least half the calls named
        calls = len(grounded) + closed_weight
        count = max(1, sum(votes[letter] * 2 >= calls for letter in keys))
    return sorted(ranked[:count]), {k: v for k, v in votes.items() if v}


def ask_letters(
    connection: Connection,
    model: str,
    question: ExamQuestion,
    passages: list[dict],
    order: list[str],
    grounding: str = GROUNDING,
) -> tuple[list[str], int]:
    """One call: the options shown in `order` as A, B, C...; the letters picked, mapped back to the student's
    lettering, and the prompt tokens it took."""
    if not 0 < len(order) <= len(LETTERS):
        raise StudyflowError(f"an exam question has 1 to {len(LETTERS)} options, not {len(order)}")
    letters = LETTERS[: len(order)]
    shown = "\n".join(f"{letters[i]}. {question.options[key]}" for i, key in enumerate(order))
    messages = render_messages(
        PROMPT, passages=passages, stem=question.stem, options=shown, how_many=how_many(question), grounding=grounding
    )
    endpoint = endpoint_of(connection)
    # Only the local llama.cpp server takes a grammar; OpenAI / Azure answer in words, parsed by parse_letters.
    extra = {"grammar": letter_grammar(letters, question.picks)} if is_local(endpoint) else {}
    try:
        reply = make_client(connection).chat.completions.create(
            model=model, messages=messages, max_tokens=16, temperature=0, extra_body=extra or None
        )
        text = reply.choices[0].message.content or ""
        tokens = getattr(reply.usage, "prompt_tokens", 0) or 0
    except (openai.OpenAIError, IndexError, AttributeError, ValueError) as error:
        raise explain(error, endpoint) from None
    return [order[letters.index(letter)] for letter in parse_letters(text, letters, question.picks)], tokens


def judge_each_option(
    connection: Connection, model: str, question: ExamQuestion, passages: list[dict], out: list[str]
) -> tuple[list[str], int]:
    """The options (not ruled out) the model says Yes to, each asked on its own against the passages, and the
    prompt tokens it took. The passages and the stem come first in every call, so llama.cpp re-reads only the
    option after the first."""
    chosen, tokens = [], 0
    for letter in question.options:
        if letter in out:
            continue
        asked = exam_verdict.option_claim(question, letter)
        verdict, used = exam_verdict.ask_verdict(
            connection, model, question, passages, no_bias=ALL_THAT_APPLY_NO_BIAS, asked=asked
        )
        tokens += used
        if verdict:
            chosen.append(letter)
    return chosen, tokens


def choose(
    question: ExamQuestion,
    passages: list[dict],
    connection: Connection,
    model: str,
    vocab: frozenset[str] | None = None,
    permutations: int = PERMUTATIONS,
    closed_book: bool = True,
) -> ExamAnswer:
    """The letter(s) for an exam question (answering.exam_question.parse) from its numbered passages
    (answering.passages: dicts with n, chapter, text). vocab: the notes' words (ingest.search.vocabulary), to rule
    out options naming what the notes never mention; None rules out nothing. A goal check or true/false with
    passages is one Yes / No question instead (answering.exam_verdict), and "select all that apply" one for each option
    (judge_each_option; the votes only when it judges none right): permutations and closed_book do not apply."""
    if not question.options:
        raise ValueError("choose needs an exam question with options; parse it with answering.exam_question.parse")
    check_local_endpoint(endpoint_of(connection))
    start = time.perf_counter()
    grounded, tokens = [], 0
    # A goal check or true/false with notes: one Yes / No question, weighed against the model's "Yes" habit
    # (answering.exam_verdict); its letter votes said "Yes" / "True" to nearly all of them.
    yes_no = exam_verdict.letters(question) if passages else None
    if yes_no:
        best = passages[: exam_verdict.VERDICT_PASSAGES]
        verdict, tokens = exam_verdict.ask_verdict(connection, model, question, best)
        if verdict is not None:  # None: an endpoint without the grammar answered neither; the votes decide
            letter = yes_no[0] if verdict else yes_no[1]
            seconds = round(time.perf_counter() - start, 2)
            return ExamAnswer([letter], {letter: 1.0}, [], [[letter]], [], 1, tokens, seconds)
    out = ruled_out(question, vocab)
    if question.picks == 0 and passages:
        judged, tokens = judge_each_option(connection, model, question, passages, out)
        if judged:  # none judged right: the letter votes decide
            seconds = round(time.perf_counter() - start, 2)
            votes = {letter: 1.0 for letter in judged}
            return ExamAnswer(judged, votes, out, [judged], [], len(question.options) - len(out), tokens, seconds)
    for order in orders(question, permutations):
        picked, used = ask_letters(connection, model, question, passages, order)
        grounded.append(picked)
        tokens += used
    closed: list[str] = []
    if closed_book:
        closed, used = ask_letters(connection, model, question, [], list(question.options))
        tokens += used
    choice, votes = combine(question, grounded, closed, out)
    calls = len(grounded) + closed_book
    seconds = round(time.perf_counter() - start, 2)
    return ExamAnswer(choice, votes, out, grounded, closed, calls, tokens, seconds)
