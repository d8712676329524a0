"""Edit Disk (compact, convert, merge), storage-only moves and storage QoS: requests, checks
and plans.

The rules, from Microsoft's help for each cmdlet (the reference's "Edit Disk,
Move-VMStorage, Storage QoS" section):

- **Compact** (Optimize-VHD): dynamic and differencing disks only, never fixed ones; the
  disk must not be in use, so its VM is off.
- **Convert** (Convert-VHD): copies the disk into a new file, VHD <-> VHDX by the new
  file's extension, fixed <-> dynamic by the type asked; the source must not be in use
  (its VM off) and the new file needs room on its volume. The VM keeps using the source.
- **Merge** (Merge-VHD): a differencing disk into its parent, the chain not in use (VM off);
  afterwards the VM's drive is pointed at the parent, since the child is no longer a valid
  disk. A VM with checkpoints is refused: its differencing disks are the checkpoints', and
  deleting checkpoints is how they merge.
- **Move storage** (Move-VMStorage): the VM's files to another folder of the same host,
  while it runs from 2012 on (storage live migration).
- **Storage QoS** (Set-VMHardDiskDrive -MinimumIOPS/-MaximumIOPS, 2012 R2+, R-VHD-3): in
  normalized IOPS (8 KB each), the maximum at least the minimum, 0 for none; the VM may run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from hvtui.errors import HvtuiError, PlanRefused
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
from hvtui.hyperv.sizes import human
from hvtui.hyperv.storage import MAX_SIZE, find_disk
from hvtui.model import VM, Disk, Host, VhdFormat, VhdType, VMState
from hvtui.model.estate import Estate
from hvtui.model.versions import STORAGE_QOS
from hvtui.ps import catalog
from hvtui.remote.pool import SessionPool

VHD_TYPES = ("Dynamic", "Fixed")
QOS_UNIT = "normalized IOPS (8 KB each)"
COMPACT_NOTE = ("Compacting gives back only blocks the guest has freed: zero or trim the free "
                "space inside the guest first (Optimize-Volume -ReTrim, or sdelete -z) for "
                "the most gain. The file may stay the same size.")


@dataclass(frozen=True, slots=True)
class DiskCompactRequest(Request):
    kind: ClassVar[str] = "disk-compact"
    vm: VmRef
    disk: str
    """A disk path, a controller location such as ``SCSI 0:1``, or the index (from 0)."""


@dataclass(frozen=True, slots=True)
class DiskConvertRequest(Request):
    kind: ClassVar[str] = "disk-convert"
    vm: VmRef
    disk: str
    destination: str
    """The new file on the VM's host; its extension (.vhdx or .vhd) is the new format."""
    vhd_type: str = ""
    """``Dynamic`` or ``Fixed``; empty keeps the disk's type (a differencing disk becomes
    dynamic)."""
    replace: bool = False
    """Afterwards the VM's drive uses the new file (the old one stays on the host)."""


@dataclass(frozen=True, slots=True)
class DiskMergeRequest(Request):
    kind: ClassVar[str] = "disk-merge"
    vm: VmRef
    disk: str


@dataclass(frozen=True, slots=True)
class MoveStorageRequest(Request):
    kind: ClassVar[str] = "move-storage"
    vm: VmRef
    path: str
    """The folder on the VM's host its configuration goes to; disks go to its
    ``Virtual Hard Disks`` subfolder."""


@dataclass(frozen=True, slots=True)
class DiskQosRequest(Request):
    kind: ClassVar[str] = "disk-qos"
    vm: VmRef
    disk: str
    minimum: int
    maximum: int
    """Normalized IOPS; 0 is no reservation / no limit."""


def _format_of(path: str) -> VhdFormat | None:
    lowered = path.lower()
    if lowered.endswith(".vhdx"):
        return VhdFormat.VHDX
    if lowered.endswith(".vhd"):
        return VhdFormat.VHD
    return None


def offline_check(vm: VM, what: str) -> Check:
    """The disk must not be in use: its VM is off (``what``: 'compacted'...)."""
    name = "VM state"
    if vm.state.is_critical:
        return failed(name, f"{vm.name} is {vm.state.name}: its storage is in trouble",
                      "fix the VM's storage first")
    if vm.state.base is VMState.Off:
        return passed(name, f"{vm.name} is off: its disks are not in use")
    return failed(name, f"{vm.name} is {vm.state.base.name}: its disk is in use and cannot be "
                        f"{what}", f"shut {vm.name} down first")


