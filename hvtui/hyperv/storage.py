"""Virtual disk resize (Resize-VHD) and VM export (Export-VM): checks and plans.

Resize (R-VHD-1): any VHD or VHDX grows; only VHDX shrinks, never below its minimum size.
While the VM runs, only a VHDX on the SCSI controller of a 2012 R2 or later host can be
resized (a shared VHDX from 2016). Export (R-EXP-1): a running or saved VM can be exported
from 2012 R2 on; a 2012 host exports only VMs that are off. The online-resize and export
rules themselves live in :mod:`hvtui.hyperv.rules`, which the console asks too.
"""

from __future__ import annotations

import re

from hvtui.errors import PlanRefused
from hvtui.hyperv import lookup, rules
from hvtui.hyperv.paths import is_absolute_windows_path
from hvtui.hyperv.plans import (
    Check,
    ExportRequest,
    Plan,
    ResizeRequest,
    Step,
    failed,
    make_step,
    passed,
    warned,
)
from hvtui.hyperv.sizes import SizeRequest, human, human_exact, parse_size
from hvtui.model import VM, Disk, Host, VhdFormat, VhdType
from hvtui.remote.pool import SessionPool

MAX_SIZE = {VhdFormat.VHDX: 64 * 1024**4, VhdFormat.VHD: 2040 * 1024**3}
"""Largest virtual size per format (R-VHD-2)."""

_LOCATION = re.compile(r"^\s*(IDE|SCSI)\s*(\d+)\s*[:/ ]\s*(\d+)\s*$", re.IGNORECASE)

EXTEND_REMINDER = ("Inside the guest, extend the partition to use the new space (Disk "
                   "Management, or Resize-Partition in PowerShell); until then the guest "
                   "does not see it.")


def find_disk(vm: VM, spec: str) -> Disk:
    """A VM's disk by path (or file name), controller location (``SCSI 0:1``), or index from 0."""
    disks = list(vm.disks)
    text = spec.strip()
    found: list[Disk] = []
    if text.isdigit():
        index = int(text)
        found = [disks[index]] if index < len(disks) else []
    elif (match := _LOCATION.match(text)) is not None:
        kind, number, location = match.group(1).upper(), int(match.group(2)), int(match.group(3))
        found = [d for d in disks if d.controller.name == kind
                 and d.controller_number == number and d.controller_location == location]
    else:
        lowered = text.lower().replace("/", "\\")
        found = [d for d in disks if d.path.lower() == lowered] or [
            d for d in disks if d.path.lower().rsplit("\\", 1)[-1] == lowered]
    if len(found) == 1:
        return found[0]
    listing = "; ".join(f"{i}: {d.location} {d.path}" for i, d in enumerate(disks)) or "none"
    what = "matches more than one disk" if found else "matches none of its disks"
    raise PlanRefused(f"'{spec}' {what} of {vm.name} on {vm.host} (its disks: {listing})",
                      host=vm.host, hint="give the disk's path, its location such as "
                                         "'SCSI 0:1', or its index from 0")


def _online_checks(vm: VM, disk: Disk, host: Host) -> list[Check]:
    name = "Online resize"
    now = rules.resize_now(disk, vm.state, host.release)
    base = vm.state.base.name
    if now.allowed and not now.online:
        return [passed(name, f"{vm.name} is off: the disk is resized offline")]
    if not now.online:
        return [failed(name, f"{vm.name} is {vm.state.name}: its disk is in use and cannot be "
                             "resized in this state",
                       "start the VM (online resize) or turn it off (offline resize)")]
    if not now.allowed:
        return [failed(name, f"{vm.name} is {base} and " + "; ".join(now.reasons),
                       f"shut {vm.name} down and resize offline")]
    return [passed(name, f"possible: VHDX on {disk.location} of a running VM on "
                         f"{host.release.name}")]


