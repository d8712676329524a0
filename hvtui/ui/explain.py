"""Plain-words answers to "can I do X here, and if not, why": pure, no Textual.

These read the model only; the wizards re-check on the host before acting. Each rule is
stated once, in :mod:`hvtui.hyperv.rules`; these only word its answer for a table cell.
"""

from __future__ import annotations

from dataclasses import dataclass

from hvtui.hyperv import rules
from hvtui.hyperv.guests import enhanced_session_guest
from hvtui.model import RELEASES, VM, ControllerType, Disk, HeartbeatStatus, Host, VhdFormat
from hvtui.model.versions import (
    ENHANCED_SESSION,
    ONLINE_VHDX_RESIZE,
)


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether something is possible, a short label for a table cell, and the reasons."""

    ok: bool
    label: str
    reasons: tuple[str, ...] = ()
    role: str = "ok"


# --- online resize --------------------------------------------------------------------------

def resize_verdict(disk: Disk, vm: VM | None, host: Host | None) -> Verdict:
    """Whether the disk resizes online, offline only, or not now, and why (the rules of
    :mod:`hvtui.hyperv.rules`, R-VHD-1: the pre-flight asks the same functions)."""
    never = rules.resize_impossible(disk)
    if never:
        return Verdict(False, "no: differencing VHD", (never,), "muted")
    state = vm.state if vm is not None else None
    release = host.release if host is not None else RELEASES[-1]
    now = rules.resize_now(disk, state, release)
    if host is not None and not now.allowed and not now.online:  # saved, between states
        return Verdict(False, f"not now: VM {state.base.name if state else '?'}",
                       now.reasons, "warning")
    reasons = rules.online_resize_problems(disk, release)
    if not reasons:
        return Verdict(True, "online", (), "ok")
    # Said as a short sentence with the first reason ("VM off first: it is a VHD"); the
    # details view lists them all.
    if host is not None and ONLINE_VHDX_RESIZE.why_not(host.release):
        why = f"{host.release.short} host"
    elif disk.format is not VhdFormat.VHDX:
        why = f"it is a {disk.format.name}"
    elif disk.controller is not ControllerType.SCSI:
        why = f"it is on {disk.controller.name}"
    else:
        why = "shared disk"
    # A running or paused VM holds its disks: it must be turned off first.
    label = ("VM off first: " if now.online else "offline only: ") + why
    return Verdict(False, label, tuple(reasons), "warning" if now.online else "muted")


# --- export -------------------------------------------------------------------------------

def export_verdict(vm: VM, host: Host | None) -> Verdict:
    """Whether the VM can be exported in its current state (R-EXP-1, :mod:`rules`)."""
    if host is None:
        return Verdict(False, "unknown", ("its host did not answer",), "muted")
    problem = rules.export_problem(vm, host.release)
    if problem:
        return Verdict(False, "not now", (problem,), "warning")
    live = vm.state.base.name in ("Running", "Paused")
    return Verdict(True, "while it runs" if live else "possible", (), "ok")


# --- enhanced session -----------------------------------------------------------------------

def enhanced_session_verdict(vm: VM, host: Host | None) -> Verdict:
    """Whether VMConnect can open an enhanced session to this VM now, and every reason not."""
    reasons: list[str] = []
    if host is not None:
        why = ENHANCED_SESSION.why_not(host.release)
        if why:
            reasons.append(why)
        elif not host.enhanced_session_mode:
            reasons.append(f"the host policy is off on {host.name} "
                           "(Set-VMHost -EnableEnhancedSessionMode $true turns it on)")
    why_guest = enhanced_session_guest(vm)  # the operations layer's rule, one for both
    if why_guest:
        reasons.append(why_guest)
    if not vm.state.is_running:
        reasons.append(f"the VM is {vm.state.name}; an enhanced session needs it running")
    elif vm.heartbeat in (HeartbeatStatus.NoContact, HeartbeatStatus.LostCommunication,
                          HeartbeatStatus.Error):
        reasons.append("the guest's integration services are not answering "
                       f"(heartbeat: {vm.heartbeat.name if vm.heartbeat else '-'})")
    if not reasons:
        return Verdict(True, "available", (), "ok")
    return Verdict(False, "unavailable", tuple(reasons), "warning")
