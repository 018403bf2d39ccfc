"""The key sentence the chat page quotes before the model's first word (answering.key_sentence), its safe rendering
(studypage.key_sentence), and the endpoint check that no longer queues behind a busy model server."""

from __future__ import annotations

import socket
import time

import pytest

from answering.endpoint import check_local_endpoint
from answering.key_sentence import candidates, key_sentence, lines_of
from answering.passages import prompt_text
from core.errors import StudyflowError
from core.paths import PROJECT_ROOT
from harness.fake_openai import fake_openai
from harness.ports import free_port
from studypage.key_sentence import key_sentence_html

NOTES = PROJECT_ROOT / "notes" / "dp100-notes.md"
CHAPTER_14 = "Chapter 14. Perform hyperparameter tuning with Azure Machine Learning"


def _passage(n: int, first: int, last: int) -> dict:
    """Lines first-last of the real notes as the chat flow's retrieve node numbers a passage."""
    text = "\n".join(NOTES.read_text(encoding="utf-8").split("\n")[first - 1 : last])
    return {
        "n": n,
        "text": prompt_text(text),
        "note_text": text,
        "chapter": CHAPTER_14,
        "section": "Section 4. Optimize model training with Azure Machine Learning",
        "source": "notes/dp100-notes.md",
        "lines": f"{first}-{last}",
    }


SAMPLING, POLICIES = _passage(1, 544, 596), _passage(2, 597, 634)


def test_candidates_are_sentences_list_items_with_their_lead_in_and_code_comments():
    text = (
        "###  Chapter 7. Data\n"
        "Compute should be always available. For this ACI is used. It is cheap to run.\n"
        "There are 3 types of data assets:\n"
        "1. `URI file`: which points to a file.\n"
        "2. `URI folder`: which points to a folder.\n"
        "```python\n"
        "# 1. Grid Sampling which tries every possible combinations\n"
        "# It can only be used if all the hyperparameters are discrete\n"
        'sweep_job = command_job.sweep(sampling_algorithm="grid")\n'
        ")\n"
        "```"
    )
    found = [(c.text, c.code) for c in candidates(text, 1)]
    assert found == [
        ("Compute should be always available.", False),  # "e. " inside a line is no list marker
        ("For this ACI is used.", False),
        ("For this ACI is used. It is cheap to run.", False),  # "It" points back: quoted with what it means
        (
            "There are 3 types of data assets:\n`URI file`: which points to a file.\n"
            "`URI folder`: which points to a folder.",
            False,
        ),  # fmt: skip
        ("`URI file`: which points to a file.", False),
        ("`URI folder`: which points to a folder.", False),
        ("Grid Sampling which tries every possible combinations", False),
        (
            "Grid Sampling which tries every possible combinations. It can only be used if all the hyperparameters "
            "are discrete",
            False,
        ),  # fmt: skip
        ('sweep_job = command_job.sweep(sampling_algorithm="grid")', True),
    ]  # no heading, no lone lead-in, no ")" line


@pytest.mark.parametrize(
    ("question", "words", "n", "lines"),
    [
        ("Which sampling method needs every hyperparameter discrete?", ("Grid Sampling", "discrete"), 1, "545-546"),
        ("Which policy lets me set a slack factor relative to the best run?", ("Bandit", "slack_factor"), 2, "611"),
        ("and what about the median stopping one?", ("Median stopping policy",), 2, "619"),
        ("Is there a random sampling that can reproduce its samples with a seed?", ("Sobol", "seed"), 1, "573"),
    ],
)
def test_the_key_sentence_is_the_one_that_answers_with_the_line_it_is_on(question, words, n, lines):
    chosen = key_sentence(question, [SAMPLING, POLICIES])
    assert chosen is not None and all(w in chosen.text for w in words), chosen
    assert (chosen.n, chosen.chapter, chosen.source, chosen.lines) == (n, CHAPTER_14, "notes/dp100-notes.md", lines)


def test_no_passages_no_key_sentence_and_a_moved_file_cites_the_passage():
    assert key_sentence("What is a compute cluster?", []) is None
    gone = {**SAMPLING, "source": "notes/moved-away.md"}
    assert lines_of(gone, "Grid Sampling which tries every possible combinations") == "544-596"
    assert lines_of(SAMPLING, "a sentence the passage does not have") == "544-596"


def test_the_quote_is_escaped_text_in_one_html_block():
    note = "<img src=x onerror=alert(1)> use `mlflow.autolog()` [click](javascript:alert(2)) *not bold*\nnext"
    shown = key_sentence_html(
        {"text": note, "n": 2, "chapter": "Chapter <b>9</b>", "source": "notes/x.md", "lines": "3-4", "code": False}
    )
    assert "<img" not in shown and "&lt;img src=x onerror=alert(1)&gt;" in shown
    assert "<b>" not in shown and "Chapter &lt;b&gt;9&lt;/b&gt;" in shown
    assert "<code>mlflow.autolog()</code>" in shown and "<br>next" in shown
    assert "\n" not in shown  # a blank line would hand the rest to the markdown renderer (links, *bold*)
    assert shown.endswith("<p>— [2] Chapter &lt;b&gt;9&lt;/b&gt; · notes/x.md:3-4</p>")
    code = key_sentence_html({"text": "x = `a` < 2", "n": 1, "chapter": "C", "source": "s", "lines": "1", "code": True})
    assert "<code>x = `a` &lt; 2</code>" in code
    assert key_sentence_html({}) == ""


def test_the_endpoint_check_sends_no_request_that_could_wait_behind_a_running_answer():
    with fake_openai("held") as fake:  # GET /models would wait, like the single-slot server's while it writes
        started = time.monotonic()
        check_local_endpoint(fake.url)
        assert fake.models == 0 and fake.completions == 0
    assert time.monotonic() - started < 5  # generous: a /models probe would wait for its whole timeout here


def test_a_stopped_local_server_still_gets_the_one_line_that_says_what_to_do():
    url = f"http://127.0.0.1:{free_port()}/v1"
    with pytest.raises(StudyflowError) as caught:
        check_local_endpoint(url)
    assert str(caught.value) == f"the local model server at {url} is not running; start it with `make model`"
    check_local_endpoint("https://api.openai.com/v1")  # not loopback: left to the client, nothing is contacted


def test_a_listening_port_passes_the_check_without_being_sent_anything():
    with socket.create_server(("127.0.0.1", 0)) as listener:
        check_local_endpoint(f"http://127.0.0.1:{listener.getsockname()[1]}/v1")
