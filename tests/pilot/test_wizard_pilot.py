"""Pilot walks through each wizard on the lab: to completion, and through a refusal."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, Input, Select, Static

from hvtui.connect import lab_pool
from hvtui.hyperv.operations import PlanResult
from hvtui.model import VM, Disk, HostStatus
from hvtui.ui.actions import get_action
from hvtui.ui.app import HvtuiApp, make_app
from hvtui.ui.wizards.base import PlanWizard
from hvtui.ui.wizards.progress import PlanProgress

SIZE = (100, 32)


@pytest.fixture(autouse=True)
def dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HVTUI_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("HVTUI_CONFIG_DIR", str(tmp_path / "config"))
    return tmp_path


def audit(dirs: Path) -> list[dict[str, Any]]:
    path = dirs / "audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


async def until(pilot: Pilot[Any], condition: Callable[[], object], what: str,
                tries: int = 1000) -> None:
    for _ in range(tries):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError(f"timed out waiting for {what}")


async def ready(pilot: Pilot[Any]) -> HvtuiApp:
    app = pilot.app
    assert isinstance(app, HvtuiApp)
    await until(pilot, lambda: app.estate.hosts and all(s.reachable for s in app.estate.hosts),
                "the lab's inventory")
    return app


def vm(app: HvtuiApp, name: str, host: str | None = None) -> VM:
    return app.estate.find_vms(name, host)[0]


def disk(app: HvtuiApp, vm_name: str, location: str) -> Disk:
    return next(d for d in vm(app, vm_name).disks if d.location == location)


def host_status(app: HvtuiApp, name: str) -> HostStatus:
    status = app.estate.status(name)
    assert status is not None
    return status


async def open_action(pilot: Pilot[Any], action: str, objects: list[Any]) -> PlanWizard:
    app = pilot.app
    spec = get_action(action)
    assert spec is not None and spec.mutating
    app.run_action_spec(spec, objects)  # type: ignore[attr-defined]
    await until(pilot, lambda: isinstance(app.screen, PlanWizard), f"the {action} wizard")
    screen = app.screen
    assert isinstance(screen, PlanWizard)
    await until(pilot, lambda: screen.is_mounted and screen.query("#check"), "the wizard's page")
    await pilot.pause()
    return screen


async def press(pilot: Pilot[Any], button: Button) -> None:
    """Press a button from the keyboard (no mouse needed), as a person would.

    Textual's Button ignores a press within 0.2 s of the previous one (its "active"
    effect), so a test that pressed it a moment ago waits first, as a person's second
    press does; a click by coordinates could also land on a notification toast.
    """
    await until(pilot, lambda: not button.has_class("-active"), "the button to be pressable")
    button.focus()
    # focus() takes effect on a later message: until it has, Enter would go to the field
    # that had focus (a Select opens its list), and the press would be lost
    await until(pilot, lambda: button.has_focus, "the button to take focus")
    await pilot.pause()
    await pilot.press("enter")


async def check(pilot: Pilot[Any], wizard: PlanWizard) -> None:
    """Press Check and wait for its answer: the pre-flight page, or a message."""
    wizard.say("")  # so a message left by an earlier check is not taken for this one's
    await pilot.pause()
    await press(pilot, wizard.query_one("#check", Button))
    await until(pilot, lambda: wizard.plan is not None
                or _error(wizard) not in ("", "Checking against the hosts ..."),
                "the pre-flight page")


def _error(wizard: PlanWizard) -> str:
    return str(wizard.query_one("#wizard-error", Static).render())


async def confirm_and_finish(pilot: Pilot[Any], wizard: PlanWizard) -> PlanResult:
    assert wizard.plan is not None and not wizard.plan.refused, wizard.plan
    button = wizard.query_one("#confirm", Button)
    assert not button.disabled
    await press(pilot, button)
    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, PlanProgress), "the progress page")
    progress = app.screen
    assert isinstance(progress, PlanProgress)
    await until(pilot, lambda: progress.result is not None, "the plan to finish")
    assert progress.result is not None
    outcome = str(progress.query_one("#outcome", Static).render())
    assert outcome.startswith(progress.result.summary())
    await pilot.click("#close")
    await until(pilot, lambda: not isinstance(app.screen, PlanProgress), "the console again")
    return progress.result


def refused(wizard: PlanWizard) -> str:
    assert wizard.plan is not None and wizard.plan.refused
    assert wizard.query_one("#confirm", Button).disabled
    assert "Refused" in _error(wizard)
    return " ".join(f"{c.detail} {c.fix}" for c in wizard.plan.failures)


@pytest.fixture
async def pilot() -> AsyncIterator[Pilot[Any]]:
    app = make_app(lab_pool(speed=float("inf")), theme="dark", refresh_interval=3600)
    async with app.run_test(size=SIZE) as p:
        await ready(p)
        yield p


async def test_migration_wizard_to_completion_by_keys(pilot: Pilot[Any], dirs: Path) -> None:
    app = pilot.app
    assert isinstance(app, HvtuiApp)
    await pilot.press("slash", *"LEGACY-SQL", "enter")
    await pilot.press("m")
    await until(pilot, lambda: isinstance(app.screen, PlanWizard), "the migration wizard")
    wizard = app.screen
    assert isinstance(wizard, PlanWizard)
    wizard.query_one("#destination", Select).value = "HV-DR1"
    await pilot.click("#include-storage")
    wizard.query_one("#storage-path", Input).value = "E:\\VMs\\LEGACY-SQL"
    await check(pilot, wizard)
    assert wizard.plan is not None
    assert "Move-VM -Name 'LEGACY-SQL'" in str(wizard.query_one("#powershell", Static).render())
    result = await confirm_and_finish(pilot, wizard)
    assert result.ok
    assert [(e["operation"], e["outcome"]) for e in audit(dirs)] == [
        ("vm-move", "started"), ("vm-move", "succeeded")]


async def test_migration_wizard_refuses_2012r2_to_2012(pilot: Pilot[Any], dirs: Path) -> None:
    app = await ready(pilot)
    wizard = await open_action(pilot, "migrate", [vm(app, "DR-DC02")])
    await check(pilot, wizard)  # no destination chosen yet
    assert "choose the destination host first" in _error(wizard)
    wizard.query_one("#destination", Select).value = "HV-LEGACY"
    await pilot.click("#include-storage")
    await check(pilot, wizard)
    assert "never goes from a newer release (2012 R2) to an older one (2012)" in refused(wizard)
    await pilot.click("#confirm")  # disabled: nothing happens
    assert app.screen is wizard
    await pilot.press("escape")
    assert audit(dirs) == []


async def test_resize_wizard_grows_online_and_refuses_ide_vhd(pilot: Pilot[Any]) -> None:
    app = await ready(pilot)
    wizard = await open_action(pilot, "resize-vhd", [disk(app, "O'Brien-APP", "IDE 0:0")])
    size = wizard.query_one("#size", Input)
    size.value = "twenty gigs"
    await check(pilot, wizard)
    assert "Size not understood" in _error(wizard)
    size.value = "+20G"
    await pilot.pause()
    assert "60.0 GiB -> 80.0 GiB" in str(wizard.query_one("#size-preview", Static).render())
    await check(pilot, wizard)
    assert "only VHDX can be resized while the VM runs" in refused(wizard)
    await pilot.press("escape")

    wizard = await open_action(pilot, "resize-vhd", [disk(app, "O'Brien-APP", "SCSI 0:0")])
    wizard.query_one("#size", Input).value = "120 GiB"
    await check(pilot, wizard)
    assert wizard.plan is not None and "extend the partition" in wizard.plan.notes[0]
    assert (await confirm_and_finish(pilot, wizard)).ok


async def test_export_wizard(pilot: Pilot[Any]) -> None:
    app = await ready(pilot)
    wizard = await open_action(pilot, "export", [vm(app, "ERP-APP", "HV-LEGACY")])
    wizard.query_one("#path", Input).value = "D:\\Exports"
    await check(pilot, wizard)
    assert "Exporting a running VM needs Windows Server 2012 R2" in refused(wizard)
    await pilot.press("escape")
    wizard = await open_action(pilot, "export", [vm(app, "JUMP01")])
    wizard.query_one("#path", Input).value = "E:\\Exports"
    await check(pilot, wizard)
    assert (await confirm_and_finish(pilot, wizard)).ok


async def test_enhanced_session_wizard(pilot: Pilot[Any]) -> None:
    app = await ready(pilot)
    wizard = await open_action(pilot, "enhanced-session", [host_status(app, "HV-LEGACY")])
    await check(pilot, wizard)
    assert "Enhanced session mode needs Windows Server 2012 R2" in refused(wizard)
    await pilot.press("escape")
    wizard = await open_action(pilot, "enhanced-session", [host_status(app, "HV-DR1")])
    await check(pilot, wizard)  # "On" is preselected: the policy is off
    assert wizard.plan is not None
    assert any(c.subject == "DR-DC02" and c.detail == "available" for c in wizard.plan.checks)
    assert (await confirm_and_finish(pilot, wizard)).ok


async def test_guest_services_then_copy_file(pilot: Pilot[Any]) -> None:
    app = await ready(pilot)
    copy = await open_action(pilot, "copy-file", [vm(app, "DR-DC02")])
    copy.query_one("#source", Input).value = "C:\\Tools\\hvtui-agent.msi"
    copy.query_one("#destination", Input).value = "C:\\Install\\agent.msi"
    await check(pilot, copy)
    assert "Guest Service Interface is off" in refused(copy)
    await pilot.press("escape")

    gsi = await open_action(pilot, "guest-services", [vm(app, "LEGACY-SQL")])
    await check(pilot, gsi)
    assert "new in Windows Server 2012 R2" in refused(gsi)
    await pilot.press("escape")
    gsi = await open_action(pilot, "guest-services", [vm(app, "DR-DC02")])
    await check(pilot, gsi)
    assert (await confirm_and_finish(pilot, gsi)).ok

    copy = await open_action(pilot, "copy-file", [vm(app, "DR-DC02")])
    copy.query_one("#source", Input).value = "C:\\Tools\\hvtui-agent.msi"
    copy.query_one("#destination", Input).value = "C:\\Install\\agent.msi"
    await check(pilot, copy)
    assert (await confirm_and_finish(pilot, copy)).ok


async def test_bulk_turn_off_needs_the_count_typed(pilot: Pilot[Any], dirs: Path) -> None:
    app = await ready(pilot)
    wizard_opened = open_action(pilot, "vm-turn-off", [vm(app, "DC01"), vm(app, "DR-DC02")])
    wizard = await wizard_opened
    await until(pilot, lambda: wizard.plan is not None, "the pre-flight page")
    assert wizard.plan is not None and wizard.plan.destructive
    assert "Type 2 to confirm" in str(wizard.query_one("#confirm-label").render())
    await pilot.click("#confirm")
    assert app.screen is wizard and "Type 2" in _error(wizard)
    wizard.query_one("#confirm-count", Input).value = "2"
    assert (await confirm_and_finish(pilot, wizard)).ok
    assert [e["outcome"] for e in audit(dirs)] == ["started", "succeeded"] * 2


async def test_quick_action_runs_without_a_dialog(pilot: Pilot[Any], dirs: Path) -> None:
    app = await ready(pilot)
    spec = get_action("vm-start")
    assert spec is not None
    app.run_action_spec(spec, [vm(app, "BUILD01")])
    await until(pilot, lambda: len(audit(dirs)) == 2, "the start to be audited")
    assert [e["outcome"] for e in audit(dirs)] == ["started", "succeeded"]
    assert not isinstance(app.screen, PlanWizard)


async def test_read_only_hides_every_wizard(dirs: Path) -> None:
    app = make_app(lab_pool(speed=float("inf")), read_only=True, theme="dark",
                   refresh_interval=3600)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("slash", *"DC01", "enter")
        await pilot.press("m", "O", "e")
        await pilot.pause()
        assert not isinstance(app.screen, PlanWizard)
        main = app.main_screen
        assert main.check_action("run_registered", ("migrate",)) is False
    assert audit(dirs) == []


async def test_drain_a_node_and_resume_it_with_failback(pilot: Pilot[Any], dirs: Path) -> None:
    app = await ready(pilot)
    cluster = app.estate.clusters()[0]
    node2 = cluster.node("HV-NODE2")
    review = await open_action(pilot, "cluster-drain", [(cluster, node2)])
    await until(pilot, lambda: review.plan is not None, "the drain pre-flight page")
    assert review.plan is not None and review.plan.destructive
    assert "Destructive for HV-NODE2" in str(review.query_one("#confirm-label").render())
    assert (await confirm_and_finish(pilot, review)).ok

    paused = app.estate.clusters()[0].node("HV-NODE3")
    resume = await open_action(pilot, "cluster-resume", [(cluster, paused)])
    await pilot.click("RadioButton:last-of-type")  # Policy
    await check(pilot, resume)
    assert resume.plan is not None
    assert "Resume-ClusterNode -Name 'HV-NODE3' -Failback 'Policy'" in str(
        resume.query_one("#powershell", Static).render())
    assert (await confirm_and_finish(pilot, resume)).ok
    assert [e["operation"] for e in audit(dirs)] == ["cluster-node-suspend"] * 2 + [
        "cluster-node-resume"] * 2


async def test_replica_frequency_wizard_refuses_on_the_replica(pilot: Pilot[Any]) -> None:
    app = await ready(pilot)
    wizard = await open_action(pilot, "replica-frequency", [vm(app, "EXCH01", "HV-DR1")])
    await pilot.click("RadioButton:first-of-type")  # 30 seconds
    await check(pilot, wizard)
    assert "cannot be modified on the replica virtual machine" in refused(wizard)
    await pilot.press("escape")
    wizard = await open_action(pilot, "replica-frequency", [vm(app, "EXCH01", "HV-NODE2")])
    await pilot.click("RadioButton:first-of-type")
    await check(pilot, wizard)
    assert (await confirm_and_finish(pilot, wizard)).ok


async def test_processor_compat_toggles_an_off_vm(pilot: Pilot[Any], dirs: Path) -> None:
    app = await ready(pilot)
    spec = get_action("processor-compat")
    assert spec is not None and spec.mutating
    app.run_action_spec(spec, [vm(app, "BUILD01")])
    await until(pilot, lambda: len(audit(dirs)) == 2, "the change to be audited")
    assert [e["outcome"] for e in audit(dirs)] == ["started", "succeeded"]
    assert audit(dirs)[0]["parameters"] == {"VMName": "BUILD01", "Enabled": True}
