"""Live migration rules R-LM-1..8 and R-VER-2, through vm-move and vm-compare."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from lab_console import console
from test_lab_support import (
    SMALL,
    default_lab,
    estate_vm,
    inventory,
    kinds,
    only_error,
    run,
    vm_record,
    write_scenario,
)

from hvtui.lab import Lab
from hvtui.lab.failures import (
    CLUSTERED_VM,
    DESTINATION_MIGRATION_DISABLED,
    HARDWARE_INCOMPATIBLE,
    INVALID_STATE,
    NO_CREDENTIALS,
    NO_MIGRATION_NETWORKS,
    SHARABLE_VHD,
    SOURCE_MIGRATION_DISABLED,
)
from hvtui.lab.migration import ID_SWITCH


def small_lab(tmp_path: Path, *edits: tuple[str, str], speed: float | None = None) -> Lab:
    text = SMALL
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = write_scenario(tmp_path, text)
    if speed is None:
        return Lab.from_scenario(path, instant=True)
    return Lab.from_scenario(path, speed=speed)


async def move(lab: Lab, source: str, name: str, dest: str, path: str = "D:\\Moved"):  # type: ignore[no-untyped-def]
    return await run(
        lab,
        source,
        "vm-move",
        Name=name,
        DestinationHost=dest,
        IncludeStorage=True,
        DestinationStoragePath=path,
    )


async def test_small_scenario_moves_cleanly(tmp_path: Path) -> None:
    lab = small_lab(tmp_path)
    result = await move(lab, "SRC", "VM1", "DST")
    assert result.ok, result.errors
    assert await vm_record(lab, "SRC", "VM1") is None
    moved = await vm_record(lab, "DST", "VM1")
    assert moved and moved["State"] == "Running" and moved["Path"] == "D:\\Moved"
    disks = (await inventory(lab, "DST"))["Disk"]
    assert disks[0]["Path"] == "D:\\Moved\\Virtual Hard Disks\\VM1.vhdx"
    assert disks[0]["VhdFormat"] == "VHDX"


# --- R-LM-1 / R-VER-2 ------------------------------------------------------------------------


async def test_2012_to_2012r2_works_and_upgrades_the_vm_to_5_0() -> None:
    """R-LM-1: cross-version live migration; the 4.0 VM is upgraded to 5.0 on arrival."""
    lab = default_lab()
    before = await vm_record(lab, "HV-LEGACY", "LEGACY-SQL")
    # Neither 2012 nor 2012 R2 reports VM.Version; 2012 reads Generation as 0 (no property).
    assert before and (before["Version"], before["Generation"]) == ("", 0)
    assert estate_vm(lab, "HV-LEGACY", "LEGACY-SQL").version == "4.0"
    result = await move(lab, "HV-LEGACY", "LEGACY-SQL", "HV-NODE1", "D:\\Hyper-V\\LEGACY-SQL")
    assert result.ok, result.errors
    after = await vm_record(lab, "HV-NODE1", "LEGACY-SQL")
    assert after and (after["Version"], after["Generation"], after["State"],
                      after["IsClustered"]) == ("", 1, "Running", False)
    assert estate_vm(lab, "HV-NODE1", "LEGACY-SQL").version == "5.0"
    assert after["UptimeSeconds"] >= before["UptimeSeconds"]  # live: it never stopped
    assert await vm_record(lab, "HV-LEGACY", "LEGACY-SQL") is None
    services = {s["Name"] for s in (await inventory(lab, "HV-NODE1"))["IntegrationService"]}
    assert "Guest Service Interface" in services  # a 2012 R2 host offers it


async def test_2012r2_to_2012_is_refused() -> None:
    """R-LM-1: never back: 2012 does not run configuration version 5.0."""
    lab = default_lab()
    assert (await move(lab, "HV-LEGACY", "LEGACY-SQL", "HV-NODE1", "D:\\Hyper-V\\L")).ok
    error = only_error(await move(lab, "HV-NODE1", "LEGACY-SQL", "HV-LEGACY", "D:\\VMs\\Back"))
    assert error.message == (
        "The virtual machine 'LEGACY-SQL' has configuration version 5.0, which the destination "
        "host 'HV-LEGACY' (Microsoft Windows Server 2012) does not support (it supports 4.0)."
    )
    assert error.error_id == "Unspecified,Microsoft.HyperV.PowerShell.Commands.MoveVM"
    assert await vm_record(lab, "HV-NODE1", "LEGACY-SQL")


async def test_a_5_0_vm_on_2019_cannot_go_to_2022() -> None:
    """R-VER-2: 2022 supports 8.0 and later only."""
    lab = default_lab()
    error = only_error(await move(lab, "HV-2019", "R2-MIGRATED", "HV-2022", "V:\\VMs\\R2"))
    assert "configuration version 5.0" in error.message and "HV-2022" in error.message
    assert await vm_record(lab, "HV-2019", "R2-MIGRATED")


async def test_newer_pairs_follow_the_version_table() -> None:
    """R-VER-2: an 8.0 VM goes 2019 -> 2022; a 10.0 VM cannot go 2022 -> 2019."""
    lab = default_lab()
    assert (await move(lab, "HV-2019", "APP2016", "HV-2022", "V:\\VMs\\APP2016")).ok
    assert (await vm_record(lab, "HV-2022", "APP2016") or {})["Version"] == "8.0"
    error = only_error(await move(lab, "HV-2022", "WIN2022-DC", "HV-2019", "V:\\VMs\\DC"))
    assert "configuration version 10.0" in error.message


# --- R-LM-2 / R-LM-3 -------------------------------------------------------------------------


async def test_running_vm_cannot_move_between_intel_and_amd() -> None:
    """R-LM-2: HV-DR1 is Intel, HV-DR2 AMD: a running VM cannot move; an off one can."""
    lab = default_lab()
    error = only_error(await move(lab, "HV-DR1", "JUMP01", "HV-DR2", "F:\\VMs\\JUMP01"))
    assert error.message == HARDWARE_INCOMPATIBLE
    assert error.message == (
        "The virtual machine cannot be moved to the destination computer. The hardware on the "
        "destination computer is not compatible with the hardware requirements of this virtual "
        "machine."
    )
    assert (await run(lab, "HV-DR1", "vm-stop", Name="JUMP01")).ok
    assert (await move(lab, "HV-DR1", "JUMP01", "HV-DR2", "F:\\VMs\\JUMP01")).ok


async def test_processor_compatibility_mode_lets_a_vm_move_to_an_older_generation(
    tmp_path: Path,
) -> None:
    """R-LM-3: without compatibility mode, a running VM cannot go to an older processor
    generation of the same vendor; the mode changes only while the VM is off."""
    lab = small_lab(
        tmp_path, ('processor_family = "IvyBridge-EP"', 'processor_family = "Haswell-EP"')
    )
    error = only_error(await move(lab, "SRC", "VM1", "DST"))
    assert error.message == HARDWARE_INCOMPATIBLE
    refused = only_error(await run(lab, "SRC", "vm-processor-compat", VMName="VM1", Enabled=True))
    assert refused.message == INVALID_STATE
    assert refused.error_id == "InvalidState,Microsoft.HyperV.PowerShell.Commands.SetVMProcessor"
    assert (await run(lab, "SRC", "vm-turn-off", Name="VM1")).ok
    changed = await run(lab, "SRC", "vm-processor-compat", VMName="VM1", Enabled=True)
    assert kinds(changed, "Processor")[0]["CompatibilityForMigration"] is True
    assert (await run(lab, "SRC", "vm-start", Name="VM1")).ok
    assert (await move(lab, "SRC", "VM1", "DST")).ok


async def test_a_vm_started_on_an_older_generation_moves_to_a_newer_one(tmp_path: Path) -> None:
    lab = small_lab(
        tmp_path, ('processor_family = "IvyBridge-EP"', 'processor_family = "SandyBridge-EP"')
    )
    assert (await move(lab, "SRC", "VM1", "DST")).ok


# --- R-LM-4 / R-LM-5 / R-LM-7 ----------------------------------------------------------------


async def test_migration_must_be_enabled_on_the_source(tmp_path: Path) -> None:
    lab = small_lab(tmp_path)
    result = await run(lab, "SRC", "host-migration", Enabled=False)
    assert result.objects == [{"Kind": "HostSetting", "MigrationEnabled": False}]
    error = only_error(await move(lab, "SRC", "VM1", "DST"))
    assert error.message == SOURCE_MIGRATION_DISABLED
    assert error.message.startswith("The source host is not configured for live migration.")


async def test_migration_must_be_enabled_on_the_destination(tmp_path: Path) -> None:
    lab = small_lab(tmp_path)
    assert (await run(lab, "DST", "host-migration", Enabled=False)).ok
    error = only_error(await move(lab, "SRC", "VM1", "DST"))
    assert error.message == DESTINATION_MIGRATION_DISABLED
    assert error.message.startswith("The destination host is not configured for live migration.")
    assert (await run(lab, "DST", "host-migration", Enabled=True)).ok
    assert (await move(lab, "SRC", "VM1", "DST")).ok


async def test_destination_needs_a_migration_network(tmp_path: Path) -> None:
    """R-LM-5."""
    text = SMALL.rsplit("any_network = true", 1)
    path = write_scenario(tmp_path, "any_network = false".join(text))
    lab = Lab.from_scenario(path, instant=True)
    error = only_error(await move(lab, "SRC", "VM1", "DST"))
    assert error.message == NO_MIGRATION_NETWORKS
    assert "Set-VMHost -UseAnyNetworkForMigration $true" in error.message


async def test_kerberos_needs_constrained_delegation(tmp_path: Path) -> None:
    """R-LM-7: Kerberos without delegation toward the destination fails; with it, works."""
    lab = small_lab(tmp_path, ("enabled = true\n", 'enabled = true\nauthentication = "Kerberos"\n'))
    error = only_error(await move(lab, "SRC", "VM1", "DST"))
    assert error.message == NO_CREDENTIALS.format("DST.test.local")
    assert error.message == (
        "Virtual machine migration operation failed at migration Source. Failed to establish a "
        "connection with host DST.test.local: No credentials are available in the security "
        "package 0x8009030E."
    )
    delegated = small_lab(
        tmp_path,
        ("enabled = true\n", 'enabled = true\nauthentication = "Kerberos"\ndelegation = ["DST"]\n'),
    )
    assert (await move(delegated, "SRC", "VM1", "DST")).ok


async def test_credssp_works_because_the_session_runs_on_the_source(tmp_path: Path) -> None:
    lab = small_lab(tmp_path, ("enabled = true\n", 'enabled = true\nauthentication = "CredSSP"\n'))
    assert (await move(lab, "SRC", "VM1", "DST")).ok


# --- switches, storage, clusters -------------------------------------------------------------


async def test_destination_needs_a_switch_of_the_same_name() -> None:
    """Cross-version moves need the VM's switch on the destination (KB 2956020)."""
    lab = default_lab()
    error = only_error(await move(lab, "HV-LEGACY", "BUILD01", "HV-NODE1", "D:\\Hyper-V\\B"))
    assert error.message.startswith("Could not find Ethernet switch 'Legacy-Backup'.")
    report = await run(
        lab,
        "HV-LEGACY",
        "vm-compare",
        Name="BUILD01",
        DestinationHost="HV-NODE1",
        IncludeStorage=True,
        DestinationStoragePath="D:\\Hyper-V\\B",
    )
    assert [i["MessageId"] for i in kinds(report, "Incompatibility")] == [ID_SWITCH]


