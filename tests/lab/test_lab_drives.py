"""The lab's Add-/Remove-VMHardDiskDrive and New-VHD: R-VHD-4 and R-GEN-2 per release,
through the catalog scripts (vm-disk-add, vm-disk-remove) and behind them."""

from __future__ import annotations

from lab_console import console
from test_lab_support import default_lab, estate_vm, kinds, only_error, run

from hvtui.lab.failures import (
    FILE_EXISTS,
    FILE_NOT_FOUND,
    GEN2_NO_IDE,
    GEN2_NO_VHD,
    INVALID_DVD_PATH,
    INVALID_STATE,
    NO_VACANT_LOCATION,
)


def _slots(lab: object, host: str, vm: str) -> list[tuple[str, int, int, str]]:
    found = estate_vm(lab, host, vm)  # type: ignore[arg-type]
    return [(d.controller_type, d.controller_number, d.controller_location, d.path)
            for d in found.drives]


async def test_a_new_disk_is_hot_added_on_scsi_of_a_running_2012_vm() -> None:
    # SCSI hot add is older than 2012 (R-VHD-4): the 2012 host takes it while LEGACY-SQL runs
    lab = default_lab()
    result = await run(lab, "HV-LEGACY", "vm-disk-add", VMName="LEGACY-SQL",
                       Path="D:\\VMs\\LEGACY-SQL\\Data2.vhdx", ControllerType="SCSI",
                       NewSizeBytes=20 * 1024**3)
    assert not result.had_errors, result.errors
    [drive] = kinds(result, "Drive")
    assert (drive["ControllerType"], drive["ControllerNumber"], drive["ControllerLocation"]) \
        == ("SCSI", 0, 1)
    assert ("SCSI", 0, 1, "D:\\VMs\\LEGACY-SQL\\Data2.vhdx") in _slots(lab, "HV-LEGACY",
                                                                       "LEGACY-SQL")
    host = lab.estate.host("HV-LEGACY")
    assert host is not None
    vhd = lab.estate.vhd(host, "D:\\VMs\\LEGACY-SQL\\Data2.vhdx")
    assert vhd is not None and (vhd.format, vhd.type, vhd.size) == ("VHDX", "Dynamic",
                                                                    20 * 1024**3)


async def test_an_ide_disk_is_refused_while_the_vm_runs_and_taken_when_it_is_off() -> None:
    lab = default_lab()
    before = _slots(lab, "HV-LEGACY", "LEGACY-SQL")
    refused = await run(lab, "HV-LEGACY", "vm-disk-add", VMName="LEGACY-SQL",
                        Path="D:\\VMs\\LEGACY-SQL\\Ide.vhdx", ControllerType="IDE",
                        NewSizeBytes=1024**3)
    error = only_error(refused)
    assert error.message == INVALID_STATE
    assert error.error_id == "InvalidState,Microsoft.HyperV.PowerShell.Commands.AddVMHardDiskDrive"
    assert _slots(lab, "HV-LEGACY", "LEGACY-SQL") == before
    # the file New-VHD made before the refusal is still there, as on a host
    again = await run(lab, "HV-LEGACY", "vm-disk-add", VMName="LEGACY-SQL",
                      Path="D:\\VMs\\LEGACY-SQL\\Ide.vhdx", ControllerType="IDE",
                      NewSizeBytes=1024**3)
    assert FILE_EXISTS in only_error(again).message
    taken = await run(lab, "HV-LEGACY", "vm-disk-add", VMName="BUILD01",
                      Path="D:\\VMs\\LEGACY-SQL\\Ide.vhdx", ControllerType="IDE")
    assert not taken.had_errors, taken.errors
    assert ("IDE", 0, 1, "D:\\VMs\\LEGACY-SQL\\Ide.vhdx") in _slots(lab, "HV-LEGACY", "BUILD01")


async def test_a_generation_2_vm_has_no_ide_and_takes_no_vhd() -> None:
    lab = default_lab()
    ide = await run(lab, "HV-2025", "vm-disk-add", VMName="WIN2022-SQL02",
                    Path="V:\\VMs\\x.vhdx", ControllerType="IDE", NewSizeBytes=1024**3)
    assert only_error(ide).message == GEN2_NO_IDE
    vhd = await run(lab, "HV-2025", "vm-disk-add", VMName="WIN2022-SQL02",
                    Path="V:\\VMs\\old.vhd", ControllerType="SCSI", NewSizeBytes=1024**3)
    assert only_error(vhd).message == GEN2_NO_VHD


async def test_a_disk_one_vm_uses_cannot_be_attached_to_another() -> None:
    lab = default_lab()
    result = await run(lab, "HV-LEGACY", "vm-disk-add", VMName="BUILD01",
                       Path="D:\\VMs\\LEGACY-SQL\\LEGACY-SQL-Data.vhdx", ControllerType="SCSI")
    assert "being used by another process" in only_error(result).message


