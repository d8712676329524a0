"""A VM's firmware as the settings editor reads and changes it: Get-VMFirmware (generation
2), Get-/Set-VMBios (generation 1, R-GEN-3), Get-VMSecurity, Enable-/Disable-VMTPM and
Set-VMKeyProtector (2016 and later: the binder refuses them on older hosts, from the
reference's parameter sets). Set-VMFirmware is in :mod:`hvtui.lab.vmcreate`.

Firmware changes need the VM off (R-FW-1); the virtual TPM needs a key protector (R-FW-2).
"""

from __future__ import annotations

from typing import Any

from hvtui.lab import objects
from hvtui.lab.emulation import CmdletCall, emulates
from hvtui.lab.estate import VM
from hvtui.lab.failures import (
    BIOS_ONLY_GEN1,
    NO_KEY_PROTECTOR,
    invalid_argument,
    invalid_operation,
    invalid_state,
    operation_failed,
)
from hvtui.lab.power import each_operand, only_modelled
from hvtui.lab.pwsh import PSObject
from hvtui.lab.vmcreate import FIRMWARE_ONLY_GEN2

_HV = "Microsoft.HyperV.PowerShell."
BOOT_DEVICES = ("CD", "IDE", "LegacyNetworkAdapter", "Floppy")
"""Microsoft.HyperV.PowerShell.BootDevice's generation 1 names (Set-VMBios' page); the
reference has no numbers for them, so the lab keeps names."""


def _component(call: CmdletCall, vm: VM, type_name: str, props: list[tuple[str, Any]]
               ) -> PSObject:
    return PSObject([*props, ("VMName", vm.name), ("VMId", vm.id),
                     ("ComputerName", call.host.name), ("IsDeleted", False)],
                    type_names=(_HV + type_name, _HV + "VMComponentObject", "System.Object"),
                    to_string=lambda: f"{type_name} (VMName = '{vm.name}')")


def _gen2(call: CmdletCall, vm: VM) -> VM:
    if vm.generation != 2:
        raise invalid_operation(call.name, FIRMWARE_ONLY_GEN2.format(vm.name), vm.name)
    return vm


def _gen1(call: CmdletCall, vm: VM) -> VM:
    if vm.generation == 2:
        raise invalid_operation(call.name, BIOS_ONLY_GEN1.format(vm.name), vm.name)
    return vm


def _off(call: CmdletCall, vm: VM) -> None:
    """R-FW-1: firmware changes only while the VM is off (the invalid-state text)."""
    call.idle(vm)
    if vm.state != "Off":
        raise invalid_state(call.name, vm.name)


def _reading(call: CmdletCall, check: Any, write: Any) -> None:
    only_modelled(call, ("VMName", "VM"))
    with call.lock:
        vms = call.target_vms()

    def each(vm: VM) -> None:
        with call.lock:
            call.write(write(check(call, vm)))

    each_operand(call, vms, each)


BOOT_KINDS = ("HardDrive", "DVD", "Network")
"""The kinds of a generation 2 VM's boot entries, in the lab's default order."""


def boot_order(call: CmdletCall, vm: VM) -> list[PSObject]:
    """VMFirmware.BootOrder: a VMBootSource per device, ``vm.boot_first``'s kind first.
    BootType is a string here (the reference lists no BootType enum); Description is
    UNCONFIRMED wording."""
    view = call.view
    devices: dict[str, list[tuple[str, PSObject]]] = {
        "HardDrive": [("Drive", objects.drive_object(view, vm, d)) for d in vm.drives],
        "DVD": [("Drive", objects.dvd_object(view, vm, d)) for d in vm.dvds],
        "Network": [("Network", objects.adapter_object(view, vm, a)) for a in vm.adapters],
    }
    kinds = sorted(BOOT_KINDS, key=lambda k: k != vm.boot_first)
    return [_boot_source(vm, kind, boot_type, device)
            for kind in kinds for boot_type, device in devices[kind]]


def _boot_source(vm: VM, kind: str, boot_type: str, device: PSObject) -> PSObject:
    return PSObject([("BootType", boot_type), ("Device", device),
                     ("Description", f"EFI {kind}"), ("FirmwarePath", ""),
                     ("VMName", vm.name)],
                    type_names=(_HV + "VMBootSource", "System.Object"),
                    to_string=lambda: f"VMBootSource ({kind})")


