"""Remove-Item against the host's files as the lab models them (issue 11, delete with disks).

The lab's files are the virtual hard disks of ``Estate.vhds`` (with their volume's free
space) and the entries of ``Host.files`` (export folders, configuration files). Windows
deletes a disk file whatever Hyper-V thinks of it, unless a process holds it open: a VM
that runs (or is paused) holds its disks and their parents, a VM that is off or saved holds
nothing. Remove-Item's failures are non-terminating (WriteError), as the cmdlet's are.
"""

from __future__ import annotations

from hvtui.lab.emulation import CmdletCall, emulates
from hvtui.lab.estate import Estate, Host, basename, path_key
from hvtui.lab.power import only_modelled
from hvtui.remote.base import ErrorRecord

CMDLET_CLASS = "Microsoft.PowerShell.Commands.RemoveItemCommand"
PATH_NOT_FOUND = "Cannot find path '{0}' because it does not exist."
"""ItemNotFoundException's text (PowerShell's SessionStateStrings.PathNotFound), as Get-Item
reports it in okibcn/wslcompact#15; see the shipped hyperv-rules.md, Remove-Item."""
IN_USE = ("Cannot remove item {0}: The process cannot access the file '{1}' because it is "
          "being used by another process.")
"""RemoveFileSystemItemIOError (psadmin-io/ps-vagabond#27): the full path, then the file's
name; see the shipped hyperv-rules.md, Remove-Item."""
_HOLDING = ("Running", "Paused")


def _held_by(estate: Estate, host: Host, path: str) -> str:
    """The VM whose worker process holds ``path`` open (its disk or a parent of one)."""
    scope, key = estate.storage_scope(host, path), path_key(path)
    for owner in estate.hosts.values():
        for vm in owner.vms.values():
            if vm.state not in _HOLDING:
                continue
            for drive in vm.drives:
                chain = drive.path
                for _ in range(64):  # a differencing chain, parent by parent
                    if (path_key(chain) == key
                            and estate.storage_scope(owner, chain) == scope):
                        return vm.name
                    vhd = estate.vhd(owner, chain)
                    if vhd is None or not vhd.parent_path:
                        break
                    chain = vhd.parent_path
    return ""


def _error(message: str, error_id: str, category: str, reason: str, target: str
           ) -> ErrorRecord:
    return ErrorRecord(message=message, category=category,
                       error_id=f"{error_id},{CMDLET_CLASS}", target=target,
                       activity="Remove-Item", reason=reason)


@emulates("Remove-Item")
def remove_item(call: CmdletCall) -> None:
    # -Path expands wildcards, which the lab does not model: scripts give -LiteralPath.
    only_modelled(call, ("LiteralPath", "Force"))
    estate, host = call.estate, call.host
    for path in call.names("LiteralPath"):
        with call.lock:
            vhd = estate.vhd(host, path)
            if vhd is None and path_key(path) not in host.files:
                call.error(_error(PATH_NOT_FOUND.format(path), "PathNotFound", "ObjectNotFound",
                                  "ItemNotFoundException", path))
                continue
            holder = _held_by(estate, host, path) if vhd is not None else ""
            if holder:
                call.error(_error(IN_USE.format(path, basename(path)),
                                  "RemoveFileSystemItemIOError", "WriteError", "IOException",
                                  path))
                continue
        if not call.inv.should_process(path):
            continue
        with call.lock:
            if vhd is not None:
                estate.remove_vhd(host, path)
                space = estate.space(host, path)
                if space is not None:
                    space.free = min(space.size, space.free + vhd.file_size)
            host.files.pop(path_key(path), None)
