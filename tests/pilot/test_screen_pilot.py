"""Pilot walks the VM screen view and the wall on the lab (issue 12): the screen drawn and
refreshed, Ctrl+Alt+Del and typed text through their plans (audited, the text never
recorded), hidden under --read-only; the wall of a host's running VMs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from test_ui_support import screen_text
from test_wizard_pilot import (  # noqa: F401  (pilot and dirs are fixtures)
    SIZE,
    audit,
    confirm_and_finish,
    dirs,
    host_status,
    pilot,
    ready,
    until,
    vm,
)
from textual.pilot import Pilot
from textual.widgets import Input

from hvtui.connect import lab_pool
from hvtui.model.thumbnail import ScreenStatus
from hvtui.ui.actions import get_action
from hvtui.ui.app import HvtuiApp, make_app
from hvtui.ui.vm_screen import ScreenView, ThumbnailView, TypeTextDialog, WallScreen
from hvtui.ui.wizards.base import PlanWizard


async def _open_screen(pilot: Pilot[Any], name: str) -> ScreenView:  # noqa: F811
    app = pilot.app
    assert isinstance(app, HvtuiApp)
    spec = get_action("vm-screen")
    assert spec is not None and not spec.mutating
    app.run_action_spec(spec, [vm(app, name)])
    await until(pilot, lambda: isinstance(app.screen, ScreenView), "the screen view")
    view = app.screen
    assert isinstance(view, ScreenView)
    await until(pilot, lambda: view.fetches > 0, "the first screen")
    return view


def _image(view: ScreenView) -> tuple[int, ...]:
    shot = view.query_one(ThumbnailView).shot
    assert shot is not None and shot.status is ScreenStatus.SHOWN, shot
    return shot.pixels


async def _next_screen(pilot: Pilot[Any], view: ScreenView) -> None:  # noqa: F811
    seen = view.fetches
    await until(pilot, lambda: view.fetches > seen, "a newer screen")


async def test_the_screen_fills_the_pane_and_ctrl_alt_del_goes_through_its_plan(
        pilot: Pilot[Any], dirs: Path) -> None:  # noqa: F811
    await ready(pilot)
    view = await _open_screen(pilot, "SQL01")
    image = view.query_one(ThumbnailView)
    shot = image.shot
    assert shot is not None
    # two pixels per cell, as wide as the pane allows at 4:3
    assert shot.height // 2 <= image.size.height and shot.width <= image.size.width
    assert shot.width >= SIZE[0] // 2 or shot.height // 2 >= image.size.height - 1
    lock = _image(view)
    await pilot.press("c")
    await until(pilot, lambda: isinstance(pilot.app.screen, PlanWizard), "the pre-flight page")
    wizard = pilot.app.screen
    assert isinstance(wizard, PlanWizard)
    await until(pilot, lambda: wizard.plan is not None, "the plan")
    assert (await confirm_and_finish(pilot, wizard)).ok
    assert [(e["operation"], e["outcome"]) for e in audit(dirs)] == [
        ("vm-keys", "started"), ("vm-keys", "succeeded")]
    await until(pilot, lambda: pilot.app.screen is view, "the screen view again")
    await _next_screen(pilot, view)
    assert _image(view) != lock  # the sign-in screen


async def test_typed_text_is_typed_and_never_recorded(
        pilot: Pilot[Any], dirs: Path) -> None:  # noqa: F811
    await ready(pilot)
    view = await _open_screen(pilot, "LNX-WEB01")
    before = _image(view)
    await pilot.press("t")
    await until(pilot, lambda: isinstance(pilot.app.screen, TypeTextDialog), "the dialog")
    pilot.app.screen.query_one("#text", Input).value = "hunter2"
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(pilot.app.screen, PlanWizard), "the pre-flight page")
    wizard = pilot.app.screen
    assert isinstance(wizard, PlanWizard)
    await until(pilot, lambda: wizard.plan is not None, "the plan")
    assert wizard.plan is not None and "hunter2" not in wizard.plan.steps[0].command
    assert (await confirm_and_finish(pilot, wizard)).ok
    log = (dirs / "audit.jsonl").read_text()
    assert "hunter2" not in log and '"SecretText": "***"' in log
    await until(pilot, lambda: pilot.app.screen is view, "the screen view again")
    await _next_screen(pilot, view)
    assert _image(view) != before
    await pilot.press("escape")
    await until(pilot, lambda: not isinstance(pilot.app.screen, ScreenView), "the console")
    assert not view.is_attached


async def test_an_off_vm_says_it_has_no_screen(pilot: Pilot[Any]) -> None:  # noqa: F811
    await ready(pilot)
    view = await _open_screen(pilot, "PRINT01")
    shot = view.query_one(ThumbnailView).shot
    assert shot is not None and shot.status is ScreenStatus.NO_SCREEN
    assert "no screen: the VM is not running" in str(view.query_one(ThumbnailView).render())


async def test_read_only_shows_the_screen_without_the_keys(dirs: Path) -> None:  # noqa: F811
    app = make_app(lab_pool(speed=float("inf")), theme="dark", refresh_interval=3600,
                   read_only=True)
    async with app.run_test(size=SIZE) as pilot:  # noqa: F811
        await ready(pilot)
        view = await _open_screen(pilot, "SQL01")
        assert not view.check_action("ctrl_alt_del", ())
        assert not view.check_action("type_text", ())
        footer = screen_text(app)
        assert "Refresh" in footer and "Ctrl+Alt+Del" not in footer and "Type" not in footer
        await pilot.press("c")
        await pilot.pause()
        assert app.screen is view and audit(dirs) == []


async def test_the_wall_shows_a_hosts_running_vms_and_spots_the_blue_screen(
        pilot: Pilot[Any]) -> None:  # noqa: F811
    app = await ready(pilot)
    spec = get_action("vm-wall")
    assert spec is not None
    app.run_action_spec(spec, [host_status(app, "HV-2022")])
    await until(pilot, lambda: isinstance(app.screen, WallScreen), "the wall")
    wall_screen = app.screen
    assert isinstance(wall_screen, WallScreen)
    await until(pilot, lambda: wall_screen.fetches > 0, "the wall's screens")
    running = [v.name for v in app.estate.vms() if v.host == "HV-2022" and v.state.is_running]
    from hvtui.ui.vm_screen import Wall

    wall = wall_screen.query_one(Wall)
    assert [v.name for v in wall.vms] == running
    rds = next(v for v in wall.vms if v.name == "WIN2022-RDS")
    shot = wall.shots[rds.id]
    from collections import Counter

    from hvtui.lab.screen_render import STOP_BLUE
    from hvtui.model.thumbnail import rgb

    top = rgb(Counter(shot.pixels).most_common(1)[0][0])
    assert all(abs(a - b) < 8 for a, b in zip(top, STOP_BLUE, strict=True))
    await pilot.press("escape")
    await until(pilot, lambda: not isinstance(app.screen, WallScreen), "the console")


async def test_a_tick_waits_for_a_slow_fetch_instead_of_piling_up(
        pilot: Pilot[Any]) -> None:  # noqa: F811
    await ready(pilot)
    view = await _open_screen(pilot, "SQL01")
    await until(pilot, lambda: not view.fetching, "the first fetch to end")
    running = [w for w in pilot.app.workers if w.group == "screen" and not w.is_finished]
    view.fetching = True  # as while a slow host has not answered
    view._tick()
    assert [w for w in pilot.app.workers if w.group == "screen" and not w.is_finished] \
        == running
    view.fetching = False
    view._tick()
    await _next_screen(pilot, view)


async def test_closing_the_view_ends_its_timer_and_the_fetch_in_flight(
        pilot: Pilot[Any]) -> None:  # noqa: F811
    await ready(pilot)
    view = await _open_screen(pilot, "SQL01")
    await pilot.press("r")  # a fetch on its way
    await pilot.press("escape")
    await until(pilot, lambda: not view.is_attached, "the view to close")
    await until(pilot, lambda: not [w for w in pilot.app.workers
                                    if w.group == "screen" and not w.is_finished],
                "the view's fetch to end")