async def test_sharable_vhdx_stays_behind_with_a_warning_and_the_move_fails() -> None:
    """R-LM-8: a sharable disk is never moved. The reference gives the text ([BIN] OM
    InvalidParameter_VHDIsSharable); the decompiled module it cites writes it as a WARNING
    and leaves the disk where it is when the storage moves to one path
    (VirtualMachine.PrepareMigrationVirtualDiskSettingsForSingleLocation), so the move then
    fails because the standalone destination cannot reach the guest cluster's CSV.
    (This test used to expect the text as the error.)"""
    lab = default_lab()
    result = await move(lab, "HV-NODE2", "GC-SQL-B", "HV-DR1", "E:\\VMs\\GC")
    quorum = "C:\\ClusterStorage\\Volume2\\Shared\\GC-SQL-Quorum.vhdx"
    data = "C:\\ClusterStorage\\Volume2\\Shared\\GC-SQL-Data.vhdx"
    assert result.warnings == [SHARABLE_VHD.format(quorum), SHARABLE_VHD.format(data)]
    assert result.warnings[0].endswith(
        "cannot be moved because it is sharable by multiple virtual machines."
    )
    error = only_error(result)
    assert error.message.startswith(
        f"The virtual hard disk '{quorum}' stays on storage of 'HV-NODE2' (it is sharable), "
        "and 'HV-DR1' cannot reach it there."
    )
    assert await vm_record(lab, "HV-NODE2", "GC-SQL-B")


