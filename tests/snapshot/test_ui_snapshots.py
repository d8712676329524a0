"""SVG snapshots of each pane at 80x24 and 120x40 (pytest-textual-snapshot).

The lab's clock and the console's 'now' are frozen, so a picture only changes when
the console or the lab does. After an intended change, review and accept with
``pytest tests/snapshot/test_ui_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_ui_support import console, until_shown

from hvtui.ui.table import VirtualTable

PANES = (("hosts", "1"), ("vms", "2"), ("disks", "3"), ("replicas", "4"), ("clusters", "5"))
SIZES = ((80, 24), (120, 40))


@pytest.fixture(autouse=True)
def _private_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HVTUI_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("HVTUI_STATE_DIR", str(tmp_path / "state"))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize(("pane", "key"), PANES, ids=[p for p, _ in PANES])
def test_pane(snap_compare: Any, pane: str, key: str, size: tuple[int, int]) -> None:
    app = console()

    async def shown(pilot: Any) -> None:
        await until_shown(app, pilot)
        await pilot.press(key)
        # The pane's table takes focus (and draws its cursor row) a moment after the key:
        # wait for it, so the picture never depends on timing.
        for _ in range(200):
            await pilot.pause()
            if isinstance(app.focused, VirtualTable) and not app.workers:
                break
        # The cursor follows the VM it started on, and which host answered first decides
        # that VM: put it on the first row so the picture is the same every time.
        await pilot.press("g")
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=shown)
    assert not app.unexpected_errors


def test_help_screen(snap_compare: Any) -> None:
    app = console()

    async def shown(pilot: Any) -> None:
        await until_shown(app, pilot)

    assert snap_compare(app, press=["question_mark"], terminal_size=(80, 24), run_before=shown)


# --- VM screen as text (issue 12, thumbs): the wall ---------------------------------------------


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_wall(snap_compare: Any, size: tuple[int, int]) -> None:
    """The running VMs of HV-2019 and HV-2022: a blue screen (WIN2022-RDS), a boot loop
    (R2-MIGRATED), Windows lock screens and a Linux login prompt."""
    from hvtui.ui.actions import get_action
    from hvtui.ui.vm_screen import WallScreen

    app = console()

    async def shown(pilot: Any) -> None:
        await until_shown(app, pilot)
        hosts = [s for s in app.estate.hosts if s.name in ("HV-2019", "HV-2022")]
        spec = get_action("vm-wall")
        assert spec is not None
        app.run_action_spec(spec, hosts)
        for _ in range(500):
            await pilot.pause(0.01)
            screen = app.screen
            if isinstance(screen, WallScreen) and screen.fetches and not screen.workers:
                break
        assert isinstance(app.screen, WallScreen) and app.screen.fetches

    assert snap_compare(app, terminal_size=size, run_before=shown)
    assert not app.unexpected_errors


# --- events pane (issue 12) -------------------------------------------------------------------

@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_events_pane_after_a_refused_migration(snap_compare: Any, size: tuple[int, int]) -> None:
    """The hosts' events (the lab's lagging and stalled replicas, and a migration the hosts
    refused) on one time axis, errors and warnings first."""
    from hvtui.ps import catalog

    app = console()

    async def shown(pilot: Any) -> None:
        await until_shown(app, pilot)
        refused = await app.pool.invoke("HV-2016", catalog.get("vm-move").text, {
            "Name": "MÜN-FS01", "DestinationHost": "HV-LEGACY", "IncludeStorage": True,
            "DestinationStoragePath": "D:\\Moved"})
        assert not refused.ok
        await pilot.press("8")
        for _ in range(600):
            await pilot.pause(0.05)
            if app.events.read_at is not None and not app.workers \
                    and not app.main_screen.pending("events") \
                    and isinstance(app.focused, VirtualTable):
                break
        await pilot.press("g")
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=shown)
    assert not app.unexpected_errors
