"""Mount an ISO in a VM's DVD drive, or eject it (Set-VMDvdDrive; Add-VMDvdDrive when the VM
has no DVD drive yet): request, checks and plan.

The inventory does not list DVD drives, so the pre-flight asks the VM's host for them
(``vm-dvd-drives``, read-only) right before checking. Media changes while the VM runs; a
new DVD drive is added only while the VM is off (R-VHD-4). A generation 1 VM's drive is on
IDE, a generation 2 VM's on SCSI.
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
from hvtui.model import VM, VMState
from hvtui.ps import catalog
from hvtui.remote.pool import SessionPool


@dataclass(frozen=True, slots=True)
class IsoRequest(Request):
    kind: ClassVar[str] = "iso"
    vm: VmRef
    path: str
    """The ISO file on the VM's host; empty to eject."""


@dataclass(frozen=True, slots=True)
class DvdSlot:
    """A DVD drive as the host reported it."""

    controller: str
    number: int
    location: int
    path: str

    @property
    def location_text(self) -> str:
        return f"{self.controller} {self.number}:{self.location}"


async def dvd_drives(pool: SessionPool, vm: VM) -> list[DvdSlot]:
    """The VM's DVD drives, asked of its host now (PlanRefused when the host cannot say)."""
    try:
        result = await pool.invoke(vm.host, catalog.get("vm-dvd-drives").text,
                                   {"VMName": vm.name})
    except HvtuiError as exc:
        raise PlanRefused(f"could not ask {vm.host} for {vm.name}'s DVD drives: "
                          f"{exc.user_message()}", host=vm.host,
                          hint="check the host is reachable and retry") from None
    if not result.ok:
        message = "; ".join(e.message for e in result.errors) or "no message"
        raise PlanRefused(f"{vm.host} did not list {vm.name}'s DVD drives: {message}",
                          host=vm.host, hint="refresh and retry")
    return [DvdSlot(str(o.get("ControllerType", "")), int(str(o.get("ControllerNumber", 0))),
                    int(str(o.get("ControllerLocation", 0))), str(o.get("Path") or ""))
            for o in result.objects if str(o.get("Kind", "")) == "DvdDrive"
            and str(o.get("VMId", "")).lower() == vm.id.lower()]


def _path_check(path: str, host: str) -> Check:
    if not is_absolute_windows_path(path):
        return failed("ISO file", f"'{path}' is not a full path on {host}",
                      "give a path such as D:\\ISO\\setup.iso")
    if not path.lower().endswith(".iso"):
        return failed("ISO file", f"'{path}' is not an .iso file",
                      "name an ISO image file (a DVD drive takes ISO files)")
    return passed("ISO file", f"{path} (the host refuses a file it does not have)")


def _state_check(vm: VM, adding: bool) -> Check:
    state = vm.state.base
    if vm.state.is_critical:
        return failed("VM state", f"{vm.name} is {vm.state.name}",
                      "fix the VM's storage first")
    if adding and state is not VMState.Off:
        return failed("DVD drive", f"{vm.name} has no DVD drive, and one is added only "
                                   f"while the VM is off ({vm.name} is {state.name})",
                      f"shut {vm.name} down, then mount the ISO (a DVD drive is added)")
    if adding:
        return passed("DVD drive", f"{vm.name} has no DVD drive: one is added holding the ISO")
    return passed("VM state", f"{vm.name} is {state.name}: the media changes in any state")


async def plan_iso(pool: SessionPool, request: IsoRequest) -> Plan:
    estate = await lookup.fresh_estate(pool, lookup.hosts_for(pool, [request.vm]))
    vm = lookup.vm(estate, request.vm)
    host = lookup.host(estate, vm.host)
    drives = await dvd_drives(pool, vm)
    path = request.path.strip()
    checks: list[Check] = []
    steps: list[Step] = []
    if not path:
        loaded = [d for d in drives if d.path]
        title = f"Eject the ISO from {vm.name}"
        if not loaded:
            what = "has no DVD drive" if not drives else "holds no ISO in its DVD drive"
            checks.append(warned("DVD drive", f"{vm.name} {what}: nothing to eject"))
        for dvd in loaded:
            if vm.state.is_running:
                checks.append(warned("Guest", f"the guest loses {dvd.path} at once",
                                     "make sure nothing in the guest reads from it"))
            steps.append(make_step(host, "vm-dvd-media",
                                   {"VMName": vm.name, "ControllerNumber": dvd.number,
                                    "ControllerLocation": dvd.location},
                                   f"Eject {dvd.path} from {vm.name}'s DVD drive "
                                   f"({dvd.location_text})", target=vm.name))
    else:
        title = f"Mount {path} in {vm.name}"
        checks.append(_path_check(path, vm.host))
        checks.append(_state_check(vm, adding=not drives))
        if not drives:
            steps.append(make_step(host, "vm-dvd-media",
                                   {"VMName": vm.name, "Path": path, "AddDrive": True},
                                   f"Add a DVD drive holding {path} to {vm.name}",
                                   target=vm.name))
        else:
            dvd = drives[0]
            if dvd.path.casefold() == path.casefold():
                checks = [warned("DVD drive", f"{vm.name}'s DVD drive already holds {path}")]
            else:
                if dvd.path:
                    checks.append(warned("DVD drive", f"{dvd.path} is ejected first"))
                steps.append(make_step(host, "vm-dvd-media",
                                       {"VMName": vm.name, "ControllerNumber": dvd.number,
                                        "ControllerLocation": dvd.location, "Path": path},
                                       f"Mount {path} in {vm.name}'s DVD drive "
                                       f"({dvd.location_text})", target=vm.name))
    checks = [Check(c.name, c.outcome, c.detail, c.fix, vm.name) for c in checks]
    return Plan(title=title, request=request, checks=tuple(checks), steps=tuple(steps))
