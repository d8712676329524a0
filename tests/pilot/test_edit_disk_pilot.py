"""Pilot walks the Edit Disk wizard on the lab to completion and through a refusal, and the
storage move's wizard to its plan."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from test_wizard_pilot import (  # noqa: F401  (pilot and dirs are fixtures)
    audit,
    check,
    confirm_and_finish,
    dirs,
    disk,
    open_action,
    pilot,
    ready,
    refused,
    vm,
)
from textual.pilot import Pilot
from textual.widgets import Input, Static


async def test_edit_disk_refuses_a_running_vm_then_compacts_and_converts(
        pilot: Pilot[Any], dirs: Path) -> None:  # noqa: F811
    app = await ready(pilot)
    wizard = await open_action(pilot, "disk-edit", [disk(app, "LEGACY-SQL", "IDE 0:0")])
    await check(pilot, wizard)
    assert "its disk is in use and cannot be compacted" in refused(wizard)
    await pilot.press("escape")
    assert audit(dirs) == []

    wizard = await open_action(pilot, "disk-edit", [disk(app, "BUILD01", "IDE 0:0")])
    await check(pilot, wizard)
    assert "Optimize-VHD -Path 'D:\\VMs\\BUILD01\\BUILD01.vhdx'" in str(
        wizard.query_one("#powershell", Static).render())
    assert (await confirm_and_finish(pilot, wizard)).ok
    assert [(e["operation"], e["outcome"]) for e in audit(dirs)] == [
        ("vhd-compact", "started"), ("vhd-compact", "succeeded")]

    wizard = await open_action(pilot, "disk-edit", [disk(app, "BUILD01", "IDE 0:0")])
    await pilot.click("#convert")
    await pilot.click("#fixed")
    assert wizard.query_one("#destination", Input).value == \
        "D:\\VMs\\BUILD01\\BUILD01-converted.vhd"
    await check(pilot, wizard)
    assert wizard.plan is not None
    assert "-VHDType 'Fixed'" in wizard.plan.steps[0].command
    assert "dynamic VHDX -> fixed VHD" in str(wizard.plan.checks)


async def test_edit_disk_qos_refuses_a_maximum_below_the_minimum(
        pilot: Pilot[Any]) -> None:  # noqa: F811
    app = await ready(pilot)
    wizard = await open_action(pilot, "disk-edit", [disk(app, "WIN2022-DC", "SCSI 0:0")])
    await pilot.click("#qos")
    wizard.query_one("#min-iops", Input).value = "500"
    wizard.query_one("#max-iops", Input).value = "100"
    await check(pilot, wizard)
    assert "the maximum 100 is below the minimum 500" in refused(wizard)


async def test_move_storage_wizard_plans_a_live_storage_move(
        pilot: Pilot[Any]) -> None:  # noqa: F811
    app = await ready(pilot)
    wizard = await open_action(pilot, "vm-move-storage", [vm(app, "LEGACY-SQL")])
    wizard.query_one("#storage-path", Input).value = "D:\\New\\LEGACY-SQL"
    await check(pilot, wizard)
    assert wizard.plan is not None and not wizard.plan.refused
    assert "Move-VMStorage -VMName 'LEGACY-SQL'" in wizard.plan.steps[0].command
