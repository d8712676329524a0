"""Pilot walks the host settings editor (``o`` on the Hosts pane) to completion and through
refusals, on the lab."""

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
)
from textual.pilot import Pilot
from textual.widgets import Input, Select, Static

from hvtui.connect import lab_pool
from hvtui.ui.app import make_app
from hvtui.ui.wizards.base import PlanWizard


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


def _host(app: Any, name: str) -> Any:
    inventory = host_status(app, name).inventory
    assert inventory is not None
    return inventory.host


async def test_host_settings_editor_to_completion_by_keys(pilot: Pilot[Any],
                                                         dirs: Path) -> None:
    app = await ready(pilot)
    before = _host(app, "HV-2019").migration.networks
    await pilot.press("colon", *"hosts", "enter")
    await pilot.press("slash", *"HV-2019", "enter")
    await pilot.press("o")
    await until(pilot, lambda: isinstance(app.screen, PlanWizard), "the host settings editor")
    wizard = app.screen
    assert isinstance(wizard, PlanWizard)
    await until(pilot, lambda: wizard.query("#check"), "the editor's form")
    folder = wizard.query_one("#host-vm_path", Input)
    assert folder.value == _host(app, "HV-2019").virtual_machine_path  # the current value
    folder.value = "C:\\Hyper-V\\VMs"
    wizard.query_one("#host-numa_spanning", Select).value = "off"
    wizard.query_one("#host-simultaneous", Input).value = "4"
    wizard.query_one("#host-storage_migrations", Input).value = "3"
    networks = wizard.query_one("#host-networks", Input)
    networks.value = networks.value + ", 10.0.77.0/24"
    await check(pilot, wizard)
    plan = wizard.plan
    assert plan is not None and not plan.refused
    details = [c.detail for c in plan.checks]
    assert any(d.endswith("-> C:\\Hyper-V\\VMs") for d in details)
    assert any(d.startswith("on -> off: applies once the Virtual Machine Management service")
               for d in details)
    assert "2 -> 3" in details
    shown = str(wizard.query_one("#powershell", Static).render())
    assert "Set-VMHost -NumaSpanningEnabled:$false" in shown
    assert "Add-VMMigrationNetwork -Subnet '10.0.77.0/24'" in shown
    result = await confirm_and_finish(pilot, wizard)
    assert result.ok
    await until(pilot, lambda: not _host(app, "HV-2019").numa_spanning,
                "the refreshed inventory")
    host = _host(app, "HV-2019")
    assert (host.virtual_machine_path, host.migration.simultaneous,
            host.storage_migrations) == ("C:\\Hyper-V\\VMs", 4, 3)
    assert host.migration.networks == (*before, "10.0.77.0/24")
    assert [(e["operation"], e["outcome"]) for e in audit(dirs)] == [
        ("host-settings", "started"), ("host-settings", "succeeded")]


async def test_host_settings_editor_refuses_what_the_host_cannot_take(pilot: Pilot[Any],
                                                                     dirs: Path) -> None:
    app = await ready(pilot)
    wizard = await open_action(pilot, "host-settings", [host_status(app, "HV-LEGACY")])
    networks = wizard.query_one("#host-networks", Input)
    networks.value = "127.0.0.0/8"
    await check(pilot, wizard)
    assert "Hyper-V cannot accept loopback addresses" in str(
        wizard.query_one("#wizard-error", Static).render())
    networks.value = ", ".join(_host(app, "HV-LEGACY").migration.networks)
    wizard.query_one("#host-performance", Select).value = "SMB"
    await check(pilot, wizard)
    said = refused(wizard)
    assert "needs Windows Server 2012 R2 or later" in said
    assert "leave the performance option out" in said
    await pilot.press("escape")
    assert audit(dirs) == []


async def test_many_hosts_show_what_they_share_and_what_differs(pilot: Pilot[Any]) -> None:
    app = await ready(pilot)
    hosts = ["HV-NODE1", "HV-2019"]
    assert _host(app, hosts[0]).migration.networks != _host(app, hosts[1]).migration.networks
    wizard = await open_action(pilot, "host-settings", [host_status(app, h) for h in hosts])
    labels = " ".join(str(label.render()) for label in wizard.query("Label"))
    assert "NUMA spanning (now on)" in labels and "Migration networks (now differs)" in labels
    wizard.query_one("#host-storage_migrations", Input).value = "5"
    await check(pilot, wizard)
    assert wizard.plan is not None and not wizard.plan.refused
    assert {c.subject for c in wizard.plan.checks} == set(hosts)
    assert len(wizard.plan.steps) == 2