async def test_clustered_vm_rejects_move_vm() -> None:
    """R-CL-4: a clustered VM moves with Move-ClusterVirtualMachineRole, never Move-VM."""
    error = only_error(await move(default_lab(), "HV-NODE1", "SQL01", "HV-DR1", "E:\\VMs\\SQL01"))
    assert error.message == CLUSTERED_VM
    assert error.message == (
        "This operation is not supported on a clustered virtual machine. To perform this "
        "operation, remove the virtual machine from the cluster and then try again."
    )


async def test_local_storage_must_move_with_the_vm(tmp_path: Path) -> None:
    lab = small_lab(tmp_path)
    result = await run(lab, "SRC", "vm-move", Name="VM1", DestinationHost="DST")
    error = only_error(result)
    assert "D:\\VMs\\VM1\\VM1.vhdx" in error.message and "-IncludeStorage" in error.message


async def test_storage_must_fit_on_the_destination(tmp_path: Path) -> None:
    at = SMALL.rindex("free_gb = 800")  # DST's D: volume
    text = SMALL[:at] + "free_gb = 1" + SMALL[at + len("free_gb = 800") :]
    tight = Lab.from_scenario(write_scenario(tmp_path, text), instant=True)
    error = only_error(await move(tight, "SRC", "VM1", "DST"))
    assert "There is not enough space on the disk." in error.message
    assert await vm_record(tight, "SRC", "VM1")


