"""`python -m study generate`: the quiz flow over the index's passages, into the bank.

Incremental by passage content hash: a passage whose hash already has generated questions (or a finished line in
the work file) is not asked again; a changed passage has a new hash, so only its questions are written again, and
study.bank.merge retires the questions of hashes that are gone. Resumable: each passage's verified candidates are
appended to the work file (`generation.jsonl` beside the bank) as soon as it is done, so after Ctrl-C or a crash a
re-run skips what is finished. The work file is shipped with the bank: per passage, every candidate and the check
that rejected it.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from core.errors import StudyflowError
from core.paths import PROJECT_ROOT
from core.pf_env import use_project_pf_home
from study import bank as bank_data
from study.passages import Passage
from study.verify import NEAR_DUPLICATE_COSINE, check_near_duplicates, plain_words

GENERATOR = "flows/quiz 4"  # bump when the prompt or the checks change: every passage is then written again
QUIZ_FLOW = PROJECT_ROOT / "flows" / "quiz"
WORK_NAME = "generation.jsonl"
# What `pf run create --file flows/quiz/run.yaml` reads; `python -m study generate --passages-only` writes it.
PASSAGES_JSONL = PROJECT_ROOT / ".run" / "quiz_passages.jsonl"
LLM_NODES = ("write", "passage_agrees", "round_trip")
_ITEM_FIELDS = set(bank_data.Item.__dataclass_fields__)
_PF_WRAPPER = re.compile(r"^Execution failure in '[^']+': \(\w+\) ")

Generate = Callable[[dict], list[dict]]  # the quiz flow's inputs for one passage -> its verified candidates
Embed = Callable[[list[str]], object]


@dataclass
class Summary:
    passages: int = 0  # asked this run
    skipped: int = 0  # unchanged or already done
    generated: int = 0
    accepted: int = 0
    rejected: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    interrupted: bool = False
    merge: bank_data.MergeSummary | None = None

    @property
    def rate(self) -> float:
        return self.accepted / self.generated if self.generated else 0.0

    def line(self) -> str:
        why = ", ".join(f"{n} {reason}" for reason, n in self.rejected.most_common()) or "none"
        text = (
            f"{self.passages} passages ({self.skipped} unchanged), {self.generated} generated, {self.accepted} "
            f"accepted, rejected: {why}; acceptance {self.rate:.0%}; {self.seconds / 60:.1f} min"
        )
        if self.merge:
            text += f"; bank: {self.merge.line()}"
        return text + (" (interrupted: run again to continue)" if self.interrupted else "")


def work_path(bank_path: Path) -> Path:
    return bank_path.with_name(WORK_NAME)


def load_work(path: Path) -> dict[str, dict]:
    """Finished passages by hash (this generator's only); a line cut off by a crash is ignored."""
    records: dict[str, dict] = {}
    if not path.is_file():
        return records
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict) and record.get("generator") == GENERATOR and record.get("passage_hash"):
            records[record["passage_hash"]] = record
    return records


def rejections(bank_path: Path) -> dict[str, int]:
    """Candidates the checks turned away, by check, over the work file beside the bank (empty without one)."""
    found = Counter(
        c["rejected"][0] for r in load_work(work_path(bank_path)).values() for c in r["candidates"] if c.get("rejected")
    )
    return dict(found.most_common())


def append_work(path: Path, record: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        out.flush()
        os.fsync(out.fileno())


def rewrite_work(path: Path, records: Iterable[dict]) -> None:
    bank_data._write_atomic(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))


def quote_line(candidate: dict) -> tuple[int, str] | None:
    """(line number, the note's own text of it) for the quote: the line of the passage's source holding most of
    the quote's words within the smallest run of lines that holds it all; None if the file changed since."""
    from study.source import read_lines

    quote = plain_words(candidate.get("quote", ""))
    try:
        lines = read_lines(candidate["source"], candidate["lines"]).lines
    except ValueError:
        return None
    words = [plain_words(text) for _, text in lines]
    for size in range(1, len(lines) + 1):
        for start in range(len(lines) - size + 1):
            window = [w for chunk in words[start : start + size] for w in chunk]
            if any(window[i : i + len(quote)] == quote for i in range(len(window) - len(quote) + 1)):
                run = range(start, start + size)
                best = max(run, key=lambda n: sum(w in quote for w in words[n]))
                return lines[best][0], lines[best][1].strip()
    return None


def current_generated(bank: bank_data.Bank) -> list[bank_data.Item]:
    """The accepted questions this generator wrote: an older generator's are written again."""
    return [i for i in bank.items if i.origin == "generated" and i.accepted and i.generator == GENERATOR]


def retire_older(bank: bank_data.Bank, hashes: set[str]) -> tuple[bank_data.Bank, int]:
    """The bank with the accepted questions an older generator wrote for these passages retired (their review
    history stays, as for a changed passage), and how many."""
    older = {i.id for i in bank.items if i.origin == "generated" and i.accepted and i.generator != GENERATOR}
    older = {i.id for i in bank.items if i.id in older and i.passage_hash in hashes}
    items = [replace(i, status="retired") if i.id in older else i for i in bank.items]
    return bank_data.Bank(items=items, meta=bank.meta), len(older)


def to_item(candidate: dict) -> bank_data.Item:
    """The bank item of an accepted candidate; its quote becomes the note's own line (the model's copy may differ
    in case, spacing or markdown), so the student is shown what the notes say."""
    fields = {k: v for k, v in candidate.items() if k in _ITEM_FIELDS and k != "id"}
    found = quote_line(candidate)
    if found:
        fields["quote"], fields["quote_lines"] = found[1], str(found[0])
    return bank_data.make_item(**fields, origin="generated", generator=GENERATOR)


