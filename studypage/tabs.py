"""The Practice, Review, Progress and Exam tabs: Gradio components and their events, nothing else.

Session state is plain data (item ids, positions, counts) in `gr.State`; the answers themselves are in the
student's SQLite store the moment they are given, so a closed tab or a restarted app loses nothing.
"""

from __future__ import annotations

from datetime import datetime

import gradio as gr

from study.background import BackgroundGeneration, Progress
from study.store import iso, parse_time
from studypage import render, tabbar
from studypage.desk import RATING_NAMES, StudyDesk

PRACTICE_N = 10
EXAM_N = 10
KINDS = [("Both", "both"), ("Multiple choice", "mcq"), ("Free recall", "recall")]
# Study clicks are quick database work; they need not wait for each other the way answers wait for the one model.
CONCURRENCY = 4
GENERATION_POLL_S = 2.0  # how often an open page asks how far the background generation is


def _vis(flag: bool) -> bool | str:
    # "hidden", not False: Gradio 6.15.1 un-mounts a component made invisible, and one hidden, shown and hidden
    # again by events sometimes never comes back (a recall box after a multiple-choice round stayed away).
    return True if flag else "hidden"


def _count(value: float | None, default: int, most: int = 200) -> int:
    return default if not value or value < 1 else min(int(value), most)


