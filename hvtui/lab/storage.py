"""Resize-VHD, with the online and shrink rules of R-VHD-1 and R-VHD-2.

How the cmdlet goes about it is read from the decompiled module the reference cites as
[BIN] (nforgeio/neonSDK ``Microsoft/Vhd/PowerShell/Cmdlets/ResizeVhd.cs``,
``Commands/VhdPathResolver.cs``): ``-Path`` (String[], alias FullName, wildcards) is
resolved per path, a path that names no virtual hard disk file is a non-terminating
InvalidArgument error; each disk is resized by one host task ("Resize a virtual hard disk",
with progress), after ShouldProcess; ``-Passthru`` writes the VirtualHardDisk. The set
decides the size: in the MinimumSize set the disk shrinks to its minimum, whatever
``-ToMinimumSize:$false`` says.
"""

from __future__ import annotations

import re

from hvtui.lab import objects
from hvtui.lab.emulation import CmdletCall, emulates, has_wildcards, wildcard_match
from hvtui.lab.estate import VM, Estate, Host, Vhd, key, path_key
from hvtui.lab.failures import (
    DISK_FULL,
    NOT_A_VHD,
    invalid_argument,
    invalid_operation,
    invalid_state,
    operation_failed,
)
from hvtui.lab.power import each_operand, only_modelled
from hvtui.lab.releases import has_feature

RESIZE = "Resize-VHD"
RESIZE_TASK = "Resize a virtual hard disk"
"""Progress activity: the module's task caption (TaskDescriptions.ResizeVHD); the status is
the percentage. UNCONFIRMED: a WMI job's own Name, when it has one, replaces it."""
MAX_SIZE = {"VHDX": 64 * 1024**4, "VHD": 2040 * 1024**3}
"""R-VHD-2: 64 TB for VHDX, 2040 GB for VHD."""
SECTOR = 512
ZERO_BYTES_PER_SECOND = 1024**3
"""How fast a fixed disk's new space is written (lab time)."""

_MODELLED = frozenset({"Path", "SizeBytes", "ToMinimumSize", "Passthru"})
_VHD_FILE = re.compile(r".+\.((vhds$)|(a?vhdx?$)|(vhdpmem$))", re.IGNORECASE)
"""VhdPathResolver.VhdExtensionsRegex: what a virtual hard disk file's name ends in."""


def attached(estate: Estate, host: Host, vhd_path: str) -> list[tuple[Host, VM]]:
    """Every VM, on any host that sees this file, with a drive on it."""
    scope = estate.storage_scope(host, vhd_path)
    wanted = path_key(vhd_path)
    # Only the hosts that can see the file need a look (the host itself for a local path,
    # its cluster's nodes for a CSV path, every host for a share), not the whole estate.
    seeing = [h for h in estate.hosts.values() if estate.storage_scope(h, vhd_path) == scope]
    users = []
    for other in seeing:
        for vm in other.vms.values():
            for drive in vm.drives:
                if path_key(drive.path) == wanted and \
                        estate.storage_scope(other, drive.path) == scope:
                    users.append((other, vm))
    return users


def resolve(estate: Estate, host: Host, path: str) -> list[Vhd]:
    """The disk files ``path`` names on ``host`` (a pattern may name several), or the
    module's error for a path that names none (CM VHD_InvalidVhdFilePath, InvalidArgument)."""
    if has_wildcards(path):
        visible = {"host:" + key(host.name)}
        if host.cluster:
            visible.add("cluster:" + key(host.cluster))
        found = [vhd for (scope, _), vhd in estate.vhds.items()
                 if scope in visible and wildcard_match(path, vhd.path)
                 and _VHD_FILE.match(vhd.path)]
    else:
        vhd = estate.vhd(host, path) if _VHD_FILE.match(path) else None
        found = [vhd] if vhd is not None else []
    if not found:
        raise invalid_argument(RESIZE, NOT_A_VHD.format(path), path)
    return found


def _fail(path: str, why: str) -> str:
    # UNCONFIRMED wording: the reference gives the rules of R-VHD-1, not the host's texts.
    return f"Failed to resize the virtual hard disk '{path}'. {why}"


def online_refusal(estate: Estate, host: Host, vhd: Vhd) -> None:
    """R-VHD-1: a disk in use resizes only as VHDX on SCSI on a 2012 R2 or later host.

    "Online = VHDX only" is UNCONFIRMED in the reference (the current page says only "SCSI
    chain"); the stricter reading it recommends is kept. A shared VHDX resizes online from
    2016 (UNCONFIRMED, ``releases.FEATURE_SINCE``)."""
    for owner, vm in attached(estate, host, vhd.path):
        if vm.busy:
            raise invalid_state(RESIZE, vm.name)
        if vm.state == "Saved":
            # The saved memory refers to the disk as it is (UNCONFIRMED refusal).
            raise invalid_state(RESIZE, vm.name)
        if not vm.active:
            continue
        drive = next(d for d in vm.drives if path_key(d.path) == path_key(vhd.path))
        if not has_feature(owner.release, "online_resize"):
            why = (
                f"It is attached to the running virtual machine '{vm.name}', and "
                f"{owner.release.label} resizes a virtual hard disk only while it is not in use."
            )
        elif vhd.format != "VHDX":
            why = (
                f"It is attached to the running virtual machine '{vm.name}'; only a VHDX can be "
                "resized while its virtual machine runs."
            )
        elif drive.controller_type != "SCSI":
            why = (
                f"It is attached to an IDE controller of the running virtual machine "
                f"'{vm.name}'; a disk on an IDE controller can be resized only while the "
                "virtual machine is off."
            )
        elif drive.shared and not has_feature(owner.release, "shared_vhdx_online_resize"):
            why = (
                f"It is a shared virtual hard disk in use by the running virtual machine "
                f"'{vm.name}'; {owner.release.label} cannot resize a shared VHDX online."
            )
        else:
            continue
        raise invalid_operation(RESIZE, _fail(vhd.path, why), vhd.path)


