"""``hvtui vm new`` on the embedded lab: --help, a dry run, -o json, a refusal, a run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lab_cli import audit
from lab_cli import run_cli as run

from hvtui.cli import main


def test_help_names_the_cmdlets(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["vm", "new", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for cmdlet in ("New-VM", "New-VHD", "Connect-VMNetworkAdapter", "Set-VMMemory",
                   "Set-VMProcessor", "Add-VMDvdDrive", "Set-VMFirmware"):
        assert cmdlet in text


def test_dry_run_shows_the_plan_and_changes_nothing(capsys: pytest.CaptureFixture[str],
                                                     state_dir: Path) -> None:
    code, out, _ = run(capsys, "vm", "new", "HV-2022", "web-07", "--memory", "4GB",
                       "--disk-size", "60GB", "--switch", "External-LAN", "--processors", "2",
                       "--dry-run")
    flat = " ".join(out.split())
    assert code == 0, out
    assert "New-VM -Name 'web-07' -Path 'C:\\ProgramData\\Microsoft\\Windows\\Hyper-V' " \
           "-MemoryStartupBytes 4294967296 -Generation 2 -Version '10.0'" in flat
    assert "Dry run: nothing was changed." in flat
    assert audit(state_dir) == []


def test_json_refusal_of_generation_2_on_2012(capsys: pytest.CaptureFixture[str],
                                              state_dir: Path) -> None:
    code, out, _ = run(capsys, "vm", "new", "HV-LEGACY", "gen2", "--generation", "2",
                       "-o", "json", "--dry-run")
    assert code == 2
    doc = json.loads(out)
    assert doc["plan"]["refused"] and doc["plan"]["steps"] == [] and doc["dry_run"]
    failed = [c for c in doc["plan"]["checks"] if c["outcome"] == "fail"]
    assert [c["name"] for c in failed] == ["Generation"]


def test_a_duplicate_name_is_refused_and_audited(capsys: pytest.CaptureFixture[str],
                                                 state_dir: Path) -> None:
    code, out, _ = run(capsys, "vm", "new", "HV-NODE1", "sql01")
    assert code == 2
    assert "already has a VM called 'SQL01'" in " ".join(out.split())
    assert [(e["operation"], e["outcome"]) for e in audit(state_dir)] == [("vm-new", "refused")]


def test_a_new_vm_is_created_and_reported_as_json(capsys: pytest.CaptureFixture[str],
                                                  state_dir: Path) -> None:
    code, out, _ = run(capsys, "vm", "new", "HV-2019", "新しい VM", "--linux", "--disk-size",
                       "20GB", "--fixed", "-o", "json")
    assert code == 0, out
    doc = json.loads(out)
    assert doc["result"]["ok"]
    [created] = doc["result"]["steps"][0]["objects"]
    assert created["Name"] == "新しい VM" and created["Version"] == "9.0"
    assert [(e["operation"], e["outcome"]) for e in audit(state_dir)] == [
        ("vm-new", "started"), ("vm-new", "succeeded")]


def test_the_power_actions_still_parse(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "vm", "start", "BUILD01", "--dry-run")
    assert code == 0 and "Start-VM -Name 'BUILD01'" in out
