"""Every rejection a generated card can get, from crafted candidates (no LLM, no embedding model)."""

from __future__ import annotations

import json

import numpy as np

from study import round_trip
from study.candidates import INCOMPLETE, cards_in, parse_reply, response_format
from study.verify import (
    ANSWER_NOT_IN_PASSAGE,
    ASKS_FOR_SEVERAL,
    CARD_DISAGREES,
    DISTRACTOR_SUPPORTED,
    KEY_NOT_IN_QUOTE,
    NEAR_DUPLICATE,
    NOT_A_QUESTION,
    ONE_OF_SEVERAL,
    OPTION_REPEATS_STEM,
    PASSAGE_DISAGREES,
    QUOTE_NOT_IN_PASSAGE,
    ROUND_TRIP,
    STEM_WITHOUT_SUBJECT,
    UNKNOWN_WORD,
    check_card_agrees,
    check_near_duplicates,
    check_passage,
    check_passage_agrees,
    check_round_trip,
    reasons,
)

PASSAGE = {
    "chapter": "Chapter 14. Perform hyperparameter tuning",
    "section": "Section 4. Optimize",
    "source": "notes/dp100-notes.md",
    "lines": "544-596",
    "passage_id": "pid",
    "passage_hash": "phash",
}
TEXT = (
    "## Sampling\n"
    "**Grid sampling** tries every possible combination.\n"
    "It can only be used if all the hyperparameters are `discrete`.\n"
    "- Random sampling picks values at random and supports continuous hyperparameters.\n"
    "There are 3 early termination policies: Bandit policy, Median stopping policy and Truncation selection policy."
)


def mcq(**change: object) -> dict:
    card = {
        "stem": "Which sampling method needs all hyperparameters to be discrete?",
        "options": {"A": "Grid sampling", "B": "Random sampling", "C": "Bayesian sampling", "D": "Sobol sampling"},
        "key": "A",
        "explanation": "Grid sampling tries every combination, so the values must be discrete.",
        "quote": "It can only be used if all the hyperparameters are discrete.",
    }
    return {**card, **change}


def recall(**change: object) -> dict:
    card = {
        "question": "Which sampling method supports continuous hyperparameters?",
        "answer": "Random sampling",
        "quote": "Random sampling picks values at random and supports continuous hyperparameters",
    }
    return {**card, **change}


def reply(*cards: dict) -> str:
    mcqs = [c for c in cards if "stem" in c]
    card = next((c for c in cards if "question" in c), {})
    return json.dumps({"questions": mcqs, "card": card})


def candidates(*cards: dict) -> list[dict]:
    return check_passage(parse_reply(reply(*cards), PASSAGE), TEXT)


def only(found: list[dict]) -> dict:
    assert len(found) == 1, found
    return found[0]


def test_a_good_mcq_and_card_pass_every_passage_check():
    found = candidates(mcq(), recall())
    assert [c["rejected"] for c in found] == [[], []]
    question = found[0]
    assert question["options"][question["key"]] == "Grid sampling"  # shuffled, key moved with its option
    assert {k: question[k] for k in PASSAGE} == PASSAGE


def test_the_shuffle_is_the_same_every_time():
    assert candidates(mcq())[0]["options"] == candidates(mcq())[0]["options"]


def test_quote_not_in_passage():
    found = only(candidates(mcq(quote="Grid sampling is the only method for discrete values.")))
    assert found["rejected"] == [QUOTE_NOT_IN_PASSAGE]


def test_a_quote_too_short_to_prove_anything_is_rejected():
    assert only(candidates(mcq(quote="Grid sampling")))["rejected"] == [QUOTE_NOT_IN_PASSAGE]


def test_quote_matching_ignores_markdown_case_and_spacing():
    quote = "grid   sampling tries every possible combination. It can only be used if all the hyperparameters"
    assert only(candidates(mcq(quote=quote)))["rejected"] == []


def test_distractor_named_by_the_quote_is_supported():
    card = mcq(
        stem="Which of these is an early termination policy?",
        options={"A": "Bandit policy", "B": "Median stopping policy", "C": "Grid policy", "D": "Sweep policy"},
        key="A",
        quote="There are 3 early termination policies: Bandit policy, Median stopping policy",
    )
    found = only(candidates(card))
    assert found["rejected"] == [DISTRACTOR_SUPPORTED]
    assert "Median stopping policy" in found["detail"]