def target_size(vhd: Vhd, size: int | None) -> int:
    """The size Resize-VHD gives ``vhd``: ``size`` bytes, or its minimum when None."""
    if size is None or size < vhd.size:
        if vhd.format != "VHDX" or vhd.minimum_size is None:
            raise operation_failed(
                RESIZE,
                _fail(
                    vhd.path, "Only a VHDX can shrink; convert the VHD to VHDX (Convert-VHD) first."
                ),
                vhd.path,
            )
        if size is None:
            return vhd.minimum_size
        if size < vhd.minimum_size:
            raise operation_failed(
                RESIZE,
                _fail(
                    vhd.path,
                    f"The requested size ({size} bytes) is smaller than its minimum size "
                    f"({vhd.minimum_size} bytes); shrink the partitions inside the guest first.",
                ),
                vhd.path,
            )
        return size
    if size % SECTOR:
        raise operation_failed(
            RESIZE, _fail(vhd.path, f"The size must be a multiple of {SECTOR} bytes."), vhd.path
        )
    if vhd.type == "Differencing" and vhd.format != "VHDX":
        raise operation_failed(
            RESIZE,
            _fail(vhd.path, "A differencing VHD cannot grow; only a VHDX one can."),
            vhd.path,
        )
    if size > MAX_SIZE[vhd.format]:
        raise operation_failed(
            RESIZE,
            _fail(
                vhd.path,
                f"The size exceeds the largest {vhd.format} ({MAX_SIZE[vhd.format]} bytes).",
            ),
            vhd.path,
        )
    return size


def apply_size(estate: Estate, host: Host, vhd: Vhd, size: int) -> None:
    """Change the virtual size and keep the file size and free space consistent."""
    overhead = max(0, vhd.file_size - vhd.size) if vhd.type == "Fixed" else 0
    old_file = vhd.file_size
    if vhd.type == "Fixed":
        vhd.file_size = size + overhead
    else:
        # A dynamic or differencing file only holds written blocks; shrinking drops the
        # blocks past the new end.
        vhd.file_size = min(vhd.file_size, size + 4 * 1024**2)
    vhd.size = size
    space = estate.space(host, vhd.path)
    if space is not None:
        space.free = max(0, space.free - (vhd.file_size - old_file))


@emulates("Resize-VHD")
def resize_vhd(call: CmdletCall) -> None:
    only_modelled(call, _MODELLED)
    # SizeBytes is mandatory in its set and absent from the other: the set decides.
    size = int(call.arg("SizeBytes")) if call.given("SizeBytes") else None
    # EnumerateOperands resolves every path first (writing an error for each that names no
    # disk), then ProcessOperands resizes each disk found.
    operands: list[str] = []

    def enumerate_path(path: str) -> None:
        with call.lock:
            operands.extend(vhd.path for vhd in resolve(call.estate, call.host, path))

    each_operand(call, call.names("Path"), enumerate_path)
    each_operand(call, operands, lambda one: _resize_one(call, one, size))


def _resize_one(call: CmdletCall, path: str, size: int | None) -> None:
    estate, host = call.estate, call.host
    if not call.inv.should_process(path):
        return
    with call.lock:
        vhd = resolve(estate, host, path)[0]
        online_refusal(estate, host, vhd)
        new_size = target_size(vhd, size)
        growth = new_size - vhd.size if vhd.type == "Fixed" else 0
        space = estate.space(host, vhd.path)
        if growth > 0 and space is not None and growth > space.free:
            raise operation_failed(RESIZE, _fail(vhd.path, DISK_FULL), vhd.path)
    # A fixed disk writes its new space out, which takes time; anything else is one quick
    # host task (still reported, as the module watches every task it starts).
    seconds = max(0, growth) / ZERO_BYTES_PER_SECOND
    call.spend(seconds, RESIZE_TASK, lambda p: f"{p}%", steps=10 if seconds else 1)
    with call.lock:
        current = resolve(estate, host, path)[0]
        online_refusal(estate, host, current)
        apply_size(estate, host, current, target_size(current, size))
        if call.switch("Passthru"):
            in_use = bool(attached(estate, host, current.path))
            call.write(objects.vhd_object(call.view, current, in_use))
