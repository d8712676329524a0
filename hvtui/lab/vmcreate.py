"""Creating a VM and what hvtui sets on a new one: New-VM, New-VHD,
Connect-VMNetworkAdapter, Set-VMMemory, Add-VMDvdDrive and Set-VMFirmware.

What each takes per release is the reference's parameter sets (the binder refuses
``New-VM -Generation`` on 2012 and ``-Version`` before 2016). The behaviour follows
hyperv-rules.md: configuration versions per host (R-VER-1), generation 2's limits (R-GEN-2:
VHDX only, Secure Boot on by default, BIOS/firmware cmdlets per generation, R-GEN-3), the
Win32 texts for paths and files. Hyper-V itself lets two VMs share a name: New-VM does not
refuse one (hvtui's pre-flight does).
"""

from __future__ import annotations

from typing import Any

from hvtui.lab import objects
from hvtui.lab.emulation import CmdletCall, emulates
from hvtui.lab.estate import (
    VM,
    Adapter,
    Drive,
    Host,
    Vhd,
    default_dvd,
    is_absolute,
    join,
)
from hvtui.lab.failures import (
    BAD_PATH_SYNTAX,
    DISK_FULL,
    FILE_EXISTS,
    GEN2_NO_VHD_FORMAT,
    NOT_A_VHD,
    PATH_NOT_FOUND,
    SWITCH_NOT_FOUND,
    invalid_argument,
    invalid_operation,
    invalid_state,
    object_not_found,
    operation_failed,
)
from hvtui.lab.power import each_operand, only_modelled
from hvtui.lab.pwsh import PSObject

MB = 1024**2
GB = 1024**3

DEFAULT_NAME = "New Virtual Machine"
"""New-VM without -Name (PSD/Hyper-V/New-VM.md: 'a default name')."""
VHDX_OVERHEAD = 4 * MB
"""What an empty VHDX file holds besides data (its headers and metadata region)."""
FIRMWARE_ONLY_GEN2 = (
    'The Generation 1 virtual machine or snapshot "{0}" does not support the VMFirmware '
    "cmdlets. Use Get-VMBios and Set-VMBios instead."
)
"""R-GEN-3 (BIN OM): the firmware cmdlets on a generation 1 VM."""
CREATE_TASK = "Create a virtual hard disk"
"""Progress activity of New-VHD -Fixed while it writes the file (UNCONFIRMED caption)."""


def _default_memory(host: Host) -> int:
    # UNCONFIRMED: New-VM's default startup memory, 512 MB before 2016 and 1 GB from 2016
    # (the 2016+ help's examples show 1 GB; the 2012 ones 512 MB).
    return GB if host.release.at_least("2016") else 512 * MB


def _new_vhd_failure(path: str, why: str) -> str:
    # UNCONFIRMED wording around the Win32 texts (as Export-VM's in hvtui.lab.export).
    return f"Failed to create the virtual hard disk '{path}': {why}"


def _vhd_format(path: str) -> str | None:
    lowered = path.lower()
    if lowered.endswith(".vhdx"):
        return "VHDX"
    if lowered.endswith(".vhd"):
        return "VHD"
    return None


def create_vhd(call: CmdletCall, path: str, size: int, fixed: bool) -> Vhd:
    """A new, empty disk file on the host: refused where New-VHD refuses it."""
    estate, host = call.estate, call.host
    fmt = _vhd_format(path)
    if fmt is None:
        # UNCONFIRMED wording: New-VHD names the extensions it takes.
        raise invalid_argument(call.name, f"'{path}' is not a virtual hard disk file name: "
                                          "it must end in .vhd or .vhdx.", path)
    if not is_absolute(path):
        raise operation_failed(call.name, _new_vhd_failure(path, PATH_NOT_FOUND), path)
    if any(c in '<>"|?*' for c in path) or ":" in path[2:]:
        raise operation_failed(call.name, _new_vhd_failure(path, BAD_PATH_SYNTAX), path)
    if not estate.path_exists_on(host, path):
        raise operation_failed(call.name, _new_vhd_failure(path, PATH_NOT_FOUND), path)
    if estate.file_exists(host, path):
        raise operation_failed(call.name, _new_vhd_failure(path, FILE_EXISTS), path)
    size = size // 512 * 512
    overhead = VHDX_OVERHEAD if fmt == "VHDX" else 512
    file_size = size + overhead if fixed else overhead
    space = estate.space(host, path)
    if space is not None and file_size > space.free:
        raise operation_failed(call.name, _new_vhd_failure(path, DISK_FULL), path)
    vhd = Vhd(path=path, format=fmt, type="Fixed" if fixed else "Dynamic", size=size,
              file_size=file_size, minimum_size=0 if fmt == "VHDX" else None,
              block_size=0 if fixed else (32 * MB if fmt == "VHDX" else 2 * MB))
    estate.add_vhd(host, vhd)
    if space is not None:
        space.free -= file_size
    return vhd


