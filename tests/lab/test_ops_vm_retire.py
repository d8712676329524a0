"""Deleting and renaming VMs on the lab: the host's rules (R-DEL-1/2), the plans' checks,
and the commands (--dry-run, a refusal, a run)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lab_cli import flat, run_cli
from lab_console import console
from test_lab_support import default_lab, estate_vm

from hvtui.lab.failures import CLUSTERED_VM, INVALID_STATE


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code, out, _ = run_cli(capsys, *argv)
    return code, flat(out)


# --- the host --------------------------------------------------------------------------------


def test_remove_vm_takes_only_an_off_or_saved_vm_and_keeps_its_disks() -> None:
    lab = default_lab()
    outcome = console(lab, "HV-NODE1", "Remove-VM -Name 'DC01' -Force")  # running
    assert [e.message for e in outcome.errors] == [INVALID_STATE]
    outcome = console(lab, "HV-NODE1", "Remove-VM -Name 'SQL01' -Force")  # clustered
    assert [e.message for e in outcome.errors] == [CLUSTERED_VM]
    build = estate_vm(lab, "HV-LEGACY", "BUILD01")
    disks = [d.path for d in build.drives]
    outcome = console(lab, "HV-LEGACY", "Remove-VM -Name 'BUILD01' -Force")
    assert not outcome.failed and outcome.errors == []
    host = lab.estate.host("HV-LEGACY")
    assert host is not None and host.find_vms("BUILD01") == []
    assert disks and all(lab.estate.vhd(host, p) is not None for p in disks)


def test_rename_vm_accepts_a_name_another_vm_has() -> None:
    lab = default_lab()
    outcome = console(lab, "HV-NODE1", "Rename-VM -Name 'DC01' -NewName 'sql01'")
    assert not outcome.failed
    host = lab.estate.host("HV-NODE1")
    assert host is not None and len(host.find_vms("SQL01")) == 2


# --- the commands ----------------------------------------------------------------------------


def test_delete_refuses_a_running_vm(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "vm", "delete", "DC01", "--dry-run")
    assert code == 2
    assert "DC01 is Running; the host deletes only a VM that is off or saved" in out
    assert "hvtui vm turn-off DC01" in out


def test_delete_lists_the_disks_it_keeps_and_asks(capsys: pytest.CaptureFixture[str],
                                                  state_dir: Path) -> None:
    code, out = run(capsys, "vm", "delete", "BUILD01")  # no terminal to ask on
    assert code == 2 and "pass --yes" not in out
    code, out = run(capsys, "vm", "delete", "BUILD01", "--yes", "-o", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["plan"]["steps"][0]["destructive"] and doc["result"]["ok"]
    [removed] = doc["result"]["steps"][0]["objects"]
    assert removed["Name"] == "BUILD01" and removed["KeptDisks"]
    assert any("stay on HV-LEGACY" in note for note in doc["plan"]["notes"])
    lines = (state_dir / "audit.jsonl").read_text().splitlines()
    assert [json.loads(line)["outcome"] for line in lines][-2:] == ["started", "succeeded"]


def test_rename_refuses_a_name_the_host_has_in_any_case(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "vm", "rename", "DC01", "sql01", "--dry-run")
    assert code == 2 and "HV-NODE1 already has a VM called 'SQL01'" in out
    code, out = run(capsys, "vm", "rename", "DC01", "DC 01 'new'")
    assert code == 0 and "Rename-VM -Name 'DC01' -NewName 'DC 01 ''new'''" in out
