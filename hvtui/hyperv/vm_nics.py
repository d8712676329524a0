"""Add, remove, connect and configure a VM's network adapters (vm-network-adapter.ps1:
Add-/Remove-/Connect-/Disconnect-VMNetworkAdapter, Set-VMNetworkAdapterVlan,
Set-VMNetworkAdapter): requests, checks and plans.

The rules (R-NIC in the reference): a legacy adapter exists only on generation 1 and comes
and goes only while the VM is off; a synthetic adapter is hot added or removed only on a
running generation 2 VM from Windows Server 2016, otherwise only while the VM is off. The
switch, the VLAN and the guards change in any state, but a running guest feels it at once:
the plan says so. Adapters are named, not numbered, and Hyper-V lets two share a name: every
change by name reaches all of them, so a new adapter must take a name the VM does not use.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from hvtui.hyperv import lookup
from hvtui.hyperv.plans import (
    Check,
    Outcome,
    Plan,
    Request,
    Step,
    VmRef,
    failed,
    make_step,
    passed,
    warned,
)
from hvtui.model import VM, Host, VMState
from hvtui.model.versions import WS2016
from hvtui.model.vm import NetworkAdapter
from hvtui.remote.pool import SessionPool

VLAN_MAX = 4094
"""802.1Q ids 1..4094; 0 stands for untagged (Set-VMNetworkAdapterVlan -Untagged)."""


@dataclass(frozen=True, slots=True)
class NicAddRequest(Request):
    kind: ClassVar[str] = "nic-add"
    vm: VmRef
    name: str = ""
    """Empty: the first of 'Network Adapter', 'Network Adapter 2', ... the VM does not use."""
    switch: str = ""
    """The virtual switch to connect it to; empty: not connected."""
    legacy: bool = False


@dataclass(frozen=True, slots=True)
class NicRemoveRequest(Request):
    kind: ClassVar[str] = "nic-remove"
    vm: VmRef
    name: str


@dataclass(frozen=True, slots=True)
class NicConnectRequest(Request):
    kind: ClassVar[str] = "nic-connect"
    vm: VmRef
    name: str
    switch: str
    """The virtual switch; empty to disconnect the adapter."""


@dataclass(frozen=True, slots=True)
class NicSetRequest(Request):
    kind: ClassVar[str] = "nic-set"
    vm: VmRef
    name: str
    vlan: int | None = None
    """Access VLAN id; 0 untags; None leaves it."""
    mac_spoofing: bool | None = None
    dhcp_guard: bool | None = None
    router_guard: bool | None = None


def _state_check(vm: VM, host: Host, legacy: bool, verb: str) -> Check:
    """Whether the VM's state lets an adapter be added or removed now (R-NIC-1)."""
    state = vm.state.base
    what = "a legacy adapter" if legacy else "an adapter"
    if vm.state.is_critical:
        return failed("VM state", f"{vm.name} is {vm.state.name}", "fix the VM's storage first")
    if state is VMState.Off:
        return passed("VM state", f"{vm.name} is off: {what} can be {verb}")
    hot = (not legacy and vm.generation == 2 and state is VMState.Running
           and not host.release < WS2016)
    if hot:
        return passed("VM state", f"{vm.name} runs: a generation 2 VM on "
                                  f"{host.release.short} has adapters {verb} while it runs")
    if legacy:
        why = "a legacy adapter changes only while the VM is off"
    elif state is not VMState.Running:
        why = f"{vm.name} is {state.name}: adapters change only while it is off or running"
    elif vm.generation != 2:
        why = "only a generation 2 VM takes adapters while it runs"
    else:
        why = f"{host.name} runs {host.release.short}: adapters change while a VM runs " \
              f"from Windows Server 2016"
    return failed("VM state", f"{what.capitalize()} cannot be {verb} now: {why}",
                  f"shut {vm.name} down first")


def _switch_check(host: Host, switch: str) -> tuple[Check, str]:
    """Whether ``host`` has the switch (the inventory's spelling comes back)."""
    found = next((s for s in host.switches if s.casefold() == switch.casefold()), "")
    if not found:
        known = ", ".join(host.switches) or "none"
        return failed("Switch", f"{host.name} has no virtual switch '{switch}' "
                                f"(it has: {known})",
                      "name one of its switches, or create one with 'hvtui switch new'"), ""
    return passed("Switch", f"'{found}' on {host.name}"), found