def _disk_location(vm: VM) -> tuple[str, int, int]:
    """Where New-VM attaches its disk: IDE 0:0 on generation 1, SCSI 0:0 on generation 2."""
    return ("SCSI", 0, 0) if vm.generation == 2 else ("IDE", 0, 0)


@emulates("New-VM")
def new_vm(call: CmdletCall) -> None:
    only_modelled(call, ("Name", "Path", "MemoryStartupBytes", "Generation", "Version",
                         "NoVHD", "VHDPath", "NewVHDPath", "NewVHDSizeBytes", "SwitchName"))
    estate, host = call.estate, call.host
    name = str(call.arg("Name") or DEFAULT_NAME)
    generation = int(call.arg("Generation", 1))
    if generation not in (1, 2):
        # The parameter's ValidateSet('1','2') (R-GEN-1), as PowerShell words it.
        raise invalid_argument(
            call.name, f"Cannot validate argument on parameter 'Generation'. The argument "
                       f'"{generation}" does not belong to the set "1,2" specified by the '
                       "ValidateSet attribute. Supply an argument that is in the set and then "
                       "try the command again.")
    version = str(call.arg("Version") or host.release.default_version)
    if version.count(".") == 0:
        version += ".0"
    if not host.release.supports(version):
        # R-VER-1/2; UNCONFIRMED wording.
        raise invalid_argument(
            call.name, f"The configuration version {version} is not supported on this host "
                       f"(supported: {', '.join(host.release.vm_versions)}). Use "
                       "Get-VMHostSupportedVersion to list the versions it supports.", name)
    memory = int(call.arg("MemoryStartupBytes") or _default_memory(host))
    switch = str(call.arg("SwitchName") or "")
    if not call.inv.should_process(name):
        return
    with call.lock:
        if switch and not host.has_switch(switch):
            raise object_not_found(call.name, SWITCH_NOT_FOUND.format(switch), switch)
        folder = str(call.arg("Path") or "")
        if folder:
            if not is_absolute(folder) or not estate.path_exists_on(host, folder):
                raise operation_failed(call.name, f"'{folder}': {PATH_NOT_FOUND}", name)
            vm_path = join(folder, name)
        else:
            vm_path = host.vm_path
        vm = VM(id=estate.new_id(f"vm|{host.name}|{name}"), name=name, generation=generation,
                version=version, cpus=1, memory_startup=memory, memory_maximum=1024 * GB,
                path=vm_path)
        disk = _disk_for(call, vm)
        if disk:
            controller, number, location = _disk_location(vm)
            vm.drives.append(Drive(disk, controller, number, location))
        vm.adapters.append(Adapter("Network Adapter", switch, "000000000000"))
        default_dvd(vm)  # generation 1 VMs get an empty DVD drive on IDE 1:0
        host.vms[vm.id] = vm
        call.write(objects.vm_object(call.view, vm))


