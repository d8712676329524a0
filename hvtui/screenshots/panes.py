"""Regenerate ``screenshots/*.svg``: every pane, the help screen and a details view.

    python -m hvtui.screenshots.panes [--out screenshots] [--size 120x40]

The pictures come from the embedded lab's default estate with its clock frozen at
:data:`LAB_START` (speed = inf: simulated time only moves when an operation waits),
and the console's 'now' frozen at the same instant, so they only change when the
console or the lab changes. The jobs and audit pictures show a real online export
run through the same plan runner the wizards use.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import re
import sys
import tempfile
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hvtui.remote.pool import SessionPool

LAB_START = dt.datetime(2025, 1, 6, 8, 0, tzinfo=dt.UTC)
"""The frozen lab time (and the console's 'now') of every screenshot and snapshot test."""
SIZE = (120, 40)


def frozen_scenario(start: dt.datetime = LAB_START, scenario: Path | None = None,
                    directory: Path | None = None) -> Path:
    """A copy of a scenario (the default estate when None) whose lab clock starts at ``start``."""
    from hvtui.lab.scenario import default_scenario

    source = scenario or default_scenario()
    text = source.read_text(encoding="utf-8")
    stamp = start.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    lab = tomllib.loads(text).get("lab", {})
    if "start" in lab:
        text = re.sub(r"(?m)^start\s*=.*$", f"start = {stamp}", text, count=1)
    elif re.search(r"(?m)^\[lab\]\s*$", text):
        text = re.sub(r"(?m)^\[lab\]\s*$", f"[lab]\nstart = {stamp}", text, count=1)
    else:
        text = f"[lab]\nstart = {stamp}\n\n" + text
    folder = directory or Path(tempfile.mkdtemp(prefix="hvtui-lab-"))
    path = folder / f"frozen-{source.name}"
    path.write_text(text, encoding="utf-8")
    return path


def frozen_lab_pool(start: dt.datetime = LAB_START, scenario: Path | None = None,
                    directory: Path | None = None) -> SessionPool:
    """The lab's pool (``hvtui.connect.lab_pool``, speed = inf) with a frozen clock."""
    from hvtui.connect import lab_pool

    return lab_pool(frozen_scenario(start, scenario, directory), speed=float("inf"))


async def until_shown(app: Any, pilot: Any) -> None:
    """Refresh every host and wait until the current pane shows the result."""
    await app.refresher.refresh_all()
    main = app.main_screen
    # Quick turns first; then wait in small steps (the first inventory of a host compiles
    # the script in the lab's engine, which takes a while on a loaded machine), 30 s at most.
    for turn in range(620):
        await pilot.pause(0.05 if turn >= 20 else None)
        if not main.pending(main.current) and not app.workers:
            break


SHOTS: tuple[tuple[str, str | None, tuple[str, ...]], ...] = (
    ("hosts", None, ("1",)),
    ("vms", None, ("2",)),
    ("disks", None, ("3",)),
    ("replicas", None, ("4",)),
    ("clusters", None, ("5",)),
    ("jobs", None, ("6",)),
    ("audit", None, ("7",)),
    ("help", None, ("2", "question_mark")),
    ("vm-details", None, ("2", "slash", *"2019-web", "enter", "enter")),
    ("vms-light", "light", ("2",)),
    ("vms-high-contrast", "high-contrast", ("2",)),
    ("vms-16-colours", "16", ("2",)),
    # events pane (issue 12): every host's events after a refused migration and an export
    ("events", None, ("8", "g")),
    ("events-vm", None, ("2", "slash", *"MÜN-FS01", "enter", "L")),
)


async def _activity(app: Any) -> str:
    """Run one real change (an online export) so the jobs and audit panes have content."""
    try:
        from hvtui.hyperv.operations import PlanRunner
        from hvtui.hyperv.plans import ExportRequest, VmRef
        from hvtui.hyperv.preflight import build_plan
    except ImportError as exc:
        return f"no activity ({exc})"
    request = ExportRequest((VmRef("DC01", "HV-NODE1"),), "D:\\Exports")
    try:
        plan = await build_plan(app.pool, request)
        runner = PlanRunner(app.pool, audit=app.audit, jobs=app.jobs)
        result = await runner.run(plan)
    except Exception as exc:  # noqa: BLE001 - pictures without activity are still pictures
        return f"activity failed: {type(exc).__name__}: {exc}"
    return result.summary()


async def _refused_migration(app: Any) -> str:
    """Ask HV-2016 to move MÜN-FS01 with its storage to a 2012 host, as another console
    would (no pre-flight): the hosts refuse it and the source logs it (the Events pane)."""
    from hvtui.ps import catalog

    result = await app.pool.invoke("HV-2016", catalog.get("vm-move").text, {
        "Name": "MÜN-FS01", "DestinationHost": "HV-LEGACY", "IncludeStorage": True,
        "DestinationStoragePath": "D:\\Moved"})
    return "refused as expected" if not result.ok else "the migration was not refused"


async def take(name: str, theme: str | None, keys: Sequence[str], out: Path,
               size: tuple[int, int], workdir: Path) -> Path:
    from hvtui.hyperv.audit import AuditLog
    from hvtui.hyperv.jobs import JobManager
    from hvtui.ui.app import make_app

    audit = AuditLog(workdir / f"audit-{name}.jsonl")
    app = make_app(frozen_lab_pool(directory=workdir), theme=theme or "dark",
                   refresh_interval=3600, clock=lambda: LAB_START, jobs=JobManager(),
                   audit=audit)
    async with app.run_test(size=size) as pilot:
        await until_shown(app, pilot)
        if name in ("jobs", "audit", "events", "events-vm"):
            print(f"  {name}: {await _activity(app)}")
            await until_shown(app, pilot)
        if name in ("events", "events-vm"):
            print(f"  {name}: migration {await _refused_migration(app)}")
        for key in keys:
            await pilot.press(key)
            await pilot.pause()
        await until_shown(app, pilot)
        await pilot.wait_for_scheduled_animations()
        svg = app.export_screenshot(title=f"hvtui - {name}")
    path = out / f"{name}.svg"
    path.write_text(svg, encoding="utf-8")
    return path


async def take_all(out: Path, size: tuple[int, int], only: set[str] | None = None) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory(prefix="hvtui-shots-") as tmp:
        work = Path(tmp)
        # keep the user's settings and state out of it
        os.environ["HVTUI_CONFIG_DIR"] = str(work / "config")
        os.environ["HVTUI_STATE_DIR"] = str(work / "state")
        for name, theme, keys in SHOTS:
            if only and name not in only:
                continue
            path = await take(name, theme, keys, out, size, work)
            print(f"  wrote {path}")
            written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hvtui.screenshots.panes",
                                     description="Regenerate the console's screenshots.")
    parser.add_argument("--out", type=Path, default=Path("screenshots"))
    parser.add_argument("--size", default=f"{SIZE[0]}x{SIZE[1]}",
                        help="terminal size, WIDTHxHEIGHT (default 120x40)")
    parser.add_argument("--only", nargs="*", help="names of the pictures to take")
    args = parser.parse_args(argv)
    try:
        width, height = (int(v) for v in args.size.lower().split("x"))
    except ValueError:
        parser.error(f"--size must look like 120x40, not {args.size!r}")
    print(f"hvtui screenshots -> {args.out} at {width}x{height}")
    asyncio.run(take_all(args.out, (width, height), set(args.only) if args.only else None))
    return 0


if __name__ == "__main__":
    sys.exit(main())