def _adapters(vm: VM, name: str) -> list[NetworkAdapter]:
    return [a for a in vm.network_adapters if a.name.casefold() == name.casefold()]


def _free_name(vm: VM, base: str) -> str:
    """``base``, else ``base 2``, ``base 3``...: the first name the VM's adapters do not use
    (Hyper-V Manager names a second adapter the same as the first; hvtui does not)."""
    taken = {a.name.casefold() for a in vm.network_adapters}
    return next(n for n in (base, *(f"{base} {i}" for i in range(2, 1000)))
                if n.casefold() not in taken)


def _adapter_check(vm: VM, name: str) -> tuple[Check, list[NetworkAdapter]]:
    found = _adapters(vm, name)
    if not found:
        names = ", ".join(f"'{a.name}'" for a in vm.network_adapters) or "none"
        return failed("Adapter", f"{vm.name} has no network adapter named '{name}' "
                                 f"(it has: {names})", "name one of its adapters"), []
    if len(found) > 1:
        return warned("Adapter", f"{vm.name} has {len(found)} adapters named '{name}': "
                                 f"Hyper-V changes all of them"), found
    return passed("Adapter", f"'{found[0].name}' on {vm.name}"), found


def _guest_warning(vm: VM, what: str) -> list[Check]:
    if not vm.state.is_running:
        return []
    return [warned("Guest", f"{vm.name} is running: {what}",
                   "do it in a maintenance window, or from the VM's console")]


async def _vm_and_host(pool: SessionPool, ref: VmRef) -> tuple[VM, Host]:
    estate = await lookup.fresh_estate(pool, lookup.hosts_for(pool, [ref]))
    vm = lookup.vm(estate, ref)
    return vm, lookup.host(estate, vm.host)


def _plan(title: str, request: Request, vm: VM, checks: list[Check], steps: list[Step]
          ) -> Plan:
    checks = [Check(c.name, c.outcome, c.detail, c.fix, vm.name) for c in checks]
    return Plan(title=title, request=request, checks=tuple(checks), steps=tuple(steps))


async def plan_nic_add(pool: SessionPool, request: NicAddRequest) -> Plan:
    vm, host = await _vm_and_host(pool, request.vm)
    kind = "legacy network adapter" if request.legacy else "network adapter"
    name = request.name.strip() or _free_name(vm, "Legacy Network Adapter" if request.legacy
                                              else "Network Adapter")
    checks: list[Check] = []
    if _adapters(vm, name):
        checks.append(failed("Name", f"{vm.name} already has an adapter named '{name}'; "
                                     f"Hyper-V would change both by that name",
                             "choose another name"))
    else:
        checks.append(passed("Name", f"'{name}' is free on {vm.name}"))
    if request.legacy and vm.generation == 2:
        checks.append(failed("Generation", f"{vm.name} is generation 2: generation 2 VMs do "
                                           f"not support legacy network adapters",
                             "add a (synthetic) network adapter instead"))
    checks.append(_state_check(vm, host, request.legacy, "added"))
    switch = ""
    if request.switch.strip():
        check, switch = _switch_check(host, request.switch.strip())
        checks.append(check)
    else:
        checks.append(warned("Switch", "the adapter is not connected to any switch",
                             "connect it later with 'hvtui nic connect'"))
    parameters: dict[str, str | bool] = {"VMName": vm.name, "Action": "Add", "Name": name}
    if switch:
        parameters["SwitchName"] = switch
    if request.legacy:
        parameters["IsLegacy"] = True
    wanted = switch or request.switch.strip()
    where = f", connected to '{wanted}'" if wanted else ", not connected"
    step = make_step(host, "vm-network-adapter", parameters,
                     f"Add {kind} '{name}' to {vm.name}{where}", target=vm.name)
    return _plan(f"Add {kind} '{name}' to {vm.name}", request, vm, checks, [step])


async def plan_nic_remove(pool: SessionPool, request: NicRemoveRequest) -> Plan:
    vm, host = await _vm_and_host(pool, request.vm)
    check, found = _adapter_check(vm, request.name)
    checks = [check]
    steps: list[Step] = []
    if found:
        checks.append(_state_check(vm, host, any(a.legacy for a in found), "removed"))
        connected = [a.switch_name for a in found if a.switch_name]
        if connected:
            checks += _guest_warning(vm, f"the guest loses its connection to "
                                         f"'{connected[0]}' through this adapter at once")
        steps.append(make_step(host, "vm-network-adapter",
                               {"VMName": vm.name, "Action": "Remove", "Name": found[0].name},
                               f"Remove network adapter '{found[0].name}' from {vm.name}",
                               target=vm.name, destructive=True))
    return _plan(f"Remove network adapter '{request.name}' from {vm.name}", request, vm,
                 checks, steps)


