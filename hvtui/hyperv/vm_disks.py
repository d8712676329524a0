"""Add a virtual disk to a VM, new or existing (New-VHD, Add-VMHardDiskDrive), or detach
one (Remove-VMHardDiskDrive): requests, checks and plans.

The rules (R-VHD-4, R-GEN-2 in the reference): a generation 2 VM has no IDE controller and
takes no ``.vhd``; a disk goes on or comes off an IDE controller only while the VM is off,
and on or off the SCSI controller while it is off or running (hot add, every release hvtui
supports). A generation 1 VM has two IDE controllers of two locations, one usually holding
the DVD drive, and one SCSI controller of 64. Detaching never deletes the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from hvtui.errors import PlanRefused
from hvtui.hyperv import lookup
from hvtui.hyperv.paths import is_absolute_windows_path
from hvtui.hyperv.plans import (
    Check,
    Plan,
    Request,
    Step,
    VmRef,
    failed,
    make_step,
    passed,
    warned,
)
from hvtui.hyperv.sizes import human, parse_size
from hvtui.hyperv.storage import MAX_SIZE, find_disk
from hvtui.model import VM, Disk, Host, VhdFormat, VMState
from hvtui.model.estate import Estate
from hvtui.remote.pool import SessionPool

CONTROLLERS = ("SCSI", "IDE")
SLOTS = {"IDE": 4, "SCSI": 64}
"""Locations a VM has per controller type (IDE: 2 controllers x 2; SCSI: the one controller
New-VM creates)."""
ONLINE_STATES = {"IDE": (VMState.Off,), "SCSI": (VMState.Off, VMState.Running)}
"""The states in which each controller type takes or gives up a disk."""
NEW_DISK_NOTE = ("The new disk is empty: inside the guest, bring it online, initialize and "
                 "format it (Disk Management, or Initialize-Disk and New-Partition).")


@dataclass(frozen=True, slots=True)
class DiskAddRequest(Request):
    kind: ClassVar[str] = "disk-add"
    vm: VmRef
    path: str
    """The disk file on the VM's host: an existing VHD/VHDX, or where the new one goes."""
    controller: str = "SCSI"
    """``SCSI`` or ``IDE``."""
    new_size: str = ""
    """Empty to attach an existing disk; else the new disk's size as people write it."""
    fixed: bool = False
    """A new disk is fixed-size (all its space taken now) rather than dynamic."""


@dataclass(frozen=True, slots=True)
class DiskRemoveRequest(Request):
    kind: ClassVar[str] = "disk-remove"
    vm: VmRef
    disk: str
    """A disk path, a controller location such as ``SCSI 0:1``, or the index (from 0)."""


def _controller(text: str) -> str:
    kind = text.strip().upper()
    if kind not in CONTROLLERS:
        raise PlanRefused(f"'{text}' is not a disk controller", hint="say SCSI or IDE")
    return kind


def _format_of(path: str) -> VhdFormat | None:
    lowered = path.lower()
    if lowered.endswith(".vhdx"):
        return VhdFormat.VHDX
    if lowered.endswith(".vhd"):
        return VhdFormat.VHD
    return None


def state_check(vm: VM, kind: str, verb: str) -> Check:
    """Whether ``vm``'s ``kind`` controller takes a change now (``verb``: add, remove)."""
    name = "VM state"
    state = vm.state.base
    if vm.state.is_critical:
        return failed(name, f"{vm.name} is {vm.state.name}: its storage is in trouble",
                      "fix the VM's storage first")
    if state in ONLINE_STATES[kind]:
        if state is VMState.Running:
            return passed(name, f"{vm.name} is running: SCSI disks {verb} while it runs")
        return passed(name, f"{vm.name} is off")
    if kind == "IDE":
        return failed(name, f"{vm.name} is {state.name}: IDE disks change only while the VM "
                            "is off", f"shut {vm.name} down first, or use the SCSI "
                                      "controller, which takes disks while the VM runs")
    return failed(name, f"{vm.name} is {state.name}: a VM that is saved or paused takes no "
                        "hardware change", f"start or shut {vm.name} down first")