def _users(estate: Estate, host: Host, path: str, but: VM | None = None) -> list[VM]:
    wanted = path.replace("/", "\\").casefold()
    return [vm for vm in estate.vms() if vm.host.casefold() == host.name.casefold()
            and vm is not but and any(d.path.casefold() == wanted for d in vm.disks)]


def _space_check(host: Host, path: str, need: int, what: str) -> Check:
    volume = host.volume_for(path)
    if volume is None and host.volumes and not path.startswith("\\\\"):
        drive = path[:2]
        return failed("Free space", f"{host.name} has no volume {drive} (it reports "
                                    f"{', '.join(v.path for v in host.volumes)})",
                      "give a path on one of its volumes")
    if volume is None or not volume.size:
        return warned("Free space", f"{host.name} does not report that volume's free space; "
                                    f"{what} takes up to {human(need)}",
                      f"make sure {human(need)} is free there")
    if volume.free < need:
        return failed("Free space", f"{what} takes up to {human(need)} but "
                                    f"{volume.drive_letter}: has {human(volume.free)} free",
                      "free space there, or choose another volume")
    return passed("Free space", f"up to {human(need)}; {volume.drive_letter}: has "
                                f"{human(volume.free)} free")


def _subject(vm: VM, disk: Disk, checks: list[Check]) -> tuple[Check, ...]:
    subject = f"{vm.name} {disk.location}"
    return tuple(Check(c.name, c.outcome, c.detail, c.fix, subject) for c in checks)


async def _resolve(pool: SessionPool, ref: VmRef) -> tuple[Estate, VM, Host]:
    estate = await lookup.fresh_estate(pool, lookup.hosts_for(pool, [ref]))
    vm = lookup.vm(estate, ref)
    return estate, vm, lookup.host(estate, vm.host)


# --- compact ----------------------------------------------------------------------------------


def compact_checks(vm: VM, disk: Disk) -> list[Check]:
    checks: list[Check] = []
    if disk.type is VhdType.Fixed:
        checks.append(failed("Disk type", f"{disk.path} is a fixed disk: only dynamic and "
                                          "differencing disks can be compacted",
                             "convert it to a dynamic disk (disk convert --type Dynamic) "
                             "if its file should shrink"))
    elif disk.type in (VhdType.Dynamic, VhdType.Differencing):
        checks.append(passed("Disk type", f"a {disk.type.name.lower()} "
                                          f"{disk.format.name}"))
    else:
        checks.append(warned("Disk type", f"{vm.host} did not report the disk's type; a "
                                          "fixed disk cannot be compacted",
                             "check the disk on the host"))
    checks.append(offline_check(vm, "compacted"))
    return checks


async def plan_compact(pool: SessionPool, request: DiskCompactRequest) -> Plan:
    _estate, vm, host = await _resolve(pool, request.vm)
    disk = find_disk(vm, request.disk)
    step = make_step(host, "vhd-compact", {"Path": disk.path},
                     f"Compact {disk.path} ({vm.name} {disk.location}, "
                     f"{human(disk.file_size)} now)", target=f"{vm.name} {disk.location}",
                     long=True)
    return Plan(title=f"Compact {vm.name}'s disk {disk.location}", request=request,
                checks=_subject(vm, disk, compact_checks(vm, disk)), steps=(step,),
                notes=(COMPACT_NOTE,))


# --- convert ----------------------------------------------------------------------------------


def _new_type(disk: Disk, asked: str) -> str:
    if asked:
        kind = asked.strip().capitalize()
        if kind not in VHD_TYPES:
            raise PlanRefused(f"'{asked}' is not a disk type to convert to",
                              hint="say Dynamic or Fixed")
        return kind
    return "Fixed" if disk.type is VhdType.Fixed else "Dynamic"