def resize_checks(vm: VM, disk: Disk, host: Host, size: SizeRequest
                  ) -> tuple[list[Check], int]:
    """The checklist and the new size in bytes (0 when there is none)."""
    checks: list[Check] = []
    current, minimum = disk.size, disk.min_size
    if size.to_minimum and disk.format is not VhdFormat.VHDX:
        return [failed("Shrink", f"{disk.path} is a {disk.format.name}: only VHDX can shrink",
                       "convert it to VHDX (Convert-VHD, VM off) or leave its size")], 0
    if size.to_minimum and minimum <= 0:
        return [failed("New size", f"{host.name} did not report this disk's minimum size",
                       "refresh and try again, or give the size explicitly")], 0
    new = size.resolve(current, minimum)
    change = new - current
    sign = "+" if change >= 0 else "-"
    shown = (f"{human_exact(current)} -> {human_exact(new)} ({sign}{human(abs(change))})"
             if new > 0 else f"{human(current)} {size.text.strip()}")
    if new <= 0:
        return [failed("New size", f"{shown} leaves nothing of the disk",
                       "give a size above the minimum " + human(minimum))], 0
    if new == current:
        return [warned("New size", f"the disk is already {human_exact(current)}",
                       "give a different size")], 0
    checks.append(passed("New size", shown))
    if change < 0:
        if disk.format is not VhdFormat.VHDX:
            checks.append(failed("Shrink", f"{disk.path} is a {disk.format.name}: only VHDX can "
                                           "shrink", "convert it to VHDX (Convert-VHD, VM off) "
                                                     "or leave its size"))
        elif new < minimum:
            checks.append(failed(
                "Minimum size", f"{human_exact(new)} is below the disk's minimum "
                                f"{human_exact(minimum)}: the guest's partitions reach that far",
                "shrink the partition inside the guest first, or use 'to minimum'"))
        else:
            checks.append(passed("Minimum size", f"{human(new)} is not below the minimum "
                                                 f"{human(minimum)}"))
    else:
        limit = MAX_SIZE.get(disk.format)
        if disk.format is VhdFormat.VHD and disk.type is VhdType.Differencing:
            checks.append(failed("Grow", "a differencing VHD cannot grow; only a differencing "
                                         "VHDX can", "merge or convert the disk first"))
        elif limit is not None and new > limit:
            checks.append(failed("Maximum size", f"a {disk.format.name} holds at most "
                                                 f"{human(limit)}", "give a smaller size"))
        volume = host.volume_for(disk.path)
        if disk.type is VhdType.Fixed and volume is not None and volume.size and \
                volume.free < change:
            checks.append(failed("Free space", f"a fixed disk grows its file by {human(change)} "
                                               f"but {volume.drive_letter}: has "
                                               f"{human(volume.free)} free",
                                 "free space on that volume first"))
    checks += _online_checks(vm, disk, host)
    return checks, new


async def plan_resize(pool: SessionPool, request: ResizeRequest) -> Plan:
    size = parse_size(request.size)  # refuses unparsable text before reading any host
    estate = await lookup.fresh_estate(pool, lookup.hosts_for(pool, [request.vm]))
    vm = lookup.vm(estate, request.vm)
    host = lookup.host(estate, vm.host)
    disk = find_disk(vm, request.disk)
    checks, new = resize_checks(vm, disk, host, size)
    checks = [Check(c.name, c.outcome, c.detail, c.fix, f"{vm.name} {disk.location}")
              for c in checks]
    steps: list[Step] = []
    notes: list[str] = []
    if new:
        params: dict[str, str | int | bool] = {"Path": disk.path}
        if size.to_minimum:
            params["ToMinimumSize"] = True
        else:
            params["SizeBytes"] = new
        verb = "Grow" if new > disk.size else "Shrink"
        steps.append(make_step(host, "vhd-resize", params,
                               f"{verb} {disk.path} ({vm.name} {disk.location}) from "
                               f"{human(disk.size)} to {human(new)}",
                               target=f"{vm.name} {disk.location}", long=True))
        if new > disk.size:
            notes.append(EXTEND_REMINDER)
    return Plan(title=f"Resize {vm.name}'s disk {disk.location}", request=request,
                checks=tuple(checks), steps=tuple(steps), notes=tuple(notes))


