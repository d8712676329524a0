"""Virtual Switch Manager: create, rename and remove a host's virtual switches
(host-switch.ps1: New-VMSwitch, Rename-VMSwitch, Remove-VMSwitch): requests, checks, plans.

An external switch takes a physical adapter of the host; while the host shares it
(AllowManagementOS, the default) the host's own connection on that adapter moves to a new
virtual adapter, which drops it for a moment and loses its IP settings unless they were
DHCP's; without sharing, the host loses that connection for good. If hvtui reaches the host
through that adapter, the session may drop mid-change: the plan warns every time. Hyper-V
removes a switch VMs use (their adapters are left connected to nothing): hvtui refuses that
and names the adapters to move first. Switch names matter across hosts: live migration and
Replica failover look for a switch of the same name on the other host.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from hvtui.hyperv import lookup
from hvtui.hyperv.plans import Check, Plan, Request, Step, failed, make_step, passed, warned
from hvtui.model import Host
from hvtui.model.host import VirtualSwitch
from hvtui.remote.pool import SessionPool

SWITCH_TYPES = ("External", "Internal", "Private")


@dataclass(frozen=True, slots=True)
class SwitchNewRequest(Request):
    kind: ClassVar[str] = "switch-new"
    host: str
    name: str
    type: str = "Internal"
    """External, Internal or Private."""
    net_adapter: str = ""
    """External only: the physical adapter's name (Get-NetAdapter's Name, e.g. 'Ethernet 2')."""
    management_os: bool = True
    """External only: the host keeps a connection through the switch."""


@dataclass(frozen=True, slots=True)
class SwitchRenameRequest(Request):
    kind: ClassVar[str] = "switch-rename"
    host: str
    name: str
    new_name: str


@dataclass(frozen=True, slots=True)
class SwitchRemoveRequest(Request):
    kind: ClassVar[str] = "switch-remove"
    host: str
    name: str


async def _host(pool: SessionPool, name: str) -> tuple[Host, list[tuple[str, str]]]:
    """The host now, and (VM, adapter) of each adapter with its switch name, by switch."""
    canonical = lookup.canonical_host(pool, name)
    estate = await lookup.fresh_estate(pool, [canonical])
    host = lookup.host(estate, canonical)
    status = estate.status(host.name)
    vms = status.inventory.vms if status and status.inventory else ()
    return host, [(f"{vm.name}: '{a.name}'", a.switch_name) for vm in vms
                  for a in vm.network_adapters if a.switch_name]


def _switch(host: Host, name: str) -> VirtualSwitch | None:
    found = next((s for s in host.virtual_switches if s.name.casefold() == name.casefold()),
                 None)
    if found is None and any(s.casefold() == name.casefold() for s in host.switches):
        return VirtualSwitch(name)  # a host that reported names only
    return found


def _name_checks(host: Host, name: str, what: str = "Name") -> list[Check]:
    if not name.strip():
        return [failed(what, "the switch needs a name", "give it one, such as 'Lab-Internal'")]
    if name != name.strip():
        return [failed(what, f"'{name}' starts or ends with spaces",
                       "give the name without them")]
    if _switch(host, name) is not None:
        return [failed(what, f"{host.name} already has a switch named '{name}'",
                       "choose another name (Hyper-V would let two share it, and VMs, "
                       "live migration and Replica find switches by name)")]
    return [passed(what, f"'{name}' is free on {host.name}")]


def _plan(title: str, request: Request, host: Host, checks: list[Check],
          steps: list[Step]) -> Plan:
    checks = [Check(c.name, c.outcome, c.detail, c.fix, host.name) for c in checks]
    return Plan(title=title, request=request, checks=tuple(checks), steps=tuple(steps))


def _cluster_warning(host: Host, what: str) -> list[Check]:
    """A cluster node's switches must match its peers' (VMs fail over by switch name)."""
    if not host.cluster:
        return []
    return [warned("Cluster", f"{host.name} is a node of {host.cluster}: {what}",
                   "make the same change on every node of the cluster")]


def _connection_warning(host: Host, adapter: str, keeps: bool) -> Check:
    if keeps:
        what = (f"{host.name}'s own connection on '{adapter}' moves to a virtual adapter "
                f"on the switch: it drops for a moment, and static IP settings on "
                f"'{adapter}' must be set again on the new adapter")
    else:
        what = (f"{host.name} loses its own connection on '{adapter}' for good (the host "
                f"does not share the switch)")
    return warned("Host connection", what + "; if hvtui reaches the host through that "
                                            "adapter, the session may drop",
                  "make sure the host has another way in (another adapter, an "
                  "out-of-band console) before confirming")


async def plan_switch_new(pool: SessionPool, request: SwitchNewRequest) -> Plan:
    host, _ = await _host(pool, request.host)
    kind = request.type.capitalize()
    name = request.name
    checks = _name_checks(host, name)
    parameters: dict[str, str | bool] = {"Action": "New", "Name": name}
    if kind not in SWITCH_TYPES:
        checks.append(failed("Type", f"'{request.type}' is not a switch type",
                             "use External, Internal or Private"))
    elif kind == "External":
        adapter = request.net_adapter.strip()
        if not adapter:
            checks.append(failed("Adapter", "an external switch needs a physical adapter of "
                                            "the host", "name one, such as 'Ethernet 2'"))
        else:
            held = [s.name for s in host.virtual_switches
                    if s.type == "External" and s.net_adapter.casefold() == adapter.casefold()]
            if held:
                checks.append(failed("Adapter", f"'{adapter}' is bound to the switch "
                                                f"'{held[0]}' already",
                                     "choose a free adapter, or remove that switch first"))
            else:
                checks.append(passed("Adapter", f"'{adapter}' (the host refuses an adapter "
                                                f"it does not have or has bound)"))
            checks.append(_connection_warning(host, adapter, request.management_os))
        parameters |= {"NetAdapterName": adapter, "AllowManagementOS": request.management_os}
    else:
        if request.net_adapter.strip():
            checks.append(failed("Adapter", f"an {kind.lower()} switch takes no physical "
                                            f"adapter", "leave the adapter out, or make it "
                                                        "External"))
        reach = ("VMs on this host and the host itself" if kind == "Internal" else
                 "only VMs on this host")
        checks.append(passed("Type", f"{kind}: {reach} reach each other through it"))
        parameters["SwitchType"] = kind
    checks += _cluster_warning(host, f"VMs that fail over or move to another node find no "
                                     f"switch '{name}' there until it has one")
    step = make_step(host, "host-switch", parameters,
                     f"Create the {kind.lower()} switch '{name}' on {host.name}",
                     target=host.name)
    return _plan(f"Create the {kind.lower()} switch '{name}' on {host.name}", request, host,
                 checks, [step])


async def plan_switch_rename(pool: SessionPool, request: SwitchRenameRequest) -> Plan:
    host, used = await _host(pool, request.host)
    switch = _switch(host, request.name)
    title = f"Rename the switch '{request.name}' on {host.name} to '{request.new_name}'"
    if switch is None:
        return _plan(title, request, host, [_missing(host, request.name)], [])
    checks = [passed("Switch", f"'{switch.name}' ({switch.type.lower()})")]
    if request.new_name.casefold() == switch.name.casefold() \
            and request.new_name != switch.name:
        checks.append(passed("Name", "only the letter case changes"))
    else:
        checks += _name_checks(host, request.new_name, "New name")
    users = [who for who, on in used if on.casefold() == switch.name.casefold()]
    if users:
        checks.append(warned("Other hosts", f"{len(users)} adapter(s) use it and follow the "
                                            f"new name; live migration and Replica failover "
                                            f"to or from other hosts look for a switch named "
                                            f"'{request.new_name}' there",
                             "rename the matching switch on the other hosts as well"))
    checks += _cluster_warning(host, f"VMs that fail over or move to another node look for "
                                     f"'{request.new_name}' there")
    step = make_step(host, "host-switch", {"Action": "Rename", "Name": switch.name,
                                           "NewName": request.new_name},
                     f"Rename the switch '{switch.name}' on {host.name} to "
                     f"'{request.new_name}'", target=host.name)
    return _plan(title, request, host, checks, [step])


def _missing(host: Host, name: str) -> Check:
    names = ", ".join(f"'{s}'" for s in host.switches) or "none"
    return failed("Switch", f"{host.name} has no virtual switch '{name}' (it has: {names})",
                  "name one of its switches")


async def plan_switch_remove(pool: SessionPool, request: SwitchRemoveRequest) -> Plan:
    host, used = await _host(pool, request.host)
    switch = _switch(host, request.name)
    title = f"Remove the switch '{request.name}' from {host.name}"
    if switch is None:
        return _plan(title, request, host, [_missing(host, request.name)], [])
    checks = [passed("Switch", f"'{switch.name}' ({switch.type.lower()})")]
    users = [who for who, on in used if on.casefold() == switch.name.casefold()]
    if users:
        shown = ", ".join(users[:5]) + (f" and {len(users) - 5} more" if len(users) > 5 else "")
        checks.append(failed("In use", f"{len(users)} adapter(s) use it: {shown}",
                             "connect them to another switch first ('hvtui nic connect "
                             "VM NAME SWITCH', or --none)"))
    else:
        checks.append(passed("In use", "no VM's adapter uses it"))
    if switch.type == "External" and switch.management_os:
        adapter = switch.net_adapter or "its physical adapter"
        checks.append(warned("Host connection", f"{host.name}'s own connection through the "
                                                f"switch goes with it and comes back on "
                                                f"'{adapter}' only after it is set up again "
                                                f"there; if hvtui reaches the host that way, "
                                                f"the session drops",
                             "make sure the host has another way in (another adapter, an "
                             "out-of-band console) before confirming"))
    checks += _cluster_warning(host, f"VMs that fail over or move here from another node "
                                     f"find no '{switch.name}' any more")
    step = make_step(host, "host-switch", {"Action": "Remove", "Name": switch.name},
                     f"Remove the switch '{switch.name}' from {host.name}",
                     target=host.name, destructive=True)
    return _plan(title, request, host, checks, [step])
