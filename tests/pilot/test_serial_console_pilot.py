"""Pilot opens a lab VM's serial console from the VMs pane: COM 1 is connected after its
pre-flight page (audited), the guest answers what is typed, Ctrl+] leaves; the key is gone
in read-only mode."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from test_wizard_pilot import (  # noqa: F401  (pilot and dirs are fixtures)
    audit,
    confirm_and_finish,
    dirs,
    open_action,
    pilot,
    ready,
    until,
    vm,
)
from textual.pilot import Pilot
from textual.widgets import Static

from hvtui.connect import lab_pool
from hvtui.ui.actions import get_action
from hvtui.ui.app import make_app
from hvtui.ui.serial_screen import GuestText, SerialConsoleScreen
from hvtui.ui.wizards.base import PlanWizard


def _shown(screen: SerialConsoleScreen) -> str:
    return str(screen.query_one("#serial-output", Static).render())


async def test_serial_console_connects_com1_then_round_trips_a_command(
        pilot: Pilot[Any], dirs: Path) -> None:  # noqa: F811
    app = await ready(pilot)
    await pilot.press("slash", *"EDGE-LNX01", "enter")
    await pilot.press("t")  # the key on the VMs pane
    await until(pilot, lambda: isinstance(app.screen, PlanWizard), "the pre-flight page")
    wizard = app.screen
    assert isinstance(wizard, PlanWizard)
    await until(pilot, lambda: wizard.plan is not None, "the pre-flight page's plan")
    assert wizard.plan is not None
    assert "Set-VMComPort" in str(wizard.query_one("#powershell", Static).render())
    assert (await confirm_and_finish(pilot, wizard)).ok
    assert [(e["operation"], e["outcome"]) for e in audit(dirs)] == [
        ("vm-com-port", "started"), ("vm-com-port", "succeeded")]
    await until(pilot, lambda: isinstance(app.screen, SerialConsoleScreen), "the console")
    screen = app.screen
    assert isinstance(screen, SerialConsoleScreen)
    await until(pilot, lambda: _shown(screen).endswith("root@edge-lnx01:~# "), "a prompt")
    await pilot.press(*"hostname", "enter")
    await until(pilot, lambda: "hostname\nedge-lnx01\nroot@edge-lnx01:~# " in _shown(screen),
                "the guest's answer")
    assert "Ctrl+] leaves" in str(screen.query_one("#serial-title", Static).render())
    await pilot.press("ctrl+right_square_bracket")
    await until(pilot, lambda: not isinstance(app.screen, SerialConsoleScreen), "the VMs pane")


async def test_an_off_vm_says_its_console_does_not_answer(
        pilot: Pilot[Any]) -> None:  # noqa: F811
    app = await ready(pilot)
    wizard = await open_action(pilot, "serial-console", [vm(app, "WIN2022-SQL02")])
    await until(pilot, lambda: wizard.plan is not None, "the pre-flight page")
    assert wizard.plan is not None and wizard.plan.warnings
    await confirm_and_finish(pilot, wizard)
    await until(pilot, lambda: isinstance(app.screen, SerialConsoleScreen), "the console")
    screen = app.screen
    assert isinstance(screen, SerialConsoleScreen)
    await until(pilot, lambda: "does not answer" in
                str(screen.query_one("#serial-hint", Static).render()), "the refusal")
    assert "start WIN2022-SQL02" in str(screen.query_one("#serial-hint", Static).render())


async def test_read_only_hides_the_serial_console() -> None:
    spec = get_action("serial-console")
    assert spec is not None and spec.mutating and spec.key == "t"
    app = make_app(lab_pool(speed=float("inf")), read_only=True, refresh_interval=3600)
    async with app.run_test(size=(100, 32)) as p:
        await ready(p)
        await p.press("slash", *"EDGE-LNX01", "enter")
        await p.press("t")
        await p.pause()
        assert not isinstance(app.screen, (PlanWizard, SerialConsoleScreen))


def test_guest_control_characters_are_shown_escaped() -> None:
    text = GuestText()
    text.feed(b"ab\bc\r\n\x1b[31mred\r\nok")
    assert text.lines == ["ac", "\\x1b[31mred", "ok"]
