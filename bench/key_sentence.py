"""The key sentence the chat page quotes before the answer (answering.key_sentence): how often the quote carries
one of the question's key terms, with the scoring in use and without each of its parts, on the tuning questions
(where it was chosen) and the dev questions; and how long choosing it takes (the embedding model loaded).

python -m bench.key_sentence [--show]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from contextlib import contextmanager

from answering import key_sentence as ks
from answering.focus import stems
from answering.passages import retrieve_passages
from harness.questions import DEV_SET, TUNING_SET, load_questions
from harness.timing import median


def _plain_shares(question: str, texts: list[str]) -> list[float]:
    wanted = stems(question)
    return [len(stems(t) & wanted) / (len(wanted) or 1) for t in texts]


# name -> module settings to change for the run
VARIANTS: dict[str, dict] = {
    "in use": {},
    "cosine alone": {"WORD_WEIGHT": 0.0, "SHORTLIST": 10**6},
    "words alone (idf)": {"WORD_WEIGHT": 1000.0},
    "plain word share": {"word_shares": _plain_shares},
    "no shortlist": {"SHORTLIST": 10**6},
}


@contextmanager
def _variant(changes: dict):
    saved = {name: getattr(ks, name) for name in changes}
    for name, value in changes.items():
        setattr(ks, name, value)
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(ks, name, value)


def _retrieved(path) -> list[tuple[dict, dict]]:
    rows = []
    for q in load_questions(path):
        if q.get("chapter") and q.get("key_terms"):
            found = retrieve_passages(q["question"])
            if found["covered"]:
                rows.append((q, found))
    return rows


def _hit(q: dict, text: str) -> bool:
    return any(term.lower() in text.lower() for term in q["key_terms"])


def hit_rate(rows: list[tuple[dict, dict]], show: Callable[[str], None] | None = None) -> float:
    hits = 0
    for q, found in rows:
        chosen = ks.key_sentence(found["question"], found["passages"])
        hit = chosen is not None and _hit(q, chosen.text)
        hits += hit
        if show:
            quote = chosen.text.replace("\n", " / ") if chosen else None
            show(f"{'+' if hit else '-'} {q['id']}: {q['question']}\n    {quote}")
    return hits / len(rows)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description="the key sentence's hit rate and time")
    parser.add_argument("--show", action="store_true", help="print each dev question's key sentence")
    args = parser.parse_args(argv)
    tuning, dev = _retrieved(TUNING_SET), _retrieved(DEV_SET)
    rates = {}
    for name, changes in VARIANTS.items():
        with _variant(changes):
            rates[name] = (hit_rate(tuning), hit_rate(dev))
        print(
            f"key term in the key sentence, {name:18}: tuning {rates[name][0]:.2f} ({len(tuning)} q), "
            f"dev {rates[name][1]:.2f} ({len(dev)} q)"
        )
    if args.show:
        hit_rate(dev, show=print)
    seconds = []
    for _, found in dev:
        started = time.perf_counter()
        ks.key_sentence(found["question"], found["passages"])
        seconds.append(time.perf_counter() - started)
    print(f"choosing it: median {median(seconds) * 1000:.0f} ms, max {max(seconds) * 1000:.0f} ms ({len(dev)} q)")
    return {"hit_rate": rates, "median_ms": median(seconds) * 1000}


if __name__ == "__main__":
    main()
