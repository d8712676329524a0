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
from textual.widget import Widget
from textual.widgets import (
    Button,
    Checkbox,
    ContentSwitcher,
    Input,
    Label,
    RadioSet,
    Select,
    Static,
)

from hvtui.errors import HvtuiError
from hvtui.hyperv.plans import Check, Outcome, Plan, Request
from hvtui.ui.widgets import assemble, plain
from hvtui.ui.wizards.toggles import FieldDone

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
    if plan.refused:
        return assemble(("Nothing will run: the plan is refused until the failed checks "
                         "are fixed.", "$hv-muted"))
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
    PlanWizard #confirm-row { height: auto; }
    PlanWizard #confirm-count { width: 20; }
    PlanWizard Input { width: 1fr; }
    PlanWizard .hint { color: $text-muted; }
    PlanWizard #checklist { height: 1fr; min-height: 3; }
    PlanWizard #consequences {
        height: auto; max-height: 60%; border-top: solid $primary; margin-top: 1;
    }
    PlanWizard #powershell-title { text-style: bold; }
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
        self._consequences_seen = False
        self._form_focus: Widget | None = None
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
                # The checklist scrolls; what will run and what follows stay in view
                # below it (scrolling themselves only when they are long, and then
                # Confirm waits until their end has been shown).
                with Vertical(id="review"):
                    yield Static("", id="counts")
                    yield VerticalScroll(id="checklist")
                    with VerticalScroll(id="consequences"):
                        yield Label("PowerShell that will run", id="powershell-title")
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
        self.watch(self.query_one("#consequences"), "scroll_y", self._read_consequences,
                   init=False)
        if self._initial_plan is not None:
            self.show_plan(self._initial_plan)
        elif not self.has_form:
            self.check()
        else:
            fields = self.form_fields()
            (fields[0] if fields else self.query_one("#check", Button)).focus()

    # --- the form: Enter moves on -------------------------------------------------------

    def form_fields(self) -> list[Widget]:
        """The form's fields in order (what Enter moves through)."""
        return [w for w in self.query_one("#form").query("*")
                if isinstance(w, Input | Select | Checkbox | RadioSet) and w.focusable]

    def advance(self, field: Widget) -> None:
        """Enter on ``field``: focus the next field, or Check after the last one."""
        fields = self.form_fields()
        if field in fields and fields.index(field) + 1 < len(fields):
            fields[fields.index(field) + 1].focus()
        else:
            self.check()

    @on(Input.Submitted, "#form Input")
    def _input_done(self, event: Input.Submitted) -> None:
        event.stop()
        self.advance(event.input)

    @on(FieldDone)
    def _field_done(self, event: FieldDone) -> None:
        event.stop()
        self.advance(event.field)

    @on(Select.Changed, "#form Select")
    def _chosen(self, event: Select.Changed) -> None:
        # Enter in a drop-down chooses and closes it; the choice moves on, as Enter does
        # in a text field (a value set by a program, with the list closed, does not).
        if event.select.has_focus and event.value is not Select.NULL:
            self.call_after_refresh(self.advance, event.select)

    def _page(self) -> str:
        return self.query_one(ContentSwitcher).current or "form"

    def _show_buttons(self) -> None:
        review = self._page() == "review"
        self.query_one("#back", Button).display = review and self.has_form
        self.query_one("#check", Button).display = not review
        confirm = self.query_one("#confirm", Button)
        confirm.display = review
        confirm.disabled = (self.plan is None or self.plan.refused or self.plan.nothing_to_do
                            or not self._consequences_seen)

    def _read_consequences(self) -> None:
        """Confirm waits until the end of what will run (and what follows) has been shown."""
        area = self.query_one("#consequences", VerticalScroll)
        if not self._consequences_seen and area.scroll_y >= area.max_scroll_y:
            self._consequences_seen = True
            self._show_buttons()
            if self.plan is not None and not self.plan.destructive and not self.plan.refused:
                self.query_one("#confirm", Button).focus()

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
        if self.has_form and self._page() == "form":
            focused = self.focused
            self._form_focus = focused if focused in self.form_fields() else None
        self.query_one("#counts", Static).update(counts_content(plan))
        checklist = self.query_one("#checklist", VerticalScroll)
        checklist.remove_children()
        checklist.mount_all([check_row(c) for c in plan.checks_by_outcome] or
                            [Static("No checks apply.", classes="hint")])
        self.query_one("#powershell-title", Label).display = bool(plan.steps) and not plan.refused
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
        self._consequences_seen = False
        self._show_buttons()
        checklist.scroll_home(animate=False)
        consequences = self.query_one("#consequences", VerticalScroll)
        consequences.scroll_home(animate=False)
        # Nothing that changes anything has the first focus on a destructive plan: the
        # person moves to Confirm (or types the count) on purpose.
        if plan.refused:
            first: Widget = self.query_one("#back" if self.has_form else "#cancel", Button)
        elif needs_count:
            first = count
        elif plan.destructive or plan.nothing_to_do:
            first = consequences if plan.steps else self.query_one("#cancel", Button)
        else:
            first = consequences
        first.focus()
        self.call_after_refresh(self._read_consequences)

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
            fields = self.form_fields()
            back_to = self._form_focus if self._form_focus in fields else None
            (back_to or (fields[0] if fields else self.query_one("#check", Button))).focus()

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
