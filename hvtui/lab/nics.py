"""A VM's network adapters: Add-/Remove-VMNetworkAdapter, Set-VMNetworkAdapterVlan (access
mode) and Set-VMNetworkAdapter's guards, with the rules of R-NIC (tests/support/data/
hyperv-rules.md).

R-NIC-1: a legacy (emulated) adapter exists only on generation 1 and is added or removed
only while the VM is off; a synthetic adapter is added to or removed from a running VM from
Windows Server 2016, on generation 2 only; before 2016, or on generation 1, only while the
VM is off. A saved or paused VM takes no hardware change (as for disks, drives.py).
R-NIC-2: the VLAN, MAC address spoofing, DHCP guard and router guard change in any state.
Connect-VMNetworkAdapter is in vmcreate.py (New VM connects its adapter); Disconnect-
VMNetworkAdapter is here. Either works in any state (Hyper-V Manager's switch box stays
editable on a running VM).
"""

from __future__ import annotations

from hvtui.lab import objects
from hvtui.lab.emulation import CmdletCall, emulates
from hvtui.lab.estate import VM, Adapter, guid
from hvtui.lab.failures import (
    GEN2_NO_LEGACY_NIC,
    SWITCH_NOT_FOUND,
    invalid_argument,
    invalid_state,
    object_not_found,
)
from hvtui.lab.power import each_operand, only_modelled
from hvtui.lab.releases import has_feature

NO_ADAPTER = "No network adapter was found by given criteria."
"""UNCONFIRMED wording (not in the reference): what the lab says when -Name matches none of
the VM's adapters; modelled on the module's generic "No device was found by given criteria"."""
BAD_VLAN = "The VLAN identifier must be between 1 and 4094."
"""UNCONFIRMED wording: 802.1Q ids 1-4094 (Hyper-V Manager's VLAN box takes the same)."""


def _online(call: CmdletCall, vm: VM, legacy: bool) -> None:
    """Refuse an adapter add/remove the VM's state does not allow (R-NIC-1)."""
    call.idle(vm)
    if vm.state == "Off":
        return
    hot = (not legacy and vm.generation == 2 and vm.state == "Running"
           and has_feature(call.host.release, "nic_hot_add"))
    if not hot:
        raise invalid_state(call.name, vm.name)


def _named(call: CmdletCall, vm: VM, parameter: str) -> list[Adapter]:
    """The VM's adapters -``parameter`` names (all of them without it)."""
    wanted = {n.casefold() for n in call.names(parameter)}  # String[] on some releases
    found = [a for a in vm.adapters if not wanted or a.name.casefold() in wanted]
    if not found:
        raise object_not_found(call.name, NO_ADAPTER, vm.name)
    return found


def _write(call: CmdletCall, vm: VM, adapter: Adapter) -> None:
    call.write(objects.adapter_object(call.view, vm, adapter))


@emulates("Add-VMNetworkAdapter")
def add_vmnetworkadapter(call: CmdletCall) -> None:
    """The VMName and VMObject sets; a static MAC, device naming and resource pools are not
    modelled (refused). The lab gives the adapter its dynamic MAC at once (UNCONFIRMED: a
    host shows 000000000000 until the VM first starts)."""
    only_modelled(call, ("VMName", "VM", "Name", "SwitchName", "IsLegacy", "Passthru"))
    legacy = call.switch("IsLegacy")
    switch = str(call.arg("SwitchName") or "")
    with call.lock:
        if switch and not call.host.has_switch(switch):
            raise object_not_found(call.name, SWITCH_NOT_FOUND.format(switch), switch)
        switch = next((s for s in call.host.switches if s.casefold() == switch.casefold()), "")
        vms = call.target_vms()
    name = str(call.arg("Name") or "") or (
        "Legacy Network Adapter" if legacy else "Network Adapter")

    def add(vm: VM) -> None:
        if not call.inv.should_process(vm.name):
            return
        with call.lock:
            if legacy and vm.generation == 2:
                raise invalid_argument(call.name, GEN2_NO_LEGACY_NIC, vm.name)
            _online(call, vm, legacy)
            digest = guid(call.estate.seed, f"mac|{vm.id}|{name}|{len(vm.adapters)}")
            adapter = Adapter(name, switch, "00155D" + digest.replace("-", "")[:6].upper(),
                              legacy=legacy)
            vm.adapters.append(adapter)
            if call.switch("Passthru"):
                _write(call, vm, adapter)

    each_operand(call, vms, add)


