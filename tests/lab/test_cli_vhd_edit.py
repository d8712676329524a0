"""hvtui disk compact / convert / merge / qos and hvtui vm move-storage on the lab:
--dry-run shows the exact PowerShell and changes nothing, a refusal says why and what to
do, a confirmed change shows in the next inventory."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from hvtui.cli import main
from hvtui.lab.scenario import default_scenario


def _disks(capsys: pytest.CaptureFixture[str], host: str, vm: str,
           scenario: list[str] | None = None) -> list[dict[str, object]]:
    capsys.readouterr()
    assert main([*(scenario or []), "get", "disks", "--host", host, "-o", "json"]) == 0
    return [r for r in json.loads(capsys.readouterr().out) if r["vm"] == vm]


def test_help_names_the_cmdlets(capsys: pytest.CaptureFixture[str]) -> None:
    for words, cmdlets in ((["disk"], ("Optimize-VHD", "Convert-VHD", "Merge-VHD",
                                       "Set-VMHardDiskDrive")),
                           (["vm"], ("Move-VMStorage",))):
        with pytest.raises(SystemExit):
            main([*words, "--help"])
        out = re.sub(r"-\s+", "-", re.sub(r"\s+", " ", capsys.readouterr().out))
        for cmdlet in cmdlets:
            assert cmdlet in out


def test_compact_dry_run_then_refused_for_a_running_vm(
        capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--lab-speed", "inf", "disk", "compact", "BUILD01", "0", "--dry-run"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "Optimize-VHD -Path 'D:\\VMs\\BUILD01\\BUILD01.vhdx'" in out and "Dry run" in out
    code = main(["--lab-speed", "inf", "disk", "compact", "LEGACY-SQL", "0", "--yes"])
    out = capsys.readouterr().out
    assert code == 2
    assert "its disk is in use and cannot be compacted" in out
    assert "shut LEGACY-SQL down first" in out and "Refused, nothing was changed" in out


def test_compact_refuses_a_fixed_disk(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--lab-speed", "inf", "disk", "compact", "PRINT01", "0", "--yes"])
    out = capsys.readouterr().out
    assert code == 2 and "only dynamic and differencing disks can be compacted" in out


def test_convert_vhd_to_vhdx_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    dest = "C:\\ClusterStorage\\Volume3\\PRINT01\\PRINT01.vhdx"
    code = main(["--lab-speed", "inf", "disk", "convert", "PRINT01", "0", dest, "--type",
                 "dynamic", "--dry-run"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert (f"Convert-VHD -Path 'C:\\ClusterStorage\\Volume3\\PRINT01\\PRINT01.vhd' "
            f"-DestinationPath '{dest}' -VHDType 'Dynamic'") in out
    assert "fixed VHD -> dynamic VHDX" in out
    code = main(["--lab-speed", "inf", "disk", "convert", "PRINT01", "0", dest, "--type",
                 "dynamic", "--yes", "-o", "json"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert '"operation": "disk-convert"' in out and '"dry_run": false' in out
    # the VM keeps its VHD
    assert [d["path"] for d in _disks(capsys, "HV-NODE2", "PRINT01")] == [
        "C:\\ClusterStorage\\Volume3\\PRINT01\\PRINT01.vhd"]


def test_convert_refuses_a_running_vm_and_a_no_op(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--lab-speed", "inf", "disk", "convert", "WIN2022-DC", "0",
                 "V:\\VMs\\WIN2022-DC\\copy.vhdx", "--yes"])
    out = capsys.readouterr().out
    assert code == 2
    assert "cannot be converted" in out and "nothing would change" in out


def _scenario_with_a_child(tmp_path: Path) -> list[str]:
    """The default estate, with LEGACY-BIZ's disk a differencing child of a template."""
    text = default_scenario().read_text(encoding="utf-8")
    old = "[[host.vm.disk]]\npath = 'V:\\VMs\\LEGACY-BIZ\\LEGACY-BIZ.vhdx'\n"
    assert old in text
    text = text.replace(old, old + "type = \"Differencing\"\n"
                                   "parent = 'V:\\VMs\\Templates\\WS2016.vhdx'\n")
    path = tmp_path / "child.toml"
    path.write_text(text, encoding="utf-8")
    return ["--scenario", str(path)]


