"""Upgrading a VM's configuration version (R-VER-3) on the lab: the host's rule, the plan
(one way, says what it makes impossible), the command."""

from __future__ import annotations

import json

import pytest
from lab_cli import flat, run_cli
from lab_console import console
from test_lab_support import default_lab, estate_vm

from hvtui.lab.failures import INVALID_STATE, VERSION_AT_MAXIMUM


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code, out, _ = run_cli(capsys, *argv)
    return code, flat(out)


def test_update_vm_version_needs_the_vm_off_and_warns_at_the_maximum() -> None:
    lab = default_lab()
    outcome = console(lab, "HV-2019", "Update-VMVersion -Name 'R2-MIGRATED' -Force -Confirm:$false")
    assert [e.message for e in outcome.errors] == [INVALID_STATE]
    outcome = console(lab, "HV-2022", "Update-VMVersion -Name 'LEGACY-BIZ' -Force -Confirm:$false")
    assert outcome.errors == [] and estate_vm(lab, "HV-2022", "LEGACY-BIZ").version == "10.0"
    outcome = console(lab, "HV-2022", "Update-VMVersion -Name 'LEGACY-BIZ' -Force -Confirm:$false")
    assert outcome.warnings == [VERSION_AT_MAXIMUM.format("LEGACY-BIZ")]


def test_2012_r2_has_no_update_vm_version() -> None:
    outcome = console(default_lab(), "HV-NODE1", "Update-VMVersion -Name 'DC01'")
    assert "Update-VMVersion" in outcome.errors[0].message  # not recognized


def test_upgrade_refuses_a_running_vm(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "vm", "upgrade", "R2-MIGRATED", "--dry-run")
    assert code == 2 and "the host upgrades only a VM that is off or saved" in out


def test_upgrade_says_it_is_one_way_and_runs(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "vm", "upgrade", "LEGACY-BIZ", "--dry-run")
    assert code == 0
    assert "7.0 -> 10.0: this cannot be undone; Windows Server 2016, Windows Server 2019 " \
           "can then no longer run it" in out
    assert "Update-VMVersion -Name 'LEGACY-BIZ'" in out
    code, out = run(capsys, "vm", "upgrade", "LEGACY-BIZ")  # destructive: no terminal to ask
    assert code == 2
    code, out = run(capsys, "vm", "upgrade", "LEGACY-BIZ", "--yes", "-o", "json")
    doc = json.loads(out)
    assert code == 0 and doc["result"]["steps"][0]["objects"][0]["Version"] == "10.0"


def test_upgrade_is_refused_on_2012_r2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "vm", "upgrade", "DC01", "--dry-run")
    assert code == 2 and "2016" in out
