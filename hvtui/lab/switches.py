"""A host's virtual switches: New-VMSwitch (external, internal, private), Rename-VMSwitch and
Remove-VMSwitch, with the rules of R-SW (tests/support/data/hyperv-rules.md).

R-SW-1: an external switch binds one physical adapter of the host (-NetAdapterName), which
no other external switch holds; -AllowManagementOS (default true) shares it with the host.
Internal and private switches take -SwitchType and no adapter (the parameter sets part
them: the binder refuses a mix). R-SW-2: renaming keeps the VMs' adapters on the switch;
removing a switch leaves the adapters that used it connected to nothing (Hyper-V does not
refuse: hvtui's pre-flight does).
"""

from __future__ import annotations

from hvtui.lab import objects
from hvtui.lab.emulation import CmdletCall, emulates
from hvtui.lab.estate import Host, SwitchInfo, key
from hvtui.lab.failures import (
    SWITCH_NOT_FOUND,
    invalid_argument,
    lab_not_emulated,
    object_not_found,
)
from hvtui.lab.power import only_modelled

NO_NET_ADAPTER = ("No MSFT_NetAdapter objects found with property 'Name' equal to '{0}'.  "
                  "Verify the value of the property and retry.")
"""UNCONFIRMED wording: the NetAdapter module's CIM not-found text, which New-VMSwitch is
taken to pass on for an adapter name the host does not have."""
ADAPTER_BOUND = "The network adapter '{0}' is already bound to the virtual switch '{1}'."
"""UNCONFIRMED wording: the reference has no text for binding an adapter a second time."""


def _settle(host: Host) -> None:
    """Write down every switch's type and adapter before a change moves the others'."""
    for existing in host.switches:
        host.switch_info.setdefault(key(existing), host.switch_of(existing))


def _found(call: CmdletCall, name: str) -> list[str]:
    found = [s for s in call.host.switches if key(s) == key(name)]
    if not found:
        raise object_not_found(call.name, SWITCH_NOT_FOUND.format(name), name)
    return found


@emulates("New-VMSwitch")
def new_vmswitch(call: CmdletCall) -> None:
    """The NetAdapterName and SwitchType sets; teaming, SR-IOV, bandwidth modes and packet
    direct are not modelled (refused). Hyper-V lets two switches share a name."""
    only_modelled(call, ("Name", "NetAdapterName", "SwitchType", "AllowManagementOS", "Notes"))
    name = str(call.arg("Name"))
    adapters = call.names("NetAdapterName")  # String[] from 2016 (embedded teaming)
    if len(adapters) > 1:
        raise lab_not_emulated(call.name, ["NetAdapterName (more than one: a team)"])
    adapter = adapters[0] if adapters else ""
    with call.lock:
        host = call.host
        if adapter:
            nic = next((n for n in host.net_adapters if key(n) == key(adapter)), "")
            if not nic:
                raise object_not_found(call.name, NO_NET_ADAPTER.format(adapter), adapter)
            holder = next((s for s in host.switches if host.switch_of(s).net_adapter == nic),
                          "")
            if holder:
                raise invalid_argument(call.name, ADAPTER_BOUND.format(nic, holder), adapter)
            info = SwitchInfo("External", nic, call.arg("AllowManagementOS") is not False)
        else:
            info = SwitchInfo(call.arg("SwitchType").name, "", False)
        if not call.inv.should_process(name):
            return
        _settle(host)
        host.switches.append(name)
        host.switch_info[key(name)] = info
        call.write(objects.switch_object(call.view, name, info))


@emulates("Rename-VMSwitch")
def rename_vmswitch(call: CmdletCall) -> None:
    """By -Name; the VMs' adapters follow the switch (they name it)."""
    only_modelled(call, ("Name", "NewName", "Passthru"))
    name, new = str(call.arg("Name")), str(call.arg("NewName"))
    with call.lock:
        host = call.host
        for old in _found(call, name):
            if not call.inv.should_process(old):
                continue
            _settle(host)
            info = host.switch_of(old)
            host.switch_info.pop(key(old), None)
            host.switches[host.switches.index(old)] = new
            host.switch_info[key(new)] = info
            for vm in host.vms.values():
                for adapter in vm.adapters:
                    if key(adapter.switch) == key(old):
                        adapter.switch = new
            if call.switch("Passthru"):
                call.write(objects.switch_object(call.view, new, info))


@emulates("Remove-VMSwitch")
def remove_vmswitch(call: CmdletCall) -> None:
    """By -Name (every switch of that name); the adapters on it are left not connected."""
    only_modelled(call, ("Name", "Force"))
    with call.lock:
        host = call.host
        for name in [s for n in call.names("Name") for s in _found(call, n)]:
            if not call.inv.should_process(name):
                continue
            _settle(host)
            host.switches.remove(name)
            host.switch_info.pop(key(name), None)
            for vm in host.vms.values():
                for adapter in vm.adapters:
                    if key(adapter.switch) == key(name):
                        adapter.switch = ""