def test_incomplete_cards_are_rejected_never_kept_in_part():
    broken = [
        mcq(key="E"),
        mcq(options={"A": "Grid", "B": "Random", "C": "Bayesian"}),
        mcq(options={"A": "Grid", "B": "Grid", "C": "Bayesian", "D": "Sobol"}),
        mcq(explanation=""),
        mcq(options={"A": "Grid", "B": "Random", "C": "Bayesian", "D": "All of the above"}),
        recall(answer=""),
    ]
    found = candidates(*broken)
    assert [c["rejected"] for c in found] == [[INCOMPLETE]] * len(broken)
    assert all(c["detail"] for c in found)


def test_a_reply_without_any_card_is_one_incomplete_candidate():
    found = only(parse_reply("Sorry, I cannot write questions about this.", PASSAGE))
    assert found["rejected"] == [INCOMPLETE] and found["kind"] == "none"


def test_a_cut_off_reply_keeps_its_finished_cards_only():
    text = reply(mcq(), mcq(stem="What does grid sampling try?"), recall())
    cut = text[: text.index("What does grid")]  # the second question is cut off mid-string
    found = parse_reply(cut, PASSAGE)
    assert [c["stem"] for c in found] == [mcq()["stem"]]


def test_json_in_prose_and_a_code_fence_is_found():
    text = "Here are the questions:\n```json\n" + reply(mcq(), recall()) + "\n```\nGood luck!"
    assert [("stem" in c) for c in cards_in(text)] == [True, False]


def test_round_trip_rejects_a_question_the_exam_answering_gets_wrong():
    good, bad, declined = candidates(
        mcq(),
        mcq(stem="Which sampling needs discrete hyperparameters only?"),
        mcq(stem="Which method must have discrete values?"),
    )
    picks = {good["stem"]: [good["key"]], bad["stem"]: ["X"], declined["stem"]: []}
    found = check_round_trip([good, bad, declined], lambda c: picks[c["stem"]])
    assert [c["rejected"] for c in found] == [[], [ROUND_TRIP], [ROUND_TRIP]]
    assert "picked nothing" in found[2]["detail"]


def test_round_trip_skips_cards_already_rejected_and_recall_cards():
    asked = []
    found = check_round_trip(candidates(mcq(key="E"), recall()), lambda c: asked.append(c) or [])
    assert asked == [] and [c["rejected"] for c in found] == [[INCOMPLETE], []]


def test_card_agrees_rejects_a_card_the_model_answers_otherwise_from_its_passage():
    card, mcq_card = candidates(recall(), mcq())[::-1]
    rejected_before = {**card, "rejected": [ANSWER_NOT_IN_PASSAGE]}
    said = {card["question"]: "Grid sampling"}
    scored = []

    def score(answer: str, truth: str) -> int:
        scored.append((answer, truth))
        return 5 if answer == truth else 2

    found = check_card_agrees([mcq_card, card, rejected_before], lambda c: said[c["question"]], score)
    assert [c["rejected"] for c in found] == [[], [CARD_DISAGREES], [ANSWER_NOT_IN_PASSAGE]]
    assert found[1]["detail"] == "given the passage, the model answered 'Grid sampling' (similarity 2, under 3)"
    assert scored == [("Grid sampling", "Random sampling")]  # only the open flash card was asked
    said[card["question"]] = "Random sampling"
    [kept] = check_card_agrees([card], lambda c: said[c["question"]], score)
    assert kept["rejected"] == [] and kept["card_answer"] == "Random sampling"


def test_card_agrees_rejects_an_empty_answer():
    [card] = candidates(recall())
    [found] = check_card_agrees([card], lambda c: "", lambda answer, truth: None)
    assert found["rejected"] == [CARD_DISAGREES] and "similarity None" in found["detail"]


def test_card_answer_asks_with_the_passage_and_the_question(monkeypatch):
    sent = []
    monkeypatch.setattr(round_trip, "complete", lambda conn, model, messages, **kw: sent.append(messages) or " B ")
    prompt = round_trip.Path(__file__).parents[1] / "flows" / "quiz" / "card_answer.jinja2"
    [card] = candidates(recall())
    assert round_trip.card_answer(card, TEXT, prompt, connection=None, model="fake") == "B"
    [[message]] = sent
    assert message["role"] == "user" and TEXT in message["content"] and card["question"] in message["content"]


