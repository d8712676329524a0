"""Pilot walks the settings editor to completion and through a refusal, and the settings
diff from marked VMs to an applied value, on the lab."""

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
from textual.widgets import DataTable, Input, Select, Static

from hvtui.connect import lab_pool
from hvtui.ui.actions import get_action
from hvtui.ui.app import make_app
from hvtui.ui.wizards.base import PlanWizard
from hvtui.ui.wizards.settings import SettingsDiff

GB = 1024**3


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


async def test_settings_editor_to_completion(pilot: Pilot[Any], dirs: Path) -> None:
    app = await ready(pilot)
    await pilot.press("slash", *"RHEL8-APP", "enter")
    await pilot.press("o")
    await until(pilot, lambda: isinstance(app.screen, PlanWizard), "the settings editor")
    wizard = app.screen
    assert isinstance(wizard, PlanWizard)
    await until(pilot, lambda: wizard.query("#check"), "the editor's form")
    startup = wizard.query_one("#set-memory_startup", Input)
    assert startup.value.endswith("MB")  # the current value, typed back exactly
    startup.value = "6GB"
    wizard.query_one("#set-dynamic_memory", Select).value = "on"
    wizard.query_one("#set-memory_maximum", Input).value = "8GB"
    wizard.query_one("#set-automatic_stop_action", Select).value = "ShutDown"
    wizard.query_one("#set-notes", Input).value = "batch; it's $(x)"
    await check(pilot, wizard)
    plan = wizard.plan
    assert plan is not None and not plan.refused
    details = [c.detail for c in plan.checks]
    assert any(d.endswith("-> 6.0 GiB") for d in details)
    assert "off -> on" in details
    shown = str(wizard.query_one("#powershell", Static).render())
    assert "Set-VMMemory -VMName 'RHEL8-APP' -StartupBytes 6442450944" in shown
    result = await confirm_and_finish(pilot, wizard)
    assert result.ok
    await until(pilot, lambda: (s := vm(app, "RHEL8-APP").settings) is not None
                and s.memory_startup == 6 * GB, "the refreshed inventory")
    settings = vm(app, "RHEL8-APP").settings
    assert settings is not None and settings.dynamic_memory and \
        settings.automatic_stop_action == "ShutDown" and settings.notes == "batch; it's $(x)"
    assert [(e["operation"], e["outcome"]) for e in audit(dirs)] == [
        ("vm-settings", "started"), ("vm-settings", "succeeded")]


async def test_settings_editor_refuses_processors_of_running_vms(pilot: Pilot[Any],
                                                                 dirs: Path) -> None:
    app = await ready(pilot)
    vms = [vm(app, "WIN2022-DC"), vm(app, "WIN2022-RDS")]
    wizard = await open_action(pilot, "vm-settings", vms)
    count = wizard.query_one("#set-processor_count", Input)
    count.value = "many"
    await check(pilot, wizard)
    assert "'many' is not a whole number" in str(
        wizard.query_one("#wizard-error", Static).render())
    count.value = "16"
    await check(pilot, wizard)
    said = refused(wizard)
    assert "only while a VM is off" in said and "hvtui vm stop WIN2022-DC" in said
    await pilot.press("escape")
    assert audit(dirs) == []


async def test_settings_diff_marks_differences_and_applies_a_value(pilot: Pilot[Any]) -> None:
    app = await ready(pilot)
    vms = [vm(app, "RHEL8-APP"), vm(app, "WIN2022-SQL02"), vm(app, "BUILD01")]
    spec = get_action("vm-settings-diff")
    assert spec is not None and not spec.mutating
    app.run_action_spec(spec, vms)
    await until(pilot, lambda: isinstance(app.screen, SettingsDiff), "the settings diff")
    diff = app.screen
    assert isinstance(diff, SettingsDiff)
    await until(pilot, lambda: diff.query(DataTable) and diff.query_one(DataTable).row_count,
                "the diff's rows")
    table = diff.query_one(DataTable)
    checkpoint = table.get_row("checkpoint_type")
    assert checkpoint[0] == "≠"  # a mark, not only a colour
    assert str(checkpoint[4]) == "standard only (before 2016)"
    assert table.get_row("memory_buffer")[0] == ""
    # Give WIN2022-SQL02's processor count to the other two.
    row = next(i for i, r in enumerate(diff.rows) if r.field.key == "processor_count")
    table.move_cursor(row=row, column=3)
    await pilot.press("a")
    await until(pilot, lambda: isinstance(app.screen, PlanWizard), "the apply plan")
    review = app.screen
    assert isinstance(review, PlanWizard)
    await until(pilot, lambda: review.plan is not None, "the plan's checks")
    assert review.plan is not None
    targets = {c.subject for c in review.plan.checks}
    assert targets <= {"RHEL8-APP", "BUILD01"}
    count = vm(app, "WIN2022-SQL02").settings
    assert count is not None
    assert not review.plan.refused and review.plan.steps
    result = await confirm_and_finish(pilot, review)
    assert result.ok
    await until(pilot, lambda: all((s := vm(app, n).settings) is not None and
                                   s.processor_count == count.processor_count
                                   for n in ("RHEL8-APP", "BUILD01")),
                "the refreshed inventory")


