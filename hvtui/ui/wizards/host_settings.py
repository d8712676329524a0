"""The host settings editor: one Hyper-V host, or many marked hosts at once (``o`` on the
Hosts pane).

The editor shows each setting with its value (for many hosts: the value they share, or
"differs"); what is typed or chosen becomes one :class:`HostSettingsRequest`, whose
pre-flight page shows each change old -> new per host, with what a person must know
(NUMA spanning waits for a service restart, the authentication type for signing in again)
before anything runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.widgets import Input, Label, Select, Static

from hvtui.errors import PlanRefused
from hvtui.hyperv.host_settings import (
    HOST_FIELDS,
    NETWORKS_LABEL,
    HostField,
    HostSettingError,
    HostSettingsRequest,
    HostValue,
    Kind,
    current,
    parse,
    show,
    subnet,
)
from hvtui.hyperv.plans import Request
from hvtui.model import Host, HostStatus
from hvtui.model.text import inert
from hvtui.ui.actions import ActionSpec, register_action
from hvtui.ui.widgets import assemble, plain
from hvtui.ui.wizards.base import Planner, PlanWizard

if TYPE_CHECKING:
    from hvtui.ui.app import HvtuiApp

UNCHANGED = "unchanged"


def _shared(hosts: Sequence[Host], key: str) -> HostValue | None:
    """The value every host has, or None when they differ."""
    values = {repr(current(h)[key]) for h in hosts}
    return current(hosts[0])[key] if len(values) == 1 else None


def _networks(hosts: Sequence[Host]) -> tuple[str, ...] | None:
    """The migration networks every host lists, or None when they differ."""
    sets = {tuple(sorted(n.lower() for n in h.migration.networks)) for h in hosts}
    return hosts[0].migration.networks if len(sets) == 1 else None


class HostSettingsWizard(PlanWizard):
    """Default folders, NUMA spanning, live and storage migrations, migration networks."""

    def __init__(self, planner: Planner, hosts: Sequence[Host]) -> None:
        self.hosts = list(hosts)
        what = self.hosts[0].name if len(self.hosts) == 1 else f"{len(self.hosts)} hosts"
        super().__init__(planner, title=f"Hyper-V settings of {what}")

    def compose_form(self) -> ComposeResult:
        shown = ", ".join(f"{h.name} ({h.release.short})" for h in self.hosts[:6])
        yield Static(assemble(("Hosts: ", "bold"), shown))
        yield Static("Change what you want; empty or 'unchanged' keeps a value. The next page "
                     "shows every change old -> new per host.", classes="hint")
        group = ""
        for field in HOST_FIELDS:
            if field.group != group:
                group = field.group
                yield Label(group, classes="section")
            shared = _shared(self.hosts, field.key)
            now = "differs" if shared is None else show(field, shared)
            yield Label(plain(f"{field.label} (now {now})"))
            if field.kind in (Kind.SWITCH, Kind.CHOICE):
                choices = ("on", "off") if field.kind is Kind.SWITCH else field.choices
                yield Select([(c, c) for c in choices], prompt=UNCHANGED, allow_blank=True,
                             id=f"host-{field.key}")
            else:
                value = "" if shared is None else str(shared)
                if inert(value) != value:
                    value = ""  # never type a host's control characters back
                yield Input(value=value, id=f"host-{field.key}",
                            placeholder="D:\\Hyper-V" if field.kind is Kind.PATH else "2")
            if field.key == "use_any_network":
                networks = _networks(self.hosts)
                now = "differs" if networks is None else (", ".join(networks) or "none")
                yield Label(plain(f"{NETWORKS_LABEL} (now {now})"))
                yield Input(value="" if networks is None else ", ".join(networks),
                            id="host-networks", placeholder="10.0.20.0/24, 10.0.30.0/24")

    def _typed(self, field: HostField) -> str | None:
        widget = self.query_one(f"#host-{field.key}")
        if isinstance(widget, Select):
            value = widget.value
            return value if isinstance(value, str) else None
        assert isinstance(widget, Input)
        shared = _shared(self.hosts, field.key)
        text = widget.value
        if not text.strip() or (shared is not None and text == str(shared)):
            return None
        return text

    def _network_changes(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(to add, to remove): the typed list against what the hosts list now."""
        text = self.query_one("#host-networks", Input).value
        shared = _networks(self.hosts)
        if shared is None and not text.strip():
            return (), ()  # they differ and nothing was typed: leave each as it is
        typed = [subnet(word) for word in text.replace(";", ",").split(",") if word.strip()]
        wanted = {w.lower() for w in typed}
        have = {n.lower(): n for h in self.hosts for n in h.migration.networks}
        adding = tuple(w for w in typed if w.lower() not in have)
        removing = tuple(n for low, n in have.items() if low not in wanted)
        return adding, removing

    def make_request(self) -> Request:
        changes: list[tuple[str, HostValue]] = []
        try:
            for field in HOST_FIELDS:
                text = self._typed(field)
                if text is not None:
                    changes.append((field.key, parse(field, text)))
            adding, removing = self._network_changes()
        except HostSettingError as exc:
            raise PlanRefused(str(exc)) from None
        if len(self.hosts) > 1:
            # a network one host lacks is not removed from it (the plan would refuse that)
            removing = tuple(n for n in removing if all(
                n.lower() in {m.lower() for m in h.migration.networks} for h in self.hosts))
        if not changes and not adding and not removing:
            raise PlanRefused("nothing to change: type or choose at least one new value")
        return HostSettingsRequest(tuple(h.name for h in self.hosts), tuple(changes), adding,
                                   removing)


# --- the console's action -------------------------------------------------------------------


async def edit_host_settings(app: HvtuiApp, statuses: list[HostStatus]) -> None:
    from hvtui.ui.wizards.handlers import planner, run_wizard

    hosts = [s.inventory.host for s in statuses if s.inventory is not None]
    if not hosts:
        app.flash("Host settings: the selected hosts have not answered yet", "warning")
        return
    await run_wizard(app, HostSettingsWizard(planner(app), hosts))


def register() -> None:
    register_action(ActionSpec(
        id="host-settings", label="Host settings", key="o", panes={"hosts"}, mutating=True,
        handler=edit_host_settings,
        description="Change the hosts' default VM and disk folders, NUMA spanning, live "
                    "migration (on/off, count, authentication, performance, networks) and "
                    "storage migrations (Set-VMHost, Enable-/Disable-VMMigration, "
                    "Add-/Remove-VMMigrationNetwork)"))