async def test_storage_path_must_exist_on_the_destination(tmp_path: Path) -> None:
    error = only_error(await move(small_lab(tmp_path), "SRC", "VM1", "DST", "Q:\\Nowhere"))
    assert "The system cannot find the path specified." in error.message


async def test_unknown_destination_host() -> None:
    error = only_error(await move(default_lab(), "HV-LEGACY", "LEGACY-SQL", "HV-GHOST"))
    assert "Failed to establish a connection with host HV-GHOST" in error.message


async def test_compare_reports_every_problem_and_changes_nothing() -> None:
    lab = default_lab()
    result = await run(
        lab,
        "HV-NODE1",
        "vm-compare",
        Name="DC01",
        DestinationHost="HV-DR2",
        IncludeStorage=True,
        DestinationStoragePath="F:\\VMs\\DC01",
    )
    messages = [i["Message"] for i in kinds(result, "Incompatibility")]
    assert HARDWARE_INCOMPATIBLE in messages  # Intel -> AMD while running
    assert all(isinstance(i["MessageId"], int) for i in kinds(result, "Incompatibility"))
    assert await vm_record(lab, "HV-NODE1", "DC01")
    clean = await run(
        lab,
        "HV-LEGACY",
        "vm-compare",
        Name="LEGACY-SQL",
        DestinationHost="HV-NODE1",
        IncludeStorage=True,
        DestinationStoragePath="D:\\Hyper-V\\L",
    )
    assert clean.ok and clean.objects == []


async def until_migrating(lab: Lab, host: str, name: str) -> None:
    """Return once the VM's status says it is migrating (the caller bounds the wait)."""
    while True:
        record = await vm_record(lab, host, name)
        if record and record["Status"] == "Migrating virtual machine":
            return
        await asyncio.sleep(0.001)


async def test_a_moving_vm_refuses_other_operations(tmp_path: Path) -> None:
    # At real-time speed the move lasts seconds of real time (at least 3 lab seconds), so the
    # refusal is seen while it is in flight however slow the machine is; the move is then
    # cancelled rather than waited for.
    lab = small_lab(tmp_path, speed=1.0)
    moving = asyncio.create_task(move(lab, "SRC", "VM1", "DST"))

    await asyncio.wait_for(until_migrating(lab, "SRC", "VM1"), 60)
    assert not moving.done()
    error = only_error(await run(lab, "SRC", "vm-save", Name="VM1"))
    assert error.message == INVALID_STATE
    moving.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await moving
    assert (await vm_record(lab, "SRC", "VM1") or {})["State"] == "Running"