def export_checks(vm: VM, host: Host, path: str) -> list[Check]:
    checks: list[Check] = []
    base = vm.state.base.name
    problem = rules.export_problem(vm, host.release)
    if vm.state.is_critical:
        checks.append(failed("VM state", problem or vm.state.name, "fix the VM's storage first",
                             vm.name))
    elif base in ("Running", "Paused"):
        if problem:
            checks.append(failed("Export while running", problem,
                                 f"shut {vm.name} down first, then export", vm.name))
        else:
            checks.append(passed("Export while running", f"{vm.name} keeps running while it is "
                                                         f"exported ({host.release.short})",
                                 vm.name))
    elif problem and base in ("Saved", "FastSaved"):
        checks.append(failed("VM state", problem, f"shut {vm.name} down first (turning it off "
                                                  "discards its saved memory), then export",
                             vm.name))
    elif problem:
        checks.append(failed("VM state", problem, "wait until it settles, then check again",
                             vm.name))
    else:
        checks.append(passed("VM state", f"{vm.name} is {base}", vm.name))
    if not is_absolute_windows_path(path):
        checks.append(failed("Destination", f"'{path}' is not a full path on {host.name}",
                             "give a path such as E:\\Exports or \\\\server\\share", vm.name))
        return checks
    need = sum(d.file_size or d.size for d in vm.disks) + (
        vm.memory_assigned if base in ("Running", "Paused", "Saved") else 0)
    volume = host.volume_for(path)
    if path.startswith("\\\\"):
        checks.append(warned("Free space", f"about {human(need)} goes to the share {path}; "
                                           "hosts do not report a share's free space",
                             f"make sure {human(need)} is free there", vm.name))
    elif volume is None or volume.size == 0:
        checks.append(warned("Free space", f"about {human(need)} goes to {path}; {host.name} "
                                           "does not report that volume's free space",
                             f"make sure {human(need)} is free there", vm.name))
    elif volume.free < need:
        checks.append(warned("Free space", f"about {human(need)} goes to {path} but "
                                           f"{volume.drive_letter}: has only "
                                           f"{human(volume.free)} free",
                             "free space there or export elsewhere; a full volume stops the "
                             "export halfway", vm.name))
    else:
        checks.append(passed("Free space", f"about {human(need)} to {path}; "
                                           f"{volume.drive_letter}: has {human(volume.free)} "
                                           "free", vm.name))
    return checks


async def plan_export(pool: SessionPool, request: ExportRequest) -> Plan:
    estate = await lookup.fresh_estate(pool, lookup.hosts_for(pool, request.vms))
    vms = lookup.vms(estate, request.vms)
    checks: list[Check] = []
    steps: list[Step] = []
    for vm in vms:
        host = lookup.host(estate, vm.host)
        checks += export_checks(vm, host, request.path)
        live = " while it runs" if vm.state.is_running else ""
        steps.append(make_step(host, "vm-export", {"Name": vm.name, "Path": request.path},
                               f"Export {vm.name}{live} to {request.path} on {vm.host}",
                               target=vm.name, long=True))
    folder = request.path.rstrip("\\/")
    notes = tuple(f"{vm.name}'s export is in {folder}\\{vm.name} (Virtual Machines, Virtual "
                  "Hard Disks, Snapshots); import it with Import-VM" for vm in vms)
    title = f"Export {vms[0].name}" if len(vms) == 1 else f"Export {len(vms)} VMs"
    return Plan(title=f"{title} to {request.path}", request=request, checks=tuple(checks),
                steps=tuple(steps), notes=notes)
