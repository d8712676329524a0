"""Console benchmark: prints numbers and ratios measured in one run (no pass/fail).

    python benchmarks/bench_ui.py [--vms 10000] [--hosts 100] [--repeat 5] [--startup-only]

1. Start-up: process start to first frame, hvtui on the default lab vs a minimal
   Textual app (goal: at most 1.3x), each in a fresh interpreter, median of runs.
2. Ten thousand VMs: load, a 5 % update, sort and filter, hvtui's VirtualTable vs
   Textual's DataTable doing the same (goal: at least 20x faster). Each operation is
   timed from the call until the app is idle again with the frame drawn, as CPU time
   (the work the event loop had to do, deferred work included), minus the cost of the
   same wait after doing nothing.
   Then ``hvtui get vms -o json`` on the default lab vs ``python -c 'import json'``
   (goal: at most 5x), interleaved, median of runs.
3. The longest event-loop stall while the console applies a full refresh of 10,000
   VMs (goal: under 50 ms): end to end on a generated lab (lab, decoding and UI share
   the one event loop), and for the console's own work alone.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
"""Where the start-up children run: not the repository root, whose ./hvtui (without the
themes the wheel ships as hvtui.themes) would shadow the installed hvtui."""

os.environ.setdefault("HVTUI_CONFIG_DIR", tempfile.mkdtemp(prefix="hvtui-bench-cfg-"))
os.environ.setdefault("HVTUI_STATE_DIR", tempfile.mkdtemp(prefix="hvtui-bench-state-"))

from textual.app import App, ComposeResult  # noqa: E402
from textual.widgets import DataTable  # noqa: E402

from hvtui.model import (  # noqa: E402
    VM,
    HeartbeatStatus,
    Host,
    HostInventory,
    HostStatus,
    Replication,
    ReplicationHealth,
    ReplicationMode,
    ReplicationState,
    VMState,
)
from hvtui.ui.panes import VMS, vm_row  # noqa: E402
from hvtui.ui.table import VirtualTable  # noqa: E402
from hvtui.ui.tablemodel import Row, TableModel  # noqa: E402

NOW = dt.datetime(2025, 1, 6, 8, 0, tzinfo=dt.UTC)

# --- 1. start-up ----------------------------------------------------------------------------

# Both children stamp the first frame the same way: the first screen update the app
# hands to its driver (App._display), before any wait for idleness.
_FIRST_FRAME_HOOK = """
import time
import textual.app
_display = textual.app.App._display
def _first(self, screen, renderable):
    if renderable is not None and not getattr(_first, "seen", False):
        _first.seen = True
        print(time.time(), flush=True)
    return _display(self, screen, renderable)
textual.app.App._display = _first
"""

_MINIMAL = _FIRST_FRAME_HOOK + """
from textual.app import App
from textual.widgets import Static
class Minimal(App):
    def compose(self):
        yield Static("hello")
async def pilot(p):
    await p.pause()
    p.app.exit()
Minimal().run(headless=True, size=(120, 40), auto_pilot=pilot)
"""

_HVTUI = _FIRST_FRAME_HOOK + """
import gc
gc.disable()  # as `hvtui` does (cli._console) until the first frame
from hvtui.connect import lab_pool
from hvtui.ui.app import make_app
app = make_app(lab_pool(), theme="dark")
async def pilot(p):
    main = p.app.main_screen
    while not p.app.estate.hosts or any(h.inventory is None and not h.error
                                        for h in p.app.estate.hosts) or main.pending("vms"):
        await p.pause(0.005)
    await p.pause()
    print(time.time(), flush=True)
    p.app.exit()
