"""The local judge on hand-made clear cases from the DP-100 notes: only the ORDER of scores is asserted, since the
cut points are calibrated on public data sets and may move when they are re-tuned."""

import pytest

from answering.decline import NOT_COVERED
from eval import local_judge as judge
from eval.scores import to_scale

CONTEXT = (
    "An endpoint is an HTTPS endpoint that can be used to send data and which will return a response immediately. "
    "We can use online endpoint to deploy the model. In Azure ML there can be Managed online endpoints and "
    "Kubernetes Online endpoints. If we are deploying MLflow model, scoring script and environment are automatically "
    "generated. One endpoint can have multiple deployments. One of the approach used here is blue/green deployment."
)
QUESTION = "What do I need to provide when I deploy an MLflow model to a managed online endpoint?"
GROUNDED = (
    "When you deploy an MLflow model to a managed online endpoint, the scoring script and the environment are "
    "generated automatically."
)
UNGROUNDED = "You must write a Dockerfile and upload it to Azure Container Registry, then pay for a GPU quota first."
ON_TOPIC = "For an MLflow model you don't need a scoring script or an environment; Azure ML generates both for you."
OFF_TOPIC = "Azure Blob Storage and Azure Data Lake Storage are the services most often used to store training data."
FLUENT = "You deploy the trained model to a managed online endpoint to generate real-time predictions."
WORD_SALAD = "endpoint model the predictions deploy to generate online a managed trained real-time You."
GIBBERISH = "Yuo dplyo teh mdoel ot a mangaed onlnie enpdoint ot gneerate rael-tmie predcitions."
REPETITIVE = "The model is deployed. The model is deployed. The model is deployed. The model is deployed."


@pytest.fixture(scope="module", autouse=True)
def warm_model() -> None:
    """Load the embedding model once for the module, so no single test pays for it."""
    judge.vectors(["warm up"])


def test_groundedness_prefers_the_answer_the_context_supports() -> None:
    good, bad = judge.groundedness(GROUNDED, CONTEXT), judge.groundedness(UNGROUNDED, CONTEXT)
    assert judge.groundedness_value(GROUNDED, CONTEXT) > judge.groundedness_value(UNGROUNDED, CONTEXT) + 0.3
    assert good["score"] > bad["score"]
    # The reason gives the evidence behind each score: the sentences' support and the content words found.
    for answer, result in ((GROUNDED, good), (UNGROUNDED, bad)):
        signals = judge.grounding_signals(answer, CONTEXT)
        assert f"cosine {signals['support']:.2f}" in result["reason"], result
        assert f"{signals['words']:.0%} of content words" in result["reason"], result


# A RAG-style case from the notes (chapter 1) and the flow's own answer style: the faithful answer rewords the
# context and cites it; the unfaithful one keeps the topic and the citation but invents the facts.
STEPS_CONTEXT = (
    "[1] Chapter 1. Design a data ingestion strategy for machine learning projects\n"
    "To train a machine learning model there are 6 steps and it is iterative process:\n"
    "1. Define the problem: Decide on what the model should predict and when it's successful.\n"
    "2. Get the data: Find data sources and get access.\n"
    "3. Prepare the data: Explore the data. Clean and transform the data based on the model's requirements.\n"
    "4. Train the model: Choose an algorithm and hyperparameter values based on trial and error."
)
PARAPHRASE = "You start by defining the problem: deciding what the model should predict and when it is successful. [1]"
INVENTED = (
    "The very first step when training a machine learning model is to define the problem, which means buying a GPU "
    "cluster and signing a three-year support contract with Microsoft. [1]"
)


def test_groundedness_scale_passes_a_faithful_paraphrase() -> None:
    """The 1-5 cut points were once tuned on copied summaries and gave a reworded, cited answer 1-2."""
    assert judge.groundedness(PARAPHRASE, STEPS_CONTEXT)["score"] >= 3


def test_groundedness_scale_fails_an_invented_claim_on_the_same_topic() -> None:
    paraphrase = judge.groundedness(PARAPHRASE, STEPS_CONTEXT)["score"]
    invented = judge.groundedness(INVENTED, STEPS_CONTEXT)["score"]
    assert invented <= 2 < paraphrase


def test_citation_markers_neither_help_nor_hurt_groundedness() -> None:
    uncited = PARAPHRASE.removesuffix(" [1]")
    assert judge.groundedness_value(PARAPHRASE, STEPS_CONTEXT) == pytest.approx(
        judge.groundedness_value(uncited, STEPS_CONTEXT)
    )
    assert judge.groundedness("[1]", STEPS_CONTEXT)["score"] == 1


