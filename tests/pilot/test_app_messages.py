"""The app tells the main screen what to do by messages and what changed by signals: the
command palette's choices arrive as messages the main screen handles, wherever the person
is when they choose."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_ui_support import console, screen_text, until_shown
from textual.message import Message

from hvtui.model import VM
from hvtui.ui import actions
from hvtui.ui.details import DetailsScreen
from hvtui.ui.navigation import RunOnSelection, ShowPane, SortBy
from hvtui.ui.panes import PANE_BY_ID


@pytest.fixture(autouse=True)
def _private_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HVTUI_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("HVTUI_STATE_DIR", str(tmp_path / "state"))


async def _open_details(app: Any, pilot: Any) -> None:
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(app.screen, DetailsScreen)


async def test_showing_a_pane_from_over_a_details_view_is_a_message_to_the_main_screen() -> None:
    seen: list[Message] = []
    app = console()
    async with app.run_test(size=(120, 40), message_hook=seen.append) as pilot:
        await until_shown(app, pilot)
        await _open_details(app, pilot)
        app.go_to_pane("hosts", "/")
        await pilot.pause()
        assert app.screen is app.main_screen  # the details view was closed first
        asked = [m for m in seen if isinstance(m, ShowPane)]
        assert [(m.pane, m.prompt) for m in asked] == [("hosts", "/")]
        assert app.main_screen.current == "hosts"
        assert app.main_screen.prompt_open() and app.main_screen.prompt.mode == "/"
    assert not app.unexpected_errors


async def test_sorting_from_the_palette_is_a_message_to_the_main_screen() -> None:
    seen: list[Message] = []
    app = console()
    async with app.run_test(size=(120, 40), message_hook=seen.append) as pilot:
        await until_shown(app, pilot)
        column = PANE_BY_ID["vms"].columns[0]
        assert app.main_screen.table.model.sort_column != column  # health first by default
        app.sort_current(0)
        await pilot.pause()
        assert [m.column for m in seen if isinstance(m, SortBy)] == [0]
        model = app.main_screen.table.model
        assert model.sort_column == column and not model.reverse
        assert f"sort {column.label}" in screen_text(app)  # the crumb says so
    assert not app.unexpected_errors


async def test_an_action_from_the_palette_runs_on_the_main_screens_cursor_row() -> None:
    calls: list[list[Any]] = []

    def look(app: Any, objects: list[Any]) -> None:
        calls.append(objects)

    actions.register_action(actions.ActionSpec("test-one-way", "Look", "y", {"vms"}, False,
                                                look))
    seen: list[Message] = []
    app = console()
    try:
        async with app.run_test(size=(120, 40), message_hook=seen.append) as pilot:
            await until_shown(app, pilot)
            cursor = app.main_screen.objects["vms"][app.main_screen.table.cursor_key]
            await _open_details(app, pilot)
            app.run_action_on_selection("test-one-way")
            await pilot.pause()
            assert [m.action_id for m in seen if isinstance(m, RunOnSelection)] == \
                ["test-one-way"]
            assert app.screen is app.main_screen
            assert len(calls) == 1 and isinstance(cursor, VM) and calls[0] == [cursor]
    finally:
        actions.unregister_action("test-one-way")
    assert not app.unexpected_errors
