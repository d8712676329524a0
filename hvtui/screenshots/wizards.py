"""Regenerate the wizards' screenshots: ``python -m hvtui.screenshots.wizards [DIR]``.

Drives each wizard on the embedded lab (default scenario) the way a person would: fills
the form, checks, saves the pre-flight page, confirms, waits for the plan to finish and
saves the progress page. SVGs go to ``screenshots/`` (or DIR), named
``wizard-<name>-preflight.svg`` and ``wizard-<name>-progress.svg`` (and
``wizard-<name>-form.svg`` for a wizard whose form is worth seeing); the settings diff is
``settings-diff.svg``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Button, Checkbox, Input, RadioButton, Select

from hvtui.connect import lab_pool
from hvtui.model import VM
from hvtui.ui.actions import get_action
from hvtui.ui.app import make_app
from hvtui.ui.wizards.base import PlanWizard
from hvtui.ui.wizards.progress import PlanProgress

SIZE = (100, 30)
FROZEN_NOW = dt.datetime(2014, 3, 14, 9, 30, tzinfo=dt.UTC)

Fill = Callable[[PlanWizard], None]


async def _until(pilot: Pilot[Any], condition: Callable[[], object], what: str) -> None:
    for _ in range(500):
        if condition():
            return
        await pilot.pause(0.02)
    raise RuntimeError(f"screenshots: timed out waiting for {what}")


def _set(selector: str, value: object) -> Fill:
    def fill(wizard: PlanWizard) -> None:
        widget = wizard.query_one(selector)
        if isinstance(widget, Input | Select | Checkbox):
            widget.value = value
    return fill


def _choose(selector: str) -> Fill:
    """Press a radio choice (a RadioSet un-presses the others)."""
    def fill(wizard: PlanWizard) -> None:
        wizard.query_one(selector, RadioButton).value = True
    return fill


async def _shoot(pilot: Pilot[Any], folder: Path, name: str, action: str, objects: list[Any],
                 fills: list[Fill], *, count: str = "", form: bool = False) -> None:
    app = pilot.app
    spec = get_action(action)
    assert spec is not None
    app.run_action_spec(spec, objects)  # type: ignore[attr-defined]
    await _until(pilot, lambda: isinstance(app.screen, PlanWizard), f"the {name} wizard")
    wizard = app.screen
    assert isinstance(wizard, PlanWizard)
    await _until(pilot, lambda: wizard.is_mounted and wizard.query("#check"), "its page")
    for fill in fills:
        fill(wizard)
    if form:
        await pilot.pause()
        app.save_screenshot(f"wizard-{name}-form.svg", path=str(folder))
    if wizard.has_form:
        wizard.check()
    await _until(pilot, lambda: wizard.plan is not None, f"the {name} pre-flight page")
    await pilot.pause()
    app.save_screenshot(f"wizard-{name}-preflight.svg", path=str(folder))
    if count:
        wizard.query_one("#confirm-count", Input).value = count
    # Confirm waits until the end of the PowerShell and 'Afterwards' has been on screen
    wizard.query_one("#consequences").scroll_end(animate=False)
    confirm = wizard.query_one("#confirm", Button)
    await _until(pilot, lambda: not confirm.disabled, f"the {name} Confirm button")
    await pilot.click("#confirm")
    await _until(pilot, lambda: isinstance(app.screen, PlanProgress), "the progress page")
    progress = app.screen
    assert isinstance(progress, PlanProgress)
    await _until(pilot, lambda: progress.result is not None, f"the {name} plan to finish")
    await pilot.pause()
    app.save_screenshot(f"wizard-{name}-progress.svg", path=str(folder))
    await pilot.click("#close")
    await _until(pilot, lambda: not isinstance(app.screen, PlanProgress), "the console")


async def _shoot_diff(pilot: Pilot[Any], folder: Path, vms: list[VM]) -> None:
    from hvtui.ui.wizards.settings import SettingsDiff

    app = pilot.app
    spec = get_action("vm-settings-diff")
    assert spec is not None
    app.run_action_spec(spec, vms)  # type: ignore[attr-defined]
    await _until(pilot, lambda: isinstance(app.screen, SettingsDiff), "the settings diff")
    await pilot.pause()
    app.save_screenshot("settings-diff.svg", path=str(folder))
    await pilot.press("escape")
    await _until(pilot, lambda: not isinstance(app.screen, SettingsDiff), "the console")


async def capture(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    app = make_app(lab_pool(speed=float("inf")), theme="dark", refresh_interval=3600,
                   clock=lambda: FROZEN_NOW)
    async with app.run_test(size=SIZE) as pilot:
        await _until(pilot, lambda: app.estate.hosts and all(s.reachable
                                                             for s in app.estate.hosts),
                     "the lab's inventory")

        def vm(name: str, host: str | None = None) -> VM:
            return app.estate.find_vms(name, host)[0]

        def status(name: str) -> Any:
            return app.estate.status(name)

        await _shoot(pilot, folder, "migration", "migrate", [vm("LEGACY-SQL")], [
            _set("#destination", "HV-DR1"), _set("#include-storage", True),
            _set("#storage-path", "E:\\VMs\\LEGACY-SQL")])
        obrien = vm("O'Brien-APP")
        data = next(d for d in obrien.disks if d.location == "SCSI 0:0")
        await _shoot(pilot, folder, "resize", "resize-vhd", [data], [_set("#size", "+20G")])
        await _shoot(pilot, folder, "export", "export", [vm("JUMP01")],
                     [_set("#path", "E:\\Exports")])
        await _shoot(pilot, folder, "enhanced-session", "enhanced-session",
                     [status("HV-DR1"), status("HV-2019")], [])
        await _shoot(pilot, folder, "guest-services", "guest-services",
                     [vm("DR-DC02"), vm("LEGACY-SQL", "HV-DR1"), vm("O'Brien-APP")], [])
        await _shoot(pilot, folder, "copy-file", "copy-file", [vm("DR-DC02")], [
            _set("#source", "C:\\Tools\\hvtui-agent.msi"),
            _set("#destination", "C:\\Install\\hvtui-agent.msi")])
        await _shoot(pilot, folder, "turn-off", "vm-turn-off", [vm("DC01"), vm("DR-DC02")], [],
                     count="2")
        # VMs: create, delete, rename (issue 11)
        await _shoot(pilot, folder, "new-vm", "vm-new", [vm("WIN2019-WEB")], [
            _set("#name", "WEB-03"), _set("#memory", "4GB"), _set("#processors", "2"),
            _set("#dynamic", True), _set("#switch", "External-LAN"),
            _set("#disk-size", "80GB")], form=True)
        # The settings editor for two VMs of different releases, and the settings diff.
        await _shoot(pilot, folder, "settings", "vm-settings",
                     [vm("RHEL8-APP"), vm("WIN2022-SQL02")], [
                         _set("#set-processor_count", "4"),
                         _set("#set-memory_weight", "80"),
                         _set("#set-automatic_start_action", "Start"),
                         _set("#set-notes", "Nightly batch")])
        await _shoot_diff(pilot, folder, [vm("RHEL8-APP"), vm("WIN2022-SQL02"), vm("BUILD01"),
                                          vm("WIN2025-APP01")])
        # host settings (issue 11, hostcfg): the editor for one host, and its old -> new
        await _shoot(pilot, folder, "host-settings", "host-settings", [status("HV-2019")], [
            _set("#host-vm_path", "V:\\Hyper-V\\VMs"), _set("#host-numa_spanning", "off"),
            _set("#host-simultaneous", "6"), _set("#host-authentication", "CredSSP"),
            _set("#host-networks", "10.10.30.0/24, 10.10.40.0/24")], form=True)
        # Disks: add one, and Edit Disk (issue 11)
        await _shoot(pilot, folder, "add-disk", "disk-add", [vm("LEGACY-SQL")], [
            _set("#path", "D:\\VMs\\LEGACY-SQL\\Logs.vhdx"), _set("#size", "40 GiB")],
            form=True)
        build = next(d for d in vm("BUILD01").disks if d.location == "IDE 0:0")
        await _shoot(pilot, folder, "edit-disk", "disk-edit", [build], [], form=True)
        # Networking (issue 11): an adapter's VLAN and guards; an external switch, whose
        # pre-flight warns that the host's own connection moves.
        await _shoot(pilot, folder, "network-adapters", "network-adapters",
                     [vm("WIN2019-WEB")], [_choose("#nic-set"), _set("#nic-vlan", "120"),
                                           _set("#nic-dhcp", True), _set("#nic-router", True)],
                     form=True)
        await _shoot(pilot, folder, "switch-manager", "switch-manager", [status("HV-2019")],
                     [_set("#switch-name", "Storage"), _choose("#type-external"),
                      _set("#switch-adapter", "Ethernet 3")], form=True)
        # Replica setup: HV-2022 a Replica server for HV-2016's VMs, then replicate one there.
        await _shoot(pilot, folder, "replica-server", "replica-server", [status("HV-2022")], [
            _set("#who", "only"), _set("#allow", "*.contoso.local"),
            _set("#entry-storage", "C:\\Replica")])
        await _shoot(pilot, folder, "enable-replication", "replica-enable", [vm("MÜN-FS01")], [
            _set("#server", "HV-2022"), _set("#frequency", 30), _set("#points", "4")],
            form=True)
        # Replica failover (issue 12): a test failover of FS01's replica onto a network
        replica = vm("FS01", "HV-DR1")
        switches = status("HV-DR1").inventory.host.switches
        await _shoot(pilot, folder, "failover", "replica-failover", [replica],
                     [_set("#switch", switches[0])], form=True)
    return sorted([*folder.glob("wizard-*.svg"), folder / "settings-diff.svg"])


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    folder = Path(args[0]) if args else Path("screenshots")
    # Runs never touch the person's own audit log or settings.
    with tempfile.TemporaryDirectory() as state:
        os.environ["HVTUI_STATE_DIR"] = state
        os.environ["HVTUI_CONFIG_DIR"] = state
        written = asyncio.run(capture(folder))
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
