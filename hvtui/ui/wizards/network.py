"""Networking in the console (issue 11): a VM's network adapters and a host's Virtual Switch
Manager, both through the same pre-flight page as every change.

``N`` on the VMs pane opens the network adapter wizard (add, connect, VLAN and guards,
remove); ``V`` on the Hosts pane opens the Virtual Switch Manager (create, rename, remove).
Both are mutating actions (read-only mode hides them) and in the palette.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.widgets import Input, Label, Static

from hvtui.errors import PlanRefused
from hvtui.hyperv.plans import Request, VmRef
from hvtui.hyperv.switches import (
    SWITCH_TYPES,
    SwitchNewRequest,
    SwitchRemoveRequest,
    SwitchRenameRequest,
)
from hvtui.hyperv.vm_nics import (
    VLAN_MAX,
    NicAddRequest,
    NicConnectRequest,
    NicRemoveRequest,
    NicSetRequest,
)
from hvtui.model import VM, Host, HostStatus
from hvtui.model.vm import NetworkAdapter
from hvtui.ui.actions import ActionSpec, register_action
from hvtui.ui.widgets import assemble
from hvtui.ui.wizards.base import Planner, PlanWizard
from hvtui.ui.wizards.handlers import planner, run_wizard
from hvtui.ui.wizards.toggles import ChoiceSet, RadioChoice, TickBox

if TYPE_CHECKING:
    from hvtui.ui.app import HvtuiApp

NIC_ACTIONS = ("add", "connect", "set", "remove")


def _lines(lines: list[str]) -> list[str]:
    """Each line its own piece: a new line inside a piece would be shown escaped."""
    return [piece for line in lines for piece in ("\n", line)]


def _adapter_line(nic: NetworkAdapter) -> str:
    vlan = f"VLAN {nic.vlan}" if nic.vlan else "untagged"
    guards = [g for g, on in (("MAC spoofing", nic.mac_spoofing), ("DHCP guard", nic.dhcp_guard),
                              ("router guard", nic.router_guard)) if on]
    kind = " (legacy)" if nic.legacy else ""
    return (f"  {nic.name}{kind}: {nic.switch_name or 'not connected'}, {vlan}"
            + (f", {', '.join(guards)}" if guards else ""))


class NicWizard(PlanWizard):
    """One VM's network adapters: add one, connect one to a switch, set its VLAN and guards,
    or remove it."""

    def __init__(self, planner: Planner, vm: VM, switches: tuple[str, ...]) -> None:
        self.vm = vm
        self.switches = switches
        super().__init__(planner, title=f"Network adapters of {vm.name}")

    def compose_form(self) -> ComposeResult:
        vm = self.vm
        lines = [_adapter_line(a) for a in vm.network_adapters] or ["  none"]
        yield Static(assemble(("VM: ", "bold"), f"{vm.name} on {vm.host}, {vm.state.name}, "
                                               f"generation {vm.generation or '?'}", "\n",
                              ("Adapters now:", "bold"), *_lines(lines), "\n",
                              ("Switches on the host: ", "bold"),
                              ", ".join(self.switches) or "none"), id="nic-now")
        with ChoiceSet(id="nic-action"):
            yield RadioChoice("Add an adapter", value=True, id="nic-add")
            yield RadioChoice("Connect an adapter to a switch (empty switch: disconnect)",
                              id="nic-connect")
            yield RadioChoice("Set an adapter's VLAN and guards", id="nic-set")
            yield RadioChoice("Remove an adapter", id="nic-remove")
        first = vm.network_adapters[0] if vm.network_adapters else None
        yield Label("Adapter name (new, or one of the adapters above)", classes="section")
        yield Input(value=first.name if first else "Network Adapter", id="nic-name")
        yield Label("Switch", classes="section")
        yield Input(value=first.switch_name if first else "",
                    placeholder=", ".join(self.switches) or "no switch", id="nic-switch")
        yield TickBox("Legacy adapter (add: generation 1, VM off; PXE boot)", id="nic-legacy")
        yield Label(f"Access VLAN (set: 1 to {VLAN_MAX}; 0 untags; empty leaves it)",
                    classes="section")
        yield Input(value=str(first.vlan) if first and first.vlan else "",
                    placeholder="e.g. 20", id="nic-vlan")
        yield TickBox("MAC address spoofing", value=bool(first and first.mac_spoofing),
                      id="nic-spoofing")
        yield TickBox("DHCP guard", value=bool(first and first.dhcp_guard), id="nic-dhcp")
        yield TickBox("Router guard", value=bool(first and first.router_guard),
                      id="nic-router")

    def _text(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", Input).value.strip()

    def _tick(self, widget_id: str) -> bool:
        return self.query_one(f"#{widget_id}", TickBox).value

    def make_request(self) -> Request:
        action = NIC_ACTIONS[self.query_one("#nic-action", ChoiceSet).pressed_index]
        ref = VmRef.of(self.vm)
        name = self._text("nic-name")
        if not name:
            raise PlanRefused("give the adapter's name")
        if action == "add":
            return NicAddRequest(ref, name, self._text("nic-switch"), self._tick("nic-legacy"))
        if action == "connect":
            return NicConnectRequest(ref, name, self._text("nic-switch"))
        if action == "remove":
            return NicRemoveRequest(ref, name)
        vlan_text = self._text("nic-vlan")
        try:
            vlan = int(vlan_text) if vlan_text else None
        except ValueError:
            raise PlanRefused(f"'{vlan_text}' is not a VLAN id: give 1 to {VLAN_MAX}, "
                              f"0 to untag, or leave it empty") from None
        return NicSetRequest(ref, name, vlan, self._tick("nic-spoofing"),
                             self._tick("nic-dhcp"), self._tick("nic-router"))


SWITCH_ACTIONS = ("new", "rename", "remove")


class SwitchManagerWizard(PlanWizard):
    """A host's virtual switches: create one (external, internal, private), rename one,
    remove an unused one."""

    def __init__(self, planner: Planner, host: Host, used: dict[str, int]) -> None:
        self.host = host
        self.used = used
        super().__init__(planner, title=f"Virtual Switch Manager: {host.name}")

    def compose_form(self) -> ComposeResult:
        host = self.host
        lines = [f"  {s.name}: {s.type.lower()}"
                 + (f" on '{s.net_adapter}'" if s.net_adapter else "")
                 + (", shared with the host" if s.type == "External" and s.management_os
                    else "")
                 + f", {self.used.get(s.name.casefold(), 0)} adapter(s)"
                 for s in host.virtual_switches] or [f"  {s}" for s in host.switches] \
            or ["  none"]
        yield Static(assemble(("Host: ", "bold"), f"{host.name} ({host.release.short})", "\n",
                              ("Switches now:", "bold"), *_lines(lines)),
                     id="switches-now")
        with ChoiceSet(id="switch-action"):
            yield RadioChoice("Create a switch", value=True, id="switch-new")
            yield RadioChoice("Rename a switch", id="switch-rename")
            yield RadioChoice("Remove a switch (only when no VM uses it)", id="switch-remove")
        yield Label("Switch name (new, or one of the switches above)", classes="section")
        yield Input(placeholder="e.g. Lab-Internal", id="switch-name")
        yield Label("Create: type", classes="section")
        with ChoiceSet(id="switch-type"):
            yield RadioChoice("Internal (the host's VMs and the host)", value=True,
                              id="type-internal")
            yield RadioChoice("Private (the host's VMs only)", id="type-private")
            yield RadioChoice("External (a physical adapter: can cut the host's own "
                              "connection)", id="type-external")
        yield Label("Create, external: the host's physical adapter", classes="section")
        yield Input(placeholder="e.g. Ethernet 2", id="switch-adapter")
        yield TickBox("External: share the adapter with the host (AllowManagementOS)",
                      value=True, id="switch-share")
        yield Label("Rename: the new name", classes="section")
        yield Input(id="switch-new-name")

    def _text(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", Input).value

    def make_request(self) -> Request:
        action = SWITCH_ACTIONS[self.query_one("#switch-action", ChoiceSet).pressed_index]
        name = self._text("switch-name")
        if not name.strip():
            raise PlanRefused("give the switch's name")
        if action == "rename":
            new = self._text("switch-new-name")
            if not new.strip():
                raise PlanRefused("give the switch's new name")
            return SwitchRenameRequest(self.host.name, name.strip(), new)
        if action == "remove":
            return SwitchRemoveRequest(self.host.name, name.strip())
        kind = ("Internal", "Private", "External")[
            self.query_one("#switch-type", ChoiceSet).pressed_index]
        assert kind in SWITCH_TYPES
        adapter = self._text("switch-adapter").strip() if kind == "External" else ""
        return SwitchNewRequest(self.host.name, name, kind, adapter,
                                self.query_one("#switch-share", TickBox).value)


def _host_of(app: HvtuiApp, name: str) -> Host | None:
    status = app.estate.status(name)
    return status.inventory.host if status is not None and status.inventory else None


async def nics(app: HvtuiApp, vms: list[VM]) -> None:
    vm = vms[0]
    host = _host_of(app, vm.host)
    await run_wizard(app, NicWizard(planner(app), vm, host.switches if host else ()))


async def switch_manager(app: HvtuiApp, hosts: list[HostStatus]) -> None:
    status = hosts[0]
    if status.inventory is None:
        app.notify(f"{status.name} has not answered yet: refresh, then open the switch "
                   f"manager", severity="warning")
        return
    used: dict[str, int] = {}
    for vm in status.inventory.vms:
        for adapter in vm.network_adapters:
            if adapter.switch_name:
                key = adapter.switch_name.casefold()
                used[key] = used.get(key, 0) + 1
    await run_wizard(app, SwitchManagerWizard(planner(app), status.inventory.host, used))


def _spec(id_: str, label: str, key: str, panes: set[str], handler: Any,
          description: str) -> ActionSpec:
    return ActionSpec(id=id_, label=label, key=key, panes=panes, mutating=True,
                      handler=handler, description=description, multi=False)


SPECS: tuple[ActionSpec, ...] = (
    _spec("network-adapters", "Network adapters", "N", {"vms"}, nics,
          "Add, connect or remove a VM's network adapter; VLAN, MAC spoofing, DHCP and "
          "router guard (Add-/Connect-/Remove-VMNetworkAdapter, Set-VMNetworkAdapterVlan)"),
    _spec("switch-manager", "Switches", "V", {"hosts"}, switch_manager,
          "Virtual Switch Manager: create an external, internal or private switch, rename "
          "one, remove an unused one (New-/Rename-/Remove-VMSwitch)"),
)


def register() -> None:
    for spec in SPECS:
        register_action(spec)
