"""The PowerShell shown before confirming matches what each catalog script runs."""

from __future__ import annotations

import re

import pytest

from hvtui.hyperv.commands import COMMANDS, command_for
from hvtui.hyperv.plans import make_step
from hvtui.model import Host
from hvtui.ps import catalog

HV1 = Host("HV1", "Microsoft Windows Server 2022 Datacenter", "10.0.20348")

VM_ID = "0e6b3a54-2f0c-4d6e-9a51-7c0f1b2d3e4f"
CHECKPOINT_ID = "5d1c9b2a-8e7f-4a6b-9c3d-2e1f0a9b8c7d"

SHOWN: dict[str, dict[str, object]] = {
    "checkpoint-restore": {"VMName": "web01", "CheckpointName": "cp"},
    "checkpoint-remove": {"VMName": "web01", "CheckpointName": "cp"},
    "vm-remove": {"Name": "web01"}, "vm-rename": {"Name": "web01"},
    "vm-upgrade-version": {"Name": "web01"},
    "vm-settings": {"CurrentMinimum": 512 * 1024**2, "CurrentMaximum": 4 * 1024**3},
    "vm-make-ha": {"Name": "web01"},  # importvm
}
"""Names the plan shows where the script is given ids (make_step's ``shown``)."""

# One full set of parameter values per script, with every optional switch on.
SAMPLES: dict[str, dict[str, object]] = {
    "vm-start": {"Name": "web01"}, "vm-stop": {"Name": "web01"},
    "vm-turn-off": {"Name": "web01"}, "vm-save": {"Name": "web01"},
    "vm-suspend": {"Name": "web01"}, "vm-resume": {"Name": "web01"},
    "vm-restart": {"Name": "web01"},
    "checkpoint-new": {"Name": "web01", "CheckpointName": "before patch"},
    "checkpoint-restore": {"VMId": VM_ID, "CheckpointId": CHECKPOINT_ID},
    "checkpoint-remove": {"VMId": VM_ID, "CheckpointId": CHECKPOINT_ID, "IncludeChildren": True},
    "vm-compare": {"Name": "web01", "DestinationHost": "HV2", "IncludeStorage": True,
                   "DestinationStoragePath": "D:\\VMs"},
    "vm-move": {"Name": "web01", "DestinationHost": "HV2", "IncludeStorage": True,
                "DestinationStoragePath": "D:\\VMs"},
    "vhd-resize": {"Path": "D:\\a.vhdx", "SizeBytes": 1024**3},
    "vm-export": {"Name": "web01", "Path": "E:\\Exports"},
    "host-enhanced-session": {"Enabled": True},
    "host-migration": {"Enabled": True},
    "vm-integration-service": {"VMName": "web01",
                               "ServiceId": "6C09BB55-D683-4DA0-8931-C9BF705F6480",
                               "Enabled": True},
    "vm-copy-file": {"Name": "web01", "SourcePath": "C:\\a", "DestinationPath": "C:\\b",
                     "CreateFullPath": True, "Force": True},
    "vm-processor-compat": {"VMName": "web01", "Enabled": True},
    "replication-frequency": {"VMName": "web01", "FrequencySec": 30},
    "replication-suspend": {"VMName": "web01"}, "replication-resume": {"VMName": "web01"},
    "replica-failover": {"VMName": "web01", "Prepare": True},
    "replica-failover-stop": {"VMName": "web01"}, "replica-failover-complete": {"VMName": "web01"},
    "replication-reverse": {"VMName": "web01"}, "replication-resync": {"VMName": "web01"},
    "replication-remove": {"VMName": "web01"},
    "cluster-node-suspend": {"NodeName": "N1", "Drain": True, "ForceDrain": True},
    "cluster-node-resume": {"NodeName": "N1", "Failback": "Immediate"},
    "cluster-role-move": {"RoleName": "web01", "NodeName": "N2", "MigrationType": "Live"},
    "cluster-drain-on-shutdown": {"Enabled": False},
    "vm-disk-add": {"VMName": "web01", "Path": "D:\\a.vhdx", "ControllerType": "SCSI",
                    "NewSizeBytes": 1024**3, "Fixed": True},
    "vm-disk-remove": {"VMName": "web01", "ControllerType": "IDE", "ControllerNumber": 0,
                       "ControllerLocation": 1},
    "vm-dvd-media": {"VMName": "web01", "ControllerNumber": 1, "ControllerLocation": 0,
                     "Path": "D:\\ISO\\a.iso"},
    # VMs: create, delete, rename (issue 11)
    "vm-new": {"Name": "web01", "Path": "D:\\VMs", "Generation": 2, "Version": "10.0",
               "MemoryStartupBytes": 4 * 1024**3, "DynamicMemory": True,
               "MemoryMaximumBytes": 8 * 1024**3, "ProcessorCount": 2, "SwitchName": "LAN",
               "NewVhdPath": "D:\\VMs\\web01.vhdx", "NewVhdSizeBytes": 60 * 1024**3,
               "NewVhdFixed": True, "IsoPath": "D:\\ISO\\a.iso", "SecureBoot": "On",
               "SecureBootTemplate": "MicrosoftUEFICertificateAuthority"},
    "vm-remove": {"VMId": VM_ID, "DeleteDisks": ["D:\\VMs\\web01.vhdx"]},
    "vm-rename": {"VMId": VM_ID, "NewName": "web02"},
    "vm-upgrade-version": {"VMId": VM_ID},
    "vm-settings": {"VMName": "web01", "DynamicMemoryEnabled": True,
                    "MemoryStartupBytes": 4 * 1024**3, "MemoryMinimumBytes": 1024**3,
                    "MemoryMaximumBytes": 8 * 1024**3, "MemoryBuffer": 20, "MemoryWeight": 50,
                    "ProcessorCount": 4, "ProcessorCompatibility": True,
                    "ProcessorReserve": 10, "ProcessorLimit": 90, "ProcessorWeight": 100,
                    "AutomaticStartAction": "Start", "AutomaticStartDelay": 30,
                    "AutomaticStopAction": "ShutDown", "CheckpointType": "Production",
                    "SnapshotFileLocation": "E:\\Checkpoints", "Notes": "web"},
    # host settings (issue 11, hostcfg)
    "host-settings": {"VirtualMachinePath": "D:\\VMs", "VirtualHardDiskPath": "D:\\VHDs",
                      "NumaSpanningEnabled": False, "MigrationEnabled": True,
                      "MaximumVirtualMachineMigrations": 4, "MaximumStorageMigrations": 3,
                      "AuthenticationType": "Kerberos", "PerformanceOption": "SMB",
                      "UseAnyNetworkForMigration": False,
                      "AddMigrationNetworks": ["10.0.20.0/24"],
                      "RemoveMigrationNetworks": ["10.0.30.0/24"]},
    # Edit Disk, Move-VMStorage, Storage QoS (issue 11)
    "vhd-compact": {"Path": "D:\\a.vhdx"},
    "vhd-convert": {"Path": "D:\\a.vhd", "DestinationPath": "D:\\a.vhdx", "VHDType": "Fixed",
                    "VMName": "web01", "ControllerType": "IDE", "ControllerNumber": 0,
                    "ControllerLocation": 0},
    "vhd-merge": {"Path": "D:\\a.avhdx", "DestinationPath": "D:\\a.vhdx", "VMName": "web01",
                  "ControllerType": "SCSI", "ControllerNumber": 0, "ControllerLocation": 1},
    "vm-move-storage": {"VMName": "web01", "DestinationStoragePath": "E:\\VMs\\web01"},
    "vm-disk-qos": {"VMName": "web01", "ControllerType": "SCSI", "ControllerNumber": 0,
                    "ControllerLocation": 1, "MinimumIOPS": 100, "MaximumIOPS": 1000},
    # VM screen as text (issue 12, thumbs)
    "vm-keys": {"VMId": VM_ID, "CtrlAltDel": True, "SecretText": "abc"},
    # Networking (issue 11)
    "vm-network-adapter": {"VMName": "web01", "Action": "Set", "Name": "LAN", "VlanId": 20,
                           "MacAddressSpoofing": "On", "DhcpGuard": "Off",
                           "RouterGuard": "On"},
    "host-switch": {"Action": "New", "Name": "LAN", "NetAdapterName": "Ethernet 2",
                    "AllowManagementOS": False},
    # serial console (issue 12)
    "vm-com-port": {"VMName": "web01", "Number": 1, "Path": "\\\\.\\pipe\\web01-com1"},
    # generation 2 boot order (issue 11, hostcfg)
    "vm-boot-order": {"VMName": "web01", "FirstBootDevice": "DVD"},
    # import (issue 11, importvm)
    "vm-import-check": {"Path": "D:\\Exports\\web01\\Virtual Machines\\a.vmcx", "Copy": True,
                        "GenerateNewId": True, "VhdDestinationPath": "D:\\VHDs",
                        "VirtualMachinePath": "D:\\VMs"},
    "vm-import": {"Path": "D:\\Exports\\web01\\Virtual Machines\\a.vmcx", "Copy": True,
                  "GenerateNewId": True, "VhdDestinationPath": "D:\\VHDs"},
    "vm-make-ha": {"VMId": VM_ID},
    # Replica setup (issue 12)
    "replication-enable": {"VMName": "web01", "ReplicaServer": "DR1.contoso.local", "Port": 443,
                           "AuthenticationType": "Certificate",
                           "CertificateThumbprint": "A03A46DE", "FrequencySec": 30,
                           "RecoveryHistory": 4, "StartNow": True},
    "replica-server": {"Enabled": True, "AuthenticationType": "CertificateAndKerberos",
                       "AllowAnyServer": False, "StorageLocation": "E:\\Replica",
                       "CertificateThumbprint": "A03A46DE", "KerberosPort": 80,
                       "CertificatePort": 443, "AllowedPrimaryServer": "*.contoso.local",
                       "EntryStorageLocation": "E:\\Replica", "TrustGroup": "DEFAULT"},
    "replica-failover-point": {"VMName": "web01",
                               "RecoveryPointId": "3bf4b6b0-2c1b-5093-ba2b-aa86019b35e0"},
}


