"""Pilot walks the storage actions on the lab: Add disk to completion and through a
refusal, Detach disk after its pre-flight page."""

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
    until,
    vm,
)
from textual.pilot import Pilot
from textual.widgets import Input, Static

from hvtui.ui.wizards.toggles import TickBox


async def test_add_disk_refuses_ide_on_a_running_vm_then_hot_adds_on_scsi(
        pilot: Pilot[Any], dirs: Path) -> None:  # noqa: F811
    app = await ready(pilot)
    wizard = await open_action(pilot, "disk-add", [vm(app, "LEGACY-SQL")])
    await check(pilot, wizard)
    assert "give the disk file's full path" in str(wizard.query_one("#wizard-error",
                                                                    Static).render())
    wizard.query_one("#path", Input).value = "D:\\VMs\\LEGACY-SQL\\Logs.vhdx"
    wizard.query_one("#size", Input).value = "8 GiB"
    await pilot.click("#ide")
    await check(pilot, wizard)
    assert "IDE disks change only while the VM is off" in refused(wizard)
    await pilot.press("escape")
    assert audit(dirs) == []

    wizard = await open_action(pilot, "disk-add", [vm(app, "LEGACY-SQL")])
    wizard.query_one("#path", Input).value = "D:\\VMs\\LEGACY-SQL\\Logs.vhdx"
    wizard.query_one("#size", Input).value = "8 GiB"
    wizard.query_one("#fixed", TickBox).value = True
    await check(pilot, wizard)
    shown = str(wizard.query_one("#powershell", Static).render())
    assert "New-VHD" in shown and "-Fixed" in shown and "Add-VMHardDiskDrive" in shown
    assert (await confirm_and_finish(pilot, wizard)).ok
    assert [(e["operation"], e["outcome"]) for e in audit(dirs)] == [
        ("vm-disk-add", "started"), ("vm-disk-add", "succeeded")]
    await until(pilot, lambda: any(d.path.endswith("Logs.vhdx")
                                   for d in vm(app, "LEGACY-SQL").disks), "the new disk")


async def test_detach_disk_asks_first_and_keeps_the_file(
        pilot: Pilot[Any]) -> None:  # noqa: F811
    app = await ready(pilot)
    wizard = await open_action(pilot, "disk-remove", [disk(app, "LEGACY-SQL", "SCSI 0:0")])
    await until(pilot, lambda: wizard.plan is not None, "the pre-flight page")
    assert wizard.plan is not None and wizard.plan.destructive
    assert "stays on HV-LEGACY" in wizard.plan.notes[0]
    result = await confirm_and_finish(pilot, wizard)
    assert result.ok
    await until(pilot, lambda: [d.location for d in vm(app, "LEGACY-SQL").disks] == ["IDE 0:0"],
                "the disk gone from the inventory")


async def test_iso_wizard_refuses_a_text_file_then_mounts_and_ejects(
        pilot: Pilot[Any]) -> None:  # noqa: F811
    app = await ready(pilot)
    wizard = await open_action(pilot, "iso", [vm(app, "LEGACY-SQL")])
    wizard.query_one("#iso-path", Input).value = "D:\\ISO\\notes.txt"
    await check(pilot, wizard)
    assert "is not an .iso file" in refused(wizard)
    await pilot.press("escape")
    wizard = await open_action(pilot, "iso", [vm(app, "LEGACY-SQL")])
    wizard.query_one("#iso-path", Input).value = "D:\\ISO\\WindowsServer2012R2-Eval.iso"
    await check(pilot, wizard)
    assert "Set-VMDvdDrive" in str(wizard.query_one("#powershell", Static).render())
    assert (await confirm_and_finish(pilot, wizard)).ok

    wizard = await open_action(pilot, "iso", [vm(app, "LEGACY-SQL")])
    await pilot.click("#eject")
    await check(pilot, wizard)
    assert wizard.plan is not None
    assert "-Path $null" in wizard.plan.steps[0].command
    assert (await confirm_and_finish(pilot, wizard)).ok
