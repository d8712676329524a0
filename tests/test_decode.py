"""Decoding inventory records into the model, including after a CLIXML round trip."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from psrpcore.types import PSCryptoProvider, deserialize_clixml, serialize_clixml

from hvtui.errors import ProtocolError
from hvtui.model import (
    ControllerType,
    HeartbeatStatus,
    ReplicationHealth,
    ReplicationMode,
    VhdFormat,
    VMState,
)
from hvtui.ps.decode import decode_inventory, records_of
from hvtui.ps.plain import from_plain, to_plain

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
     "DefaultVersion": "", "Switches": ["External", "社内LAN"], "Cluster": "HVC01"},
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
    {"Kind": "IntegrationService", "VMId": VM_ID, "Name": "Guest Service Interface",
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
    return [to_plain(v) for v in deserialize_clixml(xml, PSCryptoProvider())]  # type: ignore[misc]


@pytest.mark.parametrize("wire", [False, True], ids=["plain", "clixml"])
def test_decode_full_inventory(wire: bool) -> None:
    records = over_the_wire(RECORDS) if wire else RECORDS
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
    assert vm.guest_service_interface is not None and not vm.guest_service_interface.enabled
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


def test_records_of_filters_by_kind() -> None:
    assert len(records_of(RECORDS, "Volume")) == 1