class QuestionPanel:
    """One question at a time from a list of item ids: a multiple-choice question with radio options, or a
    free-recall card with a text box, the grader's suggestion and Again/Hard/Good/Easy buttons."""

    def __init__(self, name: str, desk: StudyDesk, title: str) -> None:
        self.desk = desk
        self.title = title
        self.state = gr.State({})
        self.tally = gr.HTML(elem_id=f"{name}-tally")
        self.header = gr.HTML(elem_id=f"{name}-question")
        self.choice = gr.Radio(label="Your answer", visible="hidden", elem_id=f"{name}-choice")
        self.typed = gr.Textbox(label="Your answer", lines=3, visible="hidden", elem_id=f"{name}-answer")
        self.check = gr.Button("Check my answer", variant="primary", visible="hidden", elem_id=f"{name}-check")
        self.feedback = gr.HTML(elem_id=f"{name}-feedback")
        # The buttons hide, not their Row: a Row made "hidden" when built still shows its children (6.15.1).
        with gr.Row():
            self.rates = [gr.Button(r, visible="hidden", elem_id=f"{name}-rate-{r.lower()}") for r in RATING_NAMES]
        self.next = gr.Button("Next question", visible="hidden", elem_id=f"{name}-next")
        self.outputs = [
            self.state, self.tally, self.header, self.choice, self.typed, self.check, self.feedback,
            *self.rates, self.next,
        ]  # fmt: skip
        self.events = [
            self.check.click(
                self._check,
                [self.state, self.choice, self.typed],
                self.outputs,
                **_quick(show_progress="full", show_progress_on=[self.feedback]),
            ),
            self.next.click(self._show, self.state, self.outputs, **_quick()),
            *(b.click(self._rater(r), self.state, self.outputs, **_quick()) for b, r in zip(self.rates, RATING_NAMES)),
        ]

    def begin(self, item_ids: list[str], empty: str) -> dict:
        """The first question of a new round (or `empty` when there is nothing to ask)."""
        if not item_ids:
            return self._hidden({}, render.notice(empty))
        return self._show({"ids": item_ids, "pos": -1, "asked": 0, "right": 0})

    def _hidden(self, state: dict, header: str) -> dict:
        return {
            self.state: state,
            self.header: header,
            self.choice: gr.Radio(visible="hidden", value=None),
            self.typed: gr.Textbox(visible="hidden", value=""),
            self.check: gr.Button(visible="hidden"),
            self.feedback: "",
            **{b: gr.Button(visible="hidden") for b in self.rates},
            self.next: gr.Button(visible="hidden"),
            self.tally: render.tally(state["right"], state["asked"], len(state["ids"])) if state else "",
        }

    def _show(self, state: dict) -> dict:
        if not state:
            return self._hidden({}, "")
        state = {**state, "pos": state["pos"] + 1, "typed": "", "suggested": None, "feedback": ""}
        if state["pos"] >= len(state["ids"]):
            return self._hidden(state, render.finished(state["right"], state["asked"]))
        item = self.desk.item(state["ids"][state["pos"]])
        mcq = item.kind == "mcq"
        return {
            **self._hidden(state, render.question(item, state["pos"] + 1, len(state["ids"]), self.title)),
            self.choice: gr.Radio(choices=render.option_choices(item) if mcq else [], value=None, visible=_vis(mcq),
                                  interactive=True),
            self.typed: gr.Textbox(value="", visible=_vis(not mcq), interactive=True),
            self.check: gr.Button("Check my answer" if mcq else "Check my answer (empty: show the answer)",
                                  visible=True),
        }  # fmt: skip

    def _check(self, state: dict, choice: str | None, typed: str | None) -> dict:
        if not state or state["pos"] >= len(state["ids"]):
            return {self.feedback: render.notice("Start a round first.")}
        item_id = state["ids"][state["pos"]]
        item = self.desk.item(item_id)
        if item.kind == "mcq":
            if not choice:
                return {self.feedback: render.notice("Choose one of the options first.")}
            correct = self.desk.answer_mcq(item_id, choice)
            state = {**state, "asked": state["asked"] + 1, "right": state["right"] + int(correct)}
            html = render.mcq_feedback(item, choice, correct, self.desk.source(item_id), self._next_due(item_id))
            return {
                self.state: state,
                self.tally: render.tally(state["right"], state["asked"], len(state["ids"])),
                self.choice: gr.Radio(interactive=False),
                self.check: gr.Button(visible="hidden"),
                self.feedback: html,
                self.next: gr.Button(visible=True),
            }
        recalled = self.desk.grade(item_id, typed or "")
        suggested = recalled.grade.rating.name if recalled.grade else None
        html = render.recall_feedback(item, recalled.text, recalled.grade, self.desk.source(item_id))
        return {
            self.state: {**state, "typed": recalled.text, "suggested": suggested, "feedback": html},
            self.typed: gr.Textbox(interactive=False),
            self.check: gr.Button(visible="hidden"),
            self.feedback: html,
            **{b: gr.Button(visible=True, variant="primary" if r == suggested else "secondary")
               for b, r in self._rate_buttons()},
        }  # fmt: skip

    def _rater(self, rating: str):
        def rate(state: dict) -> dict:
            if not state or state["pos"] >= len(state["ids"]) or not state.get("feedback"):
                return {self.feedback: render.notice("Check your answer first.")}
            item_id = state["ids"][state["pos"]]
            self.desk.rate(item_id, rating, state["typed"], state["suggested"])
            shown = state["feedback"] + render.rated(rating, self._next_due(item_id))
            state = {**state, "asked": state["asked"] + 1, "right": state["right"] + int(rating != "Again")}
            return {
                self.state: {**state, "feedback": ""},  # rated once: a second click is refused above
                self.tally: render.tally(state["right"], state["asked"], len(state["ids"])),
                self.feedback: shown,
                **{b: gr.Button(visible="hidden") for b in self.rates},
                self.next: gr.Button(visible=True),
            }

        return rate

    def _rate_buttons(self) -> list[tuple[gr.Button, str]]:
        return list(zip(self.rates, RATING_NAMES))

    def _next_due(self, item_id: str) -> str:
        due = self.desk.next_due(item_id)
        return render.relative(due, self.desk.clock()) if due else "not scheduled"


def _quick(**extra: object) -> dict:
    # No progress overlays: in Gradio 6.15.1 a component made visible by the event keeps its "processing" overlay
    # after the event ends, and it blocks clicks on the radio options. Only slow events show progress, on an
    # element that is always there.
    return {"concurrency_limit": CONCURRENCY, "concurrency_id": "study", "show_progress": "hidden", **extra}


