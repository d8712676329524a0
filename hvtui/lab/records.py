"""The records the catalog scripts emit, built from the estate.

Field names, value types and enum spellings follow ``hvtui/ps/scripts/inventory.ps1``
exactly (strings for enums as their .NET names, int for sizes, aware UTC datetimes), so
the inventory and the action scripts that re-emit the same kinds share one builder.
"""

from __future__ import annotations

import re
from typing import Any

from hvtui.lab import live
from hvtui.lab.estate import (
    DEFAULT_OFF_SERVICES,
    GSI,
    SERVICES_2012,
    SERVICES_2012R2,
    SERVICES_2016,
    VM,
    Cluster,
    ClusterGroup,
    Drive,
    Estate,
    Host,
    SharedVolume,
    Volume,
)
from hvtui.lab.releases import Release, has_feature

Record = dict[str, Any]

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




def heartbeat(vm: VM) -> str:
    """VM.Heartbeat as a name; '' where PowerShell has $null (VM off or saved)."""
    if vm.state == "Paused":
        return "Paused"
    if vm.state != "Running":
        return ""
    if not service_enabled(vm, "Heartbeat"):
        return "Disabled"
    if not guest_runs(vm, "Heartbeat"):
        return "NoContact"
    return _HEARTBEAT.get(vm.app_health, "OkApplicationsUnknown")


# --- host ------------------------------------------------------------------------------------


def host_record(estate: Estate, host: Host, elapsed: float) -> Record:
    rel = host.release
    return {
        "Kind": "Host",
        "ComputerName": host.name,
        "OSName": f"{rel.label} {host.edition}",
        "OSVersion": rel.os_version,
        "ProductType": 3,
        "LogicalProcessorCount": host.logical_processors,
        "CpuLoadPercent": live.host_cpu(estate, host, elapsed),
        "ProcessorVendor": host.cpu.vendor,
        "ProcessorName": host.cpu_name,
        "MemoryCapacity": host.memory_capacity,
        "MemoryFree": live.host_memory_free(estate, host, elapsed),
        "MigrationEnabled": host.migration_enabled,
        "MigrationAuthentication": host.migration_auth,
        # The property is new in 2012 R2: on 2012 [string]$null reads ''.
        "MigrationPerformance": host.migration_performance if rel.at_least("2012R2") else "",
        "MaximumMigrations": host.max_migrations,
        "UseAnyNetworkForMigration": host.use_any_network,
        # The property is new in 2012 R2: on 2012 [bool]$null reads False.
        "EnhancedSessionMode": host.enhanced_session if rel.at_least("2012R2") else False,
        "VirtualHardDiskPath": host.vhd_path,
        "VirtualMachinePath": host.vm_path,
        "SupportedVersions": list(rel.vm_versions) if rel.reports_versions else [],
        "DefaultVersion": rel.default_version if rel.reports_versions else "",
        "Switches": list(host.switches),
        "Cluster": host.cluster,
    }


def volume_record(volume: Volume) -> Record:
    return {
        "Kind": "Volume",
        "Path": volume.path,
        "DriveLetter": volume.letter,
        "Label": volume.label,
        "Size": volume.size,
        "FreeSpace": volume.free,
    }


# --- VM --------------------------------------------------------------------------------------


def vm_status(vm: VM) -> str:
    if vm.busy:
        return vm.busy
    return vm.status or "Operating normally"


def vm_record(estate: Estate, vm: VM, elapsed: float) -> Record:
    assigned, demand = live.memory(estate, vm, elapsed)
    return {
        "Kind": "VM",
        "Id": vm.id,
        "Name": vm.name,
        "State": vm.display_state,
        "CPUUsage": live.cpu_usage(estate, vm, elapsed),
        "MemoryAssigned": assigned,
        "MemoryDemand": demand,
        "MemoryStartup": vm.memory_startup,
        "DynamicMemoryEnabled": vm.dynamic_memory,
        "UptimeSeconds": live.uptime(vm, elapsed),
        "Status": vm_status(vm),
        "Generation": vm.generation,
        "Version": vm.version,
        "Heartbeat": heartbeat(vm),
        "ProcessorCount": vm.cpus,
        "CompatibilityForMigration": vm.compat,
        "IsClustered": vm.clustered,
        "Path": vm.path,
        "ReplicationMode": vm.replication_mode,
        "Notes": vm.notes,
    }




def guest_record(vm: VM) -> Record:
    # The OS name comes from the KVP exchange: only a running guest with KVP reports it.
    reported = service_works(vm, "Key-Value Pair Exchange")
    return {"Kind": "Guest", "VMId": vm.id, "OSName": vm.guest_os if reported else ""}


def disk_record(estate: Estate, host: Host, vm: VM, drive: Drive) -> Record:
    vhd = estate.vhd(host, drive.path)
    # Get-VHD -ErrorAction SilentlyContinue: a missing file leaves $vhd null, so the
    # [string]/[int64] casts read '' and 0.
    return {
        "Kind": "Disk",
        "VMId": vm.id,
        "Path": drive.path,
        "ControllerType": drive.controller_type,
        "ControllerNumber": drive.controller_number,
        "ControllerLocation": drive.controller_location,
        "MinimumIOPS": drive.min_iops,
        "MaximumIOPS": drive.max_iops,
        "Shared": drive.shared,
        "VhdFormat": vhd.format if vhd else "",
        "VhdType": vhd.type if vhd else "",
        "Size": vhd.size if vhd else 0,
        "FileSize": vhd.file_size if vhd else 0,
        "MinimumSize": (vhd.minimum_size or 0) if vhd else 0,
        "BlockSize": vhd.block_size if vhd else 0,
        "ParentPath": vhd.parent_path if vhd else "",
    }




def adapter_records(vm: VM) -> list[Record]:
    reporting = service_works(vm, "Key-Value Pair Exchange")
    return [
        {
            "Kind": "NetworkAdapter",
            "VMId": vm.id,
            "Name": adapter.name,
            "SwitchName": adapter.switch,
            "MacAddress": adapter.mac,
            "IPAddresses": list(adapter.ips) if reporting else [],
            "Status": "Ok" if vm.active else "",
        }
        for adapter in vm.adapters
    ]




# --- cluster ---------------------------------------------------------------------------------


def group_state(estate: Estate, group: ClusterGroup) -> str:
    if group.failed:
        return "Failed"
    vm = estate.locate(group.vm_id, group.owner)
    if vm is None:
        return "Unknown"
    return "Online" if vm.active else "Offline"


def shared_volume_record(cluster: Cluster, csv: SharedVolume) -> Record:
    return {
        "Kind": "ClusterSharedVolume",
        "Cluster": cluster.name,
        "Name": csv.name,
        "OwnerNode": csv.owner,
        "State": csv.state,
        "Path": csv.path,
        "Size": csv.size,
        "FreeSpace": csv.free,
    }