app.run(headless=True, size=(120, 40), auto_pilot=pilot)
"""


def _first_frame(code: str) -> list[float]:
    start = time.time()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=HERE, timeout=120, check=False)
    stamps = [float(line) for line in out.stdout.split() if line.replace(".", "").isdigit()]
    if out.returncode != 0 or not stamps:
        raise RuntimeError(out.stderr.strip().splitlines()[-1] if out.stderr.strip()
                           else f"exit {out.returncode}")
    return [s - start for s in stamps]


def bench_startup(repeat: int) -> None:
    print(f"1. start-up (process start to first frame, median of {repeat})")
    try:
        minimal = [_first_frame(_MINIMAL)[0] for _ in range(repeat)]
        runs = [_first_frame(_HVTUI) for _ in range(repeat)]
    except Exception as exc:  # noqa: BLE001 - report and go on with the other benchmarks
        print(f"   could not run: {exc}")
        return
    m = statistics.median(minimal)
    h = statistics.median(r[0] for r in runs)
    d = statistics.median(r[1] for r in runs)
    print(f"   minimal Textual app      {m * 1000:7.0f} ms")
    print(f"   hvtui, default lab       {h * 1000:7.0f} ms   ratio {h / m:4.2f}x  (goal <= 1.3x)")
    print(f"   hvtui, every lab host shown {d * 1000:4.0f} ms   (first refresh applied)")


_GET_JSON = ("import sys; from hvtui.cli import run; "
             "sys.argv[1:] = ['get', 'vms', '-o', 'json']; run()")


def _wall(code: str) -> float:
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=HERE, timeout=120, check=False)
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip().splitlines()[-1] if out.stderr.strip()
                           else f"exit {out.returncode}")
    return time.perf_counter() - start


def bench_get(repeat: int) -> None:
    print(f"1b. `hvtui get vms -o json` on the default lab (process wall, median of {repeat})")
    try:
        _wall(_GET_JSON)  # the first run makes the kept lab; later runs read it, as users do
        bare: list[float] = []
        get: list[float] = []
        for _ in range(repeat):  # interleaved, so a busy moment costs both alike
            bare.append(_wall("import json"))
            get.append(_wall(_GET_JSON))
    except Exception as exc:  # noqa: BLE001 - report and go on with the other benchmarks
        print(f"   could not run: {exc}")
        return
    b, g = statistics.median(bare), statistics.median(get)
    print(f"   python -c 'import json'  {b * 1000:7.0f} ms")
    print(f"   hvtui get vms -o json    {g * 1000:7.0f} ms   ratio {g / b:4.2f}x  (goal <= 5x)")


# --- 2. tables at 10,000 rows --------------------------------------------------------------------

def make_vms(count: int, hosts: int, seed: int = 1) -> list[VM]:
    """Model objects built directly (the brief allows this for the 10k benchmark)."""
    rng = random.Random(seed)
    states = [VMState.Running] * 6 + [VMState.Off] * 3 + [VMState.Saved, VMState.Paused,
                                                          VMState.RunningCritical]
    words = ["web", "db", "app", "cache", "mail", "file", "dc", "build", "test", "proxy"]
    vms = []
    for i in range(count):
        host = f"HV{i % hosts:03d}"
        state = rng.choice(states)
        rep = None
        if rng.random() < 0.2:
            rep = Replication(f"id{i}", ReplicationMode.Primary, ReplicationState.Replicating,
                              rng.choice([ReplicationHealth.Normal] * 8
                                         + [ReplicationHealth.Warning, ReplicationHealth.Critical]),
                              host, "HVREP01", 300)
        vms.append(VM(
            id=f"{i:08x}-0000-4000-8000-{i:012x}", name=f"{rng.choice(words)}{i:05d}", host=host,
            state=state, cpu_percent=rng.randint(0, 100), memory_assigned=rng.choice([2, 4, 8, 16])
            * 1024**3, uptime=dt.timedelta(seconds=rng.randint(0, 10**7)),
            status="Operating normally", generation=rng.choice([1, 2]), version="9.0",
            heartbeat=HeartbeatStatus.OkApplicationsHealthy, replication=rep))
    return vms


def rows_for(vms: list[VM]) -> list[Row]:
    return [vm_row(vm, vm.host) for vm in vms]


class VirtualApp(App[None]):
    def __init__(self, model: TableModel) -> None:
        super().__init__()
        self.model = model

    def compose(self) -> ComposeResult:
        yield VirtualTable(self.model, noun="VMs")


class DataTableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield DataTable()


async def _settle(pilot: Any) -> None:
    await pilot.pause()
    await pilot.pause()


async def _cpu(pilot: Any, op: Callable[[], object]) -> float:
    """CPU seconds from calling ``op`` until the app is idle with the frame drawn."""
    await _settle(pilot)
    start = time.process_time()
    op()
    await _settle(pilot)
    return time.process_time() - start


async def _baseline(pilot: Any) -> float:
    return min([await _cpu(pilot, lambda: None) for _ in range(3)])


def _updated(vms: list[VM], fraction: float, seed: int) -> tuple[list[VM], list[int]]:
    rng = random.Random(seed)
    changed = sorted(rng.sample(range(len(vms)), int(len(vms) * fraction)))
    chosen = set(changed)
    out = [replace(vm, cpu_percent=(vm.cpu_percent + 7) % 101,
                   memory_assigned=vm.memory_assigned + 1024**3) if i in chosen else vm
           for i, vm in enumerate(vms)]
    return out, changed


UPDATES = 5
SORTS = ("cpu", "memory", "name", "uptime", "host")
NEEDLES = ("web", "!db", "cache0", "hv042", "!running")


async def bench_virtual(vms: list[VM], updates: list[tuple[list[VM], list[int]]]
                        ) -> dict[str, list[float]]:
    model = TableModel(VMS.columns, sort=VMS.sort, tiebreak=VMS.tiebreak)
    app = VirtualApp(model)
    rows = rows_for(vms)
    out: dict[str, list[float]] = {"load": [], "update 5%": [], "sort": [], "filter": [],
                                   "update 5% (whole hosts re-sent)": []}
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.query_one(VirtualTable)
        base = await _baseline(pilot)
        out["load"].append(await _cpu(pilot, lambda: table.set_rows(rows)) - base)
        for new_vms, changed in updates:
            new_rows = rows_for(new_vms)
            changed_rows = [new_rows[i] for i in changed]
            out["update 5%"].append(
                await _cpu(pilot, partial(table.upsert, changed_rows)) - base)
        for new_vms, _ in updates:
            by_host: dict[str, list[Row]] = {}
            for r in rows_for(new_vms):
                by_host.setdefault(r.group, []).append(r)
            table.set_rows(rows)
            await _settle(pilot)
            out["update 5% (whole hosts re-sent)"].append(
                await _cpu(pilot, partial(table.replace_groups, by_host)) - base)
        for column in SORTS:
            out["sort"].append(
                await _cpu(pilot, partial(table.set_sort, column, reverse=True)) - base)
        for needle in NEEDLES:
            out["filter"].append(await _cpu(pilot, partial(table.set_filter, needle)) - base)
            table.set_filter("")
        assert len(table.model) == len(vms)
    return out


async def bench_datatable(vms: list[VM], updates: list[tuple[list[VM], list[int]]]
                          ) -> dict[str, list[float]]:
    app = DataTableApp()
    rows = rows_for(vms)
    cells = [r.cells for r in rows]
    keys = [str(r.key) for r in rows]
    labels = [c.label for c in VMS.columns]
    index = {c.key: i for i, c in enumerate(VMS.columns)}
    out: dict[str, list[float]] = {"load": [], "update 5%": [], "sort": [], "filter": []}
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.query_one(DataTable)
        column_keys = table.add_columns(*labels)
        base = await _baseline(pilot)

        def load() -> None:
            for key, row in zip(keys, cells, strict=True):
                table.add_row(*row, key=key)

        out["load"].append(await _cpu(pilot, load) - base)
        for new_vms, changed in updates:
            new_cells = [r.cells for r in rows_for([new_vms[i] for i in changed])]

            def update(changed: list[int] = changed, new_cells: list[Any] = new_cells) -> None:
                # only the changed cells are touched, as DataTable's API asks
                for i, row in zip(changed, new_cells, strict=True):
                    for col in (index["cpu"], index["memory"]):
                        table.update_cell(keys[i], column_keys[col], row[col])

            out["update 5%"].append(await _cpu(pilot, update) - base)
        for column in SORTS:
            key = column_keys[index[column]]
            out["sort"].append(
                await _cpu(pilot, partial(table.sort, key, reverse=True)) - base)
        for needle in NEEDLES:
            text, invert = (needle[1:], True) if needle.startswith("!") else (needle, False)

            def filt(text: str = text, invert: bool = invert) -> None:
                # DataTable has no filter: rebuild it with the matching rows
                table.clear()
                for key, row in zip(keys, cells, strict=True):
                    if (text in "\x00".join(row).casefold()) != invert:
                        table.add_row(*row, key=key)

            out["filter"].append(await _cpu(pilot, filt) - base)
    return out


def bench_tables(count: int, hosts: int) -> None:
    print(f"\n2. {count:,} VMs: VirtualTable vs Textual DataTable "
          "(CPU ms from the call until drawn and idle; median)")
    vms = make_vms(count, hosts)
    updates = [_updated(vms, 0.05, seed) for seed in range(UPDATES)]
    ours = asyncio.run(bench_virtual(vms, updates))
    theirs = asyncio.run(bench_datatable(vms, updates))
    for op, times in ours.items():
        mine = max(statistics.median(times), 0.0005)
        if op not in theirs:
            print(f"   {op:<10} hvtui {mine * 1000:8.1f} ms")
            continue
        other = max(statistics.median(theirs[op]), 0.0005)
        print(f"   {op:<10} hvtui {mine * 1000:8.1f} ms   DataTable {other * 1000:9.1f} ms   "
              f"{other / mine:7.1f}x faster  (goal >= 20x)")


# --- 3. stalls during a full refresh ----------------------------------------------------------

class StallMeter:
    """The longest gap between ticks of a 1 ms heartbeat on the event loop.

    Two numbers per gap: wall time, and the CPU time this process spent in it. On a
    busy machine the wall gap also counts time the OS gave to other processes; the
    CPU figure is the part the event loop itself was blocked by work.
    """

    def __init__(self) -> None:
        self.longest = 0.0
        self.longest_cpu = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _beat(self) -> None:
        last, last_cpu = time.perf_counter(), time.process_time()
        while True:
            await asyncio.sleep(0.001)
            now, cpu = time.perf_counter(), time.process_time()
            self.longest = max(self.longest, now - last - 0.001)
            self.longest_cpu = max(self.longest_cpu, cpu - last_cpu)
            last, last_cpu = now, cpu

    def start(self) -> None:
        self.longest = self.longest_cpu = 0.0
        self._task = asyncio.get_running_loop().create_task(self._beat())

    async def stop(self) -> tuple[float, float]:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        return self.longest, self.longest_cpu


async def _until_applied(app: Any, pilot: Any, hosts: int) -> None:
    """Wait until every host has answered and the VMs pane shows all of them."""
    main = app.main_screen
    for _ in range(6000):
        await asyncio.sleep(0.005)
        done = sum(1 for h in app.estate.hosts if h.inventory is not None or h.error)
        if done >= hosts and not main.pending(main.current):
            break


async def stall_end_to_end(hosts: int, per_host: int
                           ) -> tuple[tuple[float, float], float, int] | str:
    try:
        from hvtui.lab import Lab
        from hvtui.remote.pool import SessionPool
        lab = Lab.generated(hosts, per_host, seed=7, instant=True)
    except Exception as exc:  # noqa: BLE001
        return f"generated lab unavailable ({type(exc).__name__}: {exc})"
    from hvtui.ui.app import make_app

    pool = SessionPool({n: partial(lab.session, n) for n in lab.host_names})
    app = make_app(pool, theme="dark", refresh_interval=3600, clock=lab.clock.now)
    meter = StallMeter()
    async with app.run_test(size=(120, 40)) as pilot:
        await app.refresher.refresh_all()   # connect and warm up
        await _until_applied(app, pilot, len(app.estate.hosts))
        meter.start()
        start = time.perf_counter()
        await app.refresher.refresh_all()
        await _until_applied(app, pilot, len(app.estate.hosts))
        took = time.perf_counter() - start
        longest = await meter.stop()
        count = sum(1 for _ in app.estate.vms())
    return longest, took, count


def _no_session() -> Any:
    raise RuntimeError("the console-only measurement opens no sessions")


def _no_refresh(force: bool = False) -> list[Any]:
    return []


async def stall_ui_only(vms: list[VM], hosts: int) -> tuple[tuple[float, float], float]:
    """The console's own share: applying 10,000 VMs' worth of host snapshots."""
    from hvtui.remote.pool import SessionPool
    from hvtui.ui.app import HostUpdated, make_app

    by_host: dict[str, list[VM]] = {}
    for vm in vms:
        by_host.setdefault(vm.host, []).append(vm)
    statuses = [HostStatus(h, HostInventory(Host(h, "Windows Server 2019", "10.0.17763"),
                                            tuple(v), None, NOW), "", NOW)
                for h, v in by_host.items()]
    # No sessions: the snapshots are handed to the app as the refresher would hand them.
    pool = SessionPool({s.name: _no_session for s in statuses})
    app = make_app(pool, theme="dark", refresh_interval=3600, clock=lambda: NOW)
    app.refresher.tick = _no_refresh  # type: ignore[method-assign]
    meter = StallMeter()
    async with app.run_test(size=(120, 40)) as pilot:
        await _settle(pilot)  # start-up (first layout, footer) is not part of a refresh
        meter.start()
        start = time.perf_counter()
        for status in statuses:
            app.post_message(HostUpdated(status))
        await _until_applied(app, pilot, len(app.estate.hosts))
        took = time.perf_counter() - start
        longest = await meter.stop()
    return longest, took


def bench_stalls(count: int, hosts: int) -> None:
    print(f"\n3. longest event-loop stall during a full refresh of {count:,} VMs (goal < 50 ms)")
    print("   (wall: longest gap of a 1 ms heartbeat; cpu: CPU this process spent in that gap)")
    result = asyncio.run(stall_end_to_end(hosts, count // hosts))
    if isinstance(result, str):
        print(f"   end to end: {result}")
    else:
        (wall, cpu), took, seen = result
        print(f"   end to end, in-process lab ({seen:,} VMs; lab, decoding and console share "
              f"the loop): wall {wall * 1000:6.1f} ms, cpu {cpu * 1000:6.1f} ms; "
              f"refresh shown after {took * 1000:5.0f} ms")
    (wall, cpu), took = asyncio.run(stall_ui_only(make_vms(count, hosts), hosts))
    print(f"   console only (host snapshots applied): wall {wall * 1000:6.1f} ms, "
          f"cpu {cpu * 1000:6.1f} ms; all shown after {took * 1000:5.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vms", type=int, default=10_000)
    parser.add_argument("--hosts", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-startup", action="store_true")
    parser.add_argument("--startup-only", action="store_true",
                        help="only the start-up rows (the console and `hvtui get`)")
    args = parser.parse_args()
    if not args.skip_startup:
        bench_startup(args.repeat)
        bench_get(args.repeat)
    if args.startup_only:
        return
    bench_tables(args.vms, args.hosts)
    bench_stalls(args.vms, args.hosts)


if __name__ == "__main__":
    main()
