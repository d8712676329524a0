"""The wizard frame: a form page, a pre-flight page, confirm; returns a plan, never runs it.

Every wizard is a :class:`PlanWizard` (``ModalScreen[Plan | None]``): the person fills the
form, *Check* builds the plan against the hosts' state right now (through the ``planner``
the console passes in), the pre-flight page shows the checklist (pass / warn / fail, with
the fix for each), the exact PowerShell per host and what to do afterwards, and *Confirm*
dismisses with the plan. A refused plan cannot be confirmed; a destructive plan names its
objects, and one that touches several asks for their count to be typed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, ContentSwitcher, Input, Label, Static

from hvtui.errors import HvtuiError
from hvtui.hyperv.plans import Check, Outcome, Plan, Request
from hvtui.ui.widgets import assemble, plain

Planner = Callable[[Request], Awaitable[Plan]]
"""Builds a checked plan for a request (the console passes ``build_plan`` bound to its pool)."""

MARKS: dict[Outcome, tuple[str, str]] = {
    Outcome.PASS: (" PASS ", "ok"),
    Outcome.WARN: (" WARN ", "warning"),
    Outcome.FAIL: (" FAIL ", "critical"),
}


def _style(role: str) -> str:
    return "$hv-critical bold" if role == "critical" else f"$hv-{role}"


def counts_content(plan: Plan) -> Content:
    """``10 pass, 2 warn, 1 fail``: the checklist at a glance."""
    counts = {o: sum(1 for c in plan.checks if c.outcome is o) for o in Outcome}
    return assemble(
        ("Pre-flight checks: ", "bold"), (f"{counts[Outcome.PASS]} pass", _style("ok")), ", ",
        (f"{counts[Outcome.WARN]} warn", _style("warning")), ", ",
        (f"{counts[Outcome.FAIL]} fail", _style("critical")))


def check_row(check: Check) -> Horizontal:
    """One checklist line: the mark, then the detail and fix with a hanging indent."""
    mark, role = MARKS[check.outcome]
    parts: list[tuple[str, str] | str] = [(check.label, "bold"), ": ", check.detail]
    if check.fix and check.outcome is not Outcome.PASS:
        parts += ["\n", ("fix: ", _style(role)), check.fix]
    return Horizontal(Static(assemble((mark, f"{_style(role)} reverse")),
                             classes="mark"),
                      Static(assemble(*parts), classes="text"),
                      classes=f"check -{check.outcome.value}")


def powershell_content(plan: Plan) -> Content:
    """The exact PowerShell per step, with where it runs and what kind of step it is."""
    if not plan.steps:
        return assemble(("Nothing to run: everything is already as asked.",
                                 "$hv-muted"))
    parts: list[tuple[str, str] | str] = []
    for step in plan.steps:
        flags = [f for f, on_ in (("destructive", step.destructive), ("job", step.long)) if on_]
        parts += [(f"{step.description}", "bold")]
        if flags:
            parts += ["  ", (f"[{', '.join(flags)}]",
                             _style("critical" if step.destructive else "info"))]
        parts += ["\n", (f"on {step.host}> ", "$hv-muted"), (step.command, "$hv-accent"), "\n"]
    return assemble(*parts)


def notes_content(plan: Plan) -> Content:
    if not plan.notes:
        return plain("")
    parts: list[tuple[str, str] | str] = [("Afterwards:\n", "bold")]
    for note in plan.notes:
        parts += ["  * ", note, "\n"]
    return assemble(*parts)


class PlanWizard(ModalScreen[Plan | None]):
    """Base of every wizard: subclasses give the form and turn it into a request."""

    DEFAULT_CSS = """
    PlanWizard { align: center middle; }
    PlanWizard #wizard {
        width: 96%; max-width: 110; height: 96%; max-height: 40;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    PlanWizard #wizard-title { text-style: bold; color: $accent; height: 1; }
    PlanWizard #wizard-page { height: 1fr; }
    PlanWizard #form, PlanWizard #review { height: 1fr; }
    PlanWizard .section { margin-top: 1; text-style: bold; }
    PlanWizard #wizard-error { color: $error; height: auto; }
    PlanWizard #wizard-buttons { height: 3; align-horizontal: right; }
    PlanWizard #wizard-buttons Button { margin-left: 1; min-width: 10; }
    PlanWizard #confirm-row { height: auto; margin-top: 1; }
    PlanWizard #confirm-count { width: 20; }
    PlanWizard Input { width: 1fr; }
    PlanWizard .hint { color: $text-muted; }
    PlanWizard #checklist { height: auto; }
    PlanWizard .check { height: auto; }
    PlanWizard .check .mark { width: 7; }
    PlanWizard .check .text { width: 1fr; }
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+b", "back", "Back", show=False),
    ]

    title_text = "Wizard"
    """The modal's title."""
    check_label = "Check"

    def __init__(self, planner: Planner, *, title: str | None = None,
                 plan: Plan | None = None) -> None:
        super().__init__()
        self.planner = planner
        self.plan: Plan | None = None
        """The plan on the pre-flight page (None until checked)."""
        self._initial_plan = plan
        if title:
            self.title_text = title

    # --- what subclasses provide ----------------------------------------------------------

    def compose_form(self) -> ComposeResult:
        """The form's widgets (empty: the wizard checks as soon as it opens)."""
        yield from ()

    def make_request(self) -> Request:
        """The request the form describes; raise an HvtuiError for input that is not usable."""
        raise NotImplementedError

    @property
    def has_form(self) -> bool:
        return True

    # --- the frame --------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id="wizard"):
            yield Label(plain(self.title_text), id="wizard-title")
            with ContentSwitcher(initial="form" if self.has_form else "review", id="wizard-page"):
                with VerticalScroll(id="form"):
                    yield from self.compose_form()
                with VerticalScroll(id="review"):
                    yield Static("", id="counts")
                    yield Vertical(id="checklist")
                    yield Label("PowerShell that will run", classes="section")
                    yield Static(id="powershell")
                    yield Static(id="notes")
                    with Vertical(id="confirm-row"):
                        yield Label("", id="confirm-label")
                        yield Input(id="confirm-count", placeholder="count")
            yield Static("", id="wizard-error")
            with Horizontal(id="wizard-buttons"):
                yield Button("Back", id="back")
                yield Button(self.check_label, id="check", variant="primary")
                yield Button("Confirm", id="confirm", variant="warning")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#confirm-row").display = False
        self._show_buttons()
        if self._initial_plan is not None:
            self.show_plan(self._initial_plan)
        elif not self.has_form:
            self.check()

    def _page(self) -> str:
        return self.query_one(ContentSwitcher).current or "form"

    def _show_buttons(self) -> None:
        review = self._page() == "review"
        self.query_one("#back", Button).display = review and self.has_form
        self.query_one("#check", Button).display = not review
        confirm = self.query_one("#confirm", Button)
        confirm.display = review
        confirm.disabled = self.plan is None or self.plan.refused or self.plan.nothing_to_do

    def say(self, text: str) -> None:
        self.query_one("#wizard-error", Static).update(plain(text))

    # --- checking -------------------------------------------------------------------------

    @work(exclusive=True, group="wizard-check")
    async def check(self) -> None:
        """Build the plan against the hosts now, then show the pre-flight page."""
        self.say("")
        try:
            request = self.make_request()
        except HvtuiError as exc:
            self.say(exc.user_message())
            return
        self.query_one("#check", Button).disabled = True
        self.say("Checking against the hosts ...")
        try:
            plan = await self.planner(request)
        except HvtuiError as exc:
            self.say(exc.user_message())
            return
        finally:
            self.query_one("#check", Button).disabled = False
        self.say("")
        self.show_plan(plan)

    def show_plan(self, plan: Plan) -> None:
        self.plan = plan
        self.query_one("#counts", Static).update(counts_content(plan))
        checklist = self.query_one("#checklist", Vertical)
        checklist.remove_children()
        checklist.mount_all([check_row(c) for c in plan.checks] or
                            [Static("No checks apply.", classes="hint")])
        self.query_one("#powershell", Static).update(powershell_content(plan))
        self.query_one("#notes", Static).update(notes_content(plan))
        targets = plan.targets
        needs_count = plan.destructive and len(targets) > 1 and not plan.refused
        row = self.query_one("#confirm-row")
        row.display = needs_count or (plan.destructive and not plan.refused)
        label = self.query_one("#confirm-label", Label)
        count = self.query_one("#confirm-count", Input)
        count.display = needs_count
        if needs_count:
            label.update(plain(f"Destructive for {len(targets)} objects ({', '.join(targets)}). "
                               f"Type {len(targets)} to confirm:"))
        elif plan.destructive:
            label.update(plain(f"Destructive for {', '.join(targets)}: Confirm to go ahead."))
        if plan.refused:
            self.say(f"Refused: {len(plan.failures)} check(s) failed; fix them and check again.")
        self.query_one(ContentSwitcher).current = "review"
        self._show_buttons()
        self.query_one("#review", VerticalScroll).scroll_home(animate=False)
        (count if needs_count else self.query_one("#confirm", Button)).focus()

    # --- buttons --------------------------------------------------------------------------

    @on(Button.Pressed, "#check")
    def _check_pressed(self) -> None:
        self.check()

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        if self.has_form and self._page() == "review":
            self.query_one(ContentSwitcher).current = "form"
            self.plan = None
            self.say("")
            self._show_buttons()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#confirm")
    def _confirm(self) -> None:
        plan = self.plan
        if plan is None or plan.refused or plan.nothing_to_do:
            return
        targets = plan.targets
        if plan.destructive and len(targets) > 1:
            typed = self.query_one("#confirm-count", Input).value.strip()
            if typed != str(len(targets)):
                self.say(f"Type {len(targets)} (the number of objects) to confirm.")
                self.query_one("#confirm-count", Input).focus()
                return
        self.dismiss(plan)

    @on(Input.Submitted, "#confirm-count")
    def _count_submitted(self) -> None:
        self._confirm()