# --- firmware (issue 11, hostcfg) -----------------------------------------------------------


async def test_settings_editor_turns_the_tpm_on_with_a_key_protector(pilot: Pilot[Any],
                                                                      dirs: Path) -> None:
    app = await ready(pilot)
    wizard = await open_action(pilot, "vm-settings", [vm(app, "LEGACY-BIZ")])
    wizard.query_one("#set-tpm", Select).value = "On"
    wizard.query_one("#set-secure_boot_template", Select).value = \
        "MicrosoftUEFICertificateAuthority"
    await check(pilot, wizard)
    plan = wizard.plan
    assert plan is not None and not plan.refused
    assert any(c.detail.startswith("Off -> On: hvtui gives LEGACY-BIZ a new local key "
                                   "protector") for c in plan.checks)
    shown = str(wizard.query_one("#powershell", Static).render())
    assert "Set-VMKeyProtector -VMName 'LEGACY-BIZ' -NewLocalKeyProtector" in shown
    result = await confirm_and_finish(pilot, wizard)
    assert result.ok
    await until(pilot, lambda: (s := vm(app, "LEGACY-BIZ").settings) is not None
                and s.tpm == "On", "the refreshed inventory")
    settings = vm(app, "LEGACY-BIZ").settings
    assert settings is not None
    assert settings.secure_boot_template == "MicrosoftUEFICertificateAuthority"


async def test_settings_editor_refuses_firmware_of_the_other_generation(pilot: Pilot[Any],
                                                                         dirs: Path) -> None:
    app = await ready(pilot)
    wizard = await open_action(pilot, "vm-settings", [vm(app, "BUILD01")])
    labels = " ".join(str(label.render()) for label in wizard.query("Label"))
    assert "Secure Boot (now - (generation 1: BIOS))" in labels
    assert "BIOS startup order (now CD, IDE, LegacyNetworkAdapter, Floppy)" in labels
    wizard.query_one("#set-startup_order", Input).value = "IDE, CD"
    await check(pilot, wizard)
    assert "is not the four devices" in str(wizard.query_one("#wizard-error", Static).render())
    wizard.query_one("#set-startup_order", Input).value = "IDE, CD, LegacyNetworkAdapter, Floppy"
    wizard.query_one("#set-secure_boot", Select).value = "Off"
    await check(pilot, wizard)
    said = refused(wizard)
    assert "BUILD01 is a generation 1 VM: it has a BIOS, not UEFI firmware" in said
    await pilot.press("escape")
    assert audit(dirs) == []


# --- generation 2 boot order (issue 11, hostcfg) ----------------------------------------------


async def test_settings_editor_boots_a_vm_from_its_network_adapter_first(
        pilot: Pilot[Any], dirs: Path) -> None:
    app = await ready(pilot)
    wizard = await open_action(pilot, "vm-settings", [vm(app, "LEGACY-BIZ")])
    labels = " ".join(str(label.render()) for label in wizard.query("Label"))
    assert "First boot device (now HardDrive)" in labels
    wizard.query_one("#set-first_boot_device", Select).value = "Network"
    wizard.query_one("#set-secure_boot", Select).value = "Off"
    await check(pilot, wizard)
    plan = wizard.plan
    assert plan is not None and not plan.refused
    assert [s.script for s in plan.steps] == ["vm-settings", "vm-boot-order"]
    shown = str(wizard.query_one("#powershell", Static).render())
    assert "Set-VMFirmware -VMName 'LEGACY-BIZ' -FirstBootDevice $device" in shown
    result = await confirm_and_finish(pilot, wizard)
    assert result.ok
    await until(pilot, lambda: (s := vm(app, "LEGACY-BIZ").settings) is not None
                and s.first_boot_device == "Network", "the refreshed inventory")
    assert {"VMName": "LEGACY-BIZ", "FirstBootDevice": "Network"} in [
        e["parameters"] for e in audit(dirs)]


async def test_settings_editor_refuses_the_boot_order_over_powershell_7(
        pilot: Pilot[Any], dirs: Path) -> None:
    app = await ready(pilot)
    wizard = await open_action(pilot, "vm-settings", [vm(app, "WIN2022-SQL02")])
    wizard.query_one("#set-first_boot_device", Select).value = "Network"
    await check(pilot, wizard)
    said = refused(wizard)
    assert "vm-boot-order.ps1 does not run on HV-2025 under PowerShell 7" in said
    assert "connect to HV-2025 with Windows PowerShell (WinRM)" in said
    await pilot.press("escape")
    assert audit(dirs) == []