def test_every_mutating_catalog_script_has_a_command_shape() -> None:
    mutating = {s.name for s in catalog.all_scripts().values() if s.mutates}
    assert mutating <= set(COMMANDS)
    assert set(SAMPLES) == set(COMMANDS)


@pytest.mark.parametrize("script", sorted(SAMPLES))
def test_shown_cmdlet_and_parameters_appear_in_the_script(script: str) -> None:
    text = catalog.get(script).text
    shown = command_for(script, SAMPLES[script] | SHOWN.get(script, {}))
    words = re.findall(r"(?:^|\s|\()([A-Z][a-zA-Z]+-[A-Z][A-Za-z]+)", shown)
    assert words, shown
    for cmdlet in words:
        assert cmdlet in text, f"{script}: {cmdlet} is not what the script runs"
    for parameter in re.findall(r"\s-([A-Za-z]+)", shown):
        assert f"-{parameter}" in text, f"{script}: shows -{parameter} the script never passes"
    assert set(SAMPLES[script]) <= set(catalog.get(script).parameters)


def test_values_are_quoted_as_data() -> None:
    step = make_step(HV1, "vm-start", {"Name": "a’; Stop-VM x; ’$(b)`"}, "Start")
    assert step.command == "Start-VM -Name 'a’’; Stop-VM x; ’’$(b)`'"