def flow_generator(connection: str = "local", model: str = "local") -> Generate:
    """The quiz flow (flows/quiz), loaded once and called per passage, through a promptflow connection."""
    use_project_pf_home()
    from promptflow.client import load_flow
    from promptflow.entities import FlowContext

    flow = load_flow(str(QUIZ_FLOW))
    flow.context = FlowContext(
        connections={node: {"connection": connection} for node in LLM_NODES},
        overrides={f"nodes.{node}.inputs.model": model for node in LLM_NODES},
    )

    def generate(inputs: dict) -> list[dict]:
        try:
            outputs = flow(**inputs)
        except StudyflowError:
            raise
        except Exception as error:  # pf wraps a node's error: "Execution failure in 'write': (Type) what happened"
            raise StudyflowError(f"passage {inputs['lines']}: {_PF_WRAPPER.sub('', str(error).strip())}") from None
        if "candidates" not in outputs:  # pf turns Ctrl-C into a cancelled run without outputs
            raise KeyboardInterrupt
        return list(outputs["candidates"])

    return generate


def run(
    passages: list[Passage],
    all_hashes: Iterable[str],
    generate: Generate,
    embed: Embed,
    bank_path: Path,
    limit: int | None = None,
    progress: bool = True,
    threshold: float = NEAR_DUPLICATE_COSINE,
) -> Summary:
    """Generate for `passages` not yet done (at most `limit`), then merge everything finished into the bank at
    bank_path; `all_hashes`: every passage hash of the index (a question of a hash not in it is retired)."""
    from tqdm import tqdm

    current = set(all_hashes)
    work = work_path(bank_path)
    records = {h: r for h, r in load_work(work).items() if h in current}
    bank = bank_data.load(bank_path)
    in_bank = {i.passage_hash for i in current_generated(bank)}
    todo = [p for p in passages if p.passage_hash not in records and p.passage_hash not in in_bank]
    summary = Summary(skipped=len(passages) - len(todo))
    todo = todo[:limit] if limit else todo
    start = time.perf_counter()
    failure: Exception | None = None
    try:
        for passage in tqdm(todo, desc="passages", unit="passage", disable=not progress):
            began = time.perf_counter()
            candidates = generate(passage.inputs())
            record = {
                "passage_hash": passage.passage_hash,
                "passage_id": passage.passage_id,
                "chapter": passage.chapter,
                "generator": GENERATOR,
                "seconds": round(time.perf_counter() - began, 1),
                "candidates": candidates,
            }
            append_work(work, record)
            records[passage.passage_hash] = record
            summary.passages += 1
    except KeyboardInterrupt:
        summary.interrupted = True  # what finished is in the work file; merge it, a re-run goes on from there
    except Exception as error:  # the LLM went away mid-run: merge what finished, then say why it stopped
        summary.interrupted, failure = True, error
    new = [h for h in records if h not in in_bank and not records[h].get("merged")]
    bank, summary.merge = merge_records(bank, [records[h] for h in new], current, embed, threshold)
    bank_data.save(bank, bank_path)
    for h in new:
        records[h]["merged"] = True
    rewrite_work(work, records.values())
    asked = {p.passage_hash for p in todo}
    for h in new:
        if h in asked:
            candidates = [c for c in records[h]["candidates"] if c.get("kind") != "none"]
            summary.generated += len(candidates)
            summary.rejected.update(c["rejected"][0] for c in records[h]["candidates"] if c.get("rejected"))
            summary.accepted += sum(1 for c in candidates if not c.get("rejected"))
    summary.seconds = time.perf_counter() - start
    if failure is not None:
        raise failure
    return summary


def merge_records(
    bank: bank_data.Bank, records: list[dict], current: set[str], embed: Embed, threshold: float
) -> tuple[bank_data.Bank, bank_data.MergeSummary]:
    """The records' accepted candidates, checked for near duplicates against the bank's accepted questions that
    stay, merged into the bank. The records' candidates are updated with that verdict."""
    replaced = {r["passage_hash"] for r in records}
    bank, older = retire_older(bank, replaced)
    # Not the questions the merge retires: those of passages gone or changed, and the hand ones generated replace.
    others = [
        i.prompt
        for i in bank.accepted()
        if i.passage_hash in current and not (i.origin == "hand" and i.passage_hash in replaced)
    ]
    flat = [(r, n) for r in records for n in range(len(r["candidates"]))]
    checked = check_near_duplicates([r["candidates"][n] for r, n in flat], others, embed, threshold)
    for (record, n), candidate in zip(flat, checked):
        record["candidates"][n] = candidate
    items = [to_item(c) for c in checked if not c.get("rejected") and c.get("kind") in bank_data.KINDS]
    meta = bank_data.BankMeta(generator=GENERATOR, created=bank_data.now_iso(), notes=notes_hashes(bank, items))
    merged, summary = bank_data.merge(bank, items, current, meta=meta)
    return merged, replace(summary, retired=summary.retired + older)


def notes_hashes(bank: bank_data.Bank, items: list[bank_data.Item]) -> dict[str, str]:
    """sha256 of each notes file the bank's questions come from, as they are now."""
    sources = {i.source for i in bank.items} | {i.source for i in items}
    hashes = dict(bank.meta.notes)
    for source in sources:
        path = Path(source) if Path(source).is_absolute() else PROJECT_ROOT / source
        if path.is_file():
            hashes[source] = bank_data.file_hash(path)
    return hashes
