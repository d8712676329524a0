"""What a guest can do, from the OS name it reports over KVP.

Enhanced session needs Windows 8.1 / Server 2012 R2 or later in the guest (R-ESM-2); the
Guest Service Interface cannot run in Windows 7 / Server 2008 R2 or older (R-GSI-1).
Guests report names such as ``Windows Server 2012 R2 Datacenter`` or ``Windows 8.1 Pro``.
"""

from __future__ import annotations

import re

from hvtui.model import VM

# Windows releases in order; each pattern matches the KVP OSName of that release.
_WINDOWS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("2003", re.compile(r"server 2003|windows xp", re.I)),
    ("2008", re.compile(r"server 2008(?! r2)|vista", re.I)),
    ("2008 R2", re.compile(r"server 2008 r2|windows 7\b", re.I)),
    ("2012", re.compile(r"server 2012(?! r2)|windows 8(?!\.1)\b", re.I)),
    ("2012 R2", re.compile(r"server 2012 r2|windows 8\.1", re.I)),
    ("2016", re.compile(r"server 2016|windows 10", re.I)),
    ("2019", re.compile(r"server 2019", re.I)),
    ("2022", re.compile(r"server 2022|windows 11", re.I)),
    ("2025", re.compile(r"server 2025", re.I)),
)
_ORDER = {name: i for i, (name, _) in enumerate(_WINDOWS)}


def windows_level(guest_os: str) -> str | None:
    """The Windows release a guest OS name belongs to (``2012 R2`` ...), or None if unknown."""
    if "windows" not in guest_os.lower():
        return None
    found = None
    for name, pattern in _WINDOWS:
        if pattern.search(guest_os):
            found = name
    return found


def _at_least(guest_os: str, level: str) -> bool | None:
    found = windows_level(guest_os)
    return None if found is None else _ORDER[found] >= _ORDER[level]


def enhanced_session_guest(vm: VM) -> str | None:
    """None when the guest OS supports enhanced session; otherwise why not."""
    if vm.guest_family == "Linux":
        return (f"{vm.guest_os} is a Linux guest: enhanced session needs xrdp in the guest and "
                "Set-VM -EnhancedSessionTransportType HvSocket")
    if vm.guest_family == "Unknown":
        return ("the guest has not reported its OS yet (start it, with the Data Exchange "
                "integration service on)")
    ok = _at_least(vm.guest_os, "2012 R2")
    if ok is False:
        return (f"{vm.guest_os} is older than Windows 8.1 / Server 2012 R2, the first guests "
                "with enhanced session")
    if "home" in vm.guest_os.lower().split():
        return f"{vm.guest_os}: Home editions have no Remote Desktop Services"
    return None


def guest_service_guest(vm: VM) -> str | None:
    """None when the guest can run the Guest Service Interface; otherwise why not."""
    if _at_least(vm.guest_os, "2012") is False:
        return (f"{vm.guest_os} is Windows 7 / Server 2008 R2 or older, which has no Guest "
                "Service Interface")
    return None
