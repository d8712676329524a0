"""The records the catalog scripts emit, built from the estate.

Field names, value types and enum spellings follow ``hvtui/ps/scripts/inventory.ps1``
exactly (strings for enums as their .NET names, int for sizes, aware UTC datetimes), so
the inventory and the action scripts that re-emit the same kinds share one builder.
"""

from __future__ import annotations

import re
from typing import Any

from hvtui import reference
from hvtui.lab import live
from hvtui.lab.estate import (
    DEFAULT_OFF_SERVICES,
    GSI,
    SERVICES_2012,
    SERVICES_2012R2,
    SERVICES_2016,
    VM,
    Checkpoint,
    Cluster,
    ClusterGroup,
    ClusterNode,
    Drive,
    Estate,
    Host,
    ReplicationLink,
    SharedVolume,
    Volume,
)
from hvtui.lab.releases import Release, has_feature, has_property

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


_SERVICE_IDS = {s.name: s.id for s in reference.integration_services()}
"""English name -> the culture-neutral GUID that ends the service's Id."""


def service_id(vm: VM, name: str) -> str:
    """``Id`` as Get-VMIntegrationService reports it: ``Microsoft:<VM id>\\<service GUID>``."""
    return f"Microsoft:{vm.id.upper()}\\{_SERVICE_IDS[name]}"


def service_named(offered: tuple[str, ...], service_guid: str) -> str | None:
    """The offered service whose GUID is ``service_guid`` (any case), or None."""
    wanted = service_guid.strip().strip("{}").upper()
    return next((n for n in offered if _SERVICE_IDS[n] == wanted), None)


def integration_record(vm: VM, name: str) -> Record:
    primary, secondary = service_status(vm, name)
    return {
        "Kind": "IntegrationService",
        "VMId": vm.id,
        "Id": service_id(vm, name),
        "Name": name,
        "Enabled": service_enabled(vm, name),
        "PrimaryStatus": primary,
        "SecondaryStatus": secondary,
    }


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
        "PowerShellVersion": rel.powershell_version,
        "PowerShellEdition": rel.powershell_edition,
        "LogicalProcessorCount": host.logical_processors,
        "CpuLoadPercent": live.host_cpu(estate, host, elapsed),
        "ProcessorVendor": host.cpu.vendor,
        "ProcessorName": host.cpu_name,
        "MemoryCapacity": host.memory_capacity,
        "MemoryFree": live.host_memory_free(estate, host, elapsed),
        "MigrationEnabled": host.migration_enabled,
        "MigrationAuthentication": host.migration_auth,
        # On 2012 the property is missing: [string]$null reads ''.
        "MigrationPerformance": (host.migration_performance if has_property(
            rel, "VMHost", "VirtualMachineMigrationPerformanceOption") else ""),
        "MaximumMigrations": host.max_migrations,
        "UseAnyNetworkForMigration": host.use_any_network,
        # On 2012 the property is missing: [bool]$null reads False.
        "EnhancedSessionMode": (host.enhanced_session if has_property(
            rel, "VMHost", "EnableEnhancedSessionMode") else False),
        "VirtualHardDiskPath": host.vhd_path,
        "VirtualMachinePath": host.vm_path,
        "SupportedVersions": list(rel.vm_versions) if rel.reports_versions else [],
        "DefaultVersion": rel.default_version if rel.reports_versions else "",
        "Switches": list(host.switches),
        "Cluster": host.cluster,
        # The lab's hosts have the FailoverClusters module exactly when they are cluster
        # nodes, so Get-Cluster never fails for want of a cluster service here.
        "FailoverClusters": bool(host.cluster),
        "ClusterProblem": "",
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


def vm_record(estate: Estate, host: Host, vm: VM, elapsed: float) -> Record:
    assigned, demand = live.memory(estate, vm, elapsed)
    rel = host.release
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
        # Where the class lacks the property, [int]$null reads 0 and [string]$null ''.
        "Generation": vm.generation if has_property(rel, "VirtualMachine", "Generation") else 0,
        "Version": vm.version if has_property(rel, "VirtualMachine", "Version") else "",
        "Heartbeat": heartbeat(vm),
        "ProcessorCount": vm.cpus,
        "CompatibilityForMigration": vm.compat,
        "IsClustered": vm.clustered,
        "Path": vm.path,
        "ReplicationMode": vm.replication_mode,
        "Notes": vm.notes,
    }


