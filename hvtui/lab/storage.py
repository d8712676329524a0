"""vhd-resize: Resize-VHD with the online and shrink rules of R-VHD-1 and R-VHD-2."""

from __future__ import annotations

from hvtui.lab import records
from hvtui.lab.estate import VM, Estate, Host, Vhd, path_key
from hvtui.lab.failures import (
    DISK_FULL,
    NOT_A_VHD,
    invalid_operation,
    invalid_state,
    object_not_found,
    operation_failed,
    script_throw,
)
from hvtui.lab.registry import Call, handles
from hvtui.lab.releases import has_feature

RESIZE = "Resize-VHD"
MAX_SIZE = {"VHDX": 64 * 1024**4, "VHD": 2040 * 1024**3}
"""R-VHD-2: 64 TB for VHDX, 2040 GB for VHD."""
SECTOR = 512
ZERO_BYTES_PER_SECOND = 1024**3
"""How fast a fixed disk's new space is written (lab time)."""

# The script's own checks (hvtui/ps/scripts/vhd-resize.ps1); a test keeps these in step.
BOTH_GIVEN = "Give either SizeBytes or ToMinimumSize, not both."
NEITHER_GIVEN = (
    "Give the new size in SizeBytes, or ToMinimumSize to shrink the disk to its minimum."
)


def attached(estate: Estate, host: Host, vhd_path: str) -> list[tuple[Host, VM]]:
    """Every VM, on any host that sees this file, with a drive on it."""
    scope = estate.storage_scope(host, vhd_path)
    wanted = path_key(vhd_path)
    users = []
    for other, vm in estate.all_vms():
        for drive in vm.drives:
            if path_key(drive.path) == wanted and estate.storage_scope(other, drive.path) == scope:
                users.append((other, vm))
    return users


def _fail(path: str, why: str) -> str:
    # UNCONFIRMED wording: the reference gives the rules of R-VHD-1, not the host's texts.
    return f"Failed to resize the virtual hard disk '{path}'. {why}"


def online_refusal(call: Call, vhd: Vhd) -> None:
    """R-VHD-1: a disk in use resizes only as VHDX on SCSI on a 2012 R2 or later host."""
    for owner, vm in attached(call.estate, call.host, vhd.path):
        call.idle(vm, RESIZE)
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


def target_size(vhd: Vhd, size: int, to_minimum: bool) -> int:
    if to_minimum or size < vhd.size:
        if vhd.format != "VHDX" or vhd.minimum_size is None:
            raise operation_failed(
                RESIZE,
                _fail(
                    vhd.path, "Only a VHDX can shrink; convert the VHD to VHDX (Convert-VHD) first."
                ),
                vhd.path,
            )
        if to_minimum:
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


@handles("vhd-resize")
async def vhd_resize(call: Call) -> None:
    path, size = call.params["Path"], int(call.params["SizeBytes"])
    to_minimum = bool(call.params["ToMinimumSize"])
    if to_minimum and size > 0:
        raise script_throw(BOTH_GIVEN)
    if not to_minimum and size <= 0:
        raise script_throw(NEITHER_GIVEN)
    estate, host = call.estate, call.host
    with call.lock:
        vhd = estate.vhd(host, path)
        if vhd is None:
            raise object_not_found(RESIZE, NOT_A_VHD.format(path), path)
        online_refusal(call, vhd)
        new_size = target_size(vhd, size, to_minimum)
        growth = new_size - vhd.size if vhd.type == "Fixed" else 0
        space = estate.space(host, vhd.path)
        if growth > 0 and space is not None and growth > space.free:
            raise operation_failed(RESIZE, _fail(vhd.path, DISK_FULL), vhd.path)
    if growth > 0:
        # A fixed disk writes its new space out; that takes time.
        await call.spend(
            growth / ZERO_BYTES_PER_SECOND,
            f"Resizing '{path}'",
            lambda p: "Completed" if p == 100 else f"Expanding the fixed disk ({p}% complete)",
        )
    with call.lock:
        current = estate.vhd(host, path)
        if current is None:
            raise object_not_found(RESIZE, NOT_A_VHD.format(path), path)
        online_refusal(call, current)
        apply_size(estate, host, current, target_size(current, size, to_minimum))
        call.emit(records.vhd_record(estate, host, path))
