"""Refresh benchmark over real transports: event-loop stalls and client CPU per host.

    python benchmarks/bench_refresh.py [--hosts 50] [--vms 100] [--cpu-hosts 20] [--cpu-vms 20]

The lab serves its estates over WinRM and SSH from its own processes (as real hosts run
on their own CPUs); this process is the console's side only. Prints, per transport:

1. The longest event-loop stall during a refresh of ``--hosts`` x ``--vms`` (goal: under
   50 ms, so the console never freezes), against the stall an idle loop shows in the
   same run (the machine's own noise).
2. Client CPU per host for a refresh of ``--cpu-hosts`` hosts of ``--cpu-vms`` VMs
   (this process's CPU, all threads; goal: at most 2 ms over SSH, 4 ms over WinRM),
   against decoding the same inventory alone in the same run.
3. Client CPU per host for a refresh of the same hosts where nothing changed ("unchanged":
   the host answers with an empty delta; goal: at most 0.2 ms).

Not a test: the machine is shared, so numbers are medians of ``--rounds`` refreshes and
the ratios matter more than the absolute times.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_remote import serve_lab  # noqa: E402

from hvtui.config import load_inventory  # noqa: E402
from hvtui.hyperv.refresh import EstateRefresher  # noqa: E402
from hvtui.lab import Lab  # noqa: E402
from hvtui.ps import catalog  # noqa: E402
from hvtui.ps.decode import decode_inventory, inventory_records  # noqa: E402
from hvtui.remote.pool import SessionPool  # noqa: E402
from hvtui.session_setup import inventory_pool  # noqa: E402

TICK = 0.001


async def longest_stall(work: asyncio.Future[Any]) -> tuple[float, float]:
    """(wall, CPU): the longest time the loop took to come back to a 1 ms sleep while
    ``work`` ran, and the most CPU the loop's thread spent in one such wait. On a shared
    machine the wall time includes time the process was not running at all; the CPU time
    is the work that held the loop, whatever the machine's load."""
    worst = worst_cpu = 0.0
    while not work.done():
        start, cpu = time.perf_counter(), time.thread_time()
        await asyncio.sleep(TICK)
        worst = max(worst, time.perf_counter() - start - TICK)
        worst_cpu = max(worst_cpu, time.thread_time() - cpu)
    return worst, worst_cpu


async def refresh_once(pool: SessionPool, *, watch: bool = True,
                       refresher: EstateRefresher | None = None
                       ) -> tuple[tuple[float, float], float, float]:
    """((longest stall, its CPU), wall, client CPU) of one refresh of every host. CPU is
    measured without watching the loop (``watch=False``): the 1 ms timer costs CPU of its own.
    A new refresher (the default) reads whole inventories; one that refreshed the hosts
    before reads deltas."""
    refresher = refresher or EstateRefresher(pool)
    cpu, wall = time.process_time(), time.perf_counter()
    work = asyncio.ensure_future(refresher.refresh_all())
    stall = await longest_stall(work) if watch else (0.0, 0.0)
    estate = await work
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    failed = [s for s in estate.hosts if s.error]
    if failed:
        raise SystemExit(f"refresh failed on {failed[0].name}: {failed[0].error}")
    return stall, wall, cpu


async def idle_stall(seconds: float) -> float:
    done = asyncio.ensure_future(asyncio.sleep(seconds))
    return (await longest_stall(done))[0]


async def decode_alone(vms: int, rounds: int) -> float:
    """CPU seconds to decode one host's inventory reply (JSON text to the model)."""
    lab = Lab.generated(1, vms, seed=0, instant=True)
    script = catalog.get("inventory").text
    result = await lab.session(lab.host_names[0]).invoke(script, {})
    times = []
    for _ in range(rounds):
        start = time.process_time()
        records = inventory_records(lab.host_names[0], result.objects)
        decode_inventory(lab.host_names[0], records, dt.datetime.now(dt.UTC))
        times.append(time.process_time() - start)
    return statistics.median(times)