def convert_checks(vm: VM, disk: Disk, host: Host, estate: Estate, destination: str,
                   new_type: str, replace: bool = False) -> list[Check]:
    checks: list[Check] = [offline_check(vm, "converted")]
    fmt = _format_of(destination)
    if not is_absolute_windows_path(destination):
        return [*checks, failed("Destination", f"'{destination}' is not a full path on "
                                               f"{host.name}",
                                "give a path such as D:\\VHDs\\data.vhdx")]
    if fmt is None:
        return [*checks, failed("Destination", f"'{destination}' does not end in .vhdx or .vhd",
                                "name the new file, e.g. D:\\VHDs\\data.vhdx")]
    if destination.replace("/", "\\").casefold() == disk.path.casefold():
        return [*checks, failed("Destination", "the new file would replace the disk itself",
                                "give a new file name; the source stays as it is")]
    same = fmt is disk.format and new_type == disk.type.name
    if same:
        checks.append(failed("Conversion", f"the disk is already a {new_type.lower()} "
                                           f"{fmt.name}: nothing would change",
                             "give a .vhd/.vhdx destination or another --type"))
    else:
        checks.append(passed("Conversion", f"{disk.type.name.lower()} {disk.format.name} -> "
                                           f"{new_type.lower()} {fmt.name}"))
    users = _users(estate, host, destination)
    if users:
        checks.append(failed("Destination", f"{destination} is a disk of "
                                            f"{', '.join(u.name for u in users)}",
                             "choose another file name"))
    else:
        checks.append(passed("Destination", f"a new file {destination} (the host refuses if a "
                                            "file is already there)"))
    if disk.size > MAX_SIZE[fmt]:
        checks.append(failed("Size", f"the disk is {human(disk.size)}; a {fmt.name} holds at "
                                     f"most {human(MAX_SIZE[fmt])}", "convert to VHDX"))
    if fmt is VhdFormat.VHD and vm.generation == 2:
        make = failed if replace else warned
        checks.append(make("Generation", f"{vm.name} is generation 2 and cannot use a .vhd",
                           "keep VHDX for this VM"))
    need = disk.size if new_type == "Fixed" else (disk.file_size or disk.size)
    checks.append(_space_check(host, destination, need, f"the {new_type.lower()} copy"))
    return checks


async def plan_convert(pool: SessionPool, request: DiskConvertRequest) -> Plan:
    estate, vm, host = await _resolve(pool, request.vm)
    disk = find_disk(vm, request.disk)
    new_type = _new_type(disk, request.vhd_type)
    checks = convert_checks(vm, disk, host, estate, request.destination, new_type,
                            request.replace)
    params: dict[str, str | int | bool] = {"Path": disk.path,
                                           "DestinationPath": request.destination,
                                           "VHDType": new_type}
    then = ""
    if request.replace:
        params |= {"VMName": vm.name, "ControllerType": disk.controller.name,
                   "ControllerNumber": disk.controller_number,
                   "ControllerLocation": disk.controller_location}
        then = f", and attach it at {vm.name} {disk.location}"
    step = make_step(host, "vhd-convert", params,
                     f"Copy {disk.path} into a new {new_type.lower()} disk "
                     f"{request.destination} on {vm.host}{then}",
                     target=f"{vm.name} {disk.location}", long=True)
    if request.replace:
        note = (f"{vm.name} then uses {request.destination}; {disk.path} stays on the host: "
                "delete it there once the VM runs well.")
    else:
        note = (f"{vm.name} keeps using {disk.path}. To use the new disk, convert with "
                "'replace' (--replace), or remove the old disk and add the new one.")
    return Plan(title=f"Convert {vm.name}'s disk {disk.location}", request=request,
                checks=_subject(vm, disk, checks), steps=(step,), notes=(note,))


# --- merge ------------------------------------------------------------------------------------


async def vhd_chain(pool: SessionPool, host: str, path: str) -> list[str]:
    """``path`` and its parents, child first, asked of ``host`` now (``vhd-chain``)."""
    try:
        result = await pool.invoke(host, catalog.get("vhd-chain").text, {"Path": path})
    except HvtuiError as exc:
        raise PlanRefused(f"could not ask {host} for the parents of {path}: "
                          f"{exc.user_message()}", host=host,
                          hint="check the host is reachable and retry") from None
    if not result.ok:
        message = "; ".join(e.message for e in result.errors) or "no message"
        raise PlanRefused(f"{host} could not read the chain of {path}: {message}", host=host,
                          hint="check that every parent file is still there")
    return [str(o.get("Path", "")) for o in result.objects if str(o.get("Kind", "")) == "Vhd"]


