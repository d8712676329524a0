"""Decode what catalog scripts return (plain data) into the model.

Scripts emit flat records tagged with ``Kind`` (see ``scripts/inventory.ps1``); the
inventory sends them all as one compact JSON document (:func:`inventory_records`).
Decoding is lenient about missing or odd fields (a host of another version may
omit one) and strict about shape: no ``Host`` record means the reply is not an
inventory, which is a :class:`~hvtui.errors.ProtocolError`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections import defaultdict
from collections.abc import Generator, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from hvtui.errors import ProtocolError
from hvtui.model import (
    VM,
    Checkpoint,
    Cluster,
    ClusterGroupState,
    ClusterNode,
    ClusterNodeState,
    ClusterResourceState,
    ClusterRole,
    ControllerType,
    Disk,
    DrainStatus,
    HeartbeatStatus,
    Host,
    HostInventory,
    IntegrationService,
    LiveMigrationSettings,
    MigrationAuthentication,
    MigrationPerformance,
    NetworkAdapter,
    Replication,
    ReplicationHealth,
    ReplicationMode,
    ReplicationRelationship,
    ReplicationState,
    SharedVolume,
    SnapshotType,
    VhdFormat,
    VhdType,
    VMState,
    Volume,
)
from hvtui.model.host import VirtualSwitch
from hvtui.model.replication import FIXED_FREQUENCY_2012
from hvtui.model.versions import REPLICA_FREQUENCY, Release
from hvtui.model.vm_settings import VmSettings
from hvtui.remote.base import PSObjectData

Record = Mapping[str, Any]


def _s(rec: Record, key: str) -> str:
    value = rec.get(key)
    return "" if value is None else str(value)


def _i(rec: Record, key: str) -> int:
    value = rec.get(key)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    try:
        return int(float(str(value)))
    except (TypeError, ValueError):
        return 0


def _b(rec: Record, key: str) -> bool:
    value = rec.get(key)
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def _strings(rec: Record, key: str) -> tuple[str, ...]:
    value = rec.get(key)
    if value is None or value == "":
        return ()
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value if v is not None and str(v) != "")
    return (str(value),)


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MS_DATE = re.compile(r"/Date\((-?\d+)(?:[+-]\d{4})?\)/")


def _time(rec: Record, key: str) -> dt.datetime | None:
    return json_time(rec.get(key))


def json_time(value: object) -> dt.datetime | None:
    """A DateTime as a transport or ConvertTo-Json gives it (None if it is none): Windows
    PowerShell writes ``"\\/Date(<ms since 1970, UTC>)\\/"``, PowerShell 7 ISO 8601 (``Z``,
    an offset, or nothing for an unspecified kind, read as UTC)."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, str) and value:
        millis = _MS_DATE.fullmatch(value)
        if millis:
            try:
                return _EPOCH + dt.timedelta(milliseconds=int(millis.group(1)))
            except OverflowError:
                return None
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    return None


def decode_host(name: str, rec: Record, volumes: Iterable[Volume] = ()) -> Host:
    return Host(
        name=name,
        computer_name=_s(rec, "ComputerName"),
        os_name=_s(rec, "OSName"),
        os_version=_s(rec, "OSVersion"),
        is_server=_i(rec, "ProductType") != 1,
        logical_processors=_i(rec, "LogicalProcessorCount"),
        cpu_percent=_i(rec, "CpuLoadPercent"),
        processor_vendor=_s(rec, "ProcessorVendor"),
        processor_name=_s(rec, "ProcessorName"),
        memory_capacity=_i(rec, "MemoryCapacity"),
        memory_free=_i(rec, "MemoryFree"),
        migration=LiveMigrationSettings(
            enabled=_b(rec, "MigrationEnabled"),
            authentication=MigrationAuthentication.parse(rec.get("MigrationAuthentication")),
            performance=MigrationPerformance.parse(
                rec.get("MigrationPerformance") or "Compression"
            ),
            simultaneous=_i(rec, "MaximumMigrations"),
            use_any_network=_b(rec, "UseAnyNetworkForMigration"),
            networks=_strings(rec, "MigrationNetworks"),
        ),
        enhanced_session_mode=_b(rec, "EnhancedSessionMode"),
        virtual_hard_disk_path=_s(rec, "VirtualHardDiskPath"),
        virtual_machine_path=_s(rec, "VirtualMachinePath"),
        reported_versions=_strings(rec, "SupportedVersions"),
        default_version=_s(rec, "DefaultVersion"),
        switches=_strings(rec, "Switches"),
        cluster=_s(rec, "Cluster"),
        volumes=tuple(volumes),
        failover_clusters=_b(rec, "FailoverClusters"),
        cluster_problem=_s(rec, "ClusterProblem"),
        powershell_version=_s(rec, "PowerShellVersion"),
        powershell_edition=_s(rec, "PowerShellEdition"),
        numa_spanning=_b(rec, "NumaSpanningEnabled") if "NumaSpanningEnabled" in rec else True,
        storage_migrations=_i(rec, "MaximumStorageMigrations"),
    )


