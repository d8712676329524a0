"""Pilot walks the Import VM wizard (Hosts pane) on the lab: a VM exported by the console,
imported back as a copy with a new id, by keys; and the refusal of registering it in place on
the host that still has it, opened from the command palette."""

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
from hvtui.ui.app import HvtuiApp, make_app
from hvtui.ui.wizards.base import PlanWizard
from hvtui.ui.wizards.toggles import ChoiceSet, TickBox
from hvtui.ui.wizards.vm_import import ImportVmWizard

EXPORTS = "\\\\NAS01\\Exports"


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


async def _export(pilot: Pilot[Any], app: HvtuiApp, name: str) -> str:
    """Export ``name`` with the console's Export wizard; its configuration file's path."""
    wizard = await open_action(pilot, "export", [vm(app, name)])
    wizard.query_one("#path", Input).value = EXPORTS
    await check(pilot, wizard)
    assert (await confirm_and_finish(pilot, wizard)).ok
    return f"{EXPORTS}\\{name}\\Virtual Machines\\{vm(app, name).id.upper()}.vmcx"


async def _wizard(pilot: Pilot[Any]) -> ImportVmWizard:
    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, ImportVmWizard), "the Import VM wizard")
    wizard = app.screen
    assert isinstance(wizard, ImportVmWizard)
    await until(pilot, lambda: wizard.is_mounted and wizard.query("#check"), "its page")
    await pilot.pause()
    return wizard


async def test_import_a_copy_with_a_new_id_by_keys(pilot: Pilot[Any], dirs: Path) -> None:
    app = await ready(pilot)
    host = vm(app, "APP2016").host
    path = await _export(pilot, app, "APP2016")
    await pilot.press("1", "slash", *host, "enter")  # the Hosts pane, on the VM's host
    await pilot.press("I")
    wizard = await _wizard(pilot)
    assert wizard.query_one("#host", Select).value == host
    wizard.query_one("#path", Input).value = path
    wizard.query_one("#mode", ChoiceSet).focus()
    await pilot.press("down", "down", "space")  # the third way: a copy with a new id
    assert wizard.query_one("#mode", ChoiceSet).pressed_index == 2
    await check(pilot, wizard)
    assert wizard.plan is not None
    assert not wizard.plan.refused, wizard.plan.failures
    assert any(f"{host} reports no incompatibility" in c.detail for c in wizard.plan.checks)
    shown = " ".join(str(wizard.query_one("#powershell", Static).render()).split())
    assert f"Import-VM -Path '{path}' -Copy -GenerateNewId" in shown
    result = await confirm_and_finish(pilot, wizard)
    assert result.ok, result.results
    await until(pilot, lambda: len(app.estate.find_vms("APP2016", host)) == 2,
                "the imported copy listed beside the original")
    ids = {v.id for v in app.estate.find_vms("APP2016", host)}
    assert len(ids) == 2
    assert [(e["operation"], e["outcome"]) for e in audit(dirs)][-2:] == [
        ("vm-import", "started"), ("vm-import", "succeeded")]


async def test_registering_in_place_beside_the_original_is_refused(pilot: Pilot[Any],
                                                                  dirs: Path) -> None:
    app = await ready(pilot)
    host = vm(app, "APP2016").host
    path = await _export(pilot, app, "APP2016")
    before = len(audit(dirs))
    await pilot.press("1", "ctrl+p", *"Import VM")
    await pilot.pause(0.3)
    await pilot.press("enter")
    wizard = await _wizard(pilot)
    assert isinstance(app.screen, PlanWizard)
    await check(pilot, wizard)
    assert "give the full path" in str(wizard.query_one("#wizard-error", Static).render())
    wizard.query_one("#host", Select).value = host
    wizard.query_one("#path", Input).value = path
    await check(pilot, wizard)  # register in place: the default
    reasons = refused(wizard)
    assert f"APP2016 on {host} already has this VM's id" in reasons
    assert "import a copy with a new id (--new-id)" in reasons
    await pilot.press("escape")
    assert len(audit(dirs)) == before
    assert len(app.estate.find_vms("APP2016", host)) == 1


async def test_make_ha_action_and_the_new_vm_wizards_option(pilot: Pilot[Any],
                                                            dirs: Path) -> None:
    """importvm: Make HA on the VMs pane refuses a VM on local storage; the New VM wizard
    offers high availability on a cluster node only, and refuses it off cluster storage."""
    app = await ready(pilot)
    wizard = await open_action(pilot, "vm-make-ha", [vm(app, "DC01")])
    await until(pilot, lambda: wizard.plan is not None, "the pre-flight page")
    assert "DC01.vhdx is not on cluster storage" in refused(wizard)
    await pilot.press("escape")
    wizard = await open_action(pilot, "vm-new", [vm(app, "WIN2025-APP01")])
    assert not wizard.query_one("#highly-available", TickBox).display  # HV-2025: no cluster
    await pilot.press("escape")
    wizard = await open_action(pilot, "vm-new", [vm(app, "DC01")])  # HV-NODE1, of HVC01
    box = wizard.query_one("#highly-available", TickBox)
    assert box.display
    wizard.query_one("#name", Input).value = "HA01"
    box.value = True
    await check(pilot, wizard)
    assert "is not on a Cluster Shared Volume" in refused(wizard)
    await pilot.press("escape")
    wizard = await open_action(pilot, "vm-new", [vm(app, "DC01")])
    wizard.query_one("#name", Input).value = "HA01"
    wizard.query_one("#highly-available", TickBox).value = True
    wizard.query_one("#vm-path", Input).value = "C:\\ClusterStorage\\Volume1"
    wizard.query_one("#disk-path", Input).value = "C:\\ClusterStorage\\Volume1\\HA01\\HA01.vhdx"
    await check(pilot, wizard)
    assert wizard.plan is not None
    assert [s.script for s in wizard.plan.steps] == ["vm-new", "vm-make-ha"], \
        wizard.plan.failures
    assert (await confirm_and_finish(pilot, wizard)).ok
    await until(pilot, lambda: app.estate.find_vms("HA01") and
                vm(app, "HA01").is_clustered, "HA01 listed as clustered")
