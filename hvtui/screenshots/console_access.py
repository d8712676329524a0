"""Regenerate the serial console's screenshots: ``python -m hvtui.screenshots.console_access
[DIR]``.

Opens the serial console of a Linux and a Windows lab guest the way a person would (``t``
on the VMs pane, the pre-flight page of connecting COM 1, confirm), types a few commands and
saves ``serial-console.svg`` (Linux, 100x30) and ``serial-console-sac.svg`` (Windows' SAC,
80x24).
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Button, Static

from hvtui.connect import lab_pool
from hvtui.screenshots.wizards import FROZEN_NOW, _until
from hvtui.ui.actions import get_action
from hvtui.ui.app import make_app
from hvtui.ui.serial_screen import SerialConsoleScreen
from hvtui.ui.wizards.base import PlanWizard
from hvtui.ui.wizards.progress import PlanProgress


async def _open(pilot: Pilot[Any], vm_name: str) -> SerialConsoleScreen:
    app = pilot.app
    spec = get_action("serial-console")
    assert spec is not None
    app.run_action_spec(spec, [app.estate.find_vms(vm_name)[0]])  # type: ignore[attr-defined]
    await _until(pilot, lambda: isinstance(app.screen, PlanWizard), "the pre-flight page")
    wizard = app.screen
    assert isinstance(wizard, PlanWizard)
    await _until(pilot, lambda: wizard.plan is not None, "its plan")
    wizard.query_one("#consequences").scroll_end(animate=False)
    confirm = wizard.query_one("#confirm", Button)
    await _until(pilot, lambda: not confirm.disabled, "the Confirm button")
    await pilot.click("#confirm")
    await _until(pilot, lambda: isinstance(app.screen, PlanProgress), "the progress page")
    progress = app.screen
    assert isinstance(progress, PlanProgress)
    await _until(pilot, lambda: progress.result is not None, "the plan to finish")
    await pilot.click("#close")
    await _until(pilot, lambda: isinstance(app.screen, SerialConsoleScreen), "the console")
    screen = app.screen
    assert isinstance(screen, SerialConsoleScreen)
    return screen


async def _type(pilot: Pilot[Any], screen: SerialConsoleScreen, line: str, answer: str) -> None:
    await pilot.press(*line, "enter")
    await _until(pilot, lambda: answer in str(screen.query_one("#serial-output", Static)
                                                  .render()), f"the answer to {line}")


async def _shoot(folder: Path, name: str, size: tuple[int, int], vm_name: str,
                 lines: list[tuple[str, str]]) -> None:
    app = make_app(lab_pool(speed=float("inf")), theme="dark", refresh_interval=3600,
                   clock=lambda: FROZEN_NOW)
    async with app.run_test(size=size) as pilot:
        await _until(pilot, lambda: app.estate.hosts and all(s.reachable
                                                             for s in app.estate.hosts),
                     "the lab's inventory")
        screen = await _open(pilot, vm_name)
        for line, answer in lines:
            await _type(pilot, screen, line, answer)
        await pilot.pause()
        app.save_screenshot(name, path=str(folder))


async def capture(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    await _shoot(folder, "serial-console.svg", (100, 30), "EDGE-LNX01", [
        ("uname -a", "GNU/Linux"), ("hostname", "\nedge-lnx01\n"),
        ("cat /etc/os-release", "NAME=")])
    await _shoot(folder, "serial-console-sac.svg", (80, 24), "WIN2022-DC", [
        ("id", "Computer GUID"), ("?", "Display this list.")])
    return [folder / "serial-console.svg", folder / "serial-console-sac.svg"]


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    folder = Path(args[0]) if args else Path("screenshots")
    with tempfile.TemporaryDirectory() as state:  # never the person's own audit log
        os.environ["HVTUI_STATE_DIR"] = state
        os.environ["HVTUI_CONFIG_DIR"] = state
        written = asyncio.run(capture(folder))
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
