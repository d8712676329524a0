"""Setting up Hyper-V Replica in the console: Enable Replication for a VM (the VMs pane) and
a host's Replica server settings (the Hosts pane). Their pre-flight pages are the plans of
:mod:`hvtui.hyperv.replica_setup`, which read both hosts' Replica server settings first."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.widgets import Input, Label, Select, Static

from hvtui.errors import PlanRefused
from hvtui.hyperv.plans import Request, VmRef
from hvtui.hyperv.replica_setup import (
    AUTH_TYPES,
    MAX_RECOVERY_POINTS,
    EnableReplicationRequest,
    InitialReplication,
    ReplicaServerRequest,
    ReplicaServerSettings,
    replica_server_settings,
)
from hvtui.model import VM, HostStatus
from hvtui.ui.actions import ActionSpec, register_action
from hvtui.ui.widgets import assemble, plain
from hvtui.ui.wizards.base import Planner, PlanWizard

if TYPE_CHECKING:
    from hvtui.ui.app import HvtuiApp

FREQUENCY_CHOICES = (("every 5 minutes (300 s)", 300), ("every 30 seconds", 30),
                     ("every 15 minutes (900 s)", 900))
INITIAL_CHOICES = (("now, over the network", InitialReplication.NOW.value),
                   ("at a time (within 7 days)", InitialReplication.SCHEDULED.value),
                   ("later (start it yourself)", InitialReplication.LATER.value))


def _number(text: str, what: str, default: int) -> int:
    text = text.strip()
    if not text:
        return default
    try:
        return int(text)
    except ValueError:
        raise PlanRefused(f"{what}: '{text}' is not a whole number") from None


def _choice(wizard: PlanWizard, widget_id: str) -> str | None:
    value = wizard.query_one(widget_id, Select).value
    return value if isinstance(value, str) else None


class EnableReplicationWizard(PlanWizard):
    """Replica server, authentication and port, frequency, recovery points, initial copy."""

    def __init__(self, planner: Planner, vm: VM, servers: Sequence[str]) -> None:
        self.vm = vm
        self.servers = [s for s in servers if s.casefold() != vm.host.casefold()]
        super().__init__(planner, title=f"Enable replication: {vm.name} on {vm.host}")

    def compose_form(self) -> ComposeResult:
        yield Static(assemble(("VM: ", "bold"), self.vm.name, ("   on ", ""), self.vm.host))
        yield Label("Replica server", classes="section")
        yield Select([(plain(s), s) for s in self.servers], id="server",
                     prompt="choose the Replica server", allow_blank=True)
        yield Label("Authentication", classes="section")
        yield Select([("Kerberos (HTTP)", "Kerberos"), ("Certificate (HTTPS)", "Certificate")],
                     id="auth", value="Kerberos", allow_blank=False)
        yield Input(placeholder="port (empty: the one the Replica server listens on)",
                    id="port")
        yield Input(placeholder="certificate thumbprint (certificate authentication)",
                    id="thumbprint")
        yield Label("Frequency and recovery points", classes="section")
        yield Select(FREQUENCY_CHOICES, id="frequency", value=300, allow_blank=False)
        yield Input(value="0", id="points",
                    placeholder=f"additional hourly recovery points, 0-{MAX_RECOVERY_POINTS}")
        yield Label("Initial copy", classes="section")
        yield Select(INITIAL_CHOICES, id="initial", value=InitialReplication.NOW.value,
                     allow_blank=False)
        yield Input(placeholder="start time, YYYY-MM-DD HH:MM (this computer's time)",
                    id="start-time")
        yield Static("The next page checks the Replica server (is it one, does it accept "
                     "this authentication on this port, does it admit this host) and what "
                     "this host's release allows.", classes="hint")

    def make_request(self) -> Request:
        server = _choice(self, "#server")
        if not server:
            raise PlanRefused("choose the Replica server first")
        frequency = self.query_one("#frequency", Select).value
        initial = InitialReplication(_choice(self, "#initial") or "now")
        start = self.query_one("#start-time", Input).value.strip()
        if initial is InitialReplication.SCHEDULED and not start:
            raise PlanRefused("give the start time of the initial copy (YYYY-MM-DD HH:MM)")
        return EnableReplicationRequest(
            VmRef.of(self.vm), server, auth=_choice(self, "#auth") or "Kerberos",
            port=_number(self.query_one("#port", Input).value, "port", 0),
            thumbprint=self.query_one("#thumbprint", Input).value,
            frequency=frequency if isinstance(frequency, int) else 300,
            recovery_points=_number(self.query_one("#points", Input).value,
                                    "recovery points", 0),
            initial=initial, start_time=start)


class ReplicaServerWizard(PlanWizard):
    """Receive replication or not, authentication, who may replicate here, where to."""

    def __init__(self, planner: Planner, host: str,
                 now: ReplicaServerSettings | None = None) -> None:
        self.host = host
        self.now = now
        """The host's settings when the wizard opened (None: it did not say)."""
        super().__init__(planner, title=f"Replica server: {host}")

    def compose_form(self) -> ComposeResult:
        yield Static(assemble(("Now: ", "bold"), now_words(self.now)), id="now")
        yield Static("What is left 'unchanged' stays as the host has it; the next page reads "
                     "its settings again and shows what changes.", classes="hint")
        yield Label("Replica server", classes="section")
        yield Select([("on: receive replication", "on"), ("off", "off")], id="enabled",
                     prompt="unchanged", allow_blank=True, value="on")
        yield Select([(a, a) for a in AUTH_TYPES], id="auth", prompt="authentication: "
                     "unchanged", allow_blank=True)
        yield Input(placeholder="certificate thumbprint (certificate authentication)",
                    id="thumbprint")
        yield Label("Who may replicate here", classes="section")
        yield Select([("any authenticated server", "any"),
                      ("only the servers of its authorisation entries", "only")],
                     id="who", prompt="unchanged", allow_blank=True)
        yield Input(placeholder="allow this primary server, e.g. *.contoso.local (optional)",
                    id="allow")
        yield Input(placeholder="its replicas' folder, e.g. D:\\Replica", id="entry-storage")
        yield Label("Storage", classes="section")
        yield Input(placeholder="default folder for replicas (empty: unchanged)", id="storage")

    def make_request(self) -> Request:
        enabled = _choice(self, "#enabled")
        who = _choice(self, "#who")
        return ReplicaServerRequest(
            self.host, enabled=None if enabled is None else enabled == "on",
            auth=_choice(self, "#auth"), any_server=None if who is None else who == "any",
            storage=self.query_one("#storage", Input).value.strip(),
            thumbprint=self.query_one("#thumbprint", Input).value,
            allow=self.query_one("#allow", Input).value.strip(),
            entry_storage=self.query_one("#entry-storage", Input).value.strip())


