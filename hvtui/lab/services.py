"""Integration services as a host sees them: which a release offers, whether each is on, and
what a guest answers (R-GSI-1: a service works only when both host and guest have it on)."""

from __future__ import annotations

import re

from hvtui.lab.estate import (
    DEFAULT_OFF_SERVICES,
    GSI,
    SERVICES_2012,
    SERVICES_2012R2,
    SERVICES_2016,
    VM,
)
from hvtui.lab.releases import Release, has_feature

_NO_GSI_GUESTS = re.compile(r"2003|2008|Windows 7|Windows Vista|Windows XP", re.IGNORECASE)
_HEARTBEAT = {
    "Healthy": "OkApplicationsHealthy",
    "Critical": "OkApplicationsCritical",
    "Unknown": "OkApplicationsUnknown",
}


# --- integration services ------------------------------------------------------------------


def services_for(rel: Release) -> tuple[str, ...]:
    """The integration services a host of this release offers, in Get-VMIntegrationService order."""
    if not has_feature(rel, "guest_service_interface"):
        return SERVICES_2012
    return SERVICES_2012R2 if rel.key == "2012R2" else SERVICES_2016


def service_enabled(vm: VM, name: str) -> bool:
    return vm.ic_overrides.get(name, name not in DEFAULT_OFF_SERVICES)


def guest_runs(vm: VM, name: str) -> bool:
    """Whether the guest side of a service can answer (both sides must be on, R-GSI-1)."""
    if not vm.guest_ics or name in vm.guest_blocked:
        return False
    # Windows Server 2008 R2 and older guests cannot have the Guest Service Interface.
    return not (name == GSI and _NO_GSI_GUESTS.search(vm.guest_os))


def service_works(vm: VM, name: str) -> bool:
    return vm.active and service_enabled(vm, name) and guest_runs(vm, name)


def service_status(vm: VM, name: str) -> tuple[str, str]:
    """(PrimaryStatusDescription, SecondaryStatusDescription); empty while the VM is off."""
    if not vm.active:
        return "", ""
    enabled = service_enabled(vm, name)
    if not enabled:
        return "OK", ""
    if not guest_runs(vm, name):
        return "No Contact", ""
    if name == "Heartbeat":
        # UNCONFIRMED: the secondary texts for a guest whose applications are not healthy.
        return "OK", {"Healthy": "OK", "Critical": "Application critical"}.get(vm.app_health, "")
    return "OK", ""




def heartbeat(vm: VM) -> str | None:
    """VM.Heartbeat as a name; None where PowerShell has $null (VM off or saved)."""
    if vm.state == "Paused":
        return "Paused"
    if vm.state != "Running":
        return None
    if not service_enabled(vm, "Heartbeat"):
        return "Disabled"
    if not guest_runs(vm, "Heartbeat"):
        return "NoContact"
    return _HEARTBEAT.get(vm.app_health, "OkApplicationsUnknown")
