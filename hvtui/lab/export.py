"""vm-export: Export-VM, online on 2012 R2 and later, offline only on 2012 (R-EXP-1)."""

from __future__ import annotations

from hvtui.lab.estate import VM, Estate, Host, has_bad_path_chars, is_absolute, join, path_key
from hvtui.lab.failures import (
    BAD_PATH_SYNTAX,
    DISK_FULL,
    FILE_EXISTS,
    PATH_NOT_FOUND,
    invalid_state,
    operation_failed,
)
from hvtui.lab.registry import Call, handles
from hvtui.lab.releases import has_feature

EXPORT = "Export-VM"
EXPORT_BYTES_PER_SECOND = 250 * 1024**2
_NOT_IN_FILE_NAMES = set('\\/:*?"<>|')


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
    # R-EXP-1: exporting a running VM is new in 2012 R2 (UNCONFIRMED for 2012's exact rule;
    # modelled as off-only, as the reference says).
    if vm.state != "Off" and not has_feature(host.release, "online_export"):
        raise invalid_state(EXPORT, vm.name)
    folder = export_folder(path, vm)
    # The VM's name becomes a folder name: characters Windows forbids there fail the export.
    if has_bad_path_chars(path) or any(c in _NOT_IN_FILE_NAMES for c in vm.name):
        raise operation_failed(EXPORT, _fail(vm, folder, BAD_PATH_SYNTAX), vm.name)
    if not is_absolute(path) or not estate.path_exists_on(host, path):
        raise operation_failed(EXPORT, _fail(vm, folder, PATH_NOT_FOUND), vm.name)
    if path_key(folder) in host.files:
        raise operation_failed(EXPORT, _fail(vm, folder, FILE_EXISTS), vm.name)
    total = sum(vhd.file_size for d in vm.drives if (vhd := estate.vhd(host, d.path)) is not None)
    space = estate.space(host, path)
    if space is not None and total > space.free:
        raise operation_failed(EXPORT, _fail(vm, folder, DISK_FULL), vm.name)
    return total


@handles("vm-export")
async def vm_export(call: Call) -> None:
    name, path = call.params["Name"], call.params["Path"]
    estate, host = call.estate, call.host
    with call.lock:
        vm = call.vms(name, EXPORT)[0]
        total = check(estate, host, vm, path)
    with call.holding(vm, "Exporting virtual machine"):
        await call.spend(
            5.0 + total / EXPORT_BYTES_PER_SECOND,
            f"Exporting virtual machine '{vm.name}'",
            lambda p: "Completed" if p == 100 else f"Copying files ({p}% complete)",
        )
    with call.lock:
        if vm.id not in host.vms:
            raise operation_failed(EXPORT, f"'{vm.name}' is no longer on {host.name}.", vm.name)
        total = check(estate, host, vm, path)
        folder = export_folder(path, vm)
        host.files[path_key(folder)] = folder
        space = estate.space(host, path)
        if space is not None:
            space.free = max(0, space.free - total)
        call.emit({"Kind": "Exported", "Name": name, "Path": path})
