"""Edit Disk and storage moves: Optimize-VHD, Convert-VHD, Merge-VHD, Move-VMStorage and
Set-VMHardDiskDrive (storage QoS, a drive's file), with the rules of the reference's
"Edit Disk, Move-VMStorage, Storage QoS" section (tests/support/data/hyperv-rules.md).

From Microsoft's help for each cmdlet (MicrosoftDocs/windows-powershell-docs, hyper-v):

- Optimize-VHD compacts dynamic and differencing disks, "except for fixed virtual hard
  disks"; "the virtual hard disk must not be attached or must be attached in read-only
  mode" (a disk a VM has open: the VM is not off). "The compact operation can succeed
  without reducing the file size, if no optimization is possible." The lab has no model of
  the data inside a disk: a VHDX is compacted down to its MinimumSize (nothing the guest's
  partitions hold lies beyond it), a VHD keeps its size.
- Convert-VHD copies the source into a new file whose format follows its extension; its
  type is -VHDType or the source's. "Conversion is an offline operation; the virtual hard
  disk must not be attached when the operation is started." A differencing destination
  (-ParentPath) is not modelled.
- Merge-VHD merges a differencing disk into its parent (or into the ancestor
  -DestinationPath names); "the virtual hard disk chain must not be attached when merge is
  initiated". The merged children "are not deleted, but are no longer valid virtual hard
  disk files": the lab keeps them as plain files.
- Move-VMStorage -DestinationStoragePath moves a VM's configuration and disks, the VM off or
  running (storage live migration, new in 2012), into the folder and its "Virtual Hard
  Disks" subfolder, as Move-VM -IncludeStorage does (hvtui.lab.migration's rules for the
  path, existing files and free space are reused). A shared VHDX stays (R-LM-8's warning).
- Set-VMHardDiskDrive -MinimumIOPS/-MaximumIOPS (R-VHD-3, 2012 R2+: the 2012 module has
  neither parameter, which the binder refuses); the VM may run. -Path points a drive at
  another disk file under the controller rules of Add-VMHardDiskDrive (R-VHD-4).

The host's texts for these refusals are not in the reference: each is marked UNCONFIRMED.
"""

from __future__ import annotations

from hvtui.lab import objects
from hvtui.lab.drives import IN_USE, ONLINE, controller_types
from hvtui.lab.emulation import CmdletCall, emulates
from hvtui.lab.estate import VM, Vhd, basename, parent, path_key
from hvtui.lab.failures import (
    DISK_FULL,
    FILE_EXISTS,
    FILE_NOT_FOUND,
    GEN2_NO_IDE,
    GEN2_NO_VHD,
    INVALID_DIRECTORY,
    NOT_A_VHD,
    PATH_NOT_FOUND,
    invalid_argument,
    invalid_operation,
    invalid_state,
    object_not_found,
    operation_failed,
)
from hvtui.lab.migration import (
    Move,
    move_storage,
    storage_plan,
    storage_problems,
    unmovable_warnings,
    valid_directory,
)
from hvtui.lab.power import each_operand, only_modelled
from hvtui.lab.storage import MAX_SIZE, attached

COMPACT_TASK = "Compact a virtual hard disk"
CONVERT_TASK = "Convert a virtual hard disk"
MERGE_TASK = "Merge a virtual hard disk"
MOVE_STORAGE_TASK = "Move the storage of a virtual machine"
"""Progress activities (UNCONFIRMED captions, after TaskDescriptions.ResizeVHD's style)."""

COPY_BYTES_PER_SECOND = 400 * 1024**2
"""How fast the lab copies a disk's data (lab time)."""

FIXED_COMPACT = ("The virtual hard disk '{0}' is a fixed disk: only a dynamic or differencing "
                 "disk can be compacted.")
"""UNCONFIRMED wording; the rule is the help's ("except for fixed virtual hard disks")."""
NOT_DIFFERENCING = "The virtual hard disk '{0}' is not a differencing disk: it has no parent."
"""UNCONFIRMED wording."""
NOT_AN_ANCESTOR = "'{0}' is not a parent of '{1}' in its differencing chain."
"""UNCONFIRMED wording."""
PARENT_MISSING = "The parent virtual hard disk '{0}' of '{1}' cannot be found."
"""UNCONFIRMED wording."""
QOS_MAX_BELOW_MIN = ("The maximum IOPS ({0}) is less than the minimum IOPS ({1}). Set the "
                     "maximum to 0 (no limit) or to at least the minimum.")