def test_relevance_prefers_the_on_topic_answer() -> None:
    assert judge.relevance_value(QUESTION, ON_TOPIC, CONTEXT) > judge.relevance_value(QUESTION, OFF_TOPIC, CONTEXT)
    on, off = judge.relevance(QUESTION, ON_TOPIC, CONTEXT), judge.relevance(QUESTION, OFF_TOPIC, CONTEXT)
    assert on["score"] > off["score"]


def test_coherence_prefers_the_answer_that_follows_the_question() -> None:
    assert judge.coherence_value(QUESTION, ON_TOPIC) > judge.coherence_value(QUESTION, OFF_TOPIC)
    assert judge.coherence_value(QUESTION, ON_TOPIC) > judge.coherence_value(QUESTION, REPETITIVE)


@pytest.mark.parametrize("bad", [WORD_SALAD, GIBBERISH, REPETITIVE], ids=["word salad", "gibberish", "repetitive"])
def test_fluency_prefers_prose(bad: str) -> None:
    assert judge.fluency_value(FLUENT) > judge.fluency_value(bad)
    assert judge.fluency(FLUENT)["score"] >= judge.fluency(bad)["score"]


def test_fluency_score_separates_gibberish() -> None:
    assert judge.fluency(FLUENT)["score"] > judge.fluency(GIBBERISH)["score"]


def test_similarity_prefers_a_paraphrase_to_an_unrelated_answer() -> None:
    truth = "Scoring script and environment are generated automatically when you deploy an MLflow model."
    paraphrase = "If the model is an MLflow model, Azure ML creates the scoring script and environment for you."
    unrelated = "A compute cluster scales its nodes down to zero when no job is running."
    assert judge.similarity_value(paraphrase, truth) > judge.similarity_value(unrelated, truth) + 0.3
    assert judge.similarity(paraphrase, truth)["score"] > judge.similarity(unrelated, truth)["score"]
    assert judge.embedding_similarity(paraphrase, truth) > judge.embedding_similarity(unrelated, truth)


def test_f1_score_exact_partial_and_disjoint() -> None:
    assert judge.f1_score("Blue/green deployment.", "blue green deployment") == 1.0
    assert judge.f1_score("managed online endpoint", "batch endpoint") == pytest.approx(0.4)
    assert judge.f1_score("compute cluster", "MLflow autologging") == 0.0
    assert judge.f1_score("", "MLflow autologging") == 0.0


def test_correct_decline_is_grounded_and_relevant() -> None:
    question = "How do I configure Azure Kubernetes Service node pools?"
    assert judge.is_correct_decline(NOT_COVERED, NOT_COVERED)
    assert judge.is_correct_decline("the notes don\u2019t cover this", NOT_COVERED)
    assert judge.groundedness(NOT_COVERED, CONTEXT, ground_truth=NOT_COVERED)["score"] == 5
    assert judge.relevance(question, NOT_COVERED, CONTEXT, ground_truth=NOT_COVERED)["score"] == 5


def test_decline_is_not_rewarded_when_the_notes_do_cover_it() -> None:
    assert not judge.is_correct_decline(NOT_COVERED, GROUNDED)
    assert not judge.is_correct_decline(GROUNDED, NOT_COVERED)
    assert judge.groundedness(NOT_COVERED, CONTEXT, ground_truth=GROUNDED)["score"] < 5
    assert judge.relevance(QUESTION, NOT_COVERED, CONTEXT, ground_truth=GROUNDED)["score"] < 5


@pytest.mark.parametrize("empty", ["", "   ", "\n?!"])
def test_empty_answer_scores_1_with_a_reason(empty: str) -> None:
    results = [
        judge.groundedness(empty, CONTEXT),
        judge.relevance(QUESTION, empty, CONTEXT),
        judge.coherence(QUESTION, empty),
        judge.fluency(empty),
        judge.similarity(empty, GROUNDED),
    ]
    assert all(r["score"] == 1 and "empty" in r["reason"].lower() for r in results), results
    assert judge.embedding_similarity(empty, GROUNDED) == 0.0


def test_to_scale_uses_the_cut_points() -> None:
    cuts = (0.2, 0.4, 0.6, 0.8)
    assert [to_scale(x, cuts) for x in (0.0, 0.3, 0.5, 0.7, 0.9)] == [1, 2, 3, 4, 5]
    with pytest.raises(ValueError):
        to_scale(0.5, (0.8, 0.2, 0.4, 0.6))
