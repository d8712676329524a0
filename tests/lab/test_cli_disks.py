"""hvtui disk add / remove on the lab: --dry-run shows the plan and changes nothing, a
refusal says why and what to do, a confirmed change shows in the next inventory."""

from __future__ import annotations

import json
import re

import pytest

from hvtui.cli import main


def _disks(capsys: pytest.CaptureFixture[str], vm: str) -> list[str]:
    capsys.readouterr()
    assert main(["get", "disks", "--host", "HV-LEGACY", "-o", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    return [f"{r['location']} {r['path']}" for r in rows if r["vm"] == vm]


def test_help_names_the_cmdlets(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["disk", "--help"])
    # argparse wraps the help at spaces and hyphens
    out = re.sub(r"-\s+", "-", re.sub(r"\s+", " ", capsys.readouterr().out))
    for cmdlet in ("New-VHD", "Add-VMHardDiskDrive", "Remove-VMHardDiskDrive"):
        assert cmdlet in out


def test_add_dry_run_shows_new_vhd_and_the_attach_and_changes_nothing(
        capsys: pytest.CaptureFixture[str]) -> None:
    before = _disks(capsys, "LEGACY-SQL")
    code = main(["--lab-speed", "inf", "disk", "add", "LEGACY-SQL", "D:\\VMs\\LEGACY-SQL\\d.vhdx",
                 "--new", "20 GiB", "--fixed", "--dry-run"])
    out = capsys.readouterr().out
    assert code == 0
    assert ("New-VHD -Path 'D:\\VMs\\LEGACY-SQL\\d.vhdx' -SizeBytes 21474836480 -Fixed; "
            "Add-VMHardDiskDrive -VMName 'LEGACY-SQL' -ControllerType 'SCSI'") in out
    assert "SCSI disks are added while it runs" in out and "Dry run" in out
    assert _disks(capsys, "LEGACY-SQL") == before


def test_add_on_ide_to_a_running_vm_is_refused_with_the_fix(
        capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--lab-speed", "inf", "disk", "add", "LEGACY-SQL", "D:\\VMs\\x.vhdx",
                 "--controller", "ide", "--new", "1G", "--yes"])
    out = capsys.readouterr().out
    assert code == 2
    assert "IDE disks change only while the VM is off" in out
    assert "use the SCSI controller" in out and "Refused, nothing was changed" in out


def test_add_then_remove_a_disk(capsys: pytest.CaptureFixture[str]) -> None:
    path = "D:\\VMs\\LEGACY-SQL\\Scratch.vhdx"
    assert main(["--lab-speed", "inf", "disk", "add", "LEGACY-SQL", path, "--new", "5G",
                 "--yes"]) == 0
    assert f"SCSI 0:1 {path}" in _disks(capsys, "LEGACY-SQL")
    capsys.readouterr()
    code = main(["--lab-speed", "inf", "disk", "remove", "LEGACY-SQL", "SCSI 0:1", "--yes"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "Remove-VMHardDiskDrive -VMName 'LEGACY-SQL' -ControllerType 'SCSI' " \
           "-ControllerNumber 0 -ControllerLocation 1" in out
    assert f"The file {path} stays on HV-LEGACY" in out
    assert f"SCSI 0:1 {path}" not in _disks(capsys, "LEGACY-SQL")


def test_remove_dry_run_and_refusal(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--lab-speed", "inf", "disk", "remove", "BUILD01", "0", "--dry-run"])
    out = capsys.readouterr().out
    assert code == 0 and "[destructive]" in out and "Boot disk" in out
    code = main(["--lab-speed", "inf", "disk", "remove", "LEGACY-SQL", "IDE 0:0", "--yes"])
    out = capsys.readouterr().out
    assert code == 2
    assert "IDE disks change only while the VM is off" in out
    assert "shut LEGACY-SQL down first" in out


def test_a_disk_another_vm_uses_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--lab-speed", "inf", "disk", "add", "BUILD01",
                 "D:\\VMs\\LEGACY-SQL\\LEGACY-SQL-Data.vhdx", "--dry-run"])
    out = capsys.readouterr().out
    assert code == 2
    assert "the disk is attached to LEGACY-SQL" in out and "detach it from LEGACY-SQL" in out


def test_iso_mount_dry_run_and_refusals(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--lab-speed", "inf", "iso", "mount", "LEGACY-SQL",
                 "D:\\ISO\\WindowsServer2012R2-Eval.iso", "--dry-run"])
    out = capsys.readouterr().out
    assert code == 0
    assert ("Set-VMDvdDrive -VMName 'LEGACY-SQL' -ControllerNumber 1 -ControllerLocation 0 "
            "-Path 'D:\\ISO\\WindowsServer2012R2-Eval.iso'") in out
    code = main(["--lab-speed", "inf", "iso", "mount", "JUMP01", "C:\\ISO\\SQLServer2014-SP1.iso",
                 "--yes"])
    out = capsys.readouterr().out
    assert code == 2
    assert "JUMP01 has no DVD drive, and one is added only while the VM is off" in out
    code = main(["--lab-speed", "inf", "iso", "mount", "LEGACY-SQL", "D:\\ISO\\notes.txt",
                 "--yes"])
    assert code == 2 and "is not an .iso file" in capsys.readouterr().out


def test_iso_eject_dry_run_and_nothing_to_eject(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lab-speed", "inf", "iso", "mount", "LEGACY-SQL",
                 "D:\\ISO\\WindowsServer2012R2-Eval.iso", "--yes"]) == 0
    capsys.readouterr()
    code = main(["--lab-speed", "inf", "iso", "eject", "LEGACY-SQL", "--dry-run"])
    out = capsys.readouterr().out
    assert code == 0
    assert ("Set-VMDvdDrive -VMName 'LEGACY-SQL' -ControllerNumber 1 -ControllerLocation 0 "
            "-Path $null") in out
    code = main(["--lab-speed", "inf", "iso", "eject", "BUILD01", "--yes"])
    assert code == 0 and "nothing to eject" in capsys.readouterr().out
