"""Export-VM: online from 2012 R2, offline only on 2012 (R-EXP-1).

How the cmdlet goes about it is read from the decompiled module the reference cites as
[BIN] (nforgeio/neonSDK ``Commands/ExportVM.cs``, ``VirtualMachineBase.ExportInternal``):
``-Name`` (String[], alias VMName, wildcards) or ``-VM``; per VM, ShouldProcess, then one
host task ("Exporting virtual machine", with progress) that writes ``<Path>\\<VM name>``
(CreateVmExportSubdirectory) with its disks and checkpoints; ``-Passthru`` writes the VM.
``-CaptureLiveState`` is 2016's (the engine refuses it on older hosts, as the binder
would); its default is CaptureSavedState. Failures are non-terminating (WriteError).
"""

from __future__ import annotations

from hvtui.lab import objects
from hvtui.lab.emulation import CmdletCall, emulates
from hvtui.lab.estate import VM, Estate, Host, has_bad_path_chars, is_absolute, join, path_key
from hvtui.lab.failures import (
    BAD_PATH_SYNTAX,
    DISK_FULL,
    FILE_EXISTS,
    PATH_NOT_FOUND,
    invalid_state,
    operation_failed,
)
from hvtui.lab.power import each_operand, only_modelled
from hvtui.lab.releases import has_feature
from hvtui.lab.vmimport import record_export

EXPORT = "Export-VM"
EXPORT_TASK = "Exporting virtual machine"
"""Progress activity: the module's task caption (TaskDescriptions.Task_ExportingVM); the
status is the percentage. UNCONFIRMED: a WMI job's own Name, when it has one, replaces it."""
EXPORTING = "Exporting virtual machine"
"""The VM's Status while it is exported (UNCONFIRMED text)."""
EXPORT_BYTES_PER_SECOND = 250 * 1024**2
_NOT_IN_FILE_NAMES = set('\\/:*?"<>|')
_MODELLED = frozenset({"Name", "VM", "Path", "Passthru", "CaptureLiveState"})


def _fail(vm: VM, folder: str, why: str) -> str:
    # UNCONFIRMED wording around the Win32 texts.
    return f"Failed to export virtual machine '{vm.name}' to '{folder}': {why}"


def export_folder(path: str, vm: VM) -> str:
    """Export-VM writes into <Path>\\<VM name> (Snapshots, Virtual Hard Disks, Virtual Machines)."""
    return join(path, vm.name)


def check(estate: Estate, host: Host, vm: VM, path: str) -> int:
    """Refuse what the host refuses; return the bytes the export writes."""
    if vm.busy or vm.critical:
        raise invalid_state(EXPORT, vm.name)
    # R-EXP-1: exporting a running VM is new in 2012 R2. UNCONFIRMED for 2012's exact rule:
    # the reference says to model it as off-only, so a saved or paused VM is refused too.
    if vm.state != "Off" and not has_feature(host.release, "online_export"):
        raise invalid_state(EXPORT, vm.name)
    folder = export_folder(path, vm)
    # The VM's name becomes a folder name: characters Windows forbids there fail the export.
    if has_bad_path_chars(path) or any(c in _NOT_IN_FILE_NAMES for c in vm.name):
        raise operation_failed(EXPORT, _fail(vm, folder, BAD_PATH_SYNTAX), vm.name)
    # A relative path: the module makes it absolute against the session's current folder
    # (PathUtility.GetFullPath), which the lab does not model; it is simply not found.
    if not is_absolute(path) or not estate.path_exists_on(host, path):
        raise operation_failed(EXPORT, _fail(vm, folder, PATH_NOT_FOUND), vm.name)
    if path_key(folder) in host.files:
        raise operation_failed(EXPORT, _fail(vm, folder, FILE_EXISTS), vm.name)
    total = sum(vhd.file_size for d in vm.drives if (vhd := estate.vhd(host, d.path)) is not None)
    space = estate.space(host, path)
    if space is not None and total > space.free:
        raise operation_failed(EXPORT, _fail(vm, folder, DISK_FULL), vm.name)
    return total


@emulates("Export-VM")
def export_vm(call: CmdletCall) -> None:
    only_modelled(call, _MODELLED)
    with call.lock:
        vms = call.target_vms()
    each_operand(call, vms, lambda vm: _export_one(call, vm, str(call.arg("Path"))))


def _export_one(call: CmdletCall, vm: VM, path: str) -> None:
    estate, host = call.estate, call.host
    if not call.inv.should_process(vm.name):
        return
    with call.lock:
        total = check(estate, host, vm, path)
        # Busy from the same instant as the checks: a move or a second export of the VM
        # started meanwhile finds it in an invalid state.
        vm.busy = EXPORTING
    try:
        call.spend(5.0 + total / EXPORT_BYTES_PER_SECOND, EXPORT_TASK, lambda p: f"{p}%")
    except BaseException:
        with call.lock:
            vm.busy = ""
        raise
    with call.lock:
        vm.busy = ""
        if vm.id not in host.vms:
            raise operation_failed(EXPORT, f"'{vm.name}' is no longer on {host.name}.", vm.name)
        total = check(estate, host, vm, path)
        folder = export_folder(path, vm)
        host.files[path_key(folder)] = folder
        record_export(estate, host, vm, folder)
        space = estate.space(host, path)
        if space is not None:
            space.free = max(0, space.free - total)
        if call.switch("Passthru"):
            call.write(objects.vm_object(call.view, vm))