class StudyTabs:
    """The four study tabs' panels; `nav` (the page's tab bar) lets "Practise my weak chapters" switch to
    Practice, and opening Review or Progress refreshes what they show."""

    def __init__(self, desk: StudyDesk, nav: gr.Radio, generation: BackgroundGeneration | None = None) -> None:
        self.desk = desk
        self.nav = nav
        self.generation = generation
        if not desk.ready:  # no bank or a newer progress file: the tabs say why, the Ask tab still works
            for _, tab in tabbar.TABS[1:]:
                with tabbar.panel(tab):
                    gr.HTML(render.notice(desk.notice))
            return
        self._practice_tab()
        self._review_tab()
        self._progress_tab()
        self._exam_tab()
        nav.change(self._opened, nav, [self.summary, self.chart], **_quick())

    def _opened(self, tab: str) -> tuple:
        return (
            self._summary() if tab == "review" else gr.skip(),
            self._chart() if tab == "progress" else gr.skip(),
        )

    # --- Practice ----------------------------------------------------------------------------------------------
    def _practice_tab(self) -> None:
        with tabbar.panel("practice"):
            # A function as value: each page load shows how far the background generation is now.
            self.generation_line = gr.HTML(lambda: render.generation(self._generation()), elem_id="practice-generation")
            with gr.Row():
                self.chapters = gr.Dropdown(
                    choices=self.desk.chapters(), multiselect=True, label="Chapters (none chosen: all)",
                    elem_id="practice-chapters", scale=3,
                )  # fmt: skip
                self.kind = gr.Radio(KINDS, value="both", label="Questions", elem_id="practice-kind", scale=2)
                self.count = gr.Number(PRACTICE_N, label="How many", precision=0, minimum=1, scale=1)
            with gr.Row():
                start = gr.Button("Start practice", variant="primary", elem_id="practice-start")
                weak = gr.Button("Practise my weak chapters", elem_id="practice-weak")
            self.practice = QuestionPanel("practice", self.desk, "Question")
        start.click(self._start_practice, [self.chapters, self.kind, self.count], self.practice.outputs, **_quick())
        weak.click(self._start_weak, None, [self.nav, self.chapters, *self.practice.outputs], **_quick())
        self.merges_seen = gr.State(self._generation().merges)
        self.poll = gr.Timer(GENERATION_POLL_S, active=self._generation().running)
        outputs = [self.generation_line, self.merges_seen, self.chapters, self.poll]
        # Not through the queue: a poll is a glance at memory and must not wait behind answers or fill the queue.
        self.poll.tick(self._generation_tick, self.merges_seen, outputs, queue=False)

    def _generation(self) -> Progress:
        return self.generation.progress() if self.generation else Progress()

    def _generation_tick(self, seen: int) -> dict:
        """The progress line; the chapter list again once the bank has changed; the poll ends with the thread."""
        now = self._generation()
        update: dict = {}
        if now.merges != seen:
            update = {self.merges_seen: now.merges, self.chapters: gr.Dropdown(choices=self.desk.chapters())}
        return {**update, self.generation_line: render.generation(now), self.poll: gr.Timer(active=now.running)}

    def _start_practice(self, chapters: list[int] | None, kind: str, count: float | None) -> dict:
        ids = self.desk.practice(chapters, None if kind == "both" else kind, _count(count, PRACTICE_N))
        return self.practice.begin(ids, "No questions for those chapters and kind: choose others.")

    def _start_weak(self) -> dict:
        weak = self.desk.weak_chapters()
        ids = self.desk.practice(weak, None, PRACTICE_N)
        return {
            self.nav: "practice",
            self.chapters: weak,
            **self.practice.begin(ids, "No questions yet: the bank is empty."),
        }

    # --- Review ------------------------------------------------------------------------------------------------
    def _review_tab(self) -> None:
        with tabbar.panel("review"):
            self.summary = gr.HTML(elem_id="review-summary")
            with gr.Row():
                start = gr.Button("Review the due cards", variant="primary", elem_id="review-start")
                refresh = gr.Button("Refresh", elem_id="review-refresh")
            self.review = QuestionPanel("review", self.desk, "Card")
        refresh.click(self._summary, None, self.summary, **_quick())
        start.click(self._start_review, None, self.review.outputs, **_quick()).then(self._summary, None, self.summary)
        for event in self.review.events:
            event.then(self._summary, None, self.summary)

    def _summary(self) -> str:
        return render.review_summary(self.desk.due(), self.desk.upcoming(), self.desk.clock())

    def _start_review(self) -> dict:
        ids = [d.item.id for d in self.desk.due()]
        return self.review.begin(ids, "No cards are due now. Practise, or come back when the next one is due.")

    # --- Progress ----------------------------------------------------------------------------------------------
    def _progress_tab(self) -> None:
        with tabbar.panel("progress"):
            self.chart = gr.HTML(elem_id="progress-chart")
            weak = gr.Button("Practise my weak chapters", variant="primary", elem_id="progress-weak")
        weak.click(self._start_weak, None, [self.nav, self.chapters, *self.practice.outputs], **_quick())

    def _chart(self) -> str:
        return render.progress_chart(self.desk.progress())

    # --- Exam --------------------------------------------------------------------------------------------------
    def _exam_tab(self) -> None:
        with tabbar.panel("exam"):
            gr.HTML('<p class="sf-meta">Multiple-choice questions across the chapters; the score, the breakdown '
                    "per chapter and the passage behind each miss come at the end.</p>")  # fmt: skip
            with gr.Row():
                n = gr.Number(EXAM_N, label="Questions", precision=0, minimum=1, elem_id="exam-n")
                minutes = gr.Number(0, label="Minutes (0: no time limit)", minimum=0, elem_id="exam-minutes")
                start = gr.Button("Start exam", variant="primary", elem_id="exam-start")
            self.exam_state = gr.State({})
            self.clock = gr.HTML(elem_id="exam-clock")
            self.exam_question = gr.HTML(elem_id="exam-question")
            self.exam_choice = gr.Radio(label="Your answer", visible="hidden", elem_id="exam-choice")
            with gr.Row():
                self.exam_answer = gr.Button("Answer", variant="primary", visible="hidden", elem_id="exam-answer")
                self.exam_finish = gr.Button("Finish now", visible="hidden", elem_id="exam-finish")
            self.exam_result = gr.HTML(elem_id="exam-result")
            self.timer = gr.Timer(1.0, active=False)
        outputs = [
            self.exam_state, self.clock, self.exam_question, self.exam_choice, self.exam_answer, self.exam_finish,
            self.exam_result, self.timer,
        ]  # fmt: skip
        start.click(self._start_exam, [n, minutes], outputs, **_quick())
        self.exam_answer.click(self._answer_exam, [self.exam_state, self.exam_choice], outputs, **_quick())
        self.exam_finish.click(self._finish_exam, self.exam_state, outputs, **_quick())
        self.timer.tick(self._tick, self.exam_state, outputs, **_quick())

    def _start_exam(self, n: float | None, minutes: float | None) -> dict:
        exam = self.desk.start_exam(_count(n, EXAM_N), minutes if minutes and minutes > 0 else None)
        state = {
            "exam_id": exam.exam_id,
            "ids": [i.id for i in exam.items],
            "started": iso(exam.started),
            "minutes": minutes if minutes and minutes > 0 else None,
            "pos": 0,
        }
        return {**self._exam_question(state), self.exam_result: "", self.timer: gr.Timer(active=bool(state["minutes"]))}

    def _exam(self, state: dict):
        return self.desk.exam(state["exam_id"], state["ids"], parse_time(state["started"]), state["minutes"])

    def _exam_question(self, state: dict) -> dict:
        item = self.desk.item(state["ids"][state["pos"]])
        last = state["pos"] + 1 == len(state["ids"])
        return {
            self.exam_state: state,
            self.clock: render.exam_clock(self._exam(state).remaining(self.desk.clock())),
            self.exam_question: render.question(item, state["pos"] + 1, len(state["ids"]), "Exam question"),
            self.exam_choice: gr.Radio(choices=render.option_choices(item), value=None, visible=True),
            self.exam_answer: gr.Button("Answer and finish" if last else "Answer", visible=True),
            self.exam_finish: gr.Button(visible=True),
        }

    def _answer_exam(self, state: dict, choice: str | None) -> dict:
        if not state:
            return {self.exam_result: render.notice("Start an exam first.")}
        if not choice:
            return {self.exam_result: render.notice("Choose one of the options first.")}
        counted = self.desk.answer_exam(self._exam(state), state["pos"], choice)
        state = {**state, "pos": state["pos"] + 1}
        if counted is None or state["pos"] >= len(state["ids"]):
            return self._finish_exam(state)
        return {**self._exam_question(state), self.exam_result: ""}

    def _finish_exam(self, state: dict) -> dict:
        if not state:
            return {self.timer: gr.Timer(active=False)}
        result = self.desk.finish_exam(self._exam(state))
        return {
            self.exam_state: {},
            self.clock: "",
            self.exam_question: "",
            self.exam_choice: gr.Radio(visible="hidden", value=None),
            self.exam_answer: gr.Button(visible="hidden"),
            self.exam_finish: gr.Button(visible="hidden"),
            self.exam_result: render.exam_result(result),
            self.timer: gr.Timer(active=False),
        }

    def _tick(self, state: dict) -> dict:
        if not state or not state.get("minutes"):
            return {self.timer: gr.Timer(active=False)}
        exam = self._exam(state)
        now: datetime = self.desk.clock()
        if exam.expired(now):
            return self._finish_exam(state)
        return {self.clock: render.exam_clock(exam.remaining(now))}
