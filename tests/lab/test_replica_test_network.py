"""Test failover onto a chosen network: ``hvtui replica test-failover VM --switch S`` creates
the test VM (Start-VMFailover -AsTest) and connects it to that switch of the replica's host
(Connect-VMNetworkAdapter), refusing a switch the host does not have."""

from __future__ import annotations

import pytest
from lab_cli import flat, run_cli
from test_lab_support import default_lab, run


async def test_the_script_connects_the_test_vm_to_the_switch() -> None:
    lab = default_lab()
    result = await run(lab, "HV-DR1", "replica-failover", VMName="FS01", AsTest=True,
                       SwitchName="Replica-Net")
    assert result.ok, result.errors
    [test] = [v for v in lab.estate.hosts["hv-dr1"].vms.values() if v.name == "FS01 - Test"]
    assert test.adapters and {a.switch for a in test.adapters} == {"Replica-Net"}


async def test_without_a_switch_the_test_vm_is_on_no_network() -> None:
    lab = default_lab()
    result = await run(lab, "HV-DR1", "replica-failover", VMName="FS01", AsTest=True)
    assert result.ok, result.errors
    [test] = [v for v in lab.estate.hosts["hv-dr1"].vms.values() if v.name == "FS01 - Test"]
    assert {a.switch for a in test.adapters} == {""}


def test_the_command_shows_both_cmdlets_and_refuses_an_unknown_switch(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(capsys, "replica", "test-failover", "FS01", "--switch",
                           "replica-net", "--dry-run")
    out = flat(out)
    assert code == 0, out
    assert ("on HV-DR1: Start-VMFailover -VMName 'FS01' -AsTest -Confirm:$false; "
            "Connect-VMNetworkAdapter -VMName 'FS01 - Test' -SwitchName 'Replica-Net'" in out)
    assert "make sure Replica-Net is isolated from the primary's network" in out
    code, out, _ = run_cli(capsys, "replica", "test-failover", "FS01", "--switch", "Lab",
                           "--dry-run")
    out = flat(out)
    assert code == 2
    assert ("HV-DR1 has no virtual switch called 'Lab' fix: choose one of External-LAN, "
            "Replica-Net" in out)
