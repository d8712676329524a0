"""Pilot walks the networking wizards on the lab: the network adapter wizard through a
refusal and to completion (add, then VLAN and guards), the Virtual Switch Manager through a
refusal (removing a switch VMs use) and to completion (an internal switch)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from test_wizard_pilot import (  # noqa: F401  (pilot and dirs are fixtures)
    audit,
    check,
    confirm_and_finish,
    dirs,
    host_status,
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


async def test_adapter_wizard_refuses_a_hot_add_before_2016_then_adds_and_sets_a_vlan(
        pilot: Pilot[Any], dirs: Path) -> None:  # noqa: F811
    app = await ready(pilot)
    wizard = await open_action(pilot, "network-adapters", [vm(app, "LEGACY-SQL")])
    assert "External-LAN" in str(wizard.query_one("#nic-now", Static).render())
    wizard.query_one("#nic-name", Input).value = "Backup"
    await check(pilot, wizard)
    assert "only a generation 2 VM takes adapters while it runs" in refused(wizard)
    await pilot.press("escape")
    assert audit(dirs) == []

    wizard = await open_action(pilot, "network-adapters", [vm(app, "MÜN-FS01")])
    wizard.query_one("#nic-name", Input).value = "Backup 'LAN'"
    wizard.query_one("#nic-switch", Input).value = "external-lan"
    await check(pilot, wizard)
    shown = str(wizard.query_one("#powershell", Static).render())
    assert "Add-VMNetworkAdapter" in shown and "-SwitchName 'External-LAN'" in shown
    assert (await confirm_and_finish(pilot, wizard)).ok
    await until(pilot, lambda: "Backup 'LAN'" in [a.name for a in
                                                  vm(app, "MÜN-FS01").network_adapters],
                "the new adapter")

    wizard = await open_action(pilot, "network-adapters", [vm(app, "MÜN-FS01")])
    await pilot.click("#nic-set")
    wizard.query_one("#nic-name", Input).value = "Backup 'LAN'"
    wizard.query_one("#nic-vlan", Input).value = "30"
    wizard.query_one("#nic-dhcp", TickBox).value = True
    await check(pilot, wizard)
    assert wizard.plan is not None and not wizard.plan.refused
    assert "-Access -VlanId 30" in wizard.plan.steps[0].command
    assert any("loses its connection unless" in c.detail for c in wizard.plan.warnings)
    assert (await confirm_and_finish(pilot, wizard)).ok
    await until(pilot, lambda: [(a.vlan, a.dhcp_guard) for a in
                                vm(app, "MÜN-FS01").network_adapters
                                if a.name == "Backup 'LAN'"] == [(30, True)],
                "the VLAN and DHCP guard in the inventory")
    assert [e["parameters"]["Action"] for e in audit(dirs)
            if e["outcome"] == "succeeded"] == ["Add", "Set"]


async def test_switch_manager_refuses_removing_a_used_switch_then_creates_one(
        pilot: Pilot[Any], dirs: Path) -> None:  # noqa: F811
    app = await ready(pilot)
    wizard = await open_action(pilot, "switch-manager", [host_status(app, "HV-2016")])
    assert "External-LAN: external on 'Ethernet'" in str(
        wizard.query_one("#switches-now", Static).render())
    await pilot.click("#switch-remove")
    wizard.query_one("#switch-name", Input).value = "External-LAN"
    await check(pilot, wizard)
    assert "adapter(s) use it" in refused(wizard)
    await pilot.press("escape")

    wizard = await open_action(pilot, "switch-manager", [host_status(app, "HV-2016")])
    wizard.query_one("#switch-name", Input).value = "Lab Internal"
    await check(pilot, wizard)
    assert wizard.plan is not None
    assert "New-VMSwitch -Name 'Lab Internal' -SwitchType 'Internal'" in \
        wizard.plan.steps[0].command
    assert (await confirm_and_finish(pilot, wizard)).ok

    def created() -> bool:
        inventory = host_status(app, "HV-2016").inventory
        return inventory is not None and "Lab Internal" in inventory.host.switches

    await until(pilot, created, "the new switch in the inventory")
    assert [(e["operation"], e["outcome"]) for e in audit(dirs)] == [
        ("host-switch", "started"), ("host-switch", "succeeded")]