def with_switches(host: Host, by_kind: Mapping[str, list[Record]]) -> Host:
    """``host`` with the Switch records of its group (networking, issue 11)."""
    return dataclasses.replace(host, virtual_switches=tuple(
        VirtualSwitch(_s(r, "Name"), _s(r, "SwitchType") or "External",
                      _s(r, "NetAdapterInterfaceDescription"), _b(r, "AllowManagementOS"))
        for r in by_kind.get("Switch", [])))


def decode_volume(rec: Record) -> Volume:
    return Volume(
        path=_s(rec, "Path"),
        drive_letter=_s(rec, "DriveLetter"),
        label=_s(rec, "Label"),
        size=_i(rec, "Size"),
        free=_i(rec, "FreeSpace"),
    )


def decode_disk(rec: Record, vm_name: str, host: str) -> Disk:
    return Disk(
        vm_id=_s(rec, "VMId"),
        vm_name=vm_name,
        host=host,
        path=_s(rec, "Path"),
        format=VhdFormat.parse(rec.get("VhdFormat")),
        type=VhdType.parse(rec.get("VhdType")),
        controller=ControllerType.parse(rec.get("ControllerType")),
        controller_number=_i(rec, "ControllerNumber"),
        controller_location=_i(rec, "ControllerLocation"),
        size=_i(rec, "Size"),
        file_size=_i(rec, "FileSize"),
        min_size=_i(rec, "MinimumSize"),
        block_size=_i(rec, "BlockSize"),
        shared=_b(rec, "Shared"),
        min_iops=_i(rec, "MinimumIOPS"),
        max_iops=_i(rec, "MaximumIOPS"),
        parent_path=_s(rec, "ParentPath"),
    )


def decode_checkpoint(rec: Record) -> Checkpoint:
    return Checkpoint(
        id=_s(rec, "Id"),
        name=_s(rec, "Name"),
        vm_id=_s(rec, "VMId"),
        parent_id=_s(rec, "ParentId"),
        created=_time(rec, "CreationTime"),
        type=SnapshotType.parse(rec.get("SnapshotType")),
    )


def decode_adapter(rec: Record) -> NetworkAdapter:
    return NetworkAdapter(
        name=_s(rec, "Name"),
        switch_name=_s(rec, "SwitchName"),
        mac_address=_s(rec, "MacAddress"),
        ip_addresses=_strings(rec, "IPAddresses"),
        status=_s(rec, "Status"),
        legacy=_b(rec, "IsLegacy"),
        vlan=_i(rec, "VlanId"),
        mac_spoofing=_s(rec, "MacAddressSpoofing") == "On",
        dhcp_guard=_s(rec, "DhcpGuard") == "On",
        router_guard=_s(rec, "RouterGuard") == "On",
    )


_GUID = re.compile(r"[0-9A-F]{8}(?:-[0-9A-F]{4}){3}-[0-9A-F]{12}")


def service_guid(service_id: str) -> str:
    """The GUID that ends an integration service's ``Id`` (``Microsoft:<VM id>\\<GUID>``),
    upper case; '' when the Id does not end in one."""
    tail = service_id.strip().rsplit("\\", 1)[-1].strip("{}").upper()
    return tail if _GUID.fullmatch(tail) else ""


def decode_integration_service(rec: Record) -> IntegrationService:
    return IntegrationService(
        name=_s(rec, "Name"),
        enabled=_b(rec, "Enabled"),
        primary_status=_s(rec, "PrimaryStatus"),
        secondary_status=_s(rec, "SecondaryStatus"),
        id=service_guid(_s(rec, "Id")),
    )


