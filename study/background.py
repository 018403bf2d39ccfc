"""Practice questions from a student's own notes, written by a thread of the page while the student studies.

Which passages: those of notes files the bank has no hand-written question for (a student's own notes; the
shipped notes have the seed, and their generated questions are made with `python -m study generate`), that
study.generate.run would still ask. The thread calls that same run one passage at a time, so each passage's
questions reach Practice as soon as they are merged, and the work file makes a restarted app go on where it
stopped. Before each passage it waits while Ask is writing an answer (`Busy`): the student's question comes
first on the one model server. A failure (the model down) ends the thread with one line in `Progress`.
"""

from __future__ import annotations

import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from core import settings
from core.errors import SettingError, StudyflowError
from core.text import one_line
from study import bank as bank_data
from study import generate
from study.passages import Passage

SETTING = "STUDYFLOW_BACKGROUND_GENERATION"
MCQ_SETTING = "STUDYFLOW_BACKGROUND_MCQ_COUNT"
_ON, _OFF = ("on", "1", "true", "yes"), ("off", "0", "false", "no")


def enabled() -> bool:
    """STUDYFLOW_BACKGROUND_GENERATION: on (the default) or off."""
    value = settings.text(SETTING, "on").lower()
    if value not in _ON + _OFF:
        raise SettingError(f"{SETTING} must be on or off, not {value!r}; fix it or unset it")
    return value in _ON


def mcq_cap() -> int | None:
    """STUDYFLOW_BACKGROUND_MCQ_COUNT: at most this many multiple-choice questions a passage (unset: as many as
    `python -m study generate` asks, 2 to 4); fewer makes each passage's questions arrive sooner."""
    return settings.integer(MCQ_SETTING, 0, 1, 4, "a number of questions") or None


class Busy:
    """Answers being written in Ask right now, counted; the generation waits between passages while any are."""

    def __init__(self) -> None:
        self._count = 0
        self._changed = threading.Condition()

    def __enter__(self) -> Busy:
        with self._changed:
            self._count += 1
        return self

    def __exit__(self, *exc: object) -> None:
        with self._changed:
            self._count -= 1
            self._changed.notify_all()

    @property
    def active(self) -> bool:
        return self._count > 0

    def wait_idle(self) -> None:
        with self._changed:
            self._changed.wait_for(lambda: self._count == 0)


@dataclass(frozen=True)
class Progress:
    total: int = 0  # passages to write questions for, counted when the thread started
    done: int = 0
    accepted: int = 0
    merges: int = 0  # times the bank file changed: the page reloads its chapter list when this moves
    paused: bool = False
    finished: bool = False
    error: str = ""

    @property
    def running(self) -> bool:
        return self.total > 0 and not self.finished

    def line(self) -> str:
        """The one line the Practice tab shows (empty when there is nothing to write)."""
        if not self.total:
            return ""
        counts = f"{self.done} of {self.total} passages, {self.accepted} accepted"
        if self.error:
            return f"Writing practice questions from your notes stopped at {counts}: {self.error}; restart to go on"
        if self.finished:
            return f"Practice questions from your notes are written: {counts}; they are in Practice now"
        paused = " (paused while Ask writes an answer)" if self.paused else ""
        return f"Writing practice questions from your notes: {counts}{paused}"


def own_passages(bank: bank_data.Bank, passages: list[Passage]) -> list[Passage]:
    """The passages of notes files the bank has no hand-written question for: a student's own notes."""
    shipped = {item.source for item in bank.items if item.origin == "hand"}
    return [p for p in passages if p.source not in shipped]


def pending(passages: list[Passage], bank_path: Path) -> tuple[list[Passage], int]:
    """(the passages study.generate.run would ask, finished ones in the work file not merged yet): a passage is
    done once the work file has its line or the bank an accepted generated question of it."""
    bank = bank_data.load(bank_path)
    work = generate.load_work(generate.work_path(bank_path))
    in_bank = {i.passage_hash for i in bank.items if i.origin == "generated" and i.accepted}
    mine = {p.passage_hash for p in passages}
    todo = [p for p in passages if p.passage_hash not in work and p.passage_hash not in in_bank]
    unmerged = sum(1 for h, r in work.items() if h in mine and h not in in_bank and not r.get("merged"))
    return todo, unmerged


