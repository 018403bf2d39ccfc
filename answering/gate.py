"""The relevance gate: decide from retrieval alone whether the notes can answer a question, so that off-topic
questions are declined without paying for an LLM call.

Three signals, each measured on the dev and tuning question sets (bench/retrieval_quality.py) and calibrated on
the practice-exam sets (bench/gate_calibration.py):
- a name the notes never mention (SageMaker, BigQuery, FIFA): the question is about something else;
- most of the question's content words are absent from the notes (a recipe, a football score);
- the best passage is barely similar at all.
Cosine alone cannot separate them: near-miss questions score 0.4-0.57 and some covered ones 0.11-0.2.

A pasted practice-exam question is judged by its stem only (`judge_question`): its distractors name services the
notes never mention on purpose, and judging them declined 39 of 122 covered exam questions (32%).
"""

import re
from dataclasses import dataclass

from answering.exam_question import YES_NO, parse
from answering.words import NAMES_OF_NO_SUBJECT, QUESTION_FILLER
from core import settings
from ingest.terms import terms

FOREIGN_MIN_SCORE = 0.3
DEFAULT_MIN_RELEVANCE = 0.08
MAX_MISSING_SHARE = 0.5

# Exam boilerplate says how to answer, never what about: "NOTE: Each correct selection is worth one point.",
# "Note: This question is part of a series of questions that present the same scenario. ...".
_BOILERPLATE = re.compile(
    r"^\s*note\s*:.*$|\beach correct (?:answer|selection) (?:presents|is worth) [^.?!\n]*[.?!]?",
    re.IGNORECASE | re.MULTILINE,
)
# A goal check's proposed solution is its option: "No" is the key when it names what the notes never mention.
_SOLUTION = re.compile(r"^\s*(?:proposed )?solution\s*:.*$", re.IGNORECASE | re.MULTILINE)
_FENCE = re.compile(r"^\s*(```|~~~)")
# A line of code rather than prose: a call `name(`, an assignment, an indented or closing line, a statement keyword.
_CODE_LINE = re.compile(
    r"[^=!<>]=[^=]|^\s{2,}\S|^\s*[)\]}]|^\s*(?:from|import|def|class|for|if|return|global)\b|[\w\]]\(.*[)(,:]\s*$"
)
_BACKTICKS = re.compile(r"`([^`\n]+)`")
_STRING = re.compile(r"\"[^\"\n]*\"|'[^'\n]*'")
# A word, an identifier with dots or underscores (`ml_client.jobs`), or a possessive (GPU's).
_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*(?:['’]s\b)?")
_SENTENCE_END = re.compile(r"(?:^|[.?!:;]|^\s*(?:[-*•>]|\(?\d+[.)]|\(?[A-Ha-h][.)]))\s*[\"'(“‘]?\s*$")
_CAMEL_PART = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+")
_ACRONYM = re.compile(r"[A-Z]{2,6}s?")


@dataclass(frozen=True)
class Verdict:
    covered: bool
    reason: str


def min_relevance() -> float:
    """Cosine similarity the best passage needs before the LLM is asked at all (STUDYFLOW_MIN_RELEVANCE)."""
    return settings.number("STUDYFLOW_MIN_RELEVANCE", DEFAULT_MIN_RELEVANCE, minimum=-1.0, maximum=1.0)


def without_boilerplate(question: str) -> str:
    """The question without exam boilerplate; as it is when nothing else is left ("Note: how do I ...?")."""
    rest = _BOILERPLATE.sub(" ", question)
    return rest if re.search(r"[A-Za-z]", rest) else question


def unknown_names(question: str, vocab: frozenset[str]) -> list[str]:
    """The names in a question the notes never use: capitalised words inside a sentence, acronyms and camel-case
    words anywhere, class names in code. Not names: a sentence's, line's or bullet's first word ("Answer:",
    "Several"), plurals and possessives of known words (CPUs, GPU's), the parts of a hyphenated word judged
    apart (Parquet-format: only "Parquet"), an acronym the question spells out with words the notes use, a code
    identifier in lower or snake case (the student's variable names)."""
    spelled = _spelled_out_acronyms(question, vocab)
    unknown = []
    for name, in_code in _name_candidates(question):
        known = _known_code_name(name, vocab) if in_code else _known_word(name, vocab) or name.upper() in spelled
        if not known and name.lower() not in NAMES_OF_NO_SUBJECT:
            unknown.append(name)
    return unknown


def _name_candidates(question: str) -> list[tuple[str, bool]]:
    """(word, is code) for each word that could be a name, in order."""
    found: list[tuple[str, bool]] = []
    inside_fence = False
    for line in question.split("\n"):
        if _FENCE.match(line):
            inside_fence = not inside_fence
            continue
        if inside_fence or _CODE_LINE.search(line):
            found += [(w, True) for w in _class_names(_STRING.sub(" ", line))]
            continue
        for snippet in _BACKTICKS.findall(line):
            found += [(w, True) for w in _class_names(snippet)]
        found += _prose_names(_BACKTICKS.sub(lambda m: " " * len(m.group(0)), line))
    return found


def _prose_names(line: str) -> list[tuple[str, bool]]:
    found = []
    for match in _TOKEN.finditer(line):
        token = match.group(0)
        if "_" in token or "." in token or line[match.end() : match.end() + 1] == "(":
            found += [(w, True) for w in _class_names(token)]
            continue
        word = re.sub(r"['’]s$", "", token)
        if len(word) < 2:
            continue
        inner_caps = any(c.isupper() for c in word[1:])
        starts_sentence = bool(_SENTENCE_END.search(line[: match.start()]))
        if inner_caps or (word[0].isupper() and not starts_sentence):
            found.append((word, False))
    return found


def _class_names(code: str) -> list[str]:
    """Class-like identifiers of code (Workspace, AzureBlobDatastore); variables and functions are the student's."""
    return [t for t in re.findall(r"[A-Za-z][A-Za-z0-9]*", code) if t[0].isupper() and any(c.islower() for c in t)]


def _forms(word: str) -> set[str]:
    """A lower-case word and its singular guesses: cpus -> cpu, classes -> class, policies -> policy."""
    low = word.lower()
    forms = {low}
    if low.endswith("s") and len(low) > 2:
        forms |= {low[:-1], low[:-2] if low.endswith("es") else low[:-1]}
    if low.endswith("ies") and len(low) > 4:
        forms.add(low[:-3] + "y")
    return forms


def _known_word(word: str, vocab: frozenset[str]) -> bool:
    # A shouted filler word ("Which TWO services", "is NOT") is no name.
    return any(f in vocab or f in QUESTION_FILLER for f in _forms(word))


def _known_code_name(name: str, vocab: frozenset[str]) -> bool:
    # The notes write `AssetTypes`; a question may build one from known parts (ServicePrincipalCredentials).
    return _known_word(name, vocab) or all(_known_word(p, vocab) for p in _CAMEL_PART.findall(name))


def _spelled_out_acronyms(question: str, vocab: frozenset[str]) -> set[str]:
    """Acronyms the question itself spells out with words the notes use: "hardware security module (HSM)"."""
    words = re.findall(r"[A-Za-z][A-Za-z0-9]*", question)
    spelled = set()
    for i, word in enumerate(words):
        if not _ACRONYM.fullmatch(word):
            continue
        letters = word.rstrip("s").lower()
        n = len(letters)
        for start in (i - n, i + 1):  # the words before "(HSM)" or after "HSM ("
            run = words[start : start + n] if start >= 0 else []
            initials = "".join(w[0].lower() for w in run)
            if len(run) == n and initials == letters and all(_known_word(w, vocab) for w in run):
                spelled.add(word.upper())
    return spelled


def missing_share(question: str, vocab: frozenset[str]) -> float:
    """The share of the question's content words (three letters or more, not filler) the notes never use."""
    words = [t for t in terms(question) if len(t) > 2 and t not in QUESTION_FILLER]
    if not words:
        return 0.0
    return sum(t not in vocab for t in words) / len(words)


def judge(
    question: str, best_score: float, vocab: frozenset[str], min_score: float, max_missing: float = MAX_MISSING_SHARE
) -> Verdict:
    """Whether the notes cover a question, judged on all of its text (judge_question: a pasted exam question)."""
    question = without_boilerplate(question)
    names = unknown_names(question, vocab)
    if names:
        return Verdict(False, f"the notes never mention {', '.join(dict.fromkeys(names))}")
    # The notes and the embedding model are English: a question without a Latin letter (Japanese, emoji, marks) has
    # no word to check, and its cosine is noise (0.10-0.12 measured), so only a clearly similar passage lets it in.
    if not re.search(r"[A-Za-z]", question) and best_score < FOREIGN_MIN_SCORE:
        return Verdict(False, "the question has no word the notes use; ask in the notes' language")
    share = missing_share(question, vocab)
    if share > max_missing:
        return Verdict(False, f"{share:.0%} of the question's words never occur in the notes")
    if best_score < min_score:
        return Verdict(False, f"best passage similarity {best_score:.2f} is under {min_score:.2f}")
    return Verdict(True, f"best passage similarity {best_score:.2f}")


def judge_question(
    question: str, best_score: float, vocab: frozenset[str], min_score: float, max_missing: float = MAX_MISSING_SHARE
) -> Verdict:
    """Whether the notes cover a question as the student pasted it: a practice-exam question is judged by its stem,
    never its options (distractors name what the notes never mention on purpose), nor a goal check's proposed
    solution; a plain question as a whole."""
    exam = parse(question)
    stem = _SOLUTION.sub(" ", exam.stem) if exam.form == YES_NO else exam.stem
    return judge(stem.strip() or exam.stem, best_score, vocab, min_score, max_missing)
