"""SVG snapshots of each pane at 80x24 and 120x40 (pytest-textual-snapshot).

The lab's clock and the console's 'now' are frozen, so a picture only changes when
the console or the lab does. After an intended change, review and accept with
``pytest tests/test_ui_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_ui_support import console, until_shown

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

    assert snap_compare(app, press=[key], terminal_size=size, run_before=shown)
    assert not app.unexpected_errors


def test_help_screen(snap_compare: Any) -> None:
    app = console()

    async def shown(pilot: Any) -> None:
        await until_shown(app, pilot)

    assert snap_compare(app, press=["question_mark"], terminal_size=(80, 24), run_before=shown)