def _generation_checks(vm: VM, kind: str, fmt: VhdFormat | None) -> list[Check]:
    checks: list[Check] = []
    if vm.generation == 2 and kind == "IDE":
        checks.append(failed("Controller", f"{vm.name} is generation 2: it has no IDE "
                                           "controller", "use SCSI"))
    elif vm.generation == 0 and kind == "IDE":
        checks.append(warned("Controller", f"the host did not report {vm.name}'s "
                                           "generation; a generation 2 VM has no IDE",
                             "use SCSI, which every VM has"))
    else:
        checks.append(passed("Controller", f"{kind} on a generation {vm.generation} VM"))
    if vm.generation == 2 and fmt is VhdFormat.VHD:
        checks.append(failed("Format", f"{vm.name} is generation 2: it takes VHDX only",
                             "convert the disk to VHDX (Convert-VHD) or name a .vhdx"))
    return checks


def _room_check(vm: VM, kind: str) -> Check:
    used = sum(1 for d in vm.disks if d.controller.name == kind)
    free = SLOTS[kind] - used
    if free <= 0:
        return failed("Free location", f"every {kind} location of {vm.name} holds a disk",
                      "remove a disk first, or use the other controller")
    if kind == "IDE" and free == 1:
        return warned("Free location", f"one IDE location is left, and a DVD drive may "
                                       f"hold it ({vm.name}'s DVD drives are not listed)",
                      "use SCSI if the host says there is no free location")
    return passed("Free location", f"{free} {kind} location(s) free")


def _users(estate: Estate, host: Host, path: str) -> list[VM]:
    """The VMs of ``host`` with a disk at ``path``."""
    wanted = path.replace("/", "\\").casefold()
    return [vm for vm in estate.vms() if vm.host.casefold() == host.name.casefold()
            and any(d.path.casefold() == wanted for d in vm.disks)]


def _path_checks(vm: VM, host: Host, estate: Estate, request: DiskAddRequest,
                 size: int) -> list[Check]:
    checks: list[Check] = []
    path = request.path
    fmt = _format_of(path)
    if not is_absolute_windows_path(path):
        checks.append(failed("Path", f"'{path}' is not a full path on {host.name}",
                             "give a path such as D:\\VHDs\\data.vhdx"))
        return checks
    if fmt is None:
        checks.append(failed("Path", f"'{path}' does not end in .vhdx or .vhd",
                             "name the disk file, e.g. D:\\VHDs\\data.vhdx"))
        return checks
    users = _users(estate, host, path)
    if users:
        names = ", ".join(u.name for u in users)
        what = "a disk is already there, attached to" if size else "the disk is attached to"
        checks.append(failed("Disk in use", f"{what} {names}",
                             "choose another file name" if size else
                             f"detach it from {names} first"))
    elif size:
        checks.append(passed("Path", f"a new {fmt.name} at {path} (the host refuses if a file "
                                     "is already there)"))
    else:
        checks.append(passed("Disk in use", f"no VM of {host.name} uses {path}"))
    if size:
        limit = MAX_SIZE[fmt]
        if size > limit:
            checks.append(failed("Size", f"a {fmt.name} holds at most {human(limit)}",
                                 "give a smaller size, or use VHDX"))
        need = size if request.fixed else 4 * 1024**2
        volume = host.volume_for(path)
        if volume is None or not volume.size:
            checks.append(warned("Free space", f"{host.name} does not report that volume's "
                                               f"free space; the disk takes {human(need)} now",
                                 f"make sure {human(need)} is free there"))
        elif volume.free < need:
            checks.append(failed("Free space", f"a {'fixed' if request.fixed else 'dynamic'} "
                                               f"disk takes {human(need)} now but "
                                               f"{volume.drive_letter}: has "
                                               f"{human(volume.free)} free",
                                 "free space there, choose another volume, or make it dynamic"))
        else:
            checks.append(passed("Free space", f"{human(need)} now; {volume.drive_letter}: has "
                                               f"{human(volume.free)} free"))
    return checks