def device_kind(device: Any) -> str:
    """HardDrive, DVD or Network: what a boot device object is ('' for anything else)."""
    names = getattr(device, "type_names", ())
    for suffix, kind in (("HardDiskDrive", "HardDrive"), ("DvdDrive", "DVD"),
                         ("VMNetworkAdapter", "Network")):
        if any(str(n).endswith(suffix) for n in names):
            return kind
    return ""


@emulates("Get-VMFirmware")
def get_vmfirmware(call: CmdletCall) -> None:
    """SecureBoot (OnOffState), BootOrder and, from 2016, SecureBootTemplate."""
    def firmware(vm: VM) -> PSObject:
        props: list[tuple[str, Any]] = [
            ("SecureBoot", call.view.enum("OnOffState", "On" if vm.secure_boot else "Off")),
            ("BootOrder", boot_order(call, vm))]
        if call.host.release.at_least("2016"):
            props.append(("SecureBootTemplate", vm.secure_boot_template))
        return _component(call, vm, "VMFirmware", props)

    _reading(call, _gen2, firmware)


@emulates("Get-VMBios")
def get_vmbios(call: CmdletCall) -> None:
    _reading(call, _gen1, lambda vm: _component(call, vm, "VMBios", [
        ("StartupOrder", list(vm.startup_order)), ("NumLockEnabled", False)]))


@emulates("Get-VMSecurity")
def get_vmsecurity(call: CmdletCall) -> None:
    """TpmEnabled (and the other switches the lab keeps off)."""
    _reading(call, lambda _call, vm: vm, lambda vm: _component(call, vm, "VMSecurity", [
        ("TpmEnabled", vm.tpm), ("KsdEnabled", False), ("Shielded", False),
        ("EncryptStateAndVmMigrationTraffic", False)]))


def _changing(call: CmdletCall, modelled: tuple[str, ...], change: Any) -> None:
    only_modelled(call, ("VMName", "VM", "Passthru", *modelled))
    with call.lock:
        vms = call.target_vms()

    def each(vm: VM) -> None:
        if not call.inv.should_process(vm.name):
            return
        with call.lock:
            change(vm)

    each_operand(call, vms, each)


@emulates("Set-VMBios")
def set_vmbios(call: CmdletCall) -> None:
    """-StartupOrder: every generation 1 boot device once (UNCONFIRMED wording otherwise)."""
    given = call.arg("StartupOrder")
    order = [str(getattr(d, "name", d)) for d in (given if isinstance(given, list) else
                                                   [given] if given is not None else [])]
    by_lower = {d.lower(): d for d in BOOT_DEVICES}

    def change(vm: VM) -> None:
        _gen1(call, vm)
        _off(call, vm)
        if given is None:
            return
        named = [by_lower.get(d.lower(), d) for d in order]
        if sorted(named) != sorted(BOOT_DEVICES):
            # UNCONFIRMED wording: the reference has no text for an incomplete order.
            raise invalid_argument(call.name, "The startup order must name each boot device "
                                              "once: " + ", ".join(BOOT_DEVICES) + ".", vm.name)
        vm.startup_order = named

    _changing(call, ("StartupOrder",), change)


@emulates("Set-VMKeyProtector")
def set_vmkeyprotector(call: CmdletCall) -> None:
    """-NewLocalKeyProtector only (a key protector from a guardian service is not modelled)."""
    def change(vm: VM) -> None:
        _gen2(call, vm)
        _off(call, vm)
        if call.switch("NewLocalKeyProtector"):
            vm.key_protector = True

    _changing(call, ("NewLocalKeyProtector",), change)


@emulates("Enable-VMTPM")
def enable_vmtpm(call: CmdletCall) -> None:
    def change(vm: VM) -> None:
        _gen2(call, vm)
        _off(call, vm)
        if not vm.key_protector:
            raise operation_failed(call.name, NO_KEY_PROTECTOR.format(vm.name, vm.id.upper()),
                                   vm.name)
        vm.tpm = True

    _changing(call, (), change)


@emulates("Disable-VMTPM")
def disable_vmtpm(call: CmdletCall) -> None:
    def change(vm: VM) -> None:
        _gen2(call, vm)
        _off(call, vm)
        vm.tpm = False

    _changing(call, (), change)