def test_a_parameter_the_script_lacks_is_a_bug() -> None:
    with pytest.raises(ValueError, match="no parameter"):
        make_step(HV1, "vm-start", {"Name": "a", "Force": True}, "Start")


def test_settings_are_shown_in_the_order_the_script_applies_them() -> None:
    """Memory: dynamic on first; the maximum grows before the startup memory and shrinks
    after it, the minimum the other way round; dynamic off last."""
    gb = 1024**3
    grow = command_for("vm-settings", {"VMName": "a", "DynamicMemoryEnabled": True,
                                       "MemoryStartupBytes": 4 * gb, "MemoryMinimumBytes": 2 * gb,
                                       "MemoryMaximumBytes": 8 * gb, "CurrentMinimum": gb,
                                       "CurrentMaximum": 2 * gb})
    assert [c.split(" -")[2].split(":")[0].split(" ")[0] for c in grow.split("; ")] == [
        "DynamicMemoryEnabled", "MaximumBytes", "StartupBytes", "MinimumBytes"]
    shrink = command_for("vm-settings", {"VMName": "a", "MemoryStartupBytes": gb,
                                         "MemoryMinimumBytes": 512 * 1024**2,
                                         "MemoryMaximumBytes": gb, "DynamicMemoryEnabled": False,
                                         "CurrentMinimum": gb, "CurrentMaximum": 2 * gb})
    assert [c.split(" -")[2].split(":")[0].split(" ")[0] for c in shrink.split("; ")] == [
        "MinimumBytes", "StartupBytes", "MaximumBytes", "DynamicMemoryEnabled"]