async def plan_disk_add(pool: SessionPool, request: DiskAddRequest) -> Plan:
    kind = _controller(request.controller)
    size = 0
    if request.new_size.strip():
        parsed = parse_size(request.new_size)
        if parsed.relative or parsed.to_minimum:
            raise PlanRefused(f"'{request.new_size}' is not a size for a new disk",
                              hint="give its size, such as 40 GiB")
        size = parsed.amount
    estate = await lookup.fresh_estate(pool, lookup.hosts_for(pool, [request.vm]))
    vm = lookup.vm(estate, request.vm)
    host = lookup.host(estate, vm.host)
    checks = [*_generation_checks(vm, kind, _format_of(request.path)),
              state_check(vm, kind, "are added"), _room_check(vm, kind),
              *_path_checks(vm, host, estate, request, size)]
    checks = [Check(c.name, c.outcome, c.detail, c.fix, vm.name) for c in checks]
    params: dict[str, str | int | bool] = {"VMName": vm.name, "Path": request.path,
                                           "ControllerType": kind}
    if size:
        params["NewSizeBytes"] = size
        if request.fixed:
            params["Fixed"] = True
        what = f"a new {'fixed' if request.fixed else 'dynamic'} {human(size)} disk"
    else:
        what = "the disk"
    step = make_step(host, "vm-disk-add", params,
                     f"Attach {what} {request.path} to {vm.name} on {kind} ({vm.host})",
                     target=vm.name, long=bool(size and request.fixed))
    return Plan(title=f"Add a disk to {vm.name}", request=request, checks=tuple(checks),
                steps=(step,), notes=(NEW_DISK_NOTE,) if size else ())


def _remove_checks(vm: VM, disk: Disk) -> list[Check]:
    kind = disk.controller.name
    checks = [state_check(vm, kind, "are removed")]
    first = min(vm.disks, key=lambda d: (d.controller.name != "IDE", d.controller_number,
                                         d.controller_location))
    if disk == first:
        checks.append(warned("Boot disk", f"{disk.location} is {vm.name}'s first disk, "
                                          "usually the one it starts from",
                             f"make sure {vm.name} does not boot from it"))
    if vm.state.base is VMState.Running:
        checks.append(warned("Guest", f"the guest loses {disk.path} at once; writes in "
                                      "flight are lost",
                             "take the disk offline inside the guest first"))
    if vm.checkpoints:
        checks.append(warned("Checkpoints", f"{vm.name} has {len(vm.checkpoints)} "
                                            "checkpoint(s); applying one brings the disk back",
                             ""))
    return checks


async def plan_disk_remove(pool: SessionPool, request: DiskRemoveRequest) -> Plan:
    estate = await lookup.fresh_estate(pool, lookup.hosts_for(pool, [request.vm]))
    vm = lookup.vm(estate, request.vm)
    host = lookup.host(estate, vm.host)
    disk = find_disk(vm, request.disk)
    subject = f"{vm.name} {disk.location}"
    checks = [Check(c.name, c.outcome, c.detail, c.fix, subject)
              for c in _remove_checks(vm, disk)]
    steps: list[Step] = [make_step(
        host, "vm-disk-remove",
        {"VMName": vm.name, "ControllerType": disk.controller.name,
         "ControllerNumber": disk.controller_number,
         "ControllerLocation": disk.controller_location},
        f"Detach {disk.path} ({disk.location}) from {vm.name} on {vm.host}",
        target=subject, destructive=True)]
    note = f"The file {disk.path} stays on {vm.host}; delete it there when it is not needed."
    return Plan(title=f"Remove {vm.name}'s disk {disk.location}", request=request,
                checks=tuple(checks), steps=tuple(steps), notes=(note,))
