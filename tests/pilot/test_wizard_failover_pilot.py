"""Pilot walks through the Replicas pane's failover wizard on the lab: test, planned and
unplanned failover to completion, and a refusal of each (the host's words and what the
copy allows instead)."""

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
from textual.containers import VerticalScroll
from textual.pilot import Pilot
from textual.widgets import Button, Static

from hvtui.connect import lab_pool
from hvtui.hyperv.operations import PlanRunner
from hvtui.hyperv.plans import VmRef
from hvtui.hyperv.preflight import build_plan
from hvtui.hyperv.replica_failover import FailoverRequest
from hvtui.model.failover import FailoverAction, next_actions
from hvtui.ui.app import HvtuiApp, make_app
from hvtui.ui.wizards.base import PlanWizard
from hvtui.ui.wizards.failover import FailoverWizard
from hvtui.ui.wizards.toggles import RadioChoice


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


async def choose(pilot: Pilot[Any], wizard: PlanWizard, action: FailoverAction) -> None:
    assert isinstance(wizard, FailoverWizard)
    index = wizard.choices.index(action)
    buttons = list(wizard.query(RadioChoice))
    await pilot.click(buttons[index])
    await pilot.pause()
    await check(pilot, wizard)


async def read_to_the_end(pilot: Pilot[Any], wizard: PlanWizard) -> None:
    """Scroll what will run to its end, as a person must before Confirm is enabled."""
    area = wizard.query_one("#consequences", VerticalScroll)
    area.focus()
    await pilot.press("end")
    confirm = wizard.query_one("#confirm", Button)
    await until(pilot, lambda: not confirm.disabled, "Confirm once everything was shown")


def powershell(wizard: PlanWizard) -> str:
    return str(wizard.query_one("#powershell", Static).render())


async def behind_its_back(app: HvtuiApp, action: FailoverAction, name: str, host: str) -> None:
    """Another console (or `hvtui replica ...`) acts while this wizard is open."""
    plan = await build_plan(app.pool, FailoverRequest(action, VmRef(name, host)))
    assert (await PlanRunner(app.pool, audit=app.audit).run(plan)).ok


async def test_planned_failover_to_completion_and_refused_during_a_test(
        pilot: Pilot[Any], dirs: Path) -> None:
    app = await ready(pilot)
    wizard = await open_action(pilot, "replica-failover", [vm(app, "FS01", "HV-NODE1")])
    assert isinstance(wizard, FailoverWizard)
    assert wizard.choices == (FailoverAction.PLANNED, FailoverAction.REMOVE)
    await behind_its_back(app, FailoverAction.TEST, "FS01", "HV-DR1")
    await choose(pilot, wizard, FailoverAction.PLANNED)
    assert "stop the test first" in refused(wizard)
    await pilot.press("escape")
    await behind_its_back(app, FailoverAction.STOP_TEST, "FS01", "HV-DR1")

    wizard = await open_action(pilot, "replica-failover", [vm(app, "FS01", "HV-NODE1")])
    await choose(pilot, wizard, FailoverAction.PLANNED)
    shown = powershell(wizard)
    order = [shown.index(s) for s in ("Stop-VM -Name 'FS01'", "-Prepare",
                                      "Start-VMFailover -VMName 'FS01' -Confirm",
                                      "-Reverse", "Start-VM -Name 'FS01'")]
    assert order == sorted(order), shown
    await read_to_the_end(pilot, wizard)
    result = await confirm_and_finish(pilot, wizard)
    assert result.ok and len(result.results) == 5
    assert [e["operation"] for e in audit(dirs) if e["outcome"] == "succeeded"][-5:] == [
        "vm-stop", "replica-failover", "replica-failover", "replication-reverse", "vm-start"]


async def test_test_failover_and_its_end_and_a_stale_refusal(pilot: Pilot[Any]) -> None:
    app = await ready(pilot)
    stale = await open_action(pilot, "replica-failover", [vm(app, "SQL01", "HV-DR1")])
    await behind_its_back(app, FailoverAction.TEST, "SQL01", "HV-DR1")
    await choose(pilot, stale, FailoverAction.TEST)
    assert "allowed now: stop the test failover" in refused(stale)
    await pilot.press("escape")
    app.request_refresh("HV-DR1")  # the console sees the test VM on its next refresh
    await until(pilot, lambda: app.estate.find_vms("SQL01 - Test"), "the test VM")

    wizard = await open_action(pilot, "replica-failover", [vm(app, "SQL01", "HV-DR1")])
    assert isinstance(wizard, FailoverWizard) and wizard.choices[0] is FailoverAction.STOP_TEST
    await choose(pilot, wizard, FailoverAction.STOP_TEST)
    assert "Stop-VMFailover -VMName 'SQL01'" in powershell(wizard)
    assert (await confirm_and_finish(pilot, wizard)).ok
    wizard = await open_action(pilot, "replica-failover", [vm(app, "SQL01", "HV-DR1")])
    await choose(pilot, wizard, FailoverAction.TEST)
    assert (await confirm_and_finish(pilot, wizard)).ok


async def test_unplanned_failover_completed_and_reverse_refused_while_the_primary_runs(
        pilot: Pilot[Any]) -> None:
    app = await ready(pilot)
    wizard = await open_action(pilot, "replica-failover", [vm(app, "FS01", "HV-DR1")])
    await choose(pilot, wizard, FailoverAction.FAILOVER)
    assert wizard.plan is not None and any(c.name == "Data loss" for c in wizard.plan.warnings)
    assert (await confirm_and_finish(pilot, wizard)).ok
    await until(pilot, lambda: FailoverAction.COMPLETE in next_actions(vm(app, "FS01", "HV-DR1")),
                "the console to see the failover", tries=5000)  # the wizard's refresh
    wizard = await open_action(pilot, "replica-failover", [vm(app, "FS01", "HV-DR1")])
    assert isinstance(wizard, FailoverWizard)
    assert wizard.choices == (FailoverAction.COMPLETE, FailoverAction.CANCEL,
                              FailoverAction.REVERSE)
    await choose(pilot, wizard, FailoverAction.COMPLETE)
    assert "Complete-VMFailover -VMName 'FS01' -Confirm:$false" in powershell(wizard)
    assert (await confirm_and_finish(pilot, wizard)).ok
    wizard = await open_action(pilot, "replica-failover", [vm(app, "FS01", "HV-DR1")])
    await choose(pilot, wizard, FailoverAction.REVERSE)
    assert "it must be off" in refused(wizard)
