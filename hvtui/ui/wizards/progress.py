"""The progress page: runs a confirmed plan through the runner and watches its steps and jobs.

The run belongs to the app (an app-level worker), not to this screen: closing the page
leaves the plan running, its long steps keep reporting in the jobs view, and the outcome
is announced when it ends.
"""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from hvtui.errors import HvtuiError
from hvtui.hyperv.operations import PlanResult, PlanRunner, RunEvent, StepOutcome
from hvtui.hyperv.plans import Plan, Step
from hvtui.model import Job
from hvtui.ui import render as r
from hvtui.ui.widgets import assemble, plain

_STATE_MARK = {
    "waiting": ("  waiting  ", "$hv-muted"),
    "running": ("  running  ", "$hv-busy"),
    StepOutcome.SUCCEEDED: ("   done    ", "$hv-ok"),
    StepOutcome.FAILED: ("  FAILED   ", "$hv-critical bold"),
    StepOutcome.NOT_RUN: ("  not run  ", "$hv-warning"),
}


class PlanProgress(ModalScreen[PlanResult | None]):
    """Runs ``plan`` with ``runner`` and shows each step, the current job and the outcome."""

    DEFAULT_CSS = """
    PlanProgress { align: center middle; }
    PlanProgress #progress {
        width: 96%; max-width: 110; height: 96%; max-height: 30;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    PlanProgress #progress-title { text-style: bold; color: $accent; }
    PlanProgress #steps { height: 1fr; }
    PlanProgress .step { height: auto; margin-bottom: 1; }
    PlanProgress .step .mark { width: 12; }
    PlanProgress .step .text { width: 1fr; }
    PlanProgress #job-bar { margin: 1 0 0 0; height: 1; }
    PlanProgress #job-status { height: auto; color: $text-muted; }
    PlanProgress #outcome { height: auto; margin-top: 1; }
    PlanProgress #progress-buttons { height: 3; align-horizontal: right; }
    """

    BINDINGS = [Binding("escape", "close", "Close (keeps running)")]

    def __init__(self, runner: PlanRunner, plan: Plan,
                 after: Callable[[Plan], None] | None = None) -> None:
        super().__init__()
        self.runner = runner
        self.plan = plan
        self.after = after
        """Called with the plan once it has run (the console refreshes the hosts involved)."""
        self.result: PlanResult | None = None
        self._state: dict[int, StepOutcome | str] = {i: "waiting" for i in range(len(plan.steps))}
        self._messages: dict[int, str] = {}
        self._job: Job | None = None
        self._job_step: int | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="progress"):
            yield Label(plain(f"{self.plan.title}: running"), id="progress-title")
            with VerticalScroll(id="steps"):
                for i, step in enumerate(self.plan.steps):
                    with Horizontal(classes="step"):
                        yield Static(self._mark(i), id=f"step-{i}-mark", classes="mark")
                        yield Static(self._text(i, step), id=f"step-{i}-text", classes="text")
            yield Static("", id="job-bar")
            yield Static("", id="job-status")
            yield Static("", id="outcome")
            with Horizontal(id="progress-buttons"):
                yield Button("Close", id="close", variant="primary")

    def on_mount(self) -> None:
        self.set_interval(1.0, self._show_job, name="job timing")
        # An app-level worker: the plan keeps running if this page is closed.
        self.app.run_worker(self._run(), name=f"plan: {self.plan.title}", group="plans",
                            exit_on_error=False)

    async def _run(self) -> PlanResult | None:
        running: set[str] = getattr(self.app, "running_plans", set())
        running.add(self.plan.title)
        try:
            result = await self.runner.run(self.plan, self._event)
        except HvtuiError as exc:
            self._finished(None, exc.user_message())
            return None
        finally:
            running.discard(self.plan.title)
            if self.after is not None:
                self.after(self.plan)
        self._finished(result, result.summary())
        return result

    def _index(self, step: Step | None) -> int | None:
        if step is None:
            return None
        ids = [s.identity for s in self.plan.steps]
        try:
            return ids.index(step.identity)
        except ValueError:
            return None

    def _event(self, event: RunEvent) -> None:
        index = self._index(event.step)
        if event.kind == "step-started" and index is not None:
            self._state[index] = "running"
        elif event.kind == "step-finished" and index is not None and event.result is not None:
            self._state[index] = event.result.outcome
            self._messages[index] = event.result.message
        elif event.kind == "job" and event.job is not None:
            self._job, self._job_step = event.job, index
            self._show_job()
        if index is not None and self.is_attached:
            self.query_one(f"#step-{index}-mark", Static).update(self._mark(index))
            self.query_one(f"#step-{index}-text", Static).update(
                self._text(index, self.plan.steps[index]))

    def _show_job(self) -> None:
        """The bar (in characters, not only colour), the step, the percentage, the time so
        far and the estimate, and what the host last said (never a bare percentage twice)."""
        job = self._job
        if job is None or not self.is_attached:
            return
        now = getattr(self.app, "clock", None)
        when = now() if callable(now) else (job.finished or job.started)
        step = "" if self._job_step is None else \
            f"Step {self._job_step + 1} of {len(self.plan.steps)}: "
        state = "" if not job.state.finished else f" {job.state.value}"
        self.query_one("#job-bar", Static).update(plain(r.progress_bar(job.percent, 30)))
        text = (f"{step}job {job.id} on {job.host}{state}, {job.percent}% done, "
                f"{r.job_timing(job, when)}")
        if job.news and not job.state.finished:
            text += f"\n{job.news}"
        self.query_one("#job-status", Static).update(plain(text))

    def _mark(self, index: int) -> Content:
        mark, style = _STATE_MARK[self._state[index]]
        return assemble((mark, f"{style} reverse"))

    def _text(self, index: int, step: Step) -> Content:
        parts: list[tuple[str, str] | str] = [step.description, "\n",
                                              (f"on {step.host}> {step.command}", "$hv-muted")]
        message = self._messages.get(index)
        if message:
            parts += ["\n", (message, _STATE_MARK[self._state[index]][1])]
        return assemble(*parts)

    def _finished(self, result: PlanResult | None, summary: str) -> None:
        self.result = result
        ok = result is not None and result.ok
        if self.is_attached:
            self.query_one("#progress-title", Label).update(
                plain(f"{self.plan.title}: {'done' if ok else 'stopped'}"))
            parts: list[tuple[str, str] | str] = [
                (summary, "$hv-ok bold" if ok else "$hv-critical bold")]
            failed = [x.message for x in (result.results if result is not None else ())
                      if x.outcome is StepOutcome.FAILED and x.message]
            if failed:  # the host's reason, and what to do, where the eye lands
                parts += ["\n", failed[0]]
            if ok and self.plan.notes:
                parts += ["\n", ("Afterwards: ", "bold"), " ".join(self.plan.notes)]
            for problem in result.audit_problems if result is not None else ():
                parts += ["\n", ("WARNING: the audit log could not be written, so this is NOT "
                                  f"recorded: {problem}", "$hv-critical bold")]
            self.query_one("#outcome", Static).update(assemble(*parts))
            self._show_job()
            self.query_one("#close", Button).focus()
        else:
            self.app.notify(summary, title=self.plan.title,
                            severity="information" if ok else "error", timeout=15)
            for problem in result.audit_problems if result is not None else ():
                self.app.notify(f"The audit log could not be written, so this change is NOT "
                                f"recorded: {problem}", title="Audit log", severity="error",
                                timeout=60)

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(self.result)