def _bag_of_words(texts: list[str]) -> np.ndarray:
    vectors = np.zeros((len(texts), 64), dtype=np.float32)
    for row, text in enumerate(texts):
        for word in text.lower().replace("?", "").split():
            vectors[row, hash(word) % 64] += 1
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_near_duplicate_of_the_bank_or_an_earlier_candidate():
    first, second, other = candidates(
        mcq(stem="Which sampling method needs discrete hyperparameters?"),
        mcq(stem="Which sampling method needs discrete hyperparameters ?"),
        recall(),
    )
    found = check_near_duplicates([first, second, other], [], _bag_of_words)
    assert [c["rejected"] for c in found] == [[], [NEAR_DUPLICATE], []]
    against_bank = check_near_duplicates([other], [recall()["question"]], _bag_of_words)
    assert against_bank[0]["rejected"] == [NEAR_DUPLICATE] and "cosine 1.00" in against_bank[0]["detail"]


def test_reasons_count_the_first_failed_check():
    found = candidates(mcq(key="E"), mcq(quote="Not in the notes at all, truly."), recall())
    assert reasons(found) == {INCOMPLETE: 1, QUOTE_NOT_IN_PASSAGE: 1}


def test_response_formats():
    llama = response_format("llama_cpp", 2, 3)
    assert llama["type"] == "json_object" and llama["schema"]["properties"]["questions"]["maxItems"] == 2
    assert llama["schema"]["properties"]["card"]["properties"]["sentence"] == {"type": "integer", "enum": [1, 2, 3]}
    assert response_format("openai", 1, 1)["json_schema"]["schema"]["properties"]["questions"]["minItems"] == 1
    assert response_format("none", 2, 3) is None


def test_the_quote_is_the_sentence_the_card_names_by_number():
    sentences = ["Grid sampling tries every possible combination.", "It can only be used if all are discrete."]
    card = {k: v for k, v in mcq().items() if k != "quote"}
    picked = parse_reply(json.dumps({"questions": [{**card, "sentence": 2}], "card": {}}), PASSAGE, sentences)
    assert only(picked)["quote"] == sentences[1] and only(picked)["rejected"] == []
    none = parse_reply(json.dumps({"questions": [{**card, "sentence": 3}], "card": {}}), PASSAGE, sentences)
    assert only(none)["rejected"] == [INCOMPLETE] and only(none)["detail"] == "no quote"


def test_a_typo_in_the_question_is_an_unknown_word():
    known = frozenset("which sampling method needs all hyperparameters to be discrete".split())
    typo = mcq(stem="Which sampling methd needs all hyperparamters to be discrete?")
    found = only(check_passage(parse_reply(reply(typo), PASSAGE), TEXT, known))
    assert found["rejected"] == [UNKNOWN_WORD] and "hyperparamters" in found["detail"]
    assert only(check_passage(parse_reply(reply(mcq()), PASSAGE), TEXT, known))["rejected"] == []


def test_a_stem_asking_for_two_things_needs_a_key_naming_two():
    two = dict(stem="Which two sampling methods does the passage name?", quote="Random sampling picks values at random")
    options = {"A": "Random sampling", "B": "Bayesian sampling", "C": "Sobol sampling", "D": "Halton sampling"}
    single = only(candidates(mcq(**two, options=options)))
    assert single["rejected"] == [ASKS_FOR_SEVERAL]
    both = only(candidates(mcq(**two, options={**options, "A": "Grid and random sampling"})))
    assert ASKS_FOR_SEVERAL not in both["rejected"]


def test_options_both_or_none_point_at_the_others():
    card = mcq(options={"A": "Grid sampling", "B": "Both", "C": "Bayesian sampling", "D": "None"})
    assert only(candidates(card))["rejected"] == [INCOMPLETE]


def test_a_quote_that_does_not_name_the_key_more_than_a_wrong_option():
    # The quote (about early termination) names no option: it does not decide between them.
    card = mcq(
        stem="Which method is this about?",
        options={"A": "Grid sampling", "B": "Random sampling", "C": "Bayesian sampling", "D": "Sobol sampling"},
        quote="There are 3 early termination policies: Bandit policy, Median stopping policy",
    )
    found = only(candidates(card))
    assert found["rejected"] == [KEY_NOT_IN_QUOTE]
    # "It can only be used ...": the words just before the quote name its subject, grid sampling.
    assert only(candidates(mcq()))["rejected"] == []