def decode_replication(rec: Record, release: Release | None = None) -> Replication:
    """One Replication record; ``release`` is the reporting host's.

    A 2012 host's VMReplication has no ReplicationFrequencySec (the script's [int] cast
    reads 0): that host replicates every 5 minutes, fixed, which is a fact of the release.
    Elsewhere a 0 means the host did not say, and stays 0 (not reported).
    """
    reported = _i(rec, "FrequencySec")
    fixed = release is not None and not REPLICA_FREQUENCY.available_on(release)
    return Replication(
        vm_id=_s(rec, "VMId"),
        mode=ReplicationMode.parse(rec.get("Mode")),
        state=ReplicationState.parse(rec.get("State")),
        health=ReplicationHealth.parse(rec.get("Health")),
        primary_server=_s(rec, "PrimaryServer"),
        replica_server=_s(rec, "ReplicaServer"),
        frequency_sec=reported or (FIXED_FREQUENCY_2012 if fixed else 0),
        last_replication=_time(rec, "LastReplicationTime"),
        relationship=ReplicationRelationship.parse(rec.get("Relationship") or "Simple"),
        frequency_fixed=fixed,
    )


def vm_generation(rec: Record, release: Release) -> tuple[int, str]:
    """(generation, note): as reported, else derived where the release settles it.

    A 2012 VM object has no Generation (the script's [int] cast reads 0); 2012 runs only
    generation 1, so 1 is a fact there. Elsewhere an unreported generation stays 0 (unknown).
    """
    reported = _i(rec, "Generation")
    if reported in (1, 2):
        return reported, ""
    if len(release.generations) == 1:
        return release.generations[0], (
            f"{release.name} does not report it; it runs generation "
            f"{release.generations[0]} VMs only (generation 2 is new in 2012 R2)")
    return 0, f"{release.name} did not report it"


def vm_version(rec: Record, release: Release) -> tuple[str, str]:
    """(configuration version, note): as reported, else derived where the release settles it.

    VM.Version is not a property before 2016 (the script's [string] cast reads ''). A 2012
    host runs only version 4.0 and a 2012 R2 host only 5.0 (hyperv-rules.md R-VER-1; a VM
    must be at a version its host supports to be imported, started or migrated there,
    R-VER-2), so the version is a fact there. Elsewhere an unreported version stays ''.
    """
    reported = _s(rec, "Version")
    if reported:
        return reported, ""
    if len(release.config_versions) == 1:
        return release.config_versions[0], (
            f"{release.name} does not report it; it runs configuration version "
            f"{release.config_versions[0]} only (R-VER-1)")
    return "", f"{release.name} did not report it"


def decode_cluster_node(rec: Record) -> ClusterNode:
    return ClusterNode(
        name=_s(rec, "Name"),
        state=ClusterNodeState.parse(rec.get("State")),
        drain_status=DrainStatus.parse(rec.get("DrainStatus")),
    )


def decode_cluster_role(rec: Record) -> ClusterRole:
    return ClusterRole(
        name=_s(rec, "Name"),
        owner_node=_s(rec, "OwnerNode"),
        state=ClusterGroupState.parse(rec.get("State")),
        priority=_i(rec, "Priority"),
    )


def decode_shared_volume(rec: Record) -> SharedVolume:
    return SharedVolume(
        name=_s(rec, "Name"),
        owner_node=_s(rec, "OwnerNode"),
        state=ClusterResourceState.parse(rec.get("State")),
        path=_s(rec, "Path"),
        size=_i(rec, "Size"),
        free=_i(rec, "FreeSpace"),
    )


def _heartbeat(rec: Record) -> HeartbeatStatus | None:
    value = _s(rec, "Heartbeat")
    return HeartbeatStatus.parse(value) if value else None


@dataclass(frozen=True, slots=True)
class InventoryDocument:
    """What ``inventory.ps1`` sends: its records in groups, whole or as a delta.

    Records are grouped by ``Key``: ``VM:<id>`` for a VM and everything hanging off it,
    ``Host`` for the rest. A full document (``full``) holds every group; a delta (the
    script was given the ``token`` of the document before it, and the host still held that
    document) holds only the groups that differ from that one, and ``removed`` names the
    groups that are gone.
    """

    token: str
    full: bool
    changed: dict[str, list[Record]]
    removed: tuple[str, ...]

    @property
    def records(self) -> list[Record]:
        return [record for group in self.changed.values() for record in group]


_DOCUMENT_HINT = "the host may run a different script version; check the hvtui version"