async def test_cancelled_move_leaves_the_vm_where_it_was(tmp_path: Path) -> None:
    lab = small_lab(tmp_path, speed=0.5)
    moving = asyncio.create_task(move(lab, "SRC", "VM1", "DST"))
    await asyncio.sleep(0.01)
    moving.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await moving
    record = await vm_record(lab, "SRC", "VM1")
    assert record and record["Status"] == "Operating normally"
    assert await vm_record(lab, "DST", "VM1") is None


# --- the cmdlets themselves, beyond what the catalog scripts call -----------------------------


def test_compare_vm_writes_a_compatibility_report_with_error_objects() -> None:
    """Compare-VM writes a VMCompatibilityReport whose Incompatibilities are
    VMCompatibilityError objects (Message, MessageId: Int64), as the real cmdlet does."""
    outcome = console(default_lab(), "HV-LEGACY",
                      "Compare-VM -Name 'BUILD01' -DestinationHost 'HV-NODE1' -IncludeStorage "
                      "-DestinationStoragePath 'D:\\Hyper-V\\B'")
    assert not outcome.failed and not outcome.errors
    [report] = outcome.output
    assert report.type_names[0] == "Microsoft.HyperV.PowerShell.VMCompatibilityReport"
    assert report.get("OperationType").name == "MoveVirtualMachineAndStorage"
    assert report.get("Destination") == "HV-NODE1"
    assert report.get("VM").get("ComputerName") == "HV-NODE1"  # the planned VM
    [error] = report.get("Incompatibilities")
    assert error.type_names[0] == "Microsoft.HyperV.PowerShell.VMCompatibilityError"
    assert error.get("MessageId") == ID_SWITCH
    assert error.get("Message").startswith("Could not find Ethernet switch 'Legacy-Backup'.")
    clean = console(default_lab(), "HV-LEGACY",
                    "(Compare-VM -Name 'LEGACY-SQL' -DestinationHost 'HV-NODE1' "
                    "-IncludeStorage).Incompatibilities.Count")
    assert clean.output == [0]


def test_compare_vm_reports_what_the_module_refuses_as_an_error(tmp_path: Path) -> None:
    """R-LM-4: the module itself refuses a host pair with migration disabled, before any
    report (CreateOperationFailedException in the decompiled module), so Compare-VM writes
    a non-terminating error and no report."""
    lab = small_lab(tmp_path, ("enabled = true\n", "enabled = false\n"))  # SRC's
    outcome = console(lab, "SRC", "Compare-VM -Name 'VM1' -DestinationHost 'DST' "
                                   "-IncludeStorage -ErrorAction Continue; 'went on'")
    assert outcome.output == ["went on"] and not outcome.failed
    [error] = outcome.errors
    assert error.message == SOURCE_MIGRATION_DISABLED
    assert (error.category, error.fqid) == (
        "InvalidOperation", "OperationFailed,Microsoft.HyperV.PowerShell.Commands.CompareVM")


async def test_a_storage_path_alone_moves_the_storage(tmp_path: Path) -> None:
    """MoveTo: ``includeStorage |= !string.IsNullOrEmpty(destinationStoragePath)``."""
    lab = small_lab(tmp_path)
    result = await run(lab, "SRC", "vm-move", Name="VM1", DestinationHost="DST",
                       DestinationStoragePath="D:\\Moved")
    assert result.ok, result.errors
    disks = (await inventory(lab, "DST"))["Disk"]
    assert disks[0]["Path"] == "D:\\Moved\\Virtual Hard Disks\\VM1.vhdx"


async def test_a_storage_path_that_is_no_path_is_refused(tmp_path: Path) -> None:
    lab = small_lab(tmp_path)
    error = only_error(await move(lab, "SRC", "VM1", "DST", "Moved"))
    assert error.message == "'Moved' is not a valid directory."
    assert (error.category, error.error_id) == (
        "InvalidArgument", "InvalidParameter,Microsoft.HyperV.PowerShell.Commands.MoveVM")
    assert await vm_record(lab, "SRC", "VM1")


def test_move_vm_takes_a_wildcard_and_passthru_writes_the_moved_vm(tmp_path: Path) -> None:
    lab = small_lab(tmp_path)
    outcome = console(lab, "SRC", "Move-VM -Name 'v?1' -DestinationHost 'DST' "
                                   "-DestinationStoragePath 'D:\\Moved' -Passthru; "
                                   "Move-VM -Name 'NOPE*' -DestinationHost 'DST'")
    assert not outcome.errors  # a pattern that matches nothing is no error
    [vm] = outcome.output
    assert vm.type_names[0] == "Microsoft.HyperV.PowerShell.VirtualMachine"
    assert (vm.get("Name"), vm.get("ComputerName"), vm.get("Path")) == ("VM1", "DST", "D:\\Moved")


