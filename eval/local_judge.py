"""The local judge: every metric scored without an LLM, from the embedding model, token overlap and word statistics.

Each 1-5 metric has a `<metric>_value(...) -> float` (the continuous signal, used to measure agreement with people)
and `<metric>(...) -> Score` (that value put on the 1-5 scale with cut points calibrated on a tuning set; see
`eval/agreement/datasets.py` for where each one was tuned). Everything here is deterministic and runs on one CPU
thread.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import lru_cache

import numpy as np

from answering.decline import is_decline
from core.paths import PROJECT_ROOT
from eval.scores import Score, score, to_scale

# --- tuned constants (python -m eval.agreement prints the data set each was tuned on) ------------------------------
# similarity = cosine + SIM_F1_WEIGHT * token F1: lexical overlap adds a little to the cosine (STS-B dev grid search).
SIM_F1_WEIGHT = 0.15
# Linear mixes of the signals below, weights from a coordinate grid search maximising Spearman on the tuning set:
# groundedness on SummEval (its `val` cut), the rest on the even-numbered Topical-Chat dialogues (odd ones held out).
# Groundedness: the search's best ({support 1, bigram 1, trigram 0.25}, rho 0.730) relies on verbatim copying, which
# extractive summaries do and RAG answers don't; word precision in place of half the bigram weight keeps rho 0.721 and
# tolerates paraphrase.
GROUND_WEIGHTS = {"support": 1.0, "bigram": 0.5, "words": 0.5}
RELEVANCE_WEIGHTS = {"question": 1.0, "context": 0.3, "coverage": 0.5}
COHERENCE_WEIGHTS = {"question": 1.0, "unique": 1.0, "sentences": 0.5, "nonwords": -0.3}
# Fluency: "unique" and "sentences" were tuned; the non-word penalty and the tiny word-order weight are priors that
# cost ~0.01 Spearman on Topical-Chat but let gibberish and word salad (same words, scrambled) rank below real prose.
FLUENCY_WEIGHTS = {"unique": 1.0, "sentences": 0.5, "nonwords": -0.3, "word_order": 0.05}
# 1-5 cut points on each *_value: quantiles of the tuning set's values at the share of human ratings below each
# boundary (STS 0-5 at 1,2,3,4; Topical-Chat 1-3 at 1.25, 1.75, 2.25, 2.75). Groundedness is the exception: its old
# SummEval cuts (1.512, 1.627, 1.653, 1.687) fit copied summaries and put a faithful paraphrase at 1-2, so they come
# from `python -m eval.agreement.calibrate` (P(faithful) = 0.2/0.4/0.6/0.8 on XSumFaith and FactCC, averaged): on
# the project's own answers, paraphrases that only restate the notes land at 3-5 and ones that add claims at 1-2.
CUTS = {
    "similarity": (0.386, 0.578, 0.755, 0.937),
    "groundedness": (1.162, 1.313, 1.437, 1.587),
    "relevance": (0.146, 0.354, 0.457, 0.65),
    "coherence": (1.027, 1.268, 1.38, 1.617),
    "fluency": (0.771, 0.952, 1.001, 1.116),
}

# --- text helpers ------------------------------------------------------------------------------------------------
# Not answering.words: the weights and cut points above were tuned with this list (short words and contractions
# included, "use" not), and answering's lists would move 1-5 scores on 1-8 of 30 held-out items per set.
FUNCTION_WORDS = frozenset(
    """a an the and or but if then so of to in on at by for with from as is are was were be been being it its this that
    these those i you he she we they me him her us them my your his our their do does did done have has had not no yes
    n't 's 're 've 'm 'll 'd there here what which who whom whose when where why how all any some can could will would
    should may might must just also very than too about into over under up down out off again more most such only own
    same other each few both nor""".split()
)
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|n't|'[a-z]+")
# A sentence ends at . ! ? followed by space, or at a line break (bullets and headings in the notes).
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def content_words(text: str) -> list[str]:
    return [w for w in words(text) if w not in FUNCTION_WORDS]


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if words(s)]


def ngrams(tokens: list[str], n: int) -> list[tuple[str, ...]]:
    return [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]


def _fraction(hits: list[bool], empty: float) -> float:
    return float(np.mean(hits)) if hits else empty


def mix(signals: dict[str, float], weights: dict[str, float]) -> float:
    return sum(w * signals[k] for k, w in weights.items())


def focus(question: str) -> str:
    """The latest turn of a question: in a dialogue history that is what an answer must follow on from."""
    turns = [t.strip() for t in question.strip().split("\n") if t.strip()]
    return turns[-1] if turns else question


# --- embeddings with a small cache: contexts repeat across answers, and a flow scores many answers per context -----
_CACHE: dict[str, np.ndarray] = {}
_CACHE_LIMIT = 50_000


def vectors(texts: list[str]) -> np.ndarray:
    from ingest.embedder import embed

    missing = [t for t in dict.fromkeys(texts) if t not in _CACHE]
    if missing:
        if len(_CACHE) + len(missing) > _CACHE_LIMIT:
            _CACHE.clear()
        _CACHE.update(zip(missing, embed(missing, batch_size=64)))
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    return np.stack([_CACHE[t] for t in texts])


def reset_cache() -> None:
    """Forget cached embeddings (agreement runs time each data set from a cold cache)."""
    _CACHE.clear()


def cosine(a: str, b: str) -> float:
    va, vb = vectors([a, b])
    return float(va @ vb)


# --- the decline special case --------------------------------------------------------------------------------------
def is_correct_decline(answer: str, ground_truth: str | None) -> bool:
    """A decline for a question whose ground truth is itself the decline: grounded and relevant by definition."""
    return ground_truth is not None and is_decline(answer) and is_decline(ground_truth)


def _empty(answer: str) -> Score | None:
    return score(1, "The answer is empty.") if not words(answer) else None


# --- similarity ----------------------------------------------------------------------------------------------------
def f1_score(answer: str, ground_truth: str) -> float:
    """SQuAD-style token F1 (lower-cased words; punctuation ignored)."""
    a, g = words(answer), words(ground_truth)
    common = sum((Counter(a) & Counter(g)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(a), common / len(g)
    return 2 * precision * recall / (precision + recall)


def embedding_similarity(answer: str, ground_truth: str) -> float:
    """Cosine of the project's embeddings of the two texts."""
    if not words(answer) or not words(ground_truth):
        return 0.0
    return cosine(answer, ground_truth)


