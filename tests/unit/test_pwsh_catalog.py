"""Every catalog script runs as text through the engine against a small fake host.

The fake host (tests/support/pwsh_fake.py) declares a handful of Hyper-V and FailoverClusters
cmdlets; the engine binds each call like PowerShell's binder and runs the real script
text. The first test reproduces the fault that motivated the engine: ``inventory.ps1``
calling ``Get-Cluster`` on a host without FailoverClusters.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from pwsh_fake import FakeHost, FakeVM

from hvtui.lab.pwsh import run, to_plain
from hvtui.ps import catalog

DATA = Path(__file__).parents[1] / "support" / "data"
OLD_INVENTORY = (DATA / "inventory-unguarded-get-cluster.ps1").read_text(encoding="utf-8")


def records(outcome: Any) -> list[Any]:
    """What a script emitted: the records of the inventory's one JSON document (a whole
    one: the groups of a {Token, Full, Changed, Removed} document, or the array an older
    script wrote), or the objects themselves."""
    if len(outcome.output) == 1 and isinstance(outcome.output[0], str):
        found = json.loads(outcome.output[0])
        if isinstance(found, dict):
            assert found["Full"] is True
            return [r for group in found["Changed"] for r in group["Records"]]
        assert isinstance(found, list)
        return found
    return [to_plain(o) for o in outcome.output]


def kinds(outcome: Any) -> list[str]:
    return [str(r.get("Kind", "<no Kind>")) if isinstance(r, dict) else "<not an object>"
            for r in records(outcome)]


def test_unguarded_get_cluster_fails_on_a_host_without_failover_clusters() -> None:
    host = FakeHost(clustered=False)
    outcome = run(OLD_INVENTORY, {}, host)
    assert outcome.failed
    assert outcome.output == [], "the Host record must never be emitted"
    assert [e.fqid for e in outcome.errors] == ["CommandNotFoundException"]
    error = outcome.errors[0]
    assert error.message.startswith("The term 'Get-Cluster' is not recognized as the name of")
    assert error.category == "ObjectNotFound"
    assert error.script_position.startswith("23:")
    assert error.as_record().error_id == "CommandNotFoundException"
    # Everything before the failing statement ran.
    assert [name for name, _ in host.calls] == [
        "Get-CimInstance", "Get-CimInstance", "Get-VMHost", "Get-VMHostSupportedVersion",
        "Get-VMHostSupportedVersion"]


def test_unguarded_get_cluster_works_where_failover_clusters_is_installed() -> None:
    outcome = run(OLD_INVENTORY, {}, FakeHost(clustered=True))
    assert not outcome.failed, outcome.errors
    found = kinds(outcome)
    assert found[0] == "Host"
    host_record = to_plain(outcome.output[0])
    assert isinstance(host_record, dict) and host_record["Cluster"] == "CLU1"
    assert found.count("VM") == 2 and "Cluster" in found and "ClusterSharedVolume" in found


def test_a_parameter_the_host_lacks_fails_the_old_inventory_like_2012_does() -> None:
    """Get-VMReplication -ReplicationRelationshipType is 2012 R2+: on 2012, with a
    replicated VM, the binder refuses the old inventory's call; -ErrorAction cannot silence
    that and $ErrorActionPreference = 'Stop' ends the script (issue 8's second example)."""
    host = FakeHost(clustered=True, vms=[FakeVM("web01", replication="Primary"), FakeVM("db01")],
                    missing_parameters={"get-vmreplication": {"ReplicationRelationshipType"}})
    outcome = run(OLD_INVENTORY, {}, host)
    assert outcome.failed
    assert outcome.errors[-1].fqid == \
        "NamedParameterNotFound,Microsoft.HyperV.PowerShell.Commands.GetVMReplication"
    assert outcome.errors[-1].message == "A parameter cannot be found that matches parameter " \
        "name 'ReplicationRelationshipType'."
    assert "Replication" not in kinds(outcome) and "VM" in kinds(outcome)


def test_the_fixed_inventory_reads_2012_replication_without_the_parameter() -> None:
    """The fixed inventory asks Get-Command whether the parameter exists and, on 2012, reads
    the one (simple) relationship without it."""
    host = FakeHost(clustered=True, vms=[FakeVM("web01", replication="Primary"), FakeVM("db01")],
                    missing_parameters={"get-vmreplication": {"ReplicationRelationshipType"}})
    outcome = run(catalog.get("inventory").text, {}, host)
    assert not outcome.failed, outcome.errors
    replications = [r for r in records(outcome)
                    if isinstance(r, dict) and r.get("Kind") == "Replication"]
    assert [(r["Relationship"], r["Mode"], r["FrequencySec"]) for r in replications] == [
        ("Simple", "Primary", 300)]
    assert all("ReplicationRelationshipType" not in args for name, args in host.calls
               if name == "Get-VMReplication")


def test_the_fixed_inventory_runs_on_a_host_without_failover_clusters() -> None:
    outcome = run(catalog.get("inventory").text, {}, FakeHost(clustered=False))
    assert not outcome.failed, outcome.errors
    [host_record] = [r for r in records(outcome) if isinstance(r, dict) and r["Kind"] == "Host"]
    assert (host_record["Cluster"], host_record["FailoverClusters"]) == ("", False)
    assert "Cluster" not in kinds(outcome)


def test_the_fixed_node_suspend_names_2012s_switch() -> None:
    """2012's Suspend-ClusterNode has -ForceEvacuation where later ones have -ForceDrain."""
    host = FakeHost(clustered=True, missing_parameters={"suspend-clusternode": {"ForceDrain"}})
    outcome = run(catalog.get("cluster-node-suspend").text,
                  {"NodeName": "N1", "ForceDrain": True}, host)
    assert not outcome.failed, outcome.errors
    [(_, args)] = [c for c in host.calls if c[0] == "Suspend-ClusterNode"]
    assert args.get("ForceEvacuation") is True and "ForceDrain" not in args


def test_pwsh_7_words_command_not_found_its_own_way() -> None:
    outcome = run(OLD_INVENTORY, {}, FakeHost(ps_version=(7, 4), ps_edition="Core"))
    assert outcome.failed
    assert "is not recognized as a name of a cmdlet, function, script file, or executable " \
        "program.\nCheck the spelling" in outcome.errors[0].message


def test_inventory_records_on_a_clustered_host() -> None:
    host = FakeHost(clustered=True, vms=[FakeVM("web01", replication="Primary", snapshots=3),
                                         FakeVM("経理-DB01", "Off", disks=2)])
    outcome = run(catalog.get("inventory").text, {"CheckpointLimit": 2}, host)
    assert not outcome.failed, outcome.errors
    by_kind: dict[str, list[Any]] = {}
    for record in records(outcome):
        assert isinstance(record, dict)
        by_kind.setdefault(str(record["Kind"]), []).append(record)
    assert by_kind["Host"][0]["SupportedVersions"] == ["8.0", "9.0"]
    assert by_kind["Host"][0]["MemoryFree"] == 8 * 1024**3
    assert by_kind["Host"][0]["CpuLoadPercent"] == 12
    assert [v["Name"] for v in by_kind["VM"]] == ["web01", "経理-DB01"]
    assert by_kind["VM"][0]["UptimeSeconds"] == 18012  # 18012.5 rounds to even
    assert len(by_kind["Checkpoint"]) == 2  # Select-Object -First $CheckpointLimit
    assert len(by_kind["Disk"]) == 3
    assert [r["Relationship"] for r in by_kind["Replication"]] == ["Simple"]
    assert [v["Label"] for v in by_kind["Volume"]] == ["System"]
    assert by_kind["ClusterGroup"] == [{"Kind": "ClusterGroup", "Cluster": "CLU1",
                                        "Name": "web01", "OwnerNode": "N1", "State": "Online",
                                        "Priority": 2000}]


# --- every catalog script ----------------------------------------------------------------------

WEB01 = "0e6b3a54-2f0c-4d6e-9a51-7c0f1b2d3e4f"
FIRST_CHECKPOINT = str(uuid.UUID(int=1))  # the fake host's first checkpoint of each VM

PARAMETERS: dict[str, dict[str, object]] = {
    "checkpoint-new": {"Name": "web01", "CheckpointName": "before patch"},
    "checkpoint-remove": {"VMId": WEB01, "CheckpointId": FIRST_CHECKPOINT,
                          "IncludeChildren": True},
    "checkpoint-restore": {"VMId": WEB01, "CheckpointId": FIRST_CHECKPOINT},
    "cluster-drain-on-shutdown": {"Enabled": False},
    "cluster-node-resume": {"NodeName": "N1", "Failback": "Immediate"},
    "cluster-node-suspend": {"NodeName": "N1", "Drain": True},
    "cluster-role-move": {"RoleName": "web01", "NodeName": "N2"},
    "doctor": {"Command": ["Get-VM", "Get-Nothing"], "Parameter": ["Get-VM -Name"]},
    "host-enhanced-session": {"Enabled": True},
    "host-migration": {"Enabled": False},
    "inventory": {},
    "replica-failover": {"VMName": "web01", "AsTest": True},
    "replication-frequency": {"VMName": "web01", "FrequencySec": 30},
    "replication-resume": {"VMName": "web01"},
    "replica-failover-complete": {"VMName": "web01"},
    "replica-failover-stop": {"VMName": "web01"},
    "replication-remove": {"VMName": "web01"},
    "replication-reverse": {"VMName": "web01"},
    "replication-resync": {"VMName": "web01"},
    "replication-suspend": {"VMName": "web01"},
    "vhd-resize": {"Path": "C:\\VHDs\\web01-0.vhdx", "SizeBytes": 60 * 1024**3},
    "vm-compare": {"Name": "web01", "DestinationHost": "HV2", "IncludeStorage": True},
    "vm-copy-file": {"Name": "web01", "SourcePath": "C:\\a.txt", "DestinationPath": "C:\\b.txt",
                     "CreateFullPath": True},
    "vm-disk-add": {"VMName": "web01", "Path": "C:\\VHDs\\web01-data.vhdx",
                    "ControllerType": "SCSI", "NewSizeBytes": 10 * 1024**3},
    "vm-disk-remove": {"VMName": "web01", "ControllerType": "SCSI", "ControllerNumber": 0,
                       "ControllerLocation": 1},
    "vm-dvd-drives": {"VMName": "web01"},
    "vm-dvd-media": {"VMName": "web01", "ControllerNumber": 1, "ControllerLocation": 0,
                     "Path": "C:\\ISO\\setup.iso"},
    "vm-export": {"Name": "web01", "Path": "E:\\Exports"},
    "vm-integration-service": {"VMName": "web01",
                               "ServiceId": "6C09BB55-D683-4DA0-8931-C9BF705F6480",
                               "Enabled": True},
    "vm-move": {"Name": "web01", "DestinationHost": "HV2"},
    "vm-processor-compat": {"VMName": "web01", "Enabled": True},
    "vm-restart": {"Name": "web01"},
    "vm-resume": {"Name": "web01"},
    "vm-save": {"Name": "web01"},
    "vm-settings": {"VMName": "web01", "MemoryStartupBytes": 2 * 1024**3, "Notes": "x",
                    "AutomaticStartAction": "Start"},
    # Edit Disk, Move-VMStorage, Storage QoS (issue 11)
    "vhd-compact": {"Path": "C:\\VHDs\\web01.vhdx"},
    "vhd-chain": {"Path": "C:\\VHDs\\web01.vhdx"},
    "vhd-convert": {"Path": "C:\\VHDs\\web01.vhd", "DestinationPath": "C:\\VHDs\\web01.vhdx",
                    "VHDType": "Dynamic"},
    "vhd-merge": {"Path": "C:\\VHDs\\web01.avhdx", "DestinationPath": "C:\\VHDs\\web01.vhdx",
                  "VMName": "db01", "ControllerType": "SCSI", "ControllerNumber": 0,
                  "ControllerLocation": 0},
    "vm-move-storage": {"VMName": "web01", "DestinationStoragePath": "D:\\VMs\\web01"},
    "vm-disk-qos": {"VMName": "web01", "ControllerType": "SCSI", "ControllerNumber": 0,
                    "ControllerLocation": 0, "MinimumIOPS": 100, "MaximumIOPS": 500},
    # Networking (issue 11)
    "vm-network-adapter": {"VMName": "web01", "Action": "Set", "Name": "Network Adapter",
                           "VlanId": 20, "MacAddressSpoofing": "On", "DhcpGuard": "Off"},
    "host-switch": {"Action": "New", "Name": "Lab", "SwitchType": "Internal"},
    "vm-start": {"Name": "db01"},
    "vm-stop": {"Name": "web01"},
    "vm-suspend": {"Name": "web01"},
    "vm-turn-off": {"Name": "web01"},
    # VMs: create, delete, rename (issue 11)
    "vm-new": {"Name": "new01", "Path": "C:\\VMs", "Generation": 2, "Version": "9.0",
               "MemoryStartupBytes": 2 * 1024**3, "DynamicMemory": True,
               "MemoryMaximumBytes": 4 * 1024**3, "ProcessorCount": 2, "SwitchName": "External",
               "NewVhdPath": "C:\\VMs\\new01.vhdx", "NewVhdSizeBytes": 1024**3,
               "IsoPath": "C:\\ISO\\setup.iso", "SecureBoot": "On",
               "SecureBootTemplate": "MicrosoftUEFICertificateAuthority"},
    "vm-remove": {"VMId": WEB01},
    "vm-rename": {"VMId": WEB01, "NewName": "web02"},
    "vm-upgrade-version": {"VMId": WEB01},
    # host settings (issue 11, hostcfg)
    "host-settings": {"NumaSpanningEnabled": False, "MaximumStorageMigrations": 3,
                      "AddMigrationNetworks": ["10.0.20.0/24"]},
    # VM screen as text (issue 12, thumbs)
    "vm-screen": {"VMId": [WEB01], "Width": 2, "Height": 2},
    "vm-keys": {"VMId": WEB01, "SecretText": "admin"},
    # serial console (issue 12)
    "vm-com-port": {"VMName": "web01", "Number": 1, "Path": "\\\\.\\pipe\\web01"},
    "vm-com-ports": {"VMName": "web01"},
    "vm-serial-exchange": {"PipeName": "web01", "Send": "dW5hbWUNCg==", "WaitMs": 100},
    # events pane (issue 12)
    "host-events": {"SinceMinutes": 60, "Information": True},
    # generation 2 boot order (issue 11, hostcfg)
    "vm-boot-order": {"VMName": "web01", "FirstBootDevice": "HardDrive"},
    # import (issue 11, importvm)
    "vm-import": {"Path": "D:\\Exports\\web01\\Virtual Machines\\a.vmcx", "Copy": True,
                  "GenerateNewId": True},
    "vm-import-check": {"Path": "D:\\Exports\\web01\\Virtual Machines\\a.vmcx"},
    "vm-make-ha": {"VMId": WEB01},
    # Replica setup (issue 12)
    "replication-enable": {"VMName": "web01", "ReplicaServer": "DR1.contoso.local", "Port": 80,
                           "AuthenticationType": "Kerberos", "FrequencySec": 30,
                           "RecoveryHistory": 4, "StartNow": True},
    "replica-server": {"Enabled": True, "AllowAnyServer": False,
                       "StorageLocation": "D:\\Replica",
                       "AllowedPrimaryServer": "*.contoso.local",
                       "EntryStorageLocation": "D:\\Replica"},
    "replica-server-show": {},
    "replica-recovery-points": {"VMName": "web01"},
    "replica-failover-point": {"VMName": "web01",
                               "RecoveryPointId": "00000000-0000-0000-0000-000000000001"},
}

EXPECTED_KINDS: dict[str, list[str]] = {
    "checkpoint-new": ["Checkpoint"],
    "checkpoint-remove": ["CheckpointRemoved"],
    "checkpoint-restore": ["VMState"],
    "cluster-drain-on-shutdown": ["Cluster"],
    # Resume-/Suspend-ClusterNode output the ClusterNode they changed (their docs' Outputs:
    # ClusterNode); the scripts discard it and write their own record.
    "cluster-node-resume": ["ClusterNode"],
    "cluster-node-suspend": ["ClusterNode"],
    "cluster-role-move": ["ClusterGroup"],
    "doctor": ["Host", "Command", "Command", "Parameter"],
    "host-enhanced-session": ["HostSetting"],
    "host-migration": ["HostSetting"],
    "replica-failover": ["Replication"],
    "replication-frequency": ["Replication"],
    "replication-resume": ["Replication"],
    "replica-failover-complete": ["Replication"],
    "replica-failover-stop": ["Replication"],
    "replication-remove": ["Replication"],
    "replication-reverse": ["Replication"],
    "replication-resync": ["Replication"],
    "replication-suspend": ["Replication"],
    "vhd-resize": ["Vhd"],
    "vm-compare": [],
    "vm-copy-file": ["Copied"],
    "vm-disk-add": ["Drive"],
    "vm-disk-remove": ["DriveRemoved"],
    "vm-dvd-drives": ["DvdDrive"],
    "vm-dvd-media": ["DvdDrive"],
    "vm-export": ["Exported"],
    "vm-integration-service": ["IntegrationService"],
    "vm-move": ["Moved"],
    "vm-processor-compat": ["Processor"],
    "vm-settings": ["Settings"],
    "vm-restart": ["VMState"],
    "vm-resume": ["VMState"],
    "vm-save": ["VMState"],
    "vm-start": ["VMState"],
    "vm-stop": ["VMState"],
    "vm-suspend": ["VMState"],
    "vm-turn-off": ["VMState"],
    "vm-new": ["Created"],
    "vm-remove": ["Removed"],
    "vm-rename": ["Renamed"],
    "vm-upgrade-version": ["Upgraded"],
    # host settings (issue 11, hostcfg)
    "host-settings": ["HostSetting"],
    # Edit Disk, Move-VMStorage, Storage QoS (issue 11)
    "vhd-compact": ["Vhd"],
    "vhd-chain": ["Vhd"],
    "vhd-convert": ["Vhd"],
    "vhd-merge": ["Vhd"],
    "vm-move-storage": ["StorageMoved"],
    "vm-disk-qos": ["Drive"],
    # VM screen as text (issue 12, thumbs)
    "vm-screen": ["Thumbnail"],
    "vm-keys": ["KeysSent"],
    # Networking (issue 11)
    "vm-network-adapter": ["NetworkAdapter"],
    "host-switch": ["Switch", "Switch"],  # the fake host has two switches
    # serial console (issue 12)
    "vm-com-port": ["ComPort"],
    "vm-com-ports": ["ComPort"],
    "vm-serial-exchange": [],
    # events pane (issue 12)
    "host-events": ["Channel", "Channel", "Event", "Event"],
    # generation 2 boot order (issue 11, hostcfg)
    "vm-boot-order": ["BootOrder"],
    # import (issue 11, importvm)
    "vm-import": ["Imported"],
    "vm-import-check": ["Report"],
    "vm-make-ha": ["ClusterGroup"],
    # Replica setup (issue 12)
    "replication-enable": ["Replication"],
    "replica-server": ["ReplicaServer"],
    "replica-server-show": ["ReplicaServer", "AuthorizationEntry"],
    "replica-recovery-points": ["RecoveryPoint", "RecoveryPoint"],
    "replica-failover-point": ["Replication"],
}


def test_every_catalog_script_has_parameters_here() -> None:
    assert sorted(PARAMETERS) == sorted(catalog.all_scripts())


@pytest.mark.parametrize("name", sorted(PARAMETERS))
def test_catalog_script_runs_on_the_fake_host(name: str) -> None:
    host = FakeHost(clustered=True, vms=[FakeVM("web01", replication="Primary", snapshots=1,
                                                id=uuid.UUID(WEB01)),
                                         FakeVM("db01", "Off")])
    outcome = run(catalog.get(name).text, PARAMETERS[name], host)
    assert not outcome.failed, outcome.errors
    assert outcome.errors == []
    if name != "inventory":
        assert kinds(outcome) == EXPECTED_KINDS[name]
    for record in records(outcome):
        assert isinstance(record, dict)


def test_scripts_call_the_cmdlets_with_the_bound_arguments() -> None:
    host = FakeHost()
    run(catalog.get("vm-copy-file").text, PARAMETERS["vm-copy-file"], host)
    assert host.calls == [("Copy-VMFile", {
        "Name": ["web01"], "SourcePath": "C:\\a.txt", "DestinationPath": "C:\\b.txt",
        "FileSource": "Host", "CreateFullPath": True, "Force": False})]


def test_a_high_impact_cmdlet_without_confirm_false_fails_in_a_remote_session() -> None:
    script = "param([string]$VMName)\nRemove-VMSnapshot -VMName $VMName -Name 'cp'\n'after'"
    outcome = run(script, {"VMName": "web01"}, FakeHost())
    error = outcome.errors[0]
    assert error.fqid == "HostFunctionNotImplemented,Microsoft.HyperV.PowerShell.Commands." \
        "RemoveVMSnapshot"
    assert error.message.endswith('Are you sure you want to perform this action?\n'
                                  'Performing the operation "Remove-VMSnapshot" on target '
                                  '"web01".')
    # Statement-terminating: under Continue the next statement runs.
    assert outcome.output == ["after"] and not outcome.failed


def test_export_reports_progress_and_waits_on_lab_time() -> None:
    host = FakeHost()
    outcome = run(catalog.get("vm-export").text, PARAMETERS["vm-export"], host)
    assert [p.percent for p in outcome.progress] == [0, 50, 100]
    assert host.progress_seen == outcome.progress
    assert host.slept == pytest.approx(3.0)


def test_runs_in_parallel_threads_share_the_compiled_script() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from hvtui.lab.pwsh.engine import _CACHE

    text = catalog.get("inventory").text + "\n# a text no other test compiled"
    _CACHE.pop(text, None)

    def one_run(i: int) -> list[str]:
        host = FakeHost(clustered=True, vms=[FakeVM(f"vm{i}-{n}") for n in range(3)])
        return kinds(run(text, {}, host))

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(one_run, range(16)))
    assert all(r == results[0] for r in results) and results[0].count("VM") == 3
    assert text in _CACHE