def vm_state_record(vm: VM) -> Record:
    return {"Kind": "VMState", "Id": vm.id, "Name": vm.name, "State": vm.display_state}


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


def vhd_record(estate: Estate, host: Host, path: str) -> Record:
    vhd = estate.vhd(host, path)
    assert vhd is not None
    return {
        "Kind": "Vhd",
        "Path": vhd.path,
        "VhdFormat": vhd.format,
        "VhdType": vhd.type,
        "Size": vhd.size,
        "FileSize": vhd.file_size,
        "MinimumSize": vhd.minimum_size or 0,
    }


def checkpoint_record(vm: VM, checkpoint: Checkpoint) -> Record:
    return {
        "Kind": "Checkpoint",
        "VMId": vm.id,
        "Id": checkpoint.id,
        "Name": checkpoint.name,
        "ParentId": checkpoint.parent_id,
        "CreationTime": checkpoint.created,
        "SnapshotType": checkpoint.snapshot_type,
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


def processor_record(vm: VM) -> Record:
    return {"Kind": "Processor", "VMId": vm.id, "CompatibilityForMigration": vm.compat}


# --- replication -----------------------------------------------------------------------------


def _replication_record(
    estate: Estate, host: Host, vm: VM, relationship: str, mode: str, link: ReplicationLink,
    elapsed: float
) -> Record:
    # A 2012 host's VMReplication has no ReplicationFrequencySec: [int]$null reads 0.
    reported = has_property(host.release, "VMReplication", "ReplicationFrequencySec")
    return {
        "Kind": "Replication",
        "VMId": vm.id,
        "Relationship": relationship,
        "Mode": mode,
        "State": link.state,
        "Health": link.health,
        "PrimaryServer": estate.server_name(link.source),
        "ReplicaServer": estate.server_name(link.target),
        "FrequencySec": link.frequency if reported else 0,
        "LastReplicationTime": live.last_replication(estate, link, elapsed),
    }


def replication_records(estate: Estate, host: Host, vm: VM, elapsed: float) -> list[Record]:
    """What Get-VMReplication reports for this copy of the VM, Simple then Extended.

    A Replica copy that extends replication is the primary of the extended relationship,
    so that record's Mode is Primary (UNCONFIRMED: a third-party report that the replica
    host needs ``-Mode Primary`` filtering); the extended Replica reports only the extended
    relationship (Msvm_ReplicationRelationship InstanceID ending in \\HVR\\1).
    """
    chain = estate.replication(vm)
    if chain is None:
        return []

    def record(relationship: str, mode: str, link: ReplicationLink) -> Record:
        return _replication_record(estate, host, vm, relationship, mode, link, elapsed)

    mode = vm.replication_mode
    if mode == "Primary":
        return [record("Simple", "Primary", chain.primary)]
    if mode == "Replica":
        records = [record("Simple", "Replica", chain.primary)]
        if chain.extended:
            records.append(record("Extended", "Primary", chain.extended))
        return records
    if mode == "ExtendedReplica" and chain.extended:
        return [record("Extended", "ExtendedReplica", chain.extended)]
    return []


# --- cluster ---------------------------------------------------------------------------------


def cluster_record(cluster: Cluster, rel: Release) -> Record:
    # DrainOnShutdown is new in 2012 R2 (R-CL-1): a 2012 cluster has no such property, and the
    # script emits it uncast, so it arrives as $null.
    value = cluster.drain_on_shutdown if has_property(rel, "Cluster", "DrainOnShutdown") \
        else None
    return {"Kind": "Cluster", "Name": cluster.name, "DrainOnShutdown": value}


def node_record(cluster: Cluster, node: ClusterNode) -> Record:
    return {
        "Kind": "ClusterNode",
        "Cluster": cluster.name,
        "Name": node.name,
        "State": node.state,
        "DrainStatus": node.drain_status,
    }


def group_state(estate: Estate, group: ClusterGroup) -> str:
    if group.failed:
        return "Failed"
    vm = estate.locate(group.vm_id, group.owner)
    if vm is None:
        return "Unknown"
    return "Online" if vm.active else "Offline"


def group_record(estate: Estate, cluster: Cluster, group: ClusterGroup) -> Record:
    return {
        "Kind": "ClusterGroup",
        "Cluster": cluster.name,
        "Name": group.name,
        "OwnerNode": group.owner,
        "State": group_state(estate, group),
        "Priority": group.priority,
    }


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
