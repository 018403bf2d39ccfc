"""A yes/no goal check or a true/false statement + its passages -> the letter, without the small model's "Yes" habit.

Asked for a letter, the 1.5B model answers "Yes" / "True" to nearly every goal check whatever the notes say. Asked
instead one plain question about the notes ("does the proposed solution meet the goal?", "is the statement true?")
with the reply forced to the word Yes or No, it still leans to Yes, but leans further when the notes agree: on the
16 dev questions its Yes-over-No logit margin was 1.02 to 2.82 where the answer is Yes / True and -0.34 to 1.02
where it is No / False (two other phrasings of the question separated them as well). So "No" gets a logit bias of
NO_BIAS and wins unless the model prefers "Yes" by more than that: one call, the threshold applied by the server.

Our llama.cpp server runs without logits_all, so it returns no logprobs (HTTP 500); a logit bias works without
them. Other endpoints (OpenAI, Azure) get the same question without grammar or bias and their word is taken as is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import openai

from answering.endpoint import is_local
from answering.exam_question import TRUE_FALSE, YES_NO, ExamQuestion
from answering.llm_client import Connection, endpoint_of, explain, make_client, render_messages

PROMPT = Path(__file__).with_name("prompts") / "exam_verdict.jinja2"
NO_BIAS = 1.0  # logits added to "No", chosen on the dev split: 15/16 there (a No question at 1.02 still says Yes)
# The verdict reads the best-ranked passage only (chosen on dev, side by side with all three: `python -m
# bench.exam_verdict --top 1` 15/16 as with all, the Yes / No median margins 1.75 apart instead of 1.18).
VERDICT_PASSAGES = 1
GRAMMAR = 'root ::= "Yes" | "No"'  # fixed text: nothing from the question ever reaches a grammar
_AFFIRMATIVE = {"yes", "true"}
_NEGATIVE = {"no", "false"}

# The series boilerplate of goal checks says nothing about this question's goal: "Note: This question is part of a
# series of questions that present the same scenario. Each question in the series contains a unique solution ...".
_BOILERPLATE = re.compile(
    r"[^.!?\n]*\b(?:part of a series|same scenario|unique solution|correct solutions?\b|not be able to return"
    r"|review screen)[^.!?\n]*[.!?]?",
    re.IGNORECASE,
)
_ASK_GOAL = re.compile(
    r"\s*\bdoes (?:this|the|that) (?:proposed )?(?:solution )?meet the (?:goal|requirement)s?\s*\??\s*$", re.I
)
_SOLUTION = re.compile(r"(?:^|\n|(?<=[.!?])\s)\s*(?:proposed )?solution\s*:\s*", re.IGNORECASE)
_FIRST_WORD = re.compile(r"[A-Za-z]+")


@dataclass(frozen=True)
class Claim:
    """What the model is asked to judge: a goal and a proposed solution, a statement (true/false), or, for a yes/no
    question without a "Solution:" line, the question itself (in `goal`)."""

    goal: str = ""
    solution: str = ""
    statement: str = ""
    answer: str = ""  # one option of a multiple-choice question, judged on its own against the question in `goal`


def claim(question: ExamQuestion) -> Claim:
    """The goal and the solution of a goal check (the series boilerplate and "Does this meet the goal?" removed),
    or the statement of a true/false question."""
    if question.form == TRUE_FALSE:
        return Claim(statement=question.stem.strip())
    text = _BOILERPLATE.sub(" ", question.stem)
    text = re.sub(r"^\s*Note\s*:\s*", "", text.strip(), flags=re.IGNORECASE)
    text = _ASK_GOAL.sub("", text).strip()
    parts = _SOLUTION.split(text, maxsplit=1)
    goal = " ".join(parts[0].split())
    solution = " ".join(parts[1].split()) if len(parts) > 1 else ""
    return Claim(goal=goal, solution=solution)


# What a multiple-choice stem says about scoring or how many to pick: nothing about the question asked.
_HOW_TO_PICK = re.compile(
    r"(?:NOTE\s*:\s*)?each correct (?:selection|answer)[^.!?\n]*[.!?]?"
    r"|\(?\b(?:select|choose|pick) (?:two|three|all that apply|all)\b\)?[.:]?",
    re.IGNORECASE,
)


def option_claim(question: ExamQuestion, letter: str) -> Claim:
    """One option of a multiple-choice question as a claim of its own: the stem (how to pick and score removed)
    and the option as the proposed answer."""
    stem = " ".join(_HOW_TO_PICK.sub(" ", question.stem).split())
    return Claim(goal=stem, answer=question.options[letter].strip())


def letters(question: ExamQuestion) -> tuple[str, str] | None:
    """(the letter of Yes / True, the letter of No / False) in the student's lettering; None when the options are
    not one of each (then the question is answered as any other)."""
    if question.form not in (YES_NO, TRUE_FALSE):
        return None
    words = {letter: text.strip().rstrip(".").lower() for letter, text in question.options.items()}
    yes = [letter for letter, word in words.items() if word in _AFFIRMATIVE]
    no = [letter for letter, word in words.items() if word in _NEGATIVE]
    return (yes[0], no[0]) if len(yes) == 1 and len(no) == 1 and len(words) == 2 else None


def parse_verdict(reply: str) -> bool | None:
    """True for a reply that starts with Yes / True, False for No / False, None for anything else."""
    match = _FIRST_WORD.search(reply or "")
    word = match.group(0).lower() if match else ""
    return True if word in _AFFIRMATIVE else False if word in _NEGATIVE else None


def ask_verdict(
    connection: Connection,
    model: str,
    question: ExamQuestion,
    passages: list[dict],
    no_bias: float = NO_BIAS,
    asked: Claim | None = None,
) -> tuple[bool | None, int]:
    """One call: whether the notes say the solution meets the goal / the statement is true / the proposed answer
    answers the question (`asked`; default: the question's own claim). None: no Yes or No in the reply, only
    possible without the grammar; and the prompt tokens it took."""
    asked = asked or claim(question)
    messages = render_messages(
        PROMPT,
        passages=passages,
        goal=asked.goal,
        solution=asked.solution,
        statement=asked.statement,
        answer=asked.answer,
    )
    endpoint = endpoint_of(connection)
    # "tokens": the server turns the word into its token ids; the grammar keeps the reply to the one word.
    local = {"grammar": GRAMMAR, "logit_bias": {"No": no_bias}, "logit_bias_type": "tokens"}
    try:
        reply = make_client(connection).chat.completions.create(
            model=model,
            messages=messages,
            max_tokens=3,
            temperature=0,
            extra_body=local if is_local(endpoint) else None,
        )
        text = reply.choices[0].message.content or ""
        tokens = getattr(reply.usage, "prompt_tokens", 0) or 0
    except (openai.OpenAIError, IndexError, AttributeError, ValueError) as error:
        raise explain(error, endpoint) from None
    return parse_verdict(text), tokens
