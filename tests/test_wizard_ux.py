"""What a person sees in the wizards, asserted on the screen's text (Pilot on the lab)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from test_ui_support import screen_lines, screen_text
from test_wizard_pilot import (
    SIZE,
    host_status,
    open_action,
    ready,
    vm,
)
from textual.pilot import Pilot

from hvtui.connect import lab_pool
from hvtui.ui.app import make_app
from hvtui.ui.wizards.toggles import TickBox


@pytest.fixture(autouse=True)
def dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HVTUI_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("HVTUI_CONFIG_DIR", str(tmp_path / "config"))
    return tmp_path


@pytest.fixture(params=["colour", "NO_COLOR"])
async def pilot(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
                ) -> AsyncIterator[Pilot[Any]]:
    if request.param == "NO_COLOR":
        monkeypatch.setenv("NO_COLOR", "1")
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)
    app = make_app(lab_pool(speed=float("inf")), theme="dark", refresh_interval=3600)
    async with app.run_test(size=SIZE) as p:
        await ready(p)
        yield p


def _line(pilot: Pilot[Any], words: str) -> str:
    lines = [line for line in screen_lines(pilot.app) if words in line]  # type: ignore[arg-type]
    assert lines, f"{words!r} is not on the screen:\n{screen_text(pilot.app)}"  # type: ignore[arg-type]
    return lines[0]


async def test_check_boxes_and_radio_buttons_read_without_colour(pilot: Pilot[Any]) -> None:
    app = await ready(pilot)
    wizard = await open_action(pilot, "copy-file", [vm(app, "DR-DC02")])
    assert "[x] Create missing folders" in _line(pilot, "Create missing folders")
    assert "[ ] Replace the file" in _line(pilot, "Replace the file")
    replace = wizard.query_one("#overwrite", TickBox)
    replace.focus()
    await pilot.press("space")
    await pilot.pause()
    assert "[x] Replace the file" in _line(pilot, "Replace the file")
    await pilot.press("escape")

    await open_action(pilot, "enhanced-session", [host_status(app, "HV-DR1")])
    assert "(•) On: VMConnect" in _line(pilot, "On: VMConnect")  # the policy is off: On offered
    assert "( ) Off: basic sessions" in _line(pilot, "Off: basic sessions")
    await pilot.press("escape")
