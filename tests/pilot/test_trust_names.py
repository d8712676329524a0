"""Names mean what Hyper-V means: ``-Name`` ignores case, so an action never touches a VM
(or checkpoint) the user did not name. Command line and console alike.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from same_names import scenario
from test_ui_support import console, until_shown

from hvtui.cli import main
from hvtui.connect import lab_pool
from hvtui.hyperv.lookup import fresh_estate
from hvtui.hyperv.plans import VmAction, VmActionRequest, VmRef
from hvtui.hyperv.preflight import build_plan
from hvtui.remote.pool import SessionPool


@pytest.fixture
def lab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HVTUI_STATE_DIR", str(tmp_path / "state"))
    return scenario(tmp_path / "names.toml")


def run(capsys: pytest.CaptureFixture[str], lab: Path, *argv: str) -> tuple[int, str, str]:
    code = main(["--scenario", str(lab), "--lab-speed", "inf", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def audit(tmp_path: Path) -> list[dict[str, Any]]:
    path = tmp_path / "state" / "audit.jsonl"
    return [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []


@pytest.mark.parametrize("name", ["web01", "WEB01", "Web01"])
def test_a_name_that_matches_two_vms_on_a_host_is_refused(
        capsys: pytest.CaptureFixture[str], lab: Path, tmp_path: Path, name: str) -> None:
    code, out, err = run(capsys, lab, "vm", "start", name, "--host", "HV-A", "--yes")
    assert code == 2, out + err
    assert 'answer to the name' in err and '"WEB01"' in err and '"web01"' in err
    assert "without regard to case" in err
    assert not [e for e in audit(tmp_path) if e["outcome"] == "started"]


def test_a_name_on_several_hosts_asks_which(capsys: pytest.CaptureFixture[str],
                                            lab: Path) -> None:
    code, _, err = run(capsys, lab, "vm", "start", "web01")
    assert code == 2 and "exists on HV-A, HV-B" in err and "--host" in err


def test_case_is_ignored_when_the_name_is_unique(capsys: pytest.CaptureFixture[str],
                                                 lab: Path) -> None:
    code, out, err = run(capsys, lab, "vm", "start", "SOLO", "--yes")
    assert code == 0, out + err
    assert "Start-VM -Name 'solo'" in out  # the host's own spelling


def test_a_checkpoint_name_matching_two_checkpoints_is_refused(
        capsys: pytest.CaptureFixture[str], lab: Path, tmp_path: Path) -> None:
    code, out, err = run(capsys, lab, "vm", "apply-checkpoint", "APP", "--name", "before",
                         "--yes")
    assert code == 2, out + err
    assert "2 checkpoints answering to 'before'" in out and "'Before'" in out
    assert not [e for e in audit(tmp_path) if e["outcome"] == "started"]


async def _states(pool: SessionPool) -> dict[tuple[str, str], str]:
    estate = await fresh_estate(pool)
    return {(vm.host, vm.name): vm.state.name for vm in estate.vms()}


async def test_the_console_refuses_a_vm_whose_name_another_shares(lab: Path) -> None:
    pool = lab_pool(lab, speed=float("inf"))
    before = await _states(pool)
    app = console(pool)
    async with app.run_test(size=(160, 40)) as pilot:
        await until_shown(app, pilot)
        table = app.main_screen.table
        key = next(vm.key for vm in app.estate.vms() if vm.name == "WEB01")
        assert table.move_cursor_to(key)
        await pilot.press("u")  # Start
        await app.workers.wait_for_complete()
        await pilot.pause()
        flash = app.main_screen.flash.message
        assert 'answer to the name "WEB01"' in flash and '"web01"' in flash
    assert await _states(pool) == before  # neither VM started


async def test_a_vm_picked_in_the_console_is_that_vm(lab: Path) -> None:
    pool = lab_pool(lab, speed=float("inf"))
    estate = await fresh_estate(pool)
    solo = estate.find_vms("solo")[0]
    plan = await build_plan(pool, VmActionRequest(VmAction.START, (VmRef.of(solo),)))
    assert [s.parameters["Name"] for s in plan.steps] == ["solo"]
    gone = VmRef("solo", "HV-A", "00000000-0000-0000-0000-000000000000")
    with pytest.raises(Exception, match="no longer on HV-A"):
        await build_plan(pool, VmActionRequest(VmAction.START, (gone,)))
