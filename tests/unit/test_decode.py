"""Decoding inventory records into the model, including after a CLIXML round trip."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from psrpcore.types import PSCryptoProvider, deserialize_clixml, serialize_clixml

from hvtui.errors import ProtocolError
from hvtui.lab.pwsh.jsonout import to_json
from hvtui.lab.pwsh.values import PSObject
from hvtui.model import (
    ControllerType,
    HeartbeatStatus,
    ReplicationHealth,
    ReplicationMode,
    VhdFormat,
    VMState,
)
from hvtui.ps.decode import decode_inventory, inventory_records, json_time, records_of
from hvtui.remote.plain import from_plain, to_plain

WHEN = dt.datetime(2026, 11, 1, 8, 30, tzinfo=dt.UTC)
VM_ID = "6f1c2a9e-0000-4000-8000-000000000001"
NAME = "経理-DB01 'x' “y” $z `w;"

RECORDS: list[dict[str, Any]] = [
    {"Kind": "Host", "ComputerName": "HV-NODE1", "OSName": "Microsoft Windows Server 2012 R2 "
     "Datacenter", "OSVersion": "6.3.9600", "ProductType": 3, "LogicalProcessorCount": 32,
     "CpuLoadPercent": 17, "ProcessorVendor": "GenuineIntel", "ProcessorName": "Xeon",
     "MemoryCapacity": 256 * 2**30, "MemoryFree": 64 * 2**30, "MigrationEnabled": True,
     "MigrationAuthentication": "Kerberos", "MigrationPerformance": "SMB",
     "MaximumMigrations": 4, "UseAnyNetworkForMigration": False, "EnhancedSessionMode": False,
     "VirtualHardDiskPath": "C:\\VHD", "VirtualMachinePath": "C:\\VM", "SupportedVersions": [],
     "DefaultVersion": "", "Switches": ["External", "社内LAN"], "Cluster": "HVC01",
     "FailoverClusters": True, "ClusterProblem": "", "PowerShellVersion": "4.0",
     "PowerShellEdition": ""},
    {"Kind": "Volume", "Path": "\\\\?\\Volume{1}\\", "DriveLetter": "D", "Label": "Data",
     "Size": 2 * 2**40, "FreeSpace": 2**40},
    {"Kind": "VM", "Id": VM_ID, "Name": NAME, "State": "RunningCritical", "CPUUsage": 12,
     "MemoryAssigned": 4 * 2**30, "MemoryDemand": 3 * 2**30, "MemoryStartup": 2**31,
     "DynamicMemoryEnabled": True, "UptimeSeconds": 3600, "Status": "Operating normally",
     "Generation": 2, "Version": "5.0", "Heartbeat": "OkApplicationsHealthy",
     "ProcessorCount": 4, "CompatibilityForMigration": False, "IsClustered": True,
     "Path": "C:\\ClusterStorage\\Volume1\\x", "ReplicationMode": "Primary", "Notes": ""},
    {"Kind": "Guest", "VMId": VM_ID, "OSName": "Windows Server 2012 R2 Datacenter"},
    {"Kind": "Disk", "VMId": VM_ID, "Path": "C:\\ClusterStorage\\Volume1\\x\\os.vhdx",
     "ControllerType": "SCSI", "ControllerNumber": 0, "ControllerLocation": 1,
     "MinimumIOPS": 100, "MaximumIOPS": 500, "Shared": False, "VhdFormat": "VHDX",
     "VhdType": "Dynamic", "Size": 127 * 2**30, "FileSize": 20 * 2**30,
     "MinimumSize": 60 * 2**30, "BlockSize": 32 * 2**20, "ParentPath": ""},
    {"Kind": "Checkpoint", "VMId": VM_ID, "Id": "c1", "Name": "before patch", "ParentId": "",
     "CreationTime": WHEN, "SnapshotType": "Standard"},
    {"Kind": "NetworkAdapter", "VMId": VM_ID, "Name": "Network Adapter", "SwitchName": "社内LAN",
     "MacAddress": "00155D000001", "IPAddresses": ["10.0.0.5", "fe80::1"], "Status": "Ok"},
    # A German host's name for the Guest Service Interface: hvtui knows it by the GUID.
    {"Kind": "IntegrationService", "VMId": VM_ID, "Name": "Gastdienstschnittstelle",
     "Id": f"Microsoft:{VM_ID.upper()}\\6C09BB55-D683-4DA0-8931-C9BF705F6480",
     "Enabled": False, "PrimaryStatus": "OK", "SecondaryStatus": ""},
    {"Kind": "Replication", "VMId": VM_ID, "Relationship": "Simple", "Mode": "Primary",
     "State": "Replicating", "Health": "Warning", "PrimaryServer": "HV-NODE1",
     "ReplicaServer": "HV-DR1", "FrequencySec": 30, "LastReplicationTime": WHEN},
    {"Kind": "Cluster", "Name": "HVC01", "DrainOnShutdown": 1},
    {"Kind": "ClusterNode", "Cluster": "HVC01", "Name": "HV-NODE2", "State": "Paused",
     "DrainStatus": "Completed"},
    {"Kind": "ClusterGroup", "Cluster": "HVC01", "Name": NAME, "OwnerNode": "HV-NODE1",
     "State": "Online", "Priority": 3000},
    {"Kind": "ClusterSharedVolume", "Cluster": "HVC01", "Name": "Cluster Disk 1",
     "OwnerNode": "HV-NODE1", "State": "Online", "Path": "C:\\ClusterStorage\\Volume1",
     "Size": 4 * 2**40, "FreeSpace": 2**40},
]


def over_the_wire(records: list[dict[str, Any]]) -> list[Any]:
    """What a transport hands the decoder after real CLIXML serialisation."""
    xml = serialize_clixml([from_plain(r) for r in records], PSCryptoProvider())
    return [to_plain(v) for v in deserialize_clixml(xml, PSCryptoProvider())]


def as_json(records: list[dict[str, Any]], core: bool) -> list[Any]:
    """What a transport hands over from inventory.ps1: one string, as ConvertTo-Json -Compress
    writes it under Windows PowerShell (core False) or PowerShell 7."""
    text, truncated = to_json([PSObject(list(r.items())) for r in records], depth=4,
                              compress=True, core=core)
    assert not truncated
    document = '{"Token":"t","Full":true,"Changed":[{"Key":"Host","Records":%s}],"Removed":[]}'
    return inventory_records("HV-NODE1", [document % text])


@pytest.mark.parametrize("wire", ["plain", "clixml", "json-5.1", "json-7"])
def test_decode_full_inventory(wire: str) -> None:
    if wire.startswith("json"):
        records = as_json(RECORDS, core=wire == "json-7")
    else:
        records = over_the_wire(RECORDS) if wire == "clixml" else RECORDS
    inv = decode_inventory("HV-NODE1", records, WHEN)
    h = inv.host
    assert (h.name, h.release.short, h.migration.performance.name) == ("HV-NODE1", "2012 R2", "SMB")
    assert h.switches == ("External", "社内LAN")
    assert h.supported_versions == ("5.0",)  # 2012 R2 reports none: derived from the release
    assert h.volume_for("D:\\Exports").free == 2**40  # type: ignore[union-attr]
    [vm] = inv.vms
    assert vm.name == NAME and vm.state is VMState.RunningCritical
    assert vm.heartbeat is HeartbeatStatus.OkApplicationsHealthy
    assert vm.guest_family == "Windows" and vm.generation == 2
    assert vm.uptime == dt.timedelta(hours=1)
    [disk] = vm.disks
    assert disk.format is VhdFormat.VHDX and disk.controller is ControllerType.SCSI
    assert disk.location == "SCSI 0:1" and disk.min_size == 60 * 2**30 and disk.has_qos
    assert disk.vm_name == NAME and disk.host == "HV-NODE1"
    assert vm.checkpoints[0].created == WHEN
    assert vm.network_adapters[0].ip_addresses == ("10.0.0.5", "fe80::1")
    gsi = vm.guest_service_interface
    assert gsi is not None and not gsi.enabled and gsi.name == "Gastdienstschnittstelle"
    assert vm.service("guest service interface") is gsi and vm.service("Heartbeat") is None
    assert (vm.version, vm.version_note, vm.generation_note) == ("5.0", "", "")
    assert h.failover_clusters and h.modules == {"Hyper-V", "FailoverClusters"}
    assert (h.powershell_version, h.edition) == ("4.0", "Desktop")
    assert vm.replication is not None and vm.replication.mode is ReplicationMode.Primary
    assert vm.replication.health is ReplicationHealth.Warning and vm.extended_replication is None
    assert not vm.is_healthy
    c = inv.cluster
    assert c is not None and c.drain_on_shutdown and c.nodes[0].state.name == "Paused"
    assert c.roles[0].priority_name == "High" and c.shared_volumes[0].free == 2**40
    assert c.shared_volumes[0].state.name == "Online"


def test_decode_tolerates_missing_and_odd_fields() -> None:
    inv = decode_inventory("h", [{"Kind": "Host", "OSVersion": "10.0.20348"},
                                 {"Kind": "VM", "Id": "1", "Name": "n", "State": "Weird",
                                  "Generation": "2", "Heartbeat": None},
                                 "junk"])  # type: ignore[list-item]  # a stray non-record is skipped
    [vm] = inv.vms
    assert vm.state is VMState.Other and vm.generation == 2 and vm.heartbeat is None
    assert inv.cluster is None


def test_no_host_record_is_a_protocol_error() -> None:
    with pytest.raises(ProtocolError) as err:
        decode_inventory("HV-X", [{"Kind": "VM"}])
    assert "HV-X" in err.value.user_message() and "Host record" in err.value.user_message()


@pytest.mark.parametrize(("objects", "says"), [
    ([], "got 0 object(s)"),
    ([{"Kind": "Host"}], "of type dict"),
    (["[1,2]", "[]"], "got 2 object(s)"),
    (["[{\"Kind\": \"Host\"}"], "not valid JSON"),
    (["[{\"Kind\": \"Host\"}]"], "not a {Token, Full, Changed, Removed} document"),
    (['{"Token":"t","Full":true,"Changed":[{"Key":"Host","Records":[3]}],"Removed":[]}'],
     "not a {Token, Full, Changed, Removed} document"),
    (['{"Token":"t","Full":"yes","Changed":[],"Removed":[]}'],
     "not a {Token, Full, Changed, Removed} document"),
    (['{"Token":"t","Full":true,"Changed":[],"Removed":[1]}'],
     "not a {Token, Full, Changed, Removed} document"),
    (['{"Token":"t","Full":false,"Changed":[],"Removed":[]}'],
     "changes where the whole inventory was asked for"),
])
def test_an_inventory_that_is_not_one_json_document_is_a_protocol_error(
        objects: list[Any], says: str) -> None:
    with pytest.raises(ProtocolError) as err:
        inventory_records("HV-X", objects)
    assert says in err.value.user_message() and "HV-X" in err.value.user_message()


def test_json_time_reads_both_editions_dates() -> None:
    utc = dt.datetime(2024, 1, 2, 3, 4, 5, 500000, tzinfo=dt.UTC)
    assert json_time("/Date(1704164645500)/") == utc
    assert json_time("/Date(1704164645500+0900)/") == utc  # the offset is only a hint
    assert json_time("2024-01-02T03:04:05.5Z") == utc
    assert json_time("2024-01-02T12:04:05.5+09:00") == utc
    assert json_time("2024-01-02T03:04:05.5") == utc  # Unspecified kind: read as UTC
    assert json_time("2024-01-02T03:04:05.5000001Z") == utc  # 7 digits of ticks
    assert json_time(None) is None and json_time("") is None and json_time("soon") is None
    assert json_time("/Date(99999999999999999)/") is None


def test_records_of_filters_by_kind() -> None:
    assert len(records_of(RECORDS, "Volume")) == 1


def _host(os_version: str, **extra: Any) -> dict[str, Any]:
    return {"Kind": "Host", "OSVersion": os_version, "OSName": "Windows Server", **extra}


def test_what_a_2012_host_cannot_report_is_derived_from_its_release() -> None:
    """2012: no VM.Generation/Version, no ReplicationFrequencySec, no DrainOnShutdown."""
    inv = decode_inventory("HV-LEGACY", [
        _host("6.2.9200", Cluster="OLDCL", FailoverClusters=True),
        {"Kind": "VM", "Id": VM_ID, "Name": "old", "State": "Running", "Generation": 0,
         "Version": ""},
        {"Kind": "Replication", "VMId": VM_ID, "Relationship": "Simple", "Mode": "Primary",
         "State": "Replicating", "Health": "Normal", "FrequencySec": 0},
        {"Kind": "Cluster", "Name": "OLDCL", "DrainOnShutdown": None},
    ])
    [vm] = inv.vms
    assert (vm.generation, vm.version) == (1, "4.0")
    assert "generation 1 VMs only" in vm.generation_note and "R-VER-1" in vm.version_note
    assert vm.replication is not None
    assert (vm.replication.frequency_sec, vm.replication.frequency_fixed) == (300, True)
    assert inv.cluster is not None and inv.cluster.drain_on_shutdown is None


def test_a_2012r2_host_runs_version_5_0_only() -> None:
    inv = decode_inventory("HV-NODE1", [
        _host("6.3.9600"),
        {"Kind": "VM", "Id": VM_ID, "Name": "vm", "State": "Off", "Generation": 2,
         "Version": ""},
        {"Kind": "Replication", "VMId": VM_ID, "Relationship": "Simple", "Mode": "Primary",
         "State": "Replicating", "Health": "Normal", "FrequencySec": 0},
    ])
    [vm] = inv.vms
    assert (vm.generation, vm.generation_note, vm.version) == (2, "", "5.0")
    # 2012 R2 can change the frequency: a 0 there is "not reported", not 5 minutes.
    assert vm.replication is not None
    assert (vm.replication.frequency_sec, vm.replication.frequency_fixed) == (0, False)


def test_what_a_newer_host_does_not_report_stays_unknown() -> None:
    inv = decode_inventory("HV-2022", [
        _host("10.0.20348", PowerShellEdition="Core", PowerShellVersion="7.4.6"),
        {"Kind": "VM", "Id": VM_ID, "Name": "vm", "State": "Off", "Generation": 0,
         "Version": ""},
        {"Kind": "IntegrationService", "VMId": VM_ID, "Name": "Takt", "Enabled": True,
         "Id": "no guid here"},
        {"Kind": "Cluster", "Name": "C", "DrainOnShutdown": 0},
        {"Kind": "ClusterSharedVolume", "Cluster": "C", "Name": "Cluster Disk 1",
         "OwnerNode": "N1", "State": "Online", "Path": "", "Size": 0, "FreeSpace": 0},
    ])
    [vm] = inv.vms
    assert (vm.generation, vm.version) == (0, "")
    assert vm.generation_note == vm.version_note == "Windows Server 2022 did not report it"
    assert vm.service("Heartbeat") is None  # a name alone never identifies a service
    assert inv.host.edition == "Core" and not inv.host.failover_clusters
    assert inv.cluster is not None and inv.cluster.drain_on_shutdown is False
    assert not inv.cluster.shared_volumes[0].reported