def test_the_words_before_a_quote_count_only_when_the_quote_points_back():
    # The sentence before names grid sampling (a wrong option here); this quote stands on its own and names random.
    standalone = mcq(
        stem="Which sampling method supports continuous hyperparameters?",
        options={"A": "Grid sampling", "B": "Random sampling", "C": "Bayesian sampling", "D": "Sobol sampling"},
        key="B",
        quote="Random sampling picks values at random and supports continuous hyperparameters.",
    )
    assert only(candidates(standalone))["rejected"] == []
    # The same words, opening with "It" or not: only the quote that points back is read with the words before it.
    pointing = mcq(stem="Which sampling tries every combination?", quote="It can only be used if all the")
    assert only(candidates(pointing))["rejected"] == []
    named_before = mcq(
        stem="Which sampling tries every possible combination?",
        quote="all the hyperparameters are discrete.",
    )
    assert only(candidates(named_before))["rejected"] == [KEY_NOT_IN_QUOTE]


def test_a_flash_card_answer_the_passage_does_not_hold():
    found = only(candidates(recall(answer="Sobol sequences with a quasi-random Halton design")))
    assert found["rejected"] == [ANSWER_NOT_IN_PASSAGE]
    assert only(candidates(recall(answer="Which sampling method supports continuous hyperparameters?")))[
        "rejected"
    ] == [ANSWER_NOT_IN_PASSAGE]


class FakeOrders:
    """The model's picks per stem, one list per option order, handed out as passage_asks does (a call per order,
    made only when called); records each call made."""

    def __init__(self, picks: dict[str, list[list[str]]]):
        self.picks, self.calls = picks, []

    def __call__(self, candidate: dict) -> list:
        stem = candidate["stem"]
        return [lambda n=n: self.calls.append((stem, n)) or self.picks[stem][n] for n in range(len(self.picks[stem]))]


def test_passage_agrees_needs_the_key_in_every_order():
    good, flips = candidates(mcq(), mcq(stem="Which method must have discrete values?"))
    other = next(letter for letter in "ABCD" if letter != flips["key"])
    orders = FakeOrders({good["stem"]: [[good["key"]], [good["key"]]], flips["stem"]: [[flips["key"]], [other]]})
    found = check_passage_agrees([good, flips], orders)
    assert [c["rejected"] for c in found] == [[], [PASSAGE_DISAGREES]]
    assert f"then {other}" in found[1]["detail"] and "not asked" not in found[1]["detail"]
    assert len(orders.calls) == 4


def test_passage_agrees_asks_the_second_order_only_after_the_key():
    card = only(candidates(mcq()))
    other = next(letter for letter in "ABCD" if letter != card["key"])
    orders = FakeOrders({card["stem"]: [[other], [card["key"]]]})
    found = only(check_passage_agrees([card], orders))
    assert found["rejected"] == [PASSAGE_DISAGREES] and orders.calls == [(card["stem"], 0)]
    assert found["detail"] == (
        f"given the passage, the model picked {other}; the key is {card['key']}; the other option order was not "
        "asked (the key must be picked in every order)"
    )


def test_passage_asks_call_the_model_only_when_asked(monkeypatch):
    asked = []

    def ask_letters(connection, model, question, passages, order):
        asked.append(order)
        return ["A"], 0

    monkeypatch.setattr(round_trip, "ask_letters", ask_letters)
    card = only(candidates(mcq()))
    asks = round_trip.passage_asks(card, TEXT, PASSAGE["chapter"], connection=None, model="fake")
    assert len(asks) == 2 and asked == []
    assert asks[1]() == ["A"] and asked == [["D", "C", "B", "A"]]


def test_an_exact_repeat_in_a_reply_is_a_near_duplicate_before_any_model_call():
    options = {"A": "sobol  sampling", "B": "Grid Sampling", "C": "Random sampling", "D": "Bayesian sampling"}
    again = mcq(stem="which SAMPLING method needs all hyperparameters to be  discrete?", options=options, key="B")
    other = mcq(stem="Which sampling method needs all the hyperparameters to be discrete?")
    found = candidates(mcq(), again, other, recall())
    assert [c["rejected"] for c in found] == [[], [NEAR_DUPLICATE], [], []]
    assert "exact repeat of candidate 1" in found[1]["detail"]
    orders = FakeOrders({c["stem"]: [[c["key"]], [c["key"]]] for c in found if "stem" in c})
    exam = []
    check_round_trip(check_passage_agrees(found, orders), lambda c: exam.append(c["stem"]) or [c["key"]])
    assert [stem for stem, _ in orders.calls] == [mcq()["stem"]] * 2 + [other["stem"]] * 2
    assert exam == [mcq()["stem"], other["stem"]]


def test_a_repeat_of_a_rejected_candidate_is_checked_on_its_own():
    badly_quoted = mcq(quote="Grid sampling is the only method for discrete values.")
    found = candidates(badly_quoted, mcq())
    assert [c["rejected"] for c in found] == [[QUOTE_NOT_IN_PASSAGE], []]