def inventory_document(host_name: str, objects: list[PSObjectData] | list[Any]
                       ) -> InventoryDocument:
    """The one JSON document ``inventory.ps1`` emits.

    Anything else (no string, several objects, text that is not the document's shape) is
    a :class:`~hvtui.errors.ProtocolError`.
    """
    if len(objects) != 1 or not isinstance(objects[0], str):
        raise ProtocolError(
            f"expected one JSON document from the inventory script, got {len(objects)} "
            f"object(s){' of type ' + type(objects[0]).__name__ if objects else ''}",
            host=host_name, hint=_DOCUMENT_HINT)
    try:
        document = json.loads(objects[0])
    except ValueError as exc:
        raise ProtocolError(f"the inventory is not valid JSON ({exc})", host=host_name,
                            hint=_DOCUMENT_HINT) from None
    shape = ProtocolError("the inventory is not a {Token, Full, Changed, Removed} document",
                          host=host_name, hint=_DOCUMENT_HINT)
    if not isinstance(document, dict):
        raise shape
    token, full = document.get("Token"), document.get("Full")
    changed, removed = document.get("Changed"), document.get("Removed")
    if not (isinstance(token, str) and isinstance(full, bool) and isinstance(changed, list)
            and isinstance(removed, list) and all(isinstance(k, str) for k in removed)):
        raise shape
    groups: dict[str, list[Record]] = {}
    for group in changed:
        key = group.get("Key") if isinstance(group, dict) else None
        records = group.get("Records") if isinstance(group, dict) else None
        if not (isinstance(key, str) and isinstance(records, list)
                and all(isinstance(r, dict) for r in records)):
            raise shape
        groups[key] = records
    return InventoryDocument(token, full, groups, tuple(removed))


def inventory_records(host_name: str, objects: list[PSObjectData] | list[Any]
                      ) -> list[PSObjectData]:
    """Every record of a full inventory document (see :func:`inventory_document`)."""
    document = inventory_document(host_name, objects)
    if not document.full:
        raise ProtocolError("the host sent changes where the whole inventory was asked for",
                            host=host_name, hint=_DOCUMENT_HINT)
    return cast(list[PSObjectData], document.records)  # JSON objects: plain data


def decode_inventory(
    host_name: str, objects: Iterable[PSObjectData], fetched_at: dt.datetime | None = None
) -> HostInventory:
    """Build one host's inventory from the records ``inventory.ps1`` emitted."""
    steps = inventory_steps(host_name, objects, fetched_at)
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return cast(HostInventory, done.value)


def inventory_steps(
    host_name: str, objects: Iterable[PSObjectData], fetched_at: dt.datetime | None = None
) -> Generator[None, None, HostInventory]:
    """:func:`decode_inventory` in small steps: it yields after each VM, so a caller on the
    event loop can hand the loop back between steps (see ``hvtui.hyperv.inventory``)."""
    by_kind: dict[str, list[Record]] = defaultdict(list)
    for obj in objects:
        if isinstance(obj, Mapping):
            by_kind[_s(obj, "Kind")].append(obj)
    hosts = by_kind.get("Host", [])
    if len(hosts) != 1:
        raise ProtocolError(
            f"expected one Host record from the inventory script, got {len(hosts)}",
            host=host_name,
            hint="the host may run a different script version; check the hvtui version",
        )
    host = decode_host(host_name, hosts[0], (decode_volume(r) for r in by_kind["Volume"]))
    host = with_switches(host, by_kind)
    release = host.release

    per_vm: dict[str, dict[str, list[Record]]] = defaultdict(lambda: defaultdict(list))
    for kind in ("Guest", "Disk", "Checkpoint", "NetworkAdapter", "IntegrationService",
                 "Replication", "Settings"):
        for rec in by_kind.get(kind, []):
            per_vm[_s(rec, "VMId")][kind].append(rec)

    vms = []
    for rec in by_kind.get("VM", []):
        vms.append(decode_vm(host_name, rec, per_vm.get(_s(rec, "Id"), {}), release))
        yield

    cluster = decode_cluster(by_kind)
    return HostInventory(host=host, vms=tuple(vms), cluster=cluster, fetched_at=fetched_at)