def _disk_for(call: CmdletCall, vm: VM) -> str:
    """The disk New-VM attaches: an existing one (-VHDPath), a new dynamic one
    (-NewVHDPath, relative paths in the host's default disk folder), or none."""
    estate, host = call.estate, call.host
    if call.given("VHDPath"):
        path = str(call.arg("VHDPath"))
        vhd = estate.vhd(host, path)
        if vhd is None:
            raise invalid_argument(call.name, NOT_A_VHD.format(path), path)
        if vm.generation == 2 and vhd.format == "VHD":
            raise invalid_argument(call.name, GEN2_NO_VHD_FORMAT, path)
        return vhd.path
    if call.given("NewVHDPath"):
        path = str(call.arg("NewVHDPath"))
        if not is_absolute(path):
            path = join(host.vhd_path, path)
        if vm.generation == 2 and _vhd_format(path) == "VHD":
            raise invalid_argument(call.name, GEN2_NO_VHD_FORMAT, path)
        return create_vhd(call, path, int(call.arg("NewVHDSizeBytes")), False).path
    return ""


@emulates("Connect-VMNetworkAdapter")
def connect_adapter(call: CmdletCall) -> None:
    """-VMName with -SwitchName: every adapter of the VM (or the one -Name names)."""
    only_modelled(call, ("VMName", "Name", "SwitchName"))
    switch = str(call.arg("SwitchName"))
    with call.lock:
        if not call.host.has_switch(switch):
            raise object_not_found(call.name, SWITCH_NOT_FOUND.format(switch), switch)
        vms = call.target_vms()
    wanted = {n.casefold() for n in call.names("Name")}  # String[]: a list, not one text

    def connect(vm: VM) -> None:
        if not call.inv.should_process(vm.name):
            return
        with call.lock:
            for adapter in vm.adapters:
                if not wanted or adapter.name.casefold() in wanted:
                    adapter.switch = next(s for s in call.host.switches
                                          if s.casefold() == switch.casefold())

    each_operand(call, vms, connect)


@emulates("Set-VMFirmware")
def set_vmfirmware(call: CmdletCall) -> None:
    """Secure Boot on/off and its template (-SecureBootTemplate is 2016+, from the
    reference's sets); generation 1 VMs have no firmware (R-GEN-3)."""
    only_modelled(call, ("VMName", "EnableSecureBoot", "SecureBootTemplate",
                         # firmware (issue 11, hostcfg)
                         "FirstBootDevice"))
    with call.lock:
        vms = call.target_vms()
    template = call.arg("SecureBootTemplate")
    first = call.arg("FirstBootDevice")

    def configure(vm: VM) -> None:
        if vm.generation != 2:
            raise invalid_operation(call.name, FIRMWARE_ONLY_GEN2.format(vm.name), vm.name)
        if not call.inv.should_process(vm.name):
            return
        with call.lock:
            if template is not None and str(template) not in SECURE_BOOT_TEMPLATES:
                # UNCONFIRMED wording.
                raise invalid_argument(call.name, f"The Secure Boot template '{template}' "
                                                  "was not found.", vm.name)
            if call.given("EnableSecureBoot"):
                vm.secure_boot = _on(call.arg("EnableSecureBoot"))
            if template is not None:
                vm.secure_boot_template = str(template)
            if first is not None:
                _first_boot(call, vm, first)

    each_operand(call, vms, configure)


def _first_boot(call: CmdletCall, vm: VM, device: Any) -> None:
    """-FirstBootDevice (firmware, issue 11, hostcfg): one of this VM's own drives or
    adapters, while the VM is off (R-FW-1); UNCONFIRMED wording for another VM's device."""
    from hvtui.lab.firmware import device_kind

    if vm.state != "Off":
        raise invalid_state(call.name, vm.name)
    kind = device_kind(device)
    owner = str(device.get("VMId") or "") if isinstance(device, PSObject) else ""
    if not kind or owner.lower() != vm.id.lower():
        raise invalid_argument(call.name, f"The boot device is not a device of the virtual "
                                          f"machine '{vm.name}'.", vm.name)
    vm.boot_first = kind


SECURE_BOOT_TEMPLATES = ("MicrosoftWindows", "MicrosoftUEFICertificateAuthority",
                         "OpenSourceShieldedVM")
"""Get-VMHost's SecureBootTemplates on 2016+ (UNCONFIRMED: OpenSourceShieldedVM from 1709)."""


def _on(value: Any) -> bool:
    return str(getattr(value, "name", value)).lower() == "on"

