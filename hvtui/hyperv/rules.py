"""Hyper-V rules the console and the command line both ask, each stated once (pure, no I/O).

The Disks pane's verdicts (:mod:`hvtui.ui.explain`) and the pre-flight checks
(:mod:`hvtui.hyperv.storage`) call these functions instead of restating a rule; what each
release can do comes from one table, :mod:`hvtui.model.versions`. The lab, which stands for
the host, implements the same rules on its own from the reference (it never imports this
module); ``tests/lab/test_rule_parity.py`` runs every case through the console, the pre-flight
and the lab and fails when they disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from hvtui.model import VM, ControllerType, Disk, Release, VhdFormat, VhdType, VMState
from hvtui.model.versions import (
    EXPORT_SAVED,
    ONLINE_EXPORT,
    ONLINE_VHDX_RESIZE,
    SHARED_VHDX_ONLINE_RESIZE,
)

# --- resize (R-VHD-1, R-VHD-2) --------------------------------------------------------------


def resize_impossible(disk: Disk) -> str | None:
    """Why this disk can never be resized, in any VM state; None when it can."""
    if disk.format is VhdFormat.VHD and disk.type is VhdType.Differencing:
        return "a differencing VHD cannot be resized; only VHDX differencing disks can"
    return None


def online_resize_problems(disk: Disk, release: Release) -> list[str]:
    """Why this disk cannot be resized while its VM runs; empty when it can (R-VHD-1):
    VHDX on the SCSI controller of a 2012 R2 or later host, and a shared VHDX only from
    2016."""
    reasons: list[str] = []
    why = ONLINE_VHDX_RESIZE.why_not(release)
    if why:
        reasons.append(why)
    if disk.format is not VhdFormat.VHDX:
        reasons.append(f"it is a {disk.format.name} file: only VHDX can be resized while the "
                       "VM runs")
    if disk.controller is not ControllerType.SCSI:
        reasons.append(f"it is on the {disk.controller.name} controller ({disk.location}): "
                       "only disks on the SCSI controller can be resized while the VM runs")
    if disk.shared:
        why = SHARED_VHDX_ONLINE_RESIZE.why_not(release)
        if why:
            reasons.append(f"it is a shared VHDX of a guest cluster: {why}")
    return reasons


@dataclass(frozen=True, slots=True)
class ResizeNow:
    """Whether a disk can be resized now, given its VM's state."""

    allowed: bool
    online: bool
    """The resize would happen while the VM runs."""
    reasons: tuple[str, ...] = ()
    """Why not (when not allowed)."""


def resize_now(disk: Disk, state: VMState | None, release: Release) -> ResizeNow:
    """The resize rule as a whole: off -> offline; running or paused -> online if the disk
    and host allow it; saved or between states -> not now (its disk is in use)."""
    never = resize_impossible(disk)
    if never:
        return ResizeNow(False, False, (never,))
    base = state.base.name if state is not None else "Off"
    if base == "Off":
        return ResizeNow(True, False)
    if base in ("Running", "Paused"):
        problems = online_resize_problems(disk, release)
        return ResizeNow(not problems, True, tuple(problems))
    return ResizeNow(False, False, (f"the VM is {base}: its disk is in use and cannot be "
                                    "resized in this state",))


# --- export (R-EXP-1) ----------------------------------------------------------------------


def export_problem(vm: VM, release: Release) -> str | None:
    """Why ``vm`` cannot be exported in its current state on a host of ``release``."""
    base = vm.state.base.name
    if vm.state.is_critical:
        return f"{vm.name} is {vm.state.name}"
    if base in ("Running", "Paused"):
        why = ONLINE_EXPORT.why_not(release)
        return f"{vm.name} is {base}: {why}" if why else None
    if base in ("Saved", "FastSaved"):
        why = EXPORT_SAVED.why_not(release)
        return f"{vm.name} is {base}: {why} (a 2012 host exports VMs that are off)" \
            if why else None
    if base == "Off":
        return None
    return f"{vm.name} is {base}, between states"