def decode_vm(host_name: str, rec: Record, parts: Mapping[str, list[Record]],
              release: Release) -> VM:
    """One VM from its record and its parts' records by Kind (Disk, Checkpoint, ...)."""
    vm_id, name = _s(rec, "Id"), _s(rec, "Name")
    replications = [decode_replication(r, release) for r in parts.get("Replication", [])]
    simple = next((r for r in replications if not r.is_extended), None)
    extended = next((r for r in replications if r.is_extended), None)
    guest = parts.get("Guest", [])
    generation, generation_note = vm_generation(rec, release)
    version, version_note = vm_version(rec, release)
    return VM(
        id=vm_id,
        name=name,
        host=host_name,
        state=VMState.parse(rec.get("State")),
        cpu_percent=_i(rec, "CPUUsage"),
        memory_assigned=_i(rec, "MemoryAssigned"),
        memory_demand=_i(rec, "MemoryDemand"),
        memory_startup=_i(rec, "MemoryStartup"),
        dynamic_memory=_b(rec, "DynamicMemoryEnabled"),
        uptime=dt.timedelta(seconds=_i(rec, "UptimeSeconds")),
        status=_s(rec, "Status"),
        generation=generation,
        version=version,
        generation_note=generation_note,
        version_note=version_note,
        heartbeat=_heartbeat(rec),
        processor_count=_i(rec, "ProcessorCount") or 1,
        processor_compatibility=_b(rec, "CompatibilityForMigration"),
        is_clustered=_b(rec, "IsClustered"),
        path=_s(rec, "Path"),
        notes=_s(rec, "Notes"),
        guest_os=_s(guest[0], "OSName") if guest else "",
        integration_services=tuple(
            decode_integration_service(r) for r in parts.get("IntegrationService", [])
        ),
        network_adapters=tuple(decode_adapter(r) for r in parts.get("NetworkAdapter", [])),
        checkpoints=tuple(decode_checkpoint(r) for r in parts.get("Checkpoint", [])),
        disks=tuple(decode_disk(r, name, host_name) for r in parts.get("Disk", [])),
        replication=simple,
        extended_replication=extended,
        settings=next((decode_settings(r) for r in parts.get("Settings", [])), None),
    )


def decode_cluster(by_kind: Mapping[str, list[Record]]) -> Cluster | None:
    """The host's cluster from its records by Kind; None on a host in no cluster."""
    cluster_recs = by_kind.get("Cluster", [])
    if not cluster_recs:
        return None
    rec = cluster_recs[0]
    return Cluster(
        name=_s(rec, "Name"),
        # $null where the release has no such property (2012): not "off".
        drain_on_shutdown=None if rec.get("DrainOnShutdown") in (None, "")
        else _i(rec, "DrainOnShutdown") != 0,
        nodes=tuple(decode_cluster_node(r) for r in by_kind.get("ClusterNode", [])),
        roles=tuple(decode_cluster_role(r) for r in by_kind.get("ClusterGroup", [])),
        shared_volumes=tuple(
            decode_shared_volume(r) for r in by_kind.get("ClusterSharedVolume", [])
        ),
    )


def decode_settings(rec: Record) -> VmSettings:
    """A ``Settings`` record (inventory.ps1, vm-settings.ps1)."""
    return VmSettings(
        memory_startup=_i(rec, "MemoryStartup"),
        dynamic_memory=_b(rec, "DynamicMemoryEnabled"),
        memory_minimum=_i(rec, "MemoryMinimum"),
        memory_maximum=_i(rec, "MemoryMaximum"),
        memory_buffer=_i(rec, "MemoryBuffer"),
        memory_weight=_i(rec, "MemoryWeight"),
        processor_count=_i(rec, "ProcessorCount"),
        processor_compatibility=_b(rec, "ProcessorCompatibility"),
        processor_reserve=_i(rec, "ProcessorReserve"),
        processor_limit=_i(rec, "ProcessorLimit"),
        processor_weight=_i(rec, "ProcessorWeight"),
        automatic_start_action=_s(rec, "AutomaticStartAction"),
        automatic_start_delay=_i(rec, "AutomaticStartDelay"),
        automatic_stop_action=_s(rec, "AutomaticStopAction"),
        checkpoint_type=_s(rec, "CheckpointType"),
        snapshot_location=_s(rec, "SnapshotFileLocation"),
        notes=_s(rec, "Notes"),
        # firmware (issue 11, hostcfg)
        secure_boot=_s(rec, "SecureBoot"),
        secure_boot_template=_s(rec, "SecureBootTemplate"),
        tpm=_s(rec, "Tpm"),
        startup_order=", ".join(_strings(rec, "StartupOrder")),
        first_boot_device=_s(rec, "FirstBootDevice"),
    )


def records_of(objects: Iterable[PSObjectData], kind: str) -> list[Record]:
    """The records of one Kind from an action script's output."""
    return [o for o in objects if isinstance(o, Mapping) and _s(o, "Kind") == kind]