def test_a_quote_that_fixes_a_typo_of_the_notes_is_still_their_sentence():
    notes = TEXT.replace("possible combination", "posible combinaton")
    found = only(
        check_passage(parse_reply(reply(mcq(quote="Grid sampling tries every possible combination")), PASSAGE), notes)
    )
    assert found["rejected"] != [QUOTE_NOT_IN_PASSAGE]
    other = mcq(quote="Grid sampling tries every impossible permutation")
    assert only(check_passage(parse_reply(reply(other), PASSAGE), notes))["rejected"] == [QUOTE_NOT_IN_PASSAGE]


def test_a_heading_or_code_comment_as_the_question_is_not_a_question():
    comment = only(candidates(mcq(stem="To prepare sweep job")))
    assert comment["rejected"] == [NOT_A_QUESTION] and "'To prepare sweep job'" in comment["detail"]
    quoted = mcq(stem='Which sampling tries every combination of "discrete values?"')
    assert only(candidates(quoted))["rejected"] == []


def test_a_stem_asking_for_a_name_of_nothing_in_particular():
    # "the sampling" alone: which one? A definition of plain English names nothing of the notes at all.
    vague = only(candidates(mcq(stem="What is the name of the sampling?")))
    assert vague["rejected"] == [STEM_WITHOUT_SUBJECT] and "(sampling)" in vague["detail"]
    english = only(candidates(mcq(stem="What is the term used to describe when a process starts?")))
    assert english["rejected"] == [STEM_WITHOUT_SUBJECT]
    specific = mcq(stem="What is the name of the sampling that needs discrete hyperparameters?")
    assert only(candidates(specific))["rejected"] == []


def test_an_option_the_stem_sets_the_answer_against():
    options = {"A": "Grid sampling", "B": "Random sampling", "C": "Bayesian sampling", "D": "Sobol sampling"}
    stem = "Which sampling is preferred over random sampling for discrete hyperparameters?"
    found = only(candidates(mcq(stem=stem, options=options)))
    assert found["rejected"] == [OPTION_REPEATS_STEM] and "Random sampling" in found["detail"]
    # Sharing a word with what the stem sets against is not being it.
    other = stem.replace("random sampling", "a random search")
    assert only(candidates(mcq(stem=other, options=options)))["rejected"] == []


LIST_TEXT = (
    "A workspace can be created by:\n"
    "- Using the Azure portal\n"
    "- Using the Azure CLI with the ML extension\n"
    "- Using an ARM template\n"
    "The workspace holds the jobs."
)


def test_a_flash_card_keyed_on_one_of_several_listed_ways():
    def checked(question: str) -> dict:
        card = recall(question=question, answer="Azure CLI", quote="Using the Azure CLI with the ML extension")
        return only(check_passage(parse_reply(reply(card), PASSAGE), LIST_TEXT))

    found = checked("How can you create a workspace?")  # the portal and the template are right answers too
    assert found["rejected"] == [ONE_OF_SEVERAL] and "1 of 3" in found["detail"]
    assert checked("How can you create a workspace from a shell with the ML extension?")["rejected"] == []


def test_a_flash_card_quoting_a_lists_lead_in_for_one_of_its_items():
    def checked(question: str) -> dict:
        card = recall(question=question, answer="Azure portal", quote="A workspace can be created by:")
        return only(check_passage(parse_reply(reply(card), PASSAGE), LIST_TEXT))

    found = checked("How can a workspace be created?")
    assert found["rejected"] == [ONE_OF_SEVERAL] and "Using the Azure portal" in found["detail"]
    assert checked("Which browser portal can a workspace be created in?")["rejected"] == []


def test_a_multiple_choice_question_with_another_listed_item_as_a_wrong_option():
    def checked(stem: str, wrong: str) -> dict:
        options = {"A": "The Azure portal", "B": wrong, "C": "Microsoft Excel", "D": "Power BI Desktop"}
        question = mcq(stem=stem, options=options, quote="- Using the Azure portal")
        return only(check_passage(parse_reply(reply(question), PASSAGE), LIST_TEXT))

    found = checked("Which tool can a workspace be created with?", "An ARM template")
    assert found["rejected"] == [ONE_OF_SEVERAL] and "'An ARM template'" in found["detail"], found
    assert checked("Which tool can a workspace be created with?", "Visual Studio")["rejected"] == []
    assert checked("Which browser portal can a workspace be created in?", "An ARM template")["rejected"] == []