"""UNCONFIRMED wording (R-VHD-3 gives the parameters, not this refusal's text)."""
NO_DRIVE = "No device was found by given criteria."
"""As drives.py: UNCONFIRMED for a location that holds no hard disk drive."""


def _format_of(path: str) -> str | None:
    lowered = path.lower()
    if lowered.endswith((".vhdx", ".avhdx")):
        return "VHDX"
    if lowered.endswith((".vhd", ".avhd")):
        return "VHD"
    return None


def _disk(call: CmdletCall, path: str) -> Vhd:
    vhd = call.estate.vhd(call.host, path)
    if vhd is None:
        raise invalid_argument(call.name, NOT_A_VHD.format(path), path)
    return vhd


def _open_by(call: CmdletCall, vhd: Vhd) -> VM | None:
    """A VM that has ``vhd`` open now (any state but Off), or None."""
    for _owner, vm in attached(call.estate, call.host, vhd.path):
        if vm.state != "Off" or vm.busy:
            return vm
    return None


def _refuse_open(call: CmdletCall, vhd: Vhd) -> None:
    if _open_by(call, vhd) is not None:
        # UNCONFIRMED: Windows' sharing violation, as drives.py uses for a disk in use.
        raise operation_failed(call.name, IN_USE.format(vhd.path), vhd.path)


def _percent(p: int) -> str:
    return f"{p}%"


# --- Optimize-VHD -----------------------------------------------------------------------------


@emulates("Optimize-VHD")
def optimize_vhd(call: CmdletCall) -> None:
    """-Mode is accepted and ignored: the lab's one compaction stands for every mode."""
    only_modelled(call, ("Path", "Mode", "Passthru"))

    def compact(path: str) -> None:
        if not call.inv.should_process(path):
            return
        with call.lock:
            vhd = _disk(call, path)
            if vhd.type == "Fixed":
                raise invalid_operation(call.name, FIXED_COMPACT.format(vhd.path), path)
            _refuse_open(call, vhd)
            seconds = vhd.file_size / COPY_BYTES_PER_SECOND / 4
        call.spend(seconds, COMPACT_TASK, _percent)
        with call.lock:
            vhd = _disk(call, path)
            _refuse_open(call, vhd)
            floor = 4 * 1024**2 + (vhd.minimum_size or 0)
            if vhd.format == "VHDX" and vhd.minimum_size is not None and vhd.file_size > floor:
                space = call.estate.space(call.host, vhd.path)
                if space is not None:
                    space.free += vhd.file_size - floor
                vhd.file_size = floor
            if call.switch("Passthru"):
                call.write(objects.vhd_object(call.view, vhd, False))

    each_operand(call, call.names("Path"), compact)


# --- Convert-VHD ------------------------------------------------------------------------------


def _converted(call: CmdletCall, source: Vhd, dest: str, vhd_type: str) -> Vhd:
    """The disk Convert-VHD would write at ``dest``, after the host's checks."""
    estate, host = call.estate, call.host
    fmt = _format_of(dest)
    if fmt is None:
        raise invalid_argument(call.name, NOT_A_VHD.format(dest), dest)
    if not basename(dest) or not estate.path_exists_on(host, parent(dest) or dest):
        raise operation_failed(call.name, PATH_NOT_FOUND, dest)
    if estate.file_exists(host, dest):
        raise operation_failed(call.name, FILE_EXISTS, dest)
    if source.size > MAX_SIZE[fmt]:
        # UNCONFIRMED wording.
        raise invalid_argument(call.name, f"The size of '{source.path}' ({source.size} bytes) "
                                          f"exceeds the largest {fmt} ({MAX_SIZE[fmt]} "
                                          "bytes).", dest)
    overhead = 4 * 1024**2 if fmt == "VHDX" else 512
    data = source.file_size if source.type != "Fixed" else (source.minimum_size or source.size)
    file_size = source.size + overhead if vhd_type == "Fixed" else min(data, source.size) + \
        overhead
    space = estate.space(host, dest)
    if space is not None and file_size > space.free:
        raise operation_failed(call.name, DISK_FULL, dest)
    minimum = (source.minimum_size or source.size) if fmt == "VHDX" else None
    block = 0 if vhd_type == "Fixed" else (32 if fmt == "VHDX" else 2) * 1024**2
    return Vhd(dest, fmt, vhd_type, source.size, file_size, minimum, block)