@dataclass
class Measured:
    stalls: list[tuple[float, float]] = field(default_factory=list)
    """(wall, CPU) of the longest stall of each whole refresh."""
    cpus: list[float] = field(default_factory=list)
    """Client CPU of each whole refresh."""
    unchanged: list[float] = field(default_factory=list)
    """Client CPU of each refresh of hosts where nothing changed (deltas)."""


async def measure(transport: str, hosts: int, vms: int, args: argparse.Namespace,
                  folder: Path, *, stalls: bool) -> Measured:
    serve = argparse.Namespace(hosts=hosts, vms=vms, delay=args.delay)
    proc, inventory = serve_lab(transport, serve, folder / f"{transport}-{hosts}x{vms}")
    # One lab process serves every host in turn: a host may wait long for its turn.
    inventory.write_text(inventory.read_text(encoding="utf-8").replace(
        "timeout = 30", "timeout = 900"), encoding="utf-8")
    pool = inventory_pool(load_inventory(inventory))
    measured = Measured()
    try:
        await refresh_once(pool)  # connect every session first: paid once, not per refresh
        for _ in range(args.rounds):
            if stalls:
                measured.stalls.append((await refresh_once(pool))[0])
            else:
                measured.cpus.append((await refresh_once(pool, watch=False))[2])
        if not stalls:
            # The lab's clock stands still (--lab-speed inf): nothing changes between two
            # refreshes, and every refresh after the first is an empty delta.
            refresher = EstateRefresher(pool)
            await refresher.refresh_all()
            for _ in range(args.rounds):
                measured.unchanged.append(
                    (await refresh_once(pool, watch=False, refresher=refresher))[2])
        return measured
    finally:
        await pool.close()
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)


async def main(args: argparse.Namespace) -> None:
    folder = Path(tempfile.mkdtemp(prefix="hvtui-bench-refresh-"))
    print(f"hvtui refresh benchmark: lab servers in their own processes, each call answered "
          f"after {args.delay:g} s; medians of {args.rounds} refreshes")
    idle = statistics.median([await idle_stall(0.5) for _ in range(3)])
    decode = await decode_alone(args.cpu_vms, 20)
    print(f"idle loop's longest stall {idle * 1000:.1f} ms; decoding one {args.cpu_vms}-VM "
          f"inventory alone {decode * 1000:.2f} ms CPU")
    print(f"{'transport':<10}{'stall ' + str(args.hosts) + 'x' + str(args.vms):>16}"
          f"{'vs idle':>9}{'its CPU':>11}{'CPU/host ' + str(args.cpu_vms) + ' VMs':>18}"
          f"{'vs decode':>11}{'unchanged':>12}")
    for transport in args.transports:
        big = await measure(transport, args.hosts, args.vms, args, folder, stalls=True)
        small = await measure(transport, args.cpu_hosts, args.cpu_vms, args, folder,
                              stalls=False)
        stall = statistics.median(wall for wall, _ in big.stalls)
        stall_cpu = statistics.median(cpu for _, cpu in big.stalls)
        per_host = statistics.median(small.cpus) / args.cpu_hosts
        unchanged = statistics.median(small.unchanged) / args.cpu_hosts
        print(f"{transport:<10}{stall * 1000:>13.1f} ms{stall / max(idle, 1e-4):>8.1f}x"
              f"{stall_cpu * 1000:>8.1f} ms{per_host * 1000:>15.2f} ms{per_host / decode:>10.1f}x"
              f"{unchanged * 1000:>9.2f} ms")
    print("goals: stall < 50 ms on both; CPU/host <= 2 ms (ssh) / <= 4 ms (psrp); "
          "unchanged host <= 0.2 ms")
    print("'its CPU': the most CPU the loop's thread spent in one stall (the machine's load "
          "is not in it)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--vms", type=int, default=100)
    parser.add_argument("--cpu-hosts", type=int, default=20)
    parser.add_argument("--cpu-vms", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--delay", type=float, default=0.0,
                        help="seconds each lab host takes to answer a call (default 0)")
    parser.add_argument("--transports", nargs="+", default=["ssh", "psrp"],
                        choices=["ssh", "psrp"])
    asyncio.run(main(parser.parse_args()))