def test_what_if_moves_nothing_and_unmodelled_parameters_are_refused(tmp_path: Path) -> None:
    lab = small_lab(tmp_path)
    what_if = console(lab, "SRC", "Move-VM -Name 'VM1' -DestinationHost 'DST' "
                                   "-IncludeStorage -WhatIf")
    assert not what_if.errors and not what_if.progress
    assert [vm.name for vm in lab.estate.host("SRC").vms.values()] == ["VM1"]  # type: ignore[union-attr]
    refused = console(lab, "SRC", "Move-VM -Name 'VM1' -DestinationHost 'DST' "
                                   "-VirtualMachinePath 'D:\\VMs'")
    [error] = refused.errors
    assert error.message.startswith(
        "The hvtui lab does not emulate Move-VM -VirtualMachinePath")


async def test_a_moving_vm_cannot_be_exported_or_moved_again(tmp_path: Path) -> None:
    lab = small_lab(tmp_path, speed=1.0)  # the move lasts seconds: see the test above
    moving = asyncio.create_task(move(lab, "SRC", "VM1", "DST"))
    await asyncio.wait_for(until_migrating(lab, "SRC", "VM1"), 60)
    refused = only_error(await run(lab, "SRC", "vm-export", Name="VM1", Path="D:\\Exports"))
    assert refused.message == INVALID_STATE
    again = only_error(await move(lab, "SRC", "VM1", "DST", "D:\\Again"))
    assert again.message == INVALID_STATE
    moving.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await moving
    assert await vm_record(lab, "SRC", "VM1")


def test_the_report_arrives_deserialized_under_pwsh_7_on_2016(tmp_path: Path) -> None:
    """On 2016, pwsh 7 loads Hyper-V through the Windows PowerShell compatibility layer
    (version-facts.md): the report crosses a remoting boundary at depth 1, so each
    incompatibility, two levels down, arrives as its text (the type name) and its
    Message reads as $null. A script that reads .Message there gets nothing."""
    lab = small_lab(tmp_path, ('os = "2012R2"\n', 'os = "2016"\npowershell = "7.4"\n'),
                    ('processor_family = "IvyBridge-EP"', 'processor_family = "Haswell-EP"'))
    outcome = console(lab, "SRC",
                      "$r = Compare-VM -Name 'VM1' -DestinationHost 'DST'; "
                      "$r.Incompatibilities; $null -eq $r.Incompatibilities[0].Message")
    assert not outcome.errors
    *items, message_is_null = outcome.output
    assert items and set(items) == {"Microsoft.HyperV.PowerShell.VMCompatibilityError"}
    assert message_is_null is True


async def test_vm_compare_says_why_under_pwsh_7_on_2016_instead_of_a_type_name(
        tmp_path: Path) -> None:
    """vm-compare.ps1 used to turn each deserialized incompatibility into its type name with
    MessageId 0, which the client shows as the reason. It now fails saying what happened and
    what to do; on Windows PowerShell on the same host it reads the real reasons."""
    pwsh7 = small_lab(tmp_path, ('os = "2012R2"\n', 'os = "2016"\npowershell = "7.4"\n'),
                      ('processor_family = "IvyBridge-EP"', 'processor_family = "Haswell-EP"'))
    error = only_error(await run(pwsh7, "SRC", "vm-compare", Name="VM1", DestinationHost="DST"))
    assert "compatibility layer" in error.message
    assert "Connect to this host with Windows PowerShell (WinRM)" in error.message
    assert "VMCompatibilityError" not in error.message
    desktop = small_lab(tmp_path, ('os = "2012R2"\n', 'os = "2016"\n'),
                        ('processor_family = "IvyBridge-EP"', 'processor_family = "Haswell-EP"'))
    report = await run(desktop, "SRC", "vm-compare", Name="VM1", DestinationHost="DST")
    assert report.ok, report.errors
    assert HARDWARE_INCOMPATIBLE in [i["Message"] for i in kinds(report, "Incompatibility")]
    assert all(i["MessageId"] for i in kinds(report, "Incompatibility"))
