"""The settings editor (one VM, or many marked VMs at once) and the settings diff.

The editor shows each setting with its value (for many VMs: the value they share, or
"differs"); what is typed or chosen becomes one :class:`VmSettingsRequest`, whose
pre-flight page shows each change old -> new per VM before anything runs. The diff shows
marked VMs (on any hosts) side by side, marks the settings that differ with ``≠`` and
applies the value under the cursor to the other VMs through the same plan.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Input, Label, Select, Static

from hvtui import reference
from hvtui.errors import PlanRefused
from hvtui.hyperv.plans import Request, VmRef
from hvtui.hyperv.settings_diff import DiffRow, applicable, apply_request, diff_rows
from hvtui.hyperv.vm_settings import (
    SettingError,
    SettingValue,
    VmSettingsRequest,
    parse,
    show,
)
from hvtui.model import VM
from hvtui.model.text import inert
from hvtui.model.vm_settings import FIELDS, Field, Kind
from hvtui.ui.actions import ActionSpec, register_action
from hvtui.ui.widgets import assemble, plain
from hvtui.ui.wizards.base import Planner, PlanWizard

if TYPE_CHECKING:
    from hvtui.ui.app import HvtuiApp

UNCHANGED = "unchanged"
DIFFER_MARK = "≠"


def _shared(vms: Sequence[VM], field: Field) -> SettingValue | None:
    """The value every VM has, or None when they differ (or one did not report it)."""
    values = {repr(vm.settings.value(field.key)) if vm.settings else None for vm in vms}
    if len(values) != 1 or None in values or vms[0].settings is None:
        return None
    return vms[0].settings.value(field.key)


def _input_text(field: Field, value: SettingValue) -> str:
    """A value as typed back into the form (sizes as MB, so they parse exactly)."""
    if field.kind is Kind.BYTES and isinstance(value, int):
        return f"{value // 1024**2}MB"
    return str(value)


class SettingsWizard(PlanWizard):
    """Memory, processors, start/stop, checkpoints, notes and integration services."""

    def __init__(self, planner: Planner, vms: Sequence[VM]) -> None:
        self.vms = list(vms)
        what = self.vms[0].name if len(self.vms) == 1 else f"{len(self.vms)} VMs"
        super().__init__(planner, title=f"Settings of {what}")

    def compose_form(self) -> ComposeResult:
        shown = ", ".join(f"{vm.name} ({vm.host}, {vm.state.name})" for vm in self.vms[:6])
        yield Static(assemble(("VMs: ", "bold"), shown))
        yield Static("Change what you want; empty or 'unchanged' keeps a value. The next page "
                     "shows every change old -> new per VM, and what needs the VM off.",
                     classes="hint")
        group = ""
        for field in FIELDS:
            if field.group != group:
                group = field.group
                yield Label(group, classes="section")
            shared = _shared(self.vms, field)
            now = "differs" if shared is None else show(field, shared)
            label = f"{field.label} (now {now})"
            if field.kind in (Kind.SWITCH, Kind.CHOICE):
                choices = ("on", "off") if field.kind is Kind.SWITCH else field.choices
                yield Label(plain(label))
                yield Select([(c, c) for c in choices], prompt=UNCHANGED, allow_blank=True,
                             id=f"set-{field.key}")
            else:
                yield Label(plain(label))
                value = "" if shared is None else _input_text(field, shared)
                if inert(value) != value:
                    value = ""  # never type a host's control characters back
                yield Input(value=value, id=f"set-{field.key}",
                            placeholder="4GB, 512MB" if field.kind is Kind.BYTES else "")
        yield Label("Integration services", classes="section")
        for service in reference.integration_services():
            states = {s.enabled for vm in self.vms for s in vm.integration_services
                      if s.id.upper() == service.id}
            now = "not offered" if not states else \
                ("on" if states == {True} else "off" if states == {False} else "differs")
            yield Label(plain(f"{service.name} (now {now})"))
            yield Select([("on", "on"), ("off", "off")], prompt=UNCHANGED, allow_blank=True,
                         id=f"ic-{service.id}")

    def _typed(self, field: Field) -> str | None:
        widget = self.query_one(f"#set-{field.key}")
        if isinstance(widget, Select):
            value = widget.value
            return value if isinstance(value, str) else None
        assert isinstance(widget, Input)
        text = widget.value
        shared = _shared(self.vms, field)
        unchanged = "" if shared is None else _input_text(field, shared)
        if text == unchanged or (field.kind is not Kind.TEXT and not text.strip()):
            return None
        return text

    def make_request(self) -> Request:
        changes: list[tuple[str, SettingValue]] = []
        for field in FIELDS:
            text = self._typed(field)
            if text is None:
                continue
            try:
                changes.append((field.key, parse(field, text)))
            except SettingError as exc:
                raise PlanRefused(str(exc)) from None
        services: list[tuple[str, bool]] = []
        for service in reference.integration_services():
            value = self.query_one(f"#ic-{service.id}", Select).value
            if isinstance(value, str):
                services.append((service.id, value == "on"))
        if not changes and not services:
            raise PlanRefused("nothing to change: type or choose at least one new value")
        return VmSettingsRequest(tuple(VmRef.of(vm) for vm in self.vms), tuple(changes),
                                 tuple(services))


class SettingsDiff(ModalScreen[Request | None]):
    """Marked VMs side by side; ``a`` gives the others the value under the cursor."""

    DEFAULT_CSS = """
    SettingsDiff { align: center middle; }
    SettingsDiff #diff { width: 96%; height: 96%; border: thick $primary;
                         background: $surface; padding: 0 1; }
    SettingsDiff #diff-title { text-style: bold; color: $accent; height: 1; }
    SettingsDiff DataTable { height: 1fr; }
    SettingsDiff .hint { color: $text-muted; height: auto; }
    """

    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("a", "apply", "Apply to the others"),
    ]

    def __init__(self, vms: Sequence[VM]) -> None:
        super().__init__()
        self.vms = list(vms)
        self.rows: list[DiffRow] = diff_rows(self.vms)

    def compose(self) -> ComposeResult:
        differ = sum(r.differs for r in self.rows)
        with Vertical(id="diff"):
            yield Static(f"Settings of {len(self.vms)} VMs: {differ} of {len(self.rows)} "
                         f"differ ({DIFFER_MARK})", id="diff-title")
            yield DataTable(id="diff-table", cursor_type="cell", zebra_stripes=True)
            yield Static("Move to a VM's value and press a to give it to the other VMs "
                         "(checked first, like every change). Esc closes.", classes="hint")
            yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("", key="mark")
        table.add_column("Setting", key="setting")
        for vm in self.vms:
            table.add_column(Text(inert(f"{vm.name}@{vm.host}")), key=vm.host + "\\" + vm.id)
        for row in self.rows:
            style = "bold" if row.differs else ""
            cells: list[Any] = [DIFFER_MARK if row.differs else "",
                                Text(row.field.label, style=style)]
            cells += [Text(inert(text), style=style) for text in row.shown]
            table.add_row(*cells, key=row.field.key)
        table.move_cursor(row=0, column=2)
        table.focus()

    def action_close(self) -> None:
        self.dismiss(None)

    def action_apply(self) -> None:
        table = self.query_one(DataTable)
        row, column = table.cursor_coordinate.row, table.cursor_coordinate.column
        if column < 2 or len(self.vms) < 2:
            self.app.notify("Move to one VM's value first", severity="warning")
            return
        source = self.vms[column - 2]
        key = self.rows[row].field.key
        if not applicable(source, key):
            self.app.notify(f"{source.name} has no {self.rows[row].field.label.lower()} to "
                            "give", severity="warning")
            return
        self.dismiss(apply_request(source, self.vms, [key]))


# --- the console's actions ----------------------------------------------------------------


async def edit_settings(app: HvtuiApp, vms: list[VM]) -> None:
    from hvtui.ui.wizards.handlers import planner, run_wizard

    await run_wizard(app, SettingsWizard(planner(app), vms))


async def compare_settings(app: HvtuiApp, vms: list[VM]) -> None:
    from hvtui.ui.wizards.everyday import ActionReview
    from hvtui.ui.wizards.handlers import planner, run_wizard

    if len(vms) < 2:
        app.flash("Settings diff: mark two or more VMs (space), on any hosts", "warning")
        return
    request = await app.push_screen_wait(SettingsDiff(vms))
    if request is None:
        return
    assert isinstance(request, VmSettingsRequest)
    [(key, value)] = request.changes
    field = next(f for f in FIELDS if f.key == key)
    title = f"{field.label}: {show(field, value)} for {len(request.vms)} VM(s)"
    await run_wizard(app, ActionReview(planner(app), request, title))


def register() -> None:
    register_action(ActionSpec(
        id="vm-settings", label="Settings", key="o", panes={"vms"}, mutating=True,
        handler=edit_settings,
        description="Change memory, processors, automatic start/stop, checkpoints, notes and "
                    "integration services of the VMs (Set-VMMemory, Set-VMProcessor, Set-VM)"))
    register_action(ActionSpec(
        id="vm-settings-diff", label="Compare", key="equals_sign", panes={"vms"},
        mutating=False, handler=compare_settings, multi=True, details=False,
        description="The marked VMs' settings side by side, differences marked; a applies one "
                    "VM's value to the others"))
