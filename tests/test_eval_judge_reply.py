"""The LLM judge's reply parser on well-formed, chatty and broken replies (fast), plus one check on the real model."""

from __future__ import annotations

import pytest

from eval.judge_reply import parse_reply


@pytest.mark.parametrize(
    "reply, expected",
    [
        ("Score: 4\nReason: mostly supported", 4),
        ("score:5", 5),
        ("**Score:** 4\n**Reason:** grounded", 4),
        ("Score: **2**", 2),
        ("## Score\n3", 3),
        ("Score: 4/5\nReason: good", 4),
        ("Rating: 4 out of 5", 4),
        ("Fluency: four.", 4),
        ("Score: Five", 5),
        ("Score (1-5): 2", 2),
        ("Score - 1", 1),
        ("Score: 4.0", 4),
        ("Sure! Here is my evaluation.\n\nIt mostly follows the context.\nScore: 4\nReason: one detail missing", 4),
        ("I would rate it a 2 because it invents a service.", 2),
        ("I'd give this answer a 5.", 5),
        ("The answer is good: 4/5", 4),
        ("4 stars", 4),
        ("4", 4),
        ("3.\nThe answer is partly relevant.", 3),
        ('{"score": 2, "reason": "invented facts"}', 2),
        ('```json\n{"Score": "5", "Reason": "all in context"}\n```', 5),
        ('Here you go: {"rating": 1, "explanation": "off topic"}', 1),
        ("Score: 3\nReason: a 5 would need every claim cited", 3),  # numbers in the reason are not scores
        ("Score: 4\nReason: fine\nScore: 4", 4),  # a repeated identical score is not a conflict
        ("On a scale of 1 to 5, score: 2", 2),  # the echoed range is not a score
    ],
)
def test_readable_scores(reply: str, expected: int) -> None:
    assert parse_reply(reply)["score"] == expected


@pytest.mark.parametrize(
    "reply, why",
    [
        ("", "empty"),
        ("   \n\t", "empty"),
        ("The answer is fine.", "could not parse"),
        ("Score: N\nReason: <a few words>", "could not parse"),  # the format echoed back, no score in it
        ("The answer lists 3 services and 2 roles.", "could not parse"),  # numbers in prose are not scores
        ("Relevance: one claim is off topic", "could not parse"),  # a number word in prose is not a score
        ("Score: 7", "outside 1-5"),
        ("Score: 0\nReason: nothing", "outside 1-5"),
        ("Score: -1", "outside 1-5"),
        ("Score: 8/10", "not on the 1-5 scale"),
        ("Score: 4.5", "not a whole number"),
        ("Score: 2\nReason: invented\nScore: 5\nReason: grounded", "conflicting"),
        ("Rating: 4 out of 5. Actually rating: 2.", "conflicting"),
        ('{"score": null, "reason": "unsure"}', "not a number"),
        ('{"score": "high"}', "not a number"),
        ("Score: between 3 and 4", "could not parse"),
        ("Score: 3-4", "could not parse"),
    ],
)
def test_unreadable_scores_give_none_and_say_why(reply: str, why: str) -> None:
    result = parse_reply(reply)
    assert result["score"] is None
    assert why in result["reason"]


def test_never_a_made_up_middle_score() -> None:
    for reply in ["", "no idea", "Score:", "Score: ?", "three cheers for this answer!", "{not json"]:
        assert parse_reply(reply)["score"] is None, reply


@pytest.mark.parametrize(
    "reply, reason",
    [
        ("Score: 4\nReason: mostly supported by the notes", "mostly supported by the notes"),
        ("Score: 4, Reason: one claim missing", "one claim missing"),
        ('{"score": 2, "reason": "invented facts"}', "invented facts"),
        ("Score: 1\nThe answer contradicts the context.", "The answer contradicts the context."),
        ("4", "no reason given"),
    ],
)
def test_reason(reply: str, reason: str) -> None:
    assert parse_reply(reply)["reason"] == reason


def test_reason_is_short() -> None:
    result = parse_reply("Score: 3\nReason: " + "very long " * 100)
    assert result["score"] == 3
    assert len(result["reason"]) <= 160


def test_unparsed_reason_quotes_the_reply() -> None:
    result = parse_reply("I cannot grade this, sorry.")
    assert "I cannot grade this" in result["reason"]


@pytest.mark.llm
def test_llm_judge_separates_good_from_bad(llm_server: str) -> None:
    from eval import llm_judge

    llm_judge.configure(None)  # the local server the fixture started (or found running)
    context = (
        "Azure ML pipelines can be scheduled with a RecurrenceTrigger, for example every minute. "
        "Before a schedule can be deleted it must be disabled with begin_disable."
    )
    grounded = llm_judge.groundedness("A schedule must be disabled before it can be deleted.", context)
    invented = llm_judge.groundedness("Schedules are stored in Cosmos DB and expire after 30 days.", context)
    assert grounded["score"] is not None and invented["score"] is not None, (grounded, invented)
    assert grounded["score"] > invented["score"], (grounded, invented)

    fluent = llm_judge.fluency("A schedule has to be disabled before you can delete it.")
    salad = llm_judge.fluency("schedule delete disabled it before be the has can you to.")
    assert fluent["score"] is not None and salad["score"] is not None, (fluent, salad)
    assert fluent["score"] > salad["score"], (fluent, salad)