def similarity_value(answer: str, ground_truth: str) -> float:
    return embedding_similarity(answer, ground_truth) + SIM_F1_WEIGHT * f1_score(answer, ground_truth)


def similarity(answer: str, ground_truth: str) -> Score:
    if empty := _empty(answer):
        return empty
    cos, f1 = embedding_similarity(answer, ground_truth), f1_score(answer, ground_truth)
    value = cos + SIM_F1_WEIGHT * f1
    reason = f"Embedding cosine {cos:.2f}, token F1 {f1:.2f} with the ground truth."
    return score(to_scale(value, CUTS["similarity"]), reason)


# --- groundedness --------------------------------------------------------------------------------------------------
def _support(answer_sentences: list[str], context: str) -> np.ndarray:
    """Per answer sentence, the best cosine with any context sentence: is this claim said somewhere in the context?"""
    units = sentences(context) or [context]
    return (vectors(answer_sentences) @ vectors(units).T).max(axis=1)


# The flow's citation markers ("[1]", "[2, 3]"): a marker after the last full stop is a "sentence" of its own whose
# best cosine with the context is low, so a cited answer scored worse than the same answer uncited.
_CITATION = re.compile(r"\[\d+(?:\s*,\s*\d+)*\]")


def grounding_signals(answer: str, context: str) -> dict[str, float]:
    answer = _CITATION.sub("", answer)
    answer_sentences = sentences(answer) or [answer]
    context_words = words(context)
    seen_words = set(context_words)
    answer_words = words(answer)
    signals = {"support": float(_support(answer_sentences, context).mean())}
    for name, n in (("bigram", 2), ("trigram", 3)):
        known = set(ngrams(context_words, n))
        signals[name] = _fraction([g in known for g in ngrams(answer_words, n)], empty=1.0)
    signals["words"] = _fraction([w in seen_words for w in content_words(answer)], empty=1.0)
    return signals


def groundedness_value(answer: str, context: str) -> float:
    if not words(_CITATION.sub("", answer)) or not words(context):
        return 0.0
    signals = grounding_signals(answer, context)
    return mix(signals, GROUND_WEIGHTS)


def groundedness(answer: str, context: str, ground_truth: str | None = None) -> Score:
    """`ground_truth` is only needed to recognise a correct decline."""
    if is_correct_decline(answer, ground_truth):
        return score(5, "Correctly says the notes don't cover the question.")
    if empty := _empty(_CITATION.sub("", answer)):  # a bare "[1]" says nothing to ground
        return empty
    if not words(context):
        return score(1, "There is no context to ground the answer in.")
    s = grounding_signals(answer, context)
    value = mix(s, GROUND_WEIGHTS)
    reason = (
        f"Sentences match the context with mean cosine {s['support']:.2f}; "
        f"{s['bigram']:.0%} of word pairs and {s['words']:.0%} of content words appear in it."
    )
    return score(to_scale(value, CUTS["groundedness"]), reason)


# --- relevance -----------------------------------------------------------------------------------------------------
def relevance_signals(question: str, answer: str, context: str) -> dict[str, float]:
    asked = focus(question)
    return {
        "question": cosine(asked, answer),
        "context": cosine(context, answer) if words(context) else 0.0,
        # Share of the question's content words the answer takes up: answers address what was asked.
        "coverage": _fraction([w in set(words(answer)) for w in content_words(asked)], empty=0.0),
    }


