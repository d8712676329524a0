"""Plain-words answers to "can I do X here, and if not, why": pure, no Textual.

These read the model only; the wizards re-check on the host before acting.
"""

from __future__ import annotations

from dataclasses import dataclass

from hvtui.hyperv.guests import enhanced_session_guest
from hvtui.model import VM, ControllerType, Disk, HeartbeatStatus, Host, VhdFormat, VhdType
from hvtui.model.versions import ENHANCED_SESSION, ONLINE_VHDX_RESIZE


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether something is possible, a short label for a table cell, and the reasons."""

    ok: bool
    label: str
    reasons: tuple[str, ...] = ()
    role: str = "ok"


# --- online resize --------------------------------------------------------------------------

def resize_verdict(disk: Disk, vm: VM | None, host: Host | None) -> Verdict:
    """Online resize needs VHDX + SCSI + a 2012 R2 or newer host (R-VHD-1).

    A disk that does not qualify can still be resized with the VM off; a
    differencing VHD cannot be resized at all.
    """
    if disk.format is VhdFormat.VHD and disk.type is VhdType.Differencing:
        return Verdict(False, "no: differencing VHD",
                       ("a differencing VHD cannot be resized; only VHDX differencing disks can",),
                       "muted")
    reasons: list[str] = []
    tags: list[str] = []
    if disk.format is not VhdFormat.VHDX:
        reasons.append(f"it is a {disk.format.name} file; online resize needs VHDX")
        tags.append(disk.format.name)
    if disk.controller is not ControllerType.SCSI:
        reasons.append(f"it is on the {disk.controller.name} controller; "
                       "online resize needs the SCSI controller")
        tags.append(disk.controller.name)
    if host is not None:
        why = ONLINE_VHDX_RESIZE.why_not(host.release)
        if why:
            reasons.append(why)
            tags.append(f"host {host.release.short}")
    if not reasons:
        return Verdict(True, "online", (), "ok")
    running = vm is not None and vm.state.is_running
    label = ("VM off: " if running else "offline: ") + ", ".join(tags)
    return Verdict(False, label, tuple(reasons), "warning" if running else "muted")


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