def test_merge_a_child_into_its_parent(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    scenario = _scenario_with_a_child(tmp_path)
    code = main([*scenario, "--lab-speed", "inf", "disk", "merge", "LEGACY-BIZ", "0",
                 "--dry-run"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert ("Merge-VHD -Path 'V:\\VMs\\LEGACY-BIZ\\LEGACY-BIZ.vhdx' -DestinationPath "
            "'V:\\VMs\\Templates\\WS2016.vhdx'; Set-VMHardDiskDrive -VMName 'LEGACY-BIZ'") in out
    assert ("Chain: V:\\VMs\\LEGACY-BIZ\\LEGACY-BIZ.vhdx -> V:\\VMs\\Templates\\WS2016.vhdx. "
            "V:\\VMs\\LEGACY-BIZ\\LEGACY-BIZ.vhdx merges into") in re.sub(r"\s+", " ", out)
    code = main([*scenario, "--lab-speed", "inf", "disk", "merge", "LEGACY-BIZ", "0", "--yes"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert [d["path"] for d in _disks(capsys, "HV-2022", "LEGACY-BIZ", scenario)] == [
        "V:\\VMs\\Templates\\WS2016.vhdx"]


def test_merge_refuses_a_disk_without_a_parent(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--lab-speed", "inf", "disk", "merge", "BUILD01", "0", "--yes"])
    out = capsys.readouterr().out
    assert code == 2 and "it has no parent to merge into" in out


def test_qos_dry_run_then_refusals(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--lab-speed", "inf", "disk", "qos", "WIN2022-DC", "0", "--min", "100",
                 "--max", "2000", "--dry-run"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert ("Set-VMHardDiskDrive -VMName 'WIN2022-DC' -ControllerType 'SCSI' -ControllerNumber 0 "
            "-ControllerLocation 0 -MinimumIOPS 100 -MaximumIOPS 2000") in out
    code = main(["--lab-speed", "inf", "disk", "qos", "WIN2022-DC", "0", "--min", "500",
                 "--max", "100", "--yes"])
    out = capsys.readouterr().out
    assert code == 2 and "the maximum 100 is below the minimum 500" in out
    code = main(["--lab-speed", "inf", "disk", "qos", "BUILD01", "0", "--min", "10", "--max",
                 "0", "--yes"])
    out = capsys.readouterr().out
    assert code == 2 and "Storage QoS needs Windows Server 2012 R2 or later" in out


def test_qos_is_set_and_read_back(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--lab-speed", "inf", "disk", "qos", "WIN2022-DC", "0", "--min", "100",
                 "--max", "2000", "--yes"]) == 0
    [disk] = _disks(capsys, "HV-2022", "WIN2022-DC")
    assert (disk["min_iops"], disk["max_iops"]) == (100, 2000)


def test_move_storage_of_a_running_vm(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--lab-speed", "inf", "vm", "move-storage", "LEGACY-SQL", "D:\\New\\LEGACY-SQL",
                 "--dry-run"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert ("Move-VMStorage -VMName 'LEGACY-SQL' -DestinationStoragePath "
            "'D:\\New\\LEGACY-SQL'") in out
    assert "keeps running while its storage moves" in out
    assert main(["--lab-speed", "inf", "vm", "move-storage", "LEGACY-SQL", "D:\\New\\LEGACY-SQL",
                 "--yes"]) == 0
    paths = [d["path"] for d in _disks(capsys, "HV-LEGACY", "LEGACY-SQL")]
    assert paths == ["D:\\New\\LEGACY-SQL\\Virtual Hard Disks\\LEGACY-SQL.vhdx",
                     "D:\\New\\LEGACY-SQL\\Virtual Hard Disks\\LEGACY-SQL-Data.vhdx"]


def test_move_storage_refuses_a_relative_path(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--lab-speed", "inf", "vm", "move-storage", "LEGACY-SQL", "New", "--yes"])
    out = capsys.readouterr().out
    assert code == 2 and "'New' is not a full path on HV-LEGACY" in out


def test_move_storage_refuses_a_drive_the_host_lacks(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--lab-speed", "inf", "vm", "move-storage", "MÜN-FS01", "Q:\\VMs\\MÜN-FS01",
                 "--yes"])
    out = capsys.readouterr().out
    assert code == 2 and "HV-2016 has no volume Q:" in out


def test_convert_with_replace_swaps_the_drive_to_the_new_file(
        capsys: pytest.CaptureFixture[str]) -> None:
    dest = "D:\\VMs\\BUILD01\\BUILD01-fixed.vhdx"
    code = main(["--lab-speed", "inf", "disk", "convert", "BUILD01", "0", dest, "--type",
                 "fixed", "--replace", "--yes"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert (f"-VHDType 'Fixed'; Set-VMHardDiskDrive -VMName 'BUILD01' -ControllerType 'IDE' "
            f"-ControllerNumber 0 -ControllerLocation 0 -Path '{dest}'") in out
    [disk] = _disks(capsys, "HV-LEGACY", "BUILD01")
    assert (disk["path"], disk["type"]) == (dest, "Fixed")