def test_ide_locations_run_out_with_the_dvd_drive_holding_one() -> None:
    # BUILD01: its disk at IDE 0:0 and New-VM's DVD drive at IDE 1:0 leave two locations
    lab = default_lab()
    for n in range(3):
        console(lab, "HV-LEGACY", "param($P) $null = New-VHD -Path $P -SizeBytes 1GB -Dynamic",
                P=f"D:\\VMs\\BUILD01\\ide{n}.vhdx")
    for n in range(2):
        added = console(lab, "HV-LEGACY", "param($P) Add-VMHardDiskDrive -VMName BUILD01 "
                                          "-ControllerType IDE -Path $P",
                        P=f"D:\\VMs\\BUILD01\\ide{n}.vhdx")
        assert not added.errors, [e.message for e in added.errors]
    full = console(lab, "HV-LEGACY", "Add-VMHardDiskDrive -VMName BUILD01 -ControllerType IDE "
                                     "-Path D:\\VMs\\BUILD01\\ide2.vhdx")
    assert [e.message for e in full.errors] == [NO_VACANT_LOCATION]
    assert [s[:3] for s in _slots(lab, "HV-LEGACY", "BUILD01")] == [
        ("IDE", 0, 0), ("IDE", 0, 1), ("IDE", 1, 1)]


async def test_removing_a_drive_keeps_its_file_and_follows_the_controller_rules() -> None:
    lab = default_lab()
    ide = await run(lab, "HV-LEGACY", "vm-disk-remove", VMName="LEGACY-SQL",
                    ControllerType="IDE", ControllerNumber=0, ControllerLocation=0)
    assert only_error(ide).message == INVALID_STATE
    scsi = await run(lab, "HV-LEGACY", "vm-disk-remove", VMName="LEGACY-SQL",
                     ControllerType="SCSI", ControllerNumber=0, ControllerLocation=0)
    assert not scsi.had_errors, scsi.errors
    assert kinds(scsi, "DriveRemoved")[0]["Path"] == "D:\\VMs\\LEGACY-SQL\\LEGACY-SQL-Data.vhdx"
    assert [s[0] for s in _slots(lab, "HV-LEGACY", "LEGACY-SQL")] == ["IDE"]
    host = lab.estate.host("HV-LEGACY")
    assert host is not None
    assert lab.estate.vhd(host, "D:\\VMs\\LEGACY-SQL\\LEGACY-SQL-Data.vhdx") is not None


def test_a_parameter_the_release_lacks_is_refused_by_the_binder() -> None:
    # Storage QoS (-MinimumIOPS) is 2012 R2's: the 2012 host's Add-VMHardDiskDrive has none
    lab = default_lab()
    outcome = console(lab, "HV-LEGACY", "Add-VMHardDiskDrive -VMName BUILD01 -ControllerType "
                                        "SCSI -Path D:\\x.vhdx -MinimumIOPS 100")
    assert [e.fqid.split(",")[0] for e in outcome.errors] == ["NamedParameterNotFound"]


ISO = "D:\\ISO\\WindowsServer2012R2-Eval.iso"


async def test_an_iso_goes_in_and_out_of_a_running_vms_dvd_drive() -> None:
    lab = default_lab()
    [dvd] = kinds(await run(lab, "HV-LEGACY", "vm-dvd-drives", VMName="LEGACY-SQL"), "DvdDrive")
    assert (dvd["ControllerType"], dvd["ControllerNumber"], dvd["ControllerLocation"],
            dvd["Path"]) == ("IDE", 1, 0, "")
    mounted = await run(lab, "HV-LEGACY", "vm-dvd-media", VMName="LEGACY-SQL",
                        ControllerNumber=1, ControllerLocation=0, Path=ISO)
    assert [d["Path"] for d in kinds(mounted, "DvdDrive")] == [ISO]
    ejected = await run(lab, "HV-LEGACY", "vm-dvd-media", VMName="LEGACY-SQL",
                        ControllerNumber=1, ControllerLocation=0)
    assert [d["Path"] for d in kinds(ejected, "DvdDrive")] == [""]


async def test_dvd_media_must_be_an_iso_the_host_has() -> None:
    lab = default_lab()
    text = await run(lab, "HV-LEGACY", "vm-dvd-media", VMName="LEGACY-SQL",
                     ControllerNumber=1, ControllerLocation=0, Path="D:\\ISO\\readme.txt")
    assert only_error(text).message == INVALID_DVD_PATH
    missing = await run(lab, "HV-LEGACY", "vm-dvd-media", VMName="LEGACY-SQL",
                        ControllerNumber=1, ControllerLocation=0, Path="D:\\ISO\\gone.iso")
    assert only_error(missing).message == FILE_NOT_FOUND


async def test_a_dvd_drive_is_added_only_while_the_vm_is_off() -> None:
    # DR-DC02 (generation 2, running) has none; UBU-LAB (generation 2, off) takes one on SCSI
    lab = default_lab()
    running = await run(lab, "HV-DR1", "vm-dvd-media", VMName="DR-DC02",
                        Path="C:\\ISO\\SQLServer2014-SP1.iso", AddDrive=True)
    assert only_error(running).message == INVALID_STATE
    lab.estate.host("HV-DR2").files[  # type: ignore[union-attr]
        "f:\\iso\\ubuntu.iso"] = "F:\\ISO\\ubuntu.iso"
    added = await run(lab, "HV-DR2", "vm-dvd-media", VMName="UBU-LAB",
                      Path="F:\\ISO\\ubuntu.iso", AddDrive=True)
    [dvd] = kinds(added, "DvdDrive")
    assert (dvd["ControllerType"], dvd["ControllerNumber"], dvd["ControllerLocation"],
            dvd["Path"]) == ("SCSI", 0, 1, "F:\\ISO\\ubuntu.iso")
