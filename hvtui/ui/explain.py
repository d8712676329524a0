"""Plain-words answers to "can I do X here, and if not, why": pure, no Textual.

These read the model only; the wizards re-check on the host before acting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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

_WINDOWS_SERVER = re.compile(r"windows\s+server\s+(\d{4})(\s*r2)?", re.IGNORECASE)
_WINDOWS_CLIENT = re.compile(r"windows\s+(\d+(?:\.\d)?)\b", re.IGNORECASE)


def guest_supports_enhanced_session(guest_os: str) -> tuple[bool | None, str]:
    """``(supported, reason)``; ``None`` when the guest OS is not known."""
    name = guest_os.strip()
    if not name:
        return None, ("the guest has not reported its OS (integration services not running?), "
                      "so hvtui cannot tell")
    lowered = name.lower()
    if "windows" not in lowered:
        return False, (f"{name} is a Linux guest: enhanced session over VMBus needs a Windows "
                       "8.1 / Server 2012 R2 or later guest (Linux needs xrdp and the HvSocket "
                       "transport)")
    server = _WINDOWS_SERVER.search(name)
    if server:
        year, r2 = int(server.group(1)), bool(server.group(2))
        if year > 2012 or (year == 2012 and r2):
            return True, ""
        return False, f"{name} is older than Windows Server 2012 R2"
    client = _WINDOWS_CLIENT.search(name)
    if client:
        version = float(client.group(1))
        if "home" in lowered:
            return False, f"{name}: Home editions have no Remote Desktop Services"
        if version >= 8.1 or version in (10.0, 11.0):
            return True, ""
        return False, f"{name} is older than Windows 8.1"
    return None, f"hvtui does not recognise the guest OS {name!r}"


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
    supported, why_guest = guest_supports_enhanced_session(vm.guest_os)
    if supported is False or supported is None:
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