def relevance_value(question: str, answer: str, context: str) -> float:
    if not words(answer):
        return 0.0
    signals = relevance_signals(question, answer, context)
    return mix(signals, RELEVANCE_WEIGHTS)


def relevance(question: str, answer: str, context: str, ground_truth: str | None = None) -> Score:
    if is_correct_decline(answer, ground_truth):
        return score(5, "Correctly says the notes don't cover the question.")
    if empty := _empty(answer):
        return empty
    s = relevance_signals(question, answer, context)
    value = mix(s, RELEVANCE_WEIGHTS)
    reason = f"Answer-question cosine {s['question']:.2f}, answer-context cosine {s['context']:.2f}."
    return score(to_scale(value, CUTS["relevance"]), reason)


# --- coherence and fluency share surface signals ------------------------------------------------------------------
def surface_signals(answer: str) -> dict[str, float]:
    tokens = words(answer)
    trigrams = ngrams(tokens, 3)
    return {
        # Degenerate text repeats itself; repeated trigrams and a low type/token ratio are its marks.
        "repetition": 1 - len(set(trigrams)) / len(trigrams) if trigrams else 0.0,
        "unique": len(set(tokens)) / len(tokens) if tokens else 0.0,
        # Saturating count of sentences: one bare fragment reads worse than a few complete sentences.
        "sentences": min(len(sentences(answer)), 4) / 4,
        "nonwords": _fraction([_is_nonword(w) for w in tokens], empty=0.0),
        "function_words": _function_word_gap(tokens),
        "word_order": _notes_lm().order_score(answer),
    }


def _function_word_gap(tokens: list[str]) -> float:
    """Distance of the function-word share from the band natural English sits in; word salad falls below it."""
    share = _fraction([w in FUNCTION_WORDS for w in tokens], empty=0.0)
    return max(0.0, 0.25 - share) + max(0.0, share - 0.6)


@lru_cache(maxsize=1)
def _vocab() -> frozenset[str]:
    from ingest.embedder import word_pieces

    return word_pieces()


def _is_nonword(word: str) -> bool:
    """Not in the embedding model's 30k word-piece vocabulary and not in the notes: likely a typo or gibberish."""
    if word.isdigit() or word in _vocab():
        return False
    return word not in _notes_lm().unigrams


class BigramOrder:
    """Word-order plausibility from a bigram model of the notes: mean PMI of adjacent words, so rare words aren't
    punished (that is the unigram's job), only orders the notes never use. Built in ~0.1 s from notes/*.md."""

    def __init__(self, texts: list[str]) -> None:
        self.unigrams: Counter[str] = Counter()
        self.bigrams: Counter[tuple[str, str]] = Counter()
        for text in texts:
            for sentence in sentences(text):
                tokens = ["<s>", *words(sentence), "</s>"]
                self.unigrams.update(tokens)
                self.bigrams.update(zip(tokens, tokens[1:]))
        self.total = sum(self.unigrams.values())

    def order_score(self, text: str) -> float:
        pmis = []
        for sentence in sentences(text):
            tokens = ["<s>", *words(sentence), "</s>"]
            for a, b in zip(tokens, tokens[1:]):
                p_b = (self.unigrams[b] + 0.1) / (self.total + 0.1 * len(self.unigrams))
                p_b_after_a = (self.bigrams[(a, b)] + p_b) / (self.unigrams[a] + 1)
                pmis.append(math.log(p_b_after_a / p_b))
        return float(np.mean(pmis)) if pmis else 0.0


@lru_cache(maxsize=1)
def _notes_lm() -> BigramOrder:
    notes = sorted((PROJECT_ROOT / "notes").glob("**/*.md"))
    return BigramOrder([p.read_text(encoding="utf-8") for p in notes])


def coherence_signals(question: str, answer: str) -> dict[str, float]:
    return {"question": cosine(focus(question), answer), **surface_signals(answer)}


def coherence_value(question: str, answer: str) -> float:
    if not words(answer):
        return 0.0
    signals = coherence_signals(question, answer)
    return mix(signals, COHERENCE_WEIGHTS)


def coherence(question: str, answer: str) -> Score:
    if empty := _empty(answer):
        return empty
    s = coherence_signals(question, answer)
    value = mix(s, COHERENCE_WEIGHTS)
    reason = f"Follows on from the question with cosine {s['question']:.2f}; {s['repetition']:.0%} repeated trigrams."
    return score(to_scale(value, CUTS["coherence"]), reason)


def fluency_value(answer: str) -> float:
    if not words(answer):
        return 0.0
    signals = surface_signals(answer)
    return mix(signals, FLUENCY_WEIGHTS)


def fluency(answer: str) -> Score:
    if empty := _empty(answer):
        return empty
    s = surface_signals(answer)
    value = mix(s, FLUENCY_WEIGHTS)
    reason = (
        f"{s['nonwords']:.0%} unknown words, {s['repetition']:.0%} repeated trigrams, "
        f"word-order score {s['word_order']:.2f}."
    )
    return score(to_scale(value, CUTS["fluency"]), reason)