@emulates("Remove-VMNetworkAdapter")
def remove_vmnetworkadapter(call: CmdletCall) -> None:
    """By -VMName/-VM and -Name (every adapter of that name; all of them without -Name, as
    the cmdlet's help says)."""
    only_modelled(call, ("VMName", "VM", "Name", "Passthru"))
    with call.lock:
        vms = call.target_vms()

    def remove(vm: VM) -> None:
        if not call.inv.should_process(vm.name):
            return
        with call.lock:
            adapters = _named(call, vm, "Name")
            for adapter in adapters:
                _online(call, vm, adapter.legacy)
            for adapter in adapters:
                vm.adapters.remove(adapter)
                if call.switch("Passthru"):
                    _write(call, vm, adapter)

    each_operand(call, vms, remove)


@emulates("Set-VMNetworkAdapterVlan")
def set_vmnetworkadaptervlan(call: CmdletCall) -> None:
    """-Access -VlanId or -Untagged; trunk, isolated and private VLAN modes are not
    modelled (refused)."""
    only_modelled(call, ("VMName", "VM", "VMNetworkAdapterName", "Access", "VlanId",
                         "Untagged", "Passthru"))
    untagged = call.switch("Untagged")
    vlan = 0 if untagged else int(call.arg("VlanId") or 0)
    if not untagged and (not call.switch("Access") or not 1 <= vlan <= 4094):
        raise invalid_argument(call.name, BAD_VLAN)
    with call.lock:
        vms = call.target_vms()

    def configure(vm: VM) -> None:
        if not call.inv.should_process(vm.name):
            return
        with call.lock:
            call.idle(vm)
            for adapter in _named(call, vm, "VMNetworkAdapterName"):
                adapter.vlan = vlan
                if call.switch("Passthru"):
                    _write(call, vm, adapter)

    each_operand(call, vms, configure)


_GUARDS = {"MacAddressSpoofing": "mac_spoofing", "DhcpGuard": "dhcp_guard",
           "RouterGuard": "router_guard"}


@emulates("Set-VMNetworkAdapter")
def set_vmnetworkadapter(call: CmdletCall) -> None:
    """MAC address spoofing, DHCP guard and router guard (OnOffState); the adapter's many
    other settings (bandwidth, VMQ, SR-IOV, port mirroring...) are not modelled (refused)."""
    only_modelled(call, ("VMName", "VM", "Name", "Passthru", *_GUARDS))
    changes = {field: call.arg(parameter).name == "On"
               for parameter, field in _GUARDS.items() if call.given(parameter)}
    with call.lock:
        vms = call.target_vms()

    def configure(vm: VM) -> None:
        if not call.inv.should_process(vm.name):
            return
        with call.lock:
            call.idle(vm)
            for adapter in _named(call, vm, "Name"):
                for field, on in changes.items():
                    setattr(adapter, field, on)
                if call.switch("Passthru"):
                    _write(call, vm, adapter)

    each_operand(call, vms, configure)


@emulates("Disconnect-VMNetworkAdapter")
def disconnect_vmnetworkadapter(call: CmdletCall) -> None:
    """-VMName with -Name (every adapter of the VM without it): the adapters keep their
    settings and show no switch."""
    only_modelled(call, ("VMName", "Name", "Passthru"))
    with call.lock:
        vms = call.target_vms()

    def disconnect(vm: VM) -> None:
        if not call.inv.should_process(vm.name):
            return
        with call.lock:
            for adapter in _named(call, vm, "Name"):
                adapter.switch = ""
                if call.switch("Passthru"):
                    _write(call, vm, adapter)

    each_operand(call, vms, disconnect)
