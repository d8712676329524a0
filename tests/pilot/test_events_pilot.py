"""Pilot walks through the Events pane on the lab (issue 12): the hosts' events read when the
pane is shown (never on a refresh), a refused migration's event at its source, errors first,
a VM's and a host's events from their rows (L), and the filter."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from test_ui_support import screen_text, table_rows
from test_wizard_pilot import SIZE, ready, until
from textual.pilot import Pilot

from hvtui.connect import lab_pool
from hvtui.ps import catalog
from hvtui.remote.base import ProgressRecord
from hvtui.ui.app import HvtuiApp, make_app


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


async def refuse_a_migration(app: HvtuiApp) -> str:
    """Another console asks HV-2016 to move MÜN-FS01 with its storage to a 2012 host: the
    hosts refuse it (no pre-flight in between), and the source logs it."""
    result = await app.pool.invoke("HV-2016", catalog.get("vm-move").text, {
        "Name": "MÜN-FS01", "DestinationHost": "HV-LEGACY", "IncludeStorage": True,
        "DestinationStoragePath": "D:\\Moved"})
    assert not result.ok
    return result.errors[0].message


async def events_shown(pilot: Pilot[Any]) -> list[tuple[str, ...]]:
    app = pilot.app
    assert isinstance(app, HvtuiApp)
    await until(pilot, lambda: app.events.read_at is not None and not app.events.reading
                and not app.main_screen.pending("events"), "the hosts' events")
    await pilot.pause()
    return list(table_rows(app))


async def test_a_refused_migration_shows_on_the_events_pane_errors_first(
        pilot: Pilot[Any]) -> None:
    app = pilot.app
    assert isinstance(app, HvtuiApp)
    # refreshes never read the event channels: only showing the pane does
    await app.refresher.refresh_all()
    await pilot.pause()
    assert app.events.read_at is None
    why = await refuse_a_migration(app)
    # then the VM is turned off: newer, but information, so listed after the errors
    off = await app.pool.invoke("HV-2016", catalog.get("vm-turn-off").text,
                                {"Name": "MÜN-FS01"})
    assert off.ok, off.errors
    await pilot.press("8")
    rows = await events_shown(pilot)
    assert app.main_screen.current == "events"
    first = rows[0]
    assert first[1] in ("Critical", "Error"), rows[:3]
    [refused] = [r for r in rows if r[4] == "21502"]
    assert refused[1] == "Error" and refused[2] == "HV-2016" and refused[3] == "VMMS"
    assert refused[5] == "MÜN-FS01" and why in refused[6]
    # errors and warnings first, each newest first; then the information events
    levels = [r[1] for r in rows]
    infos = [i for i, level in enumerate(levels) if level == "Info"]
    assert infos and all(level == "Info" for level in levels[infos[0]:])
    assert any(r[4] == "18502" and r[5] == "MÜN-FS01" for r in rows[infos[0]:])
    problems = [r[0] for r in rows[:infos[0]]]
    assert problems == sorted(problems, reverse=True)
    # every host on one axis: the stalled replica on HV-LEGACY, the lagging one on HV-NODE2
    assert {"HV-2016", "HV-LEGACY", "HV-NODE2"} <= {r[2] for r in rows}
    assert "21502" in screen_text(app)
    # the filter works as on every pane: /@HOST and words
    await pilot.press("slash", *"@HV-LEGACY", "enter")
    await pilot.pause()
    assert {r[2] for r in table_rows(app)} == {"HV-LEGACY"}
    await pilot.press("escape", "slash", *"21502", "enter")
    await pilot.pause()
    assert [r[4] for r in table_rows(app)] == ["21502"]
    # Enter: the event's details, all of its text
    await pilot.press("enter")
    await until(pilot, lambda: "Event 21502 on HV-2016" in screen_text(app), "the details")
    assert not app.unexpected_errors


async def test_l_on_a_vm_shows_its_events_and_esc_all_of_them(pilot: Pilot[Any],
                                                              dirs: Path) -> None:
    app = pilot.app
    assert isinstance(app, HvtuiApp)
    await refuse_a_migration(app)
    await pilot.press("2", "slash", *"MÜN-FS01", "enter")
    await pilot.pause()
    await pilot.press("L")
    rows = await events_shown(pilot)
    assert app.main_screen.current == "events"
    assert rows and {r[5] for r in rows} == {"MÜN-FS01"}
    assert "21502" in {r[4] for r in rows}
    assert "about MÜN-FS01" in screen_text(app)
    # Esc: every event again (another VM's lagging replica among them)
    await pilot.press("escape")
    await until(pilot, lambda: any("EXCH01" in r[6] for r in table_rows(app)), "every event")
    assert "about MÜN-FS01" not in screen_text(app)
    assert not app.unexpected_errors


async def test_l_on_a_host_shows_its_events_and_r_reads_them_again(pilot: Pilot[Any]) -> None:
    app = pilot.app
    assert isinstance(app, HvtuiApp)
    await pilot.press("1", "slash", *"HV-2016", "enter")
    await pilot.pause()
    await pilot.press("L")
    rows = await events_shown(pilot)
    assert {r[2] for r in rows} <= {"HV-2016"}
    assert not [r for r in rows if r[4] == "21502"]
    first = app.events.read_at
    await refuse_a_migration(app)
    await pilot.press("r")
    await until(pilot, lambda: app.events.read_at != first and not app.events.reading,
                "a second reading")
    await until(pilot, lambda: any(r[4] == "21502" for r in table_rows(app)), "the new event")
    assert {r[2] for r in table_rows(app)} == {"HV-2016"}
    assert not app.unexpected_errors


async def test_a_job_under_way_is_on_the_time_axis_until_it_ends(pilot: Pilot[Any]) -> None:
    """The console's jobs still running are events of their own (progress and all); once
    one ends it leaves the axis (its outcome is the audit log's line)."""
    app = pilot.app
    assert isinstance(app, HvtuiApp)
    gate = asyncio.Event()

    async def work(progress: Callable[[ProgressRecord], None]) -> None:
        progress(ProgressRecord("Exporting", "copying the disks", 40))
        await gate.wait()

    _, task = app.jobs.start("HV-2016", "Export MÜN-FS01", "MÜN-FS01", work)
    await pilot.press("8")
    await events_shown(pilot)
    await until(pilot, lambda: any(r[3] == "hvtui job" for r in table_rows(app)), "the job")
    [job] = [r for r in table_rows(app) if r[3] == "hvtui job"]
    assert job[1:3] == ("Info", "HV-2016") and job[5] == "MÜN-FS01"
    assert "running 40%: Export MÜN-FS01: copying the disks" in job[6]
    gate.set()
    await task
    await until(pilot, lambda: not any(r[3] == "hvtui job" for r in table_rows(app)),
                "the job to leave the axis")
    assert not app.unexpected_errors


async def test_l_on_a_cluster_node_shows_that_hosts_events(pilot: Pilot[Any]) -> None:
    app = pilot.app
    assert isinstance(app, HvtuiApp)
    await pilot.press("5", "slash", *"HV-NODE2", "enter", "g")
    await pilot.pause()
    assert app.main_screen.table.cursor_key == ("hvc01", "1", "hv-node2"), \
        app.main_screen.table.cursor_key
    await pilot.press("L")
    rows = await events_shown(pilot)
    assert app.main_screen.table.model.filter_text == "@HV-NODE2"
    assert rows and {r[2] for r in rows} == {"HV-NODE2"}  # its lagging replica (32315)
    assert not app.unexpected_errors


async def test_l_on_a_vm_role_shows_the_vms_events(pilot: Pilot[Any]) -> None:
    app = pilot.app
    assert isinstance(app, HvtuiApp)
    await pilot.press("5", "slash", *"EXCH01", "enter", "g")
    await pilot.pause()
    assert app.main_screen.table.cursor_key == ("hvc01", "2", "exch01")
    await pilot.press("L")
    rows = await events_shown(pilot)
    assert "about EXCH01" in screen_text(app)
    assert [(r[4], r[5]) for r in rows] == [("32315", "EXCH01")]  # it runs behind
    assert not app.unexpected_errors