def now_words(now: ReplicaServerSettings | None) -> str:
    """A host's Replica server settings in one line."""
    if now is None:
        return "the host did not report its Replica server settings"
    if not now.enabled:
        return "not a Replica server"
    ports = {"Kerberos": f"Kerberos on port {now.kerberos_port}",
             "Certificate": f"Certificate on port {now.certificate_port}"}
    auth = ports.get(now.auth, f"Kerberos on port {now.kerberos_port} and Certificate on "
                               f"port {now.certificate_port}")
    who = "any server" if now.any_server else (
        "only " + (", ".join(f"{a} ({s})" for a, s, _ in now.entries) or "(no entries)"))
    return f"a Replica server: {auth}; from {who}; replicas in {now.storage}"


# --- the actions ------------------------------------------------------------------------------


async def enable_replication(app: HvtuiApp, vms: list[VM]) -> None:
    from hvtui.ui.wizards.handlers import planner, run_wizard

    vm = vms[0]
    servers = [s.name for s in app.estate.hosts if s.inventory is not None]
    await run_wizard(app, EnableReplicationWizard(planner(app), vm, servers))


async def replica_server(app: HvtuiApp, hosts: list[HostStatus]) -> None:
    from hvtui.ui.wizards.handlers import planner, run_wizard

    name = hosts[0].name
    try:
        now: ReplicaServerSettings | None = await replica_server_settings(app.pool, name)
    except PlanRefused:
        now = None  # the form says so; its pre-flight reads the host again
    await run_wizard(app, ReplicaServerWizard(planner(app), name, now))


def register() -> None:
    register_action(ActionSpec(
        id="replica-enable", label="Enable replication", key="R", panes={"vms"},
        mutating=True, handler=enable_replication, multi=False,
        description="Replicate the VM to a Replica server (Enable-VMReplication, "
                    "Start-VMInitialReplication): authentication, frequency, recovery "
                    "points, initial copy"))
    register_action(ActionSpec(
        id="replica-server", label="Replica server", key="R", panes={"hosts"},
        mutating=True, handler=replica_server, multi=False,
        description="Make the host a Replica server or change its settings "
                    "(Set-VMReplicationServer, New-VMReplicationAuthorizationEntry)"))