def merge_checks(vm: VM, disk: Disk, host: Host, estate: Estate,
                 chain: list[str] | None = None) -> list[Check]:
    if disk.type is not VhdType.Differencing or not disk.parent_path:
        return [failed("Differencing disk", f"{disk.path} is a {disk.type.name.lower()} disk: "
                                            "it has no parent to merge into",
                       "only a differencing disk (one made on top of a parent) merges")]
    shown = " -> ".join(chain or [disk.path, disk.parent_path])
    checks = [passed("Differencing disk", f"chain {shown}; merged into the first parent"),
              offline_check(vm, "merged")]
    if vm.checkpoints:
        checks.append(failed("Checkpoints", f"{vm.name} has {len(vm.checkpoints)} "
                                            "checkpoint(s): its differencing disks belong to "
                                            "them", "delete the checkpoints instead; Hyper-V "
                                                    "merges their disks itself"))
    parent = disk.parent_path.casefold()
    others = [f"{u.name} ({d.path})" for u in estate.vms()
              if u.host.casefold() == host.name.casefold()
              for d in u.disks if d is not disk and (d.parent_path.casefold() == parent
                                                     or d.path.casefold() == parent)]
    if others:
        checks.append(failed("Parent shared", f"{disk.parent_path} is also used by "
                                              f"{', '.join(others)}: merging into it breaks "
                                              "them", "convert this disk into a new "
                                                      "standalone disk instead"))
    else:
        checks.append(passed("Parent shared", "no other disk of this host uses the parent"))
    checks.append(_space_check(host, disk.parent_path, disk.file_size,
                               "the merged data"))
    return checks


async def plan_merge(pool: SessionPool, request: DiskMergeRequest) -> Plan:
    estate, vm, host = await _resolve(pool, request.vm)
    disk = find_disk(vm, request.disk)
    chain = await vhd_chain(pool, vm.host, disk.path) if disk.parent_path else []
    checks = merge_checks(vm, disk, host, estate, chain)
    steps: tuple[Step, ...] = ()
    notes: tuple[str, ...] = ()
    if disk.parent_path:
        steps = (make_step(host, "vhd-merge",
                           {"Path": disk.path, "DestinationPath": disk.parent_path,
                            "VMName": vm.name, "ControllerType": disk.controller.name,
                            "ControllerNumber": disk.controller_number,
                            "ControllerLocation": disk.controller_location},
                           f"Merge {disk.path} into {disk.parent_path} and attach the parent "
                           f"at {vm.name} {disk.location}",
                           target=f"{vm.name} {disk.location}", destructive=True, long=True),)
        above = (f"; {disk.parent_path}'s own parents ({' -> '.join(chain[2:])}) stay as "
                 "they are" if len(chain) > 2 else "")
        notes = (f"Chain: {' -> '.join(chain or [disk.path, disk.parent_path])}. "
                 f"{disk.path} merges into {disk.parent_path}{above}.",
                 f"Afterwards {disk.path} is no longer a valid disk; delete it on the host.")
    return Plan(title=f"Merge {vm.name}'s disk {disk.location} into its parent",
                request=request, checks=_subject(vm, disk, checks), steps=steps, notes=notes)


# --- move storage -----------------------------------------------------------------------------


def move_storage_checks(vm: VM, host: Host, path: str) -> list[Check]:
    checks: list[Check] = []
    if vm.state.is_critical:
        checks.append(failed("VM state", f"{vm.name} is {vm.state.name}: its storage is in "
                                         "trouble", "fix the VM's storage first"))
    elif vm.state.is_running:
        checks.append(passed("VM state", f"{vm.name} keeps running while its storage moves "
                                         f"({host.release.short})"))
    else:
        checks.append(passed("VM state", f"{vm.name} is {vm.state.base.name}"))
    if not is_absolute_windows_path(path):
        return [*checks, failed("Destination", f"'{path}' is not a full path on {host.name}",
                                f"give a folder such as D:\\VMs\\{vm.name}")]
    if vm.path and vm.path.rstrip("\\").casefold() == path.rstrip("\\").casefold():
        checks.append(failed("Destination", f"{vm.name} is already in {path}",
                             "give another folder"))
    shared = [d for d in vm.disks if d.shared]
    if shared:
        checks.append(warned("Shared disks", f"{len(shared)} shared VHDX stay where they are",
                             ""))
    if vm.is_clustered and not path.casefold().startswith("c:\\clusterstorage\\"):
        checks.append(warned("Cluster", f"{vm.name} is clustered: outside a Cluster Shared "
                                        "Volume the other nodes cannot reach its files",
                             "move it under C:\\ClusterStorage\\VolumeN"))
    need = sum(d.file_size or d.size for d in vm.disks if not d.shared)
    checks.append(_space_check(host, path, need, "the storage"))
    return checks