async def plan_nic_connect(pool: SessionPool, request: NicConnectRequest) -> Plan:
    vm, host = await _vm_and_host(pool, request.vm)
    check, found = _adapter_check(vm, request.name)
    checks = [check]
    steps: list[Step] = []
    wanted = request.switch.strip()
    title = (f"Connect {vm.name}'s adapter '{request.name}' to '{wanted}'" if wanted else
             f"Disconnect {vm.name}'s adapter '{request.name}'")
    switch = ""
    if wanted:
        check, switch = _switch_check(host, wanted)
        checks.append(check)
    if found and (switch or not wanted):
        now = {a.switch_name.casefold() for a in found}
        if now == {switch.casefold()}:
            shown = f"'{switch}'" if switch else "no switch"
            return _plan(title, request, vm, [warned("Switch", f"'{found[0].name}' is "
                                                     f"already connected to {shown}")], [])
        old = found[0].switch_name or "no switch"
        checks += _guest_warning(vm, f"the guest's connection through '{found[0].name}' "
                                     f"moves from {old} to {switch or 'nothing'} at once")
        parameters: dict[str, str] = {"VMName": vm.name, "Action": "Connect",
                                      "Name": found[0].name}
        if switch:
            parameters["SwitchName"] = switch
        steps.append(make_step(host, "vm-network-adapter", parameters,
                               f"{'Connect' if switch else 'Disconnect'} {vm.name}'s adapter "
                               f"'{found[0].name}'" + (f" to '{switch}'" if switch else ""),
                               target=vm.name))
    return _plan(title, request, vm, checks, steps)


def _on_off(on: bool) -> str:
    return "On" if on else "Off"


async def plan_nic_set(pool: SessionPool, request: NicSetRequest) -> Plan:
    vm, host = await _vm_and_host(pool, request.vm)
    check, found = _adapter_check(vm, request.name)
    checks = [check]
    title = f"Change {vm.name}'s adapter '{request.name}'"
    if request.vlan is not None and not 0 <= request.vlan <= VLAN_MAX:
        checks.append(failed("VLAN", f"{request.vlan} is not a VLAN id",
                             f"give 1 to {VLAN_MAX}, or 0 (untagged)"))
    if not found or any(c.outcome is Outcome.FAIL for c in checks):
        return _plan(title, request, vm, checks, [])
    adapter = found[0]
    parameters: dict[str, str | int] = {"VMName": vm.name, "Action": "Set",
                                        "Name": adapter.name}
    changes: list[str] = []
    if request.vlan is not None and request.vlan != adapter.vlan:
        parameters["VlanId"] = request.vlan
        old = f"VLAN {adapter.vlan}" if adapter.vlan else "untagged"
        new = f"VLAN {request.vlan}" if request.vlan else "untagged"
        changes.append(f"{old} -> {new}")
        checks += _guest_warning(vm, f"the guest's traffic through '{adapter.name}' is "
                                     f"{new} at once; it loses its connection unless the "
                                     f"network it reaches carries {new}")
    for label, parameter, wanted, now in (
            ("MAC address spoofing", "MacAddressSpoofing", request.mac_spoofing,
             adapter.mac_spoofing),
            ("DHCP guard", "DhcpGuard", request.dhcp_guard, adapter.dhcp_guard),
            ("router guard", "RouterGuard", request.router_guard, adapter.router_guard)):
        if wanted is not None and wanted != now:
            parameters[parameter] = _on_off(wanted)
            changes.append(f"{label} {_on_off(now).lower()} -> {_on_off(wanted).lower()}")
    if not changes:
        return _plan(title, request, vm, [warned("Settings", f"'{adapter.name}' already has "
                                                             f"these settings")], [])
    checks.append(passed("VM state", f"{vm.name} is {vm.state.base.name}: VLAN and guards "
                                     f"change in any state"))
    step = make_step(host, "vm-network-adapter", parameters,
                     f"Set {vm.name}'s adapter '{adapter.name}': {'; '.join(changes)}",
                     target=vm.name)
    return _plan(title, request, vm, checks, [step])