class BackgroundGeneration:
    """One thread writing questions for `passages` into the bank at bank_path; `progress()` says how far it is.

    make_generate: builds the per-passage generator (study.generate.flow_generator in the app; loading the flow
    happens in the thread). on_merged: called after each merge (the page reloads its bank)."""

    def __init__(
        self,
        passages: list[Passage],
        all_hashes: list[str],
        make_generate: Callable[[], generate.Generate],
        embed: generate.Embed,
        bank_path: Path,
        busy: Busy | None = None,
        on_merged: Callable[[], None] = lambda: None,
    ) -> None:
        self.passages, self.all_hashes = passages, all_hashes
        self.make_generate, self.embed, self.bank_path = make_generate, embed, bank_path
        self.busy = busy or Busy()
        self.on_merged = on_merged
        self._progress = Progress()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def progress(self) -> Progress:
        with self._lock:
            return self._progress

    def _update(self, **changes: object) -> None:
        with self._lock:
            self._progress = replace(self._progress, **changes)

    def start(self) -> bool:
        """Start the thread if there is anything to write or merge; False (and no thread) if there is not."""
        todo, unmerged = pending(self.passages, self.bank_path)
        if not todo and not unmerged:
            return False
        # A passage finished before a restart but not merged yet counts as done: this run only merges it.
        self._update(total=len(todo) + unmerged, done=unmerged)
        self._thread = threading.Thread(target=self._run, name="studyflow-generation", daemon=True)
        self._thread.start()
        return True

    def join(self, timeout: float | None = None) -> None:
        if self._thread:
            self._thread.join(timeout)

    def _paced(self, generate_one: generate.Generate) -> generate.Generate:
        def one_passage(inputs: dict) -> list[dict]:
            if self.busy.active:
                self._update(paused=True)
                self.busy.wait_idle()
                self._update(paused=False)
            return generate_one(inputs)

        return one_passage

    def _run(self) -> None:
        try:
            generate_one = self._paced(self.make_generate())
            while True:
                todo, unmerged = pending(self.passages, self.bank_path)
                if not todo and not unmerged:
                    break
                summary = generate.run(
                    self.passages, self.all_hashes, generate_one, self.embed, self.bank_path, limit=1, progress=False
                )
                now = self.progress()
                self._update(done=now.done + summary.passages, accepted=now.accepted + summary.accepted)
                self._merged()
                if summary.interrupted:  # pf cancelled the run (it turns a signal into a run without outputs)
                    raise StudyflowError("the generation flow was cancelled")
                if not summary.passages:  # only merged what a previous run finished: nothing is left
                    break
        except Exception as error:  # the model down, a flow failure: one line in the page, never a crash
            if not isinstance(error, StudyflowError):
                traceback.print_exc(file=sys.stderr)  # the app's log keeps what one line cannot
            self._merged()  # run() merges what finished before it raises
            self._update(error=one_line(str(error) or type(error).__name__).rstrip(". "), finished=True)
            return
        self._update(done=self.progress().total, finished=True)

    def _merged(self) -> None:
        self._update(merges=self.progress().merges + 1)
        try:
            self.on_merged()
        except Exception:  # a page that cannot reload now still shows the questions after a restart
            traceback.print_exc(file=sys.stderr)


def for_page(connection: str, model: str, busy: Busy, on_merged: Callable[[], None]) -> BackgroundGeneration | None:
    """The page's background generation, started; None when it is off or there is nothing to write (the shipped
    notes and bank), or no index yet (the Ask tab says what to do about that). It writes into the student's own
    bank (study.practice.start_own_bank), never into the shipped one."""
    if not enabled():
        return None
    from ingest.embedder import embed
    from study.passages import index_passages, select
    from study.practice import open_bank, start_own_bank

    try:
        every = index_passages()
        mine = own_passages(open_bank(), select(every))
        if not mine:
            return None
        path = start_own_bank()
    except StudyflowError:
        return None
    cap = mcq_cap()
    if cap:
        mine = [replace(p, mcq_count=min(p.mcq_count, cap)) for p in mine]
    job = BackgroundGeneration(
        mine,
        [p.passage_hash for p in every],
        lambda: generate.flow_generator(connection, model),
        embed,
        path,
        busy,
        on_merged,
    )
    return job if job.start() else None
