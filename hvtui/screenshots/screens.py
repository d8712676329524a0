"""Screenshots of VM screens as text (issue 12): the wall at 80x24 and 120x40, and one
VM's screen view. ``python -m hvtui.screenshots.screens [DIR]``."""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hvtui.screenshots.panes import LAB_START, frozen_lab_pool, until_shown

WALL_HOSTS = ("HV-2019", "HV-2022")
"""A blue screen (WIN2022-RDS), a boot loop (R2-MIGRATED), lock screens and a Linux login."""


async def _settle(pilot: Any) -> None:
    from hvtui.ui.vm_screen import ScreenView, WallScreen

    app = pilot.app
    for _ in range(1000):
        await pilot.pause(0.01)
        screen = app.screen
        if isinstance(screen, ScreenView | WallScreen) and screen.fetches \
                and not screen.workers:
            return
    raise RuntimeError("the screens did not show")


async def take(name: str, size: tuple[int, int], out: Path, workdir: Path) -> Path:
    from hvtui.ui.actions import get_action
    from hvtui.ui.app import make_app
    app = make_app(frozen_lab_pool(directory=workdir), theme="dark", refresh_interval=3600,
                   clock=lambda: LAB_START)
    async with app.run_test(size=size) as pilot:
        await until_shown(app, pilot)
        if name.startswith("wall"):
            spec = get_action("vm-wall")
            objects: list[Any] = [s for s in app.estate.hosts if s.name in WALL_HOSTS]
        else:
            spec = get_action("vm-screen")
            objects = [v for v in app.estate.vms() if v.name == "WIN2022-RDS"]
        assert spec is not None
        app.run_action_spec(spec, objects)
        await _settle(pilot)
        svg = app.export_screenshot(title=f"hvtui - {name}")
    path = out / f"{name}.svg"
    path.write_text(svg, encoding="utf-8")
    return path


SHOTS: tuple[tuple[str, tuple[int, int]], ...] = (
    ("wall-80x24", (80, 24)),
    ("wall-120x40", (120, 40)),
    ("vm-screen-80x24", (80, 24)),
    ("vm-screen-120x40", (120, 40)),
)


async def take_all(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory(prefix="hvtui-shots-") as tmp:
        work = Path(tmp)
        os.environ["HVTUI_CONFIG_DIR"] = str(work / "config")
        os.environ["HVTUI_STATE_DIR"] = str(work / "state")
        for name, size in SHOTS:
            path = await take(name, size, out, work)
            print(f"  wrote {path}")
            written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    asyncio.run(take_all(Path(args[0] if args else "screenshots")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
