"""Pilot walks the New VM wizard on the lab: to a created VM, and through a refusal."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from test_wizard_pilot import (
    SIZE,
    audit,
    check,
    confirm_and_finish,
    open_action,
    ready,
    refused,
    until,
    vm,
)
from textual.pilot import Pilot
from textual.widgets import Input, Select, Static

from hvtui.connect import lab_pool
from hvtui.ui.app import make_app
from hvtui.ui.wizards.base import PlanWizard
from hvtui.ui.wizards.toggles import TickBox


@pytest.fixture(autouse=True)
def dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HVTUI_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("HVTUI_CONFIG_DIR", str(tmp_path / "config"))
    return tmp_path


@pytest.fixture
async def pilot() -> AsyncIterator[Pilot[Any]]:
    app = make_app(lab_pool(speed=float("inf")), theme="dark", refresh_interval=3600)
    async with app.run_test(size=SIZE) as p:
        await ready(p)
        yield p


async def test_new_vm_wizard_creates_a_vm_by_keys(pilot: Pilot[Any], dirs: Path) -> None:
    app = await ready(pilot)
    await pilot.press("slash", *"BUILD01", "enter")
    await pilot.press("n")  # the VMs pane's key: the wizard opens on the VM's host
    await until(pilot, lambda: isinstance(app.screen, PlanWizard), "the New VM wizard")
    wizard = app.screen
    assert isinstance(wizard, PlanWizard)
    host = vm(app, "BUILD01").host
    assert wizard.query_one("#host", Select).value == host
    wizard.query_one("#name", Input).value = "Web 'ü' 01"
    wizard.query_one("#memory", Input).value = "4GB"
    wizard.query_one("#processors", Input).value = "2"
    wizard.query_one("#disk-size", Input).value = "40GB"
    await check(pilot, wizard)
    assert wizard.plan is not None, wizard
    shown = " ".join(str(wizard.query_one("#powershell", Static).render()).split())
    assert "New-VM -Name 'Web ''ü'' 01'" in shown
    result = await confirm_and_finish(pilot, wizard)
    assert result.ok, result.results
    await until(pilot, lambda: app.estate.find_vms("Web 'ü' 01", host), "the new VM listed")
    assert [(e["operation"], e["outcome"]) for e in audit(dirs)] == [
        ("vm-new", "started"), ("vm-new", "succeeded")]


async def test_new_vm_wizard_refuses_a_name_the_host_has(pilot: Pilot[Any],
                                                         dirs: Path) -> None:
    app = await ready(pilot)
    wizard = await open_action(pilot, "vm-new", [vm(app, "ERP-APP", "HV-LEGACY")])
    await check(pilot, wizard)
    assert "give the VM a name" in str(wizard.query_one("#wizard-error", Static).render())
    wizard.query_one("#name", Input).value = "erp-app"  # ERP-APP's name in another case
    assert wizard.query_one("#generation", Select).value == 1  # 2012 has generation 1 only
    await check(pilot, wizard)
    reasons = refused(wizard)
    assert "HV-LEGACY already has a VM called 'ERP-APP'" in reasons
    await pilot.press("escape")
    assert audit(dirs) == []


async def test_delete_refuses_a_running_vm_and_deletes_an_off_one(pilot: Pilot[Any],
                                                                    dirs: Path) -> None:
    app = await ready(pilot)
    wizard = await open_action(pilot, "vm-delete", [vm(app, "DC01")])
    await check(pilot, wizard)
    assert "the host deletes only a VM that is off or saved" in refused(wizard)
    await pilot.press("escape")
    wizard = await open_action(pilot, "vm-delete", [vm(app, "BUILD01")])
    disk = vm(app, "BUILD01").disks[0].path
    await check(pilot, wizard)
    assert wizard.plan is not None and wizard.plan.destructive
    assert any(disk in n for n in wizard.plan.notes)  # unticked: the file stays, listed
    await pilot.press("escape")
    # importvm: the dialog's option deletes the disk file too
    wizard = await open_action(pilot, "vm-delete", [vm(app, "BUILD01")])
    wizard.query_one("#with-disks", TickBox).value = True
    await check(pilot, wizard)
    assert wizard.plan is not None and wizard.plan.destructive
    shown = " ".join(str(wizard.query_one("#powershell", Static).render()).split())
    assert f"Remove-Item -LiteralPath @('{disk}') -Force" in shown
    result = await confirm_and_finish(pilot, wizard)
    assert result.ok
    [record] = result.results[0].objects
    assert record["Deleted"] == [disk]
    await until(pilot, lambda: not app.estate.find_vms("BUILD01"), "BUILD01 gone")


async def test_rename_wizard(pilot: Pilot[Any]) -> None:
    app = await ready(pilot)
    wizard = await open_action(pilot, "vm-rename", [vm(app, "JUMP01")])
    wizard.query_one("#new-name", Input).value = "dr-dc02"  # DR-DC02 is on the same host
    await check(pilot, wizard)
    assert "already has a VM called 'DR-DC02'" in refused(wizard)
    await pilot.press("escape")
    wizard = await open_action(pilot, "vm-rename", [vm(app, "JUMP01")])
    wizard.query_one("#new-name", Input).value = "JUMP 02"
    await check(pilot, wizard)
    assert (await confirm_and_finish(pilot, wizard)).ok
    await until(pilot, lambda: app.estate.find_vms("JUMP 02"), "the new name listed")


async def test_upgrade_says_what_it_makes_impossible(pilot: Pilot[Any], dirs: Path) -> None:
    app = await ready(pilot)
    wizard = await open_action(pilot, "vm-upgrade-version", [vm(app, "LEGACY-BIZ")])
    await until(pilot, lambda: wizard.plan is not None, "the pre-flight page")
    assert wizard.plan is not None and wizard.plan.destructive
    assert any("cannot be undone" in c.detail for c in wizard.plan.warnings)
    assert (await confirm_and_finish(pilot, wizard)).ok
    await until(pilot, lambda: vm(app, "LEGACY-BIZ").version == "10.0", "the new version")