@emulates("Convert-VHD")
def convert_vhd(call: CmdletCall) -> None:
    only_modelled(call, ("Path", "DestinationPath", "VHDType", "Passthru", "DeleteSource"))
    path, dest = str(call.arg("Path")), str(call.arg("DestinationPath"))
    asked = call.arg("VHDType").name if call.given("VHDType") else ""
    if not call.inv.should_process(path):
        return
    with call.lock:
        source = _disk(call, path)
        vhd_type = asked or ("Dynamic" if source.type == "Differencing" else source.type)
        if vhd_type not in ("Fixed", "Dynamic"):
            # UNCONFIRMED: a differencing destination needs -ParentPath, not modelled.
            raise invalid_argument(call.name, f"The lab converts to Fixed or Dynamic only, not "
                                              f"{vhd_type}.", dest)
        _refuse_open(call, source)
        planned = _converted(call, source, dest, vhd_type)
    call.spend(planned.file_size / COPY_BYTES_PER_SECOND, CONVERT_TASK, _percent)
    with call.lock:
        source = _disk(call, path)
        _refuse_open(call, source)
        made = _converted(call, source, dest, vhd_type)
        call.estate.add_vhd(call.host, made)
        space = call.estate.space(call.host, dest)
        if space is not None:
            space.free = max(0, space.free - made.file_size)
        if call.switch("DeleteSource"):
            if attached(call.estate, call.host, source.path):
                # UNCONFIRMED wording: a VM's configuration still names the source.
                raise operation_failed(call.name, IN_USE.format(source.path), source.path)
            call.estate.remove_vhd(call.host, source.path)
            freed = call.estate.space(call.host, source.path)
            if freed is not None:
                freed.free += source.file_size
        if call.switch("Passthru"):
            call.write(objects.vhd_object(call.view, made, False))


# --- Merge-VHD --------------------------------------------------------------------------------


def _chain(call: CmdletCall, child: Vhd, dest: str) -> list[Vhd]:
    """``child`` and its ancestors up to the merge's destination (last), or the refusal."""
    if child.type != "Differencing" or not child.parent_path:
        raise invalid_operation(call.name, NOT_DIFFERENCING.format(child.path), child.path)
    chain = [child]
    current = child
    while True:
        above = call.estate.vhd(call.host, current.parent_path)
        if above is None:
            raise operation_failed(call.name, PARENT_MISSING.format(current.parent_path,
                                                                    current.path), child.path)
        chain.append(above)
        if not dest or path_key(above.path) == path_key(dest):
            return chain
        if above.type != "Differencing" or not above.parent_path:
            raise invalid_argument(call.name, NOT_AN_ANCESTOR.format(dest, child.path), dest)
        current = above


@emulates("Merge-VHD")
def merge_vhd(call: CmdletCall) -> None:
    only_modelled(call, ("Path", "DestinationPath", "Force", "Passthru"))
    path = str(call.arg("Path"))
    dest = str(call.arg("DestinationPath") or "")
    if not call.inv.should_process(path):
        return
    with call.lock:
        chain = _chain(call, _disk(call, path), dest)
        for vhd in chain:
            _refuse_open(call, vhd)
        moved = sum(v.file_size for v in chain[:-1])
    call.spend(moved / COPY_BYTES_PER_SECOND, MERGE_TASK, _percent)
    with call.lock:
        chain = _chain(call, _disk(call, path), dest)
        for vhd in chain:
            _refuse_open(call, vhd)
        target = chain[-1]
        grown = 0
        if target.type != "Fixed":
            grown = min(target.size + 4 * 1024**2,
                        target.file_size + sum(v.file_size for v in chain[:-1])) - \
                target.file_size
            target.file_size += grown
        for child in chain[:-1]:
            # "no longer valid virtual hard disk files": plain files the lab keeps.
            call.estate.remove_vhd(call.host, child.path)
            call.host.files[path_key(child.path)] = child.path
        space = call.estate.space(call.host, target.path)
        if space is not None:
            space.free = max(0, space.free - grown)
        if call.switch("Passthru"):
            call.write(objects.vhd_object(call.view, target, False))


# --- Move-VMStorage ---------------------------------------------------------------------------


@emulates("Move-VMStorage")
def move_vmstorage(call: CmdletCall) -> None:
    """The single-destination sets (-VMName/-Name or -VM, -DestinationStoragePath)."""
    only_modelled(call, ("VMName", "Name", "VM", "DestinationStoragePath"))
    path = str(call.arg("DestinationStoragePath") or "")
    if not valid_directory(path):
        call.error(invalid_argument(call.name, INVALID_DIRECTORY.format(path)))
        return
    with call.lock:
        vms = call.target_vms()
    each_operand(call, vms, lambda vm: _move_storage_one(call, vm, path))


