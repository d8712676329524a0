"""Pilot walks through setting up Hyper-V Replica on the lab: a host made a Replica server
from the Hosts pane, then Enable Replication for a VM from the VMs pane (by its key and from
the command palette) to completion, and a refusal that names the fix."""

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
    host_status,
    open_action,
    ready,
    refused,
    until,
    vm,
)
from textual.pilot import Pilot
from textual.widgets import Input, Select, Static

from hvtui.connect import lab_pool
from hvtui.model import ReplicationMode
from hvtui.ui.app import make_app
from hvtui.ui.wizards.base import PlanWizard
from hvtui.ui.wizards.replication import EnableReplicationWizard, ReplicaServerWizard


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


async def wizard_open(pilot: Pilot[Any]) -> PlanWizard:
    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, PlanWizard), "the wizard")
    screen = app.screen
    assert isinstance(screen, PlanWizard)
    await until(pilot, lambda: screen.is_mounted and screen.query("#check"), "its page")
    await pilot.pause()  # its fields settle (focus, Select options) before the test types
    return screen


async def test_replica_server_then_enable_replication_to_completion(
        pilot: Pilot[Any], dirs: Path) -> None:
    app = await ready(pilot)
    # The Replica server, from the Hosts pane: only HV-2016 may replicate to HV-2022.
    server = await open_action(pilot, "replica-server", [host_status(app, "HV-2022")])
    assert isinstance(server, ReplicaServerWizard)
    assert "Now: not a Replica server" in str(server.query_one("#now", Static).render())
    server.query_one("#who", Select).value = "only"
    server.query_one("#allow", Input).value = "hv-2016.*"
    server.query_one("#entry-storage", Input).value = "C:\\Replica"
    await check(pilot, server)
    assert server.plan is not None and not server.plan.refused, server.plan
    assert (await confirm_and_finish(pilot, server)).ok

    # Enable replication of MÜN-FS01 (on HV-2016) from the VMs pane, by its key.
    await pilot.press("2", "slash", *"N-FS01", "enter")
    await pilot.press("R")
    wizard = await wizard_open(pilot)
    assert isinstance(wizard, EnableReplicationWizard) and wizard.vm.name == "MÜN-FS01"
    assert "HV-2016" not in wizard.servers  # not to itself
    wizard.query_one("#server", Select).value = "HV-2022"
    wizard.query_one("#frequency", Select).value = 30
    wizard.query_one("#points", Input).value = "4"
    await check(pilot, wizard)
    assert wizard.plan is not None and not wizard.plan.refused, wizard.plan
    [step] = wizard.plan.steps
    assert step.host == "HV-2016" and "-ReplicationFrequencySec 30" in step.command
    assert "Start-VMInitialReplication -VMName 'MÜN-FS01'" in step.command
    assert (await confirm_and_finish(pilot, wizard)).ok
    assert [(e["host"], e["operation"]) for e in audit(dirs) if e["outcome"] == "succeeded"] \
        == [("HV-2022", "replica-server"), ("HV-2016", "replication-enable")]
    app.request_refresh("HV-2022")
    await until(pilot, lambda: any(v.replication is not None and v.replication.mode is
                                   ReplicationMode.Replica
                                   for v in app.estate.find_vms("MÜN-FS01", "HV-2022")),
                "the replica on HV-2022", tries=5000)


async def test_enable_replication_from_the_palette_refused_with_the_fix(
        pilot: Pilot[Any]) -> None:
    app = await ready(pilot)
    await pilot.press("2", "slash", *"APP2016", "enter")
    await pilot.press("ctrl+p", *"Enable replication")
    await pilot.pause(0.3)
    await pilot.press("enter")
    wizard = await wizard_open(pilot)
    assert isinstance(wizard, EnableReplicationWizard) and wizard.vm.name == "APP2016"
    await check(pilot, wizard)  # no server chosen: a message, nothing checked
    assert wizard.plan is None
    wizard.query_one("#server", Select).value = "HV-2022"
    await check(pilot, wizard)
    assert "HV-2022 is not a Replica server" in refused(wizard)
    assert "hvtui replica server HV-2022 --enable" in refused(wizard)
    assert vm(app, "APP2016").replication is None


async def test_test_failover_onto_a_chosen_network(pilot: Pilot[Any]) -> None:
    from hvtui.model.failover import FailoverAction
    from hvtui.ui.wizards.failover import FailoverWizard

    app = await ready(pilot)
    wizard = await open_action(pilot, "replica-failover", [vm(app, "SQL01", "HV-DR1")])
    assert isinstance(wizard, FailoverWizard) and wizard.choices[0] is FailoverAction.TEST
    assert "Replica-Net" in wizard.switches
    wizard.query_one("#switch", Select).value = "Replica-Net"
    await check(pilot, wizard)
    assert wizard.plan is not None and not wizard.plan.refused, wizard.plan
    [step] = wizard.plan.steps
    assert step.command.endswith("Connect-VMNetworkAdapter -VMName 'SQL01 - Test' "
                                 "-SwitchName 'Replica-Net'")
    assert (await confirm_and_finish(pilot, wizard)).ok


async def test_unplanned_failover_to_a_chosen_recovery_point(pilot: Pilot[Any],
                                                             dirs: Path) -> None:
    from hvtui.model.failover import FailoverAction
    from hvtui.ui.wizards.failover import FailoverWizard
    from hvtui.ui.wizards.toggles import RadioChoice

    app = await ready(pilot)
    wizard = await open_action(pilot, "replica-failover", [vm(app, "FS01", "HV-DR1")])
    assert isinstance(wizard, FailoverWizard)
    assert len(wizard.points) == 5  # the latest and 4 hourly ones (the scenario keeps 4)
    older = wizard.points[2]
    await pilot.click(list(wizard.query(RadioChoice))[
        wizard.choices.index(FailoverAction.FAILOVER)])
    wizard.query_one("#point", Select).value = older.id
    await check(pilot, wizard)
    assert wizard.plan is not None and not wizard.plan.refused, wizard.plan
    first = wizard.plan.steps[0]
    assert first.script == "replica-failover-point"
    assert f"-eq '{older.id}'" in first.command
    assert any(older.when_text in c.detail for c in wizard.plan.warnings)
    assert (await confirm_and_finish(pilot, wizard)).ok
    assert [e["operation"] for e in audit(dirs) if e["outcome"] == "succeeded"] == [
        "replica-failover-point", "vm-start"]