async def plan_move_storage(pool: SessionPool, request: MoveStorageRequest) -> Plan:
    _estate, vm, host = await _resolve(pool, request.vm)
    checks = tuple(Check(c.name, c.outcome, c.detail, c.fix, vm.name)
                   for c in move_storage_checks(vm, host, request.path))
    live = " while it runs" if vm.state.is_running else ""
    step = make_step(host, "vm-move-storage",
                     {"VMName": vm.name, "DestinationStoragePath": request.path},
                     f"Move {vm.name}'s storage{live} to {request.path} on {vm.host}",
                     target=vm.name, long=True)
    folder = request.path.rstrip("\\/")
    note = (f"The configuration goes to {folder}, the disks to {folder}\\Virtual Hard Disks; "
            "the old files are removed once the move completes.")
    return Plan(title=f"Move {vm.name}'s storage to {request.path}", request=request,
                checks=checks, steps=(step,), notes=(note,))


# --- storage QoS ------------------------------------------------------------------------------


def qos_checks(vm: VM, disk: Disk, host: Host, minimum: int, maximum: int) -> list[Check]:
    checks: list[Check] = []
    why = STORAGE_QOS.why_not(host.release)
    if why:
        checks.append(failed("Release", why, "move the VM to a 2012 R2 or later host"))
    else:
        checks.append(passed("Release", f"storage QoS on {host.release.short}"))
    if minimum < 0 or maximum < 0:
        checks.append(failed("IOPS", "IOPS cannot be negative", "give 0 or more"))
    elif maximum and maximum < minimum:
        checks.append(failed("IOPS", f"the maximum {maximum} is below the minimum {minimum}",
                             "raise the maximum, or give 0 for no limit"))
    elif (minimum, maximum) == (disk.min_iops, disk.max_iops):
        checks.append(failed("IOPS", f"the disk already has minimum {minimum} and maximum "
                                     f"{maximum}", "give other values"))
    else:
        shown = [f"minimum {disk.min_iops} -> {minimum}" if minimum != disk.min_iops else "",
                 f"maximum {disk.max_iops} -> {maximum}" if maximum != disk.max_iops else ""]
        checks.append(passed("IOPS", "; ".join(s for s in shown if s) + f" ({QOS_UNIT})"))
    if vm.state.is_critical:
        checks.append(failed("VM state", f"{vm.name} is {vm.state.name}",
                             "fix the VM's storage first"))
    else:
        checks.append(passed("VM state", f"{vm.name} is {vm.state.base.name}: QoS changes at "
                                         "once, in any state"))
    return checks


async def plan_qos(pool: SessionPool, request: DiskQosRequest) -> Plan:
    _estate, vm, host = await _resolve(pool, request.vm)
    disk = find_disk(vm, request.disk)
    checks = qos_checks(vm, disk, host, request.minimum, request.maximum)
    steps: tuple[Step, ...] = ()
    if not STORAGE_QOS.why_not(host.release) and min(request.minimum, request.maximum) >= 0:
        steps = (make_step(host, "vm-disk-qos",
                           {"VMName": vm.name, "ControllerType": disk.controller.name,
                            "ControllerNumber": disk.controller_number,
                            "ControllerLocation": disk.controller_location,
                            "MinimumIOPS": request.minimum, "MaximumIOPS": request.maximum},
                           f"Set storage QoS of {vm.name} {disk.location} to minimum "
                           f"{request.minimum}, maximum {request.maximum or 'unlimited'}",
                           target=f"{vm.name} {disk.location}"),)
    note = ("IOPS are normalized: each 8 KB of I/O counts as one (a 64 KB read is 8). "
            "0 means no reservation (minimum) or no limit (maximum).")
    return Plan(title=f"Storage QoS of {vm.name}'s disk {disk.location}", request=request,
                checks=_subject(vm, disk, checks), steps=steps, notes=(note,))