def _storage_check(call: CmdletCall, move: Move) -> None:
    vm = move.vm
    if vm.busy or vm.critical:
        raise invalid_state(call.name, vm.name)
    problems = storage_problems(call.estate, move.source, move.dest, vm, True, move.path,
                                call.name)
    if problems:
        raise problems[0].error


def _move_storage_one(call: CmdletCall, vm: VM, path: str) -> None:
    estate, host = call.estate, call.host
    if not call.inv.should_process(vm.name):
        return
    with call.lock:
        move = Move(host, host, vm, True, path)
        _storage_check(call, move)
        for text in unmovable_warnings(move):
            call.warn(text)
        total = sum(vhd.file_size for d in move.moving
                    if (vhd := estate.vhd(host, d.path)) is not None
                    and path_key(storage_plan(move)[d.path]) != path_key(d.path))
        vm.busy = "Moving storage"
    try:
        call.spend(2.0 + total / COPY_BYTES_PER_SECOND, MOVE_STORAGE_TASK, _percent)
    finally:
        with call.lock:
            vm.busy = ""
    with call.lock:
        if vm.id not in host.vms:
            raise operation_failed(call.name, f"'{vm.name}' is no longer on {host.name}.",
                                   vm.name)
        _storage_check(call, move)
        move_storage(estate, move)


# --- Set-VMHardDiskDrive ----------------------------------------------------------------------


def _drive_slot(call: CmdletCall) -> tuple[str, int, int]:
    return (call.arg("ControllerType").name, int(call.arg("ControllerNumber")),
            int(call.arg("ControllerLocation")))


@emulates("Set-VMHardDiskDrive")
def set_vmharddiskdrive(call: CmdletCall) -> None:
    """The VMName set by controller location: QoS (-MinimumIOPS, -MaximumIOPS) and -Path.
    Moving a drive (-To...), pass-through disks, QoS policies and cache attributes are not
    modelled (refused, not ignored)."""
    only_modelled(call, ("VMName", "ControllerType", "ControllerNumber", "ControllerLocation",
                         "MinimumIOPS", "MaximumIOPS", "Path", "Passthru"))
    slot = _drive_slot(call)

    def configure(vm: VM) -> None:
        if not call.inv.should_process(vm.name):
            return
        drive = next((d for d in vm.drives if (d.controller_type, d.controller_number,
                                               d.controller_location) == slot), None)
        if drive is None:
            raise object_not_found(call.name, NO_DRIVE, vm.name)
        call.idle(vm)
        low = int(call.arg("MinimumIOPS")) if call.given("MinimumIOPS") else drive.min_iops
        high = int(call.arg("MaximumIOPS")) if call.given("MaximumIOPS") else drive.max_iops
        if high and high < low:
            raise invalid_argument(call.name, QOS_MAX_BELOW_MIN.format(high, low), vm.name)
        path = str(call.arg("Path") or "") if call.given("Path") else ""
        if path and path_key(path) != path_key(drive.path):
            _check_new_path(call, vm, drive.controller_type, path)
            drive.path = (_disk(call, path)).path
        drive.min_iops, drive.max_iops = low, high
        if call.switch("Passthru"):
            call.write(objects.drive_object(call.view, vm, drive))

    with call.lock:
        each_operand(call, call.target_vms(), configure)


def _check_new_path(call: CmdletCall, vm: VM, kind: str, path: str) -> None:
    """A drive takes another file under Add-VMHardDiskDrive's rules (R-VHD-4)."""
    if kind not in controller_types(vm):
        raise invalid_argument(call.name, GEN2_NO_IDE, vm.name)
    if vm.state not in ONLINE[kind]:
        raise invalid_state(call.name, vm.name)
    vhd = call.estate.vhd(call.host, path)
    if vhd is None:
        if call.estate.file_exists(call.host, path):
            raise invalid_argument(call.name, NOT_A_VHD.format(path), path)
        raise operation_failed(call.name, FILE_NOT_FOUND, path)
    if vm.generation == 2 and vhd.format == "VHD":
        raise invalid_argument(call.name, GEN2_NO_VHD, path)
    if attached(call.estate, call.host, vhd.path):
        raise operation_failed(call.name, IN_USE.format(vhd.path), path)

