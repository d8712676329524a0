"""Remote-layer benchmark: refresh fan-out, round trips, and per-call overhead.

    python benchmarks/bench_remote.py [--hosts 100] [--vms 20] [--delay 0.25]

Prints ratios measured in one run (the machine is shared and noisy; absolute times
mean little):

1. One full refresh of N lab hosts over each transport (in-process lab, WinRM/PSRP,
   SSH): wall time against the slowest single host (goal: at most 1.2x). Each lab
   host answers after ``--delay`` seconds, as a real host spends time running the
   inventory; with 0 the lab's one server process does all hosts' work on this
   machine's two cores, which measures the server, not the fan-out.
2. Round trips per host per refresh, counted at the lab (goal: exactly 1).
3. hvtui's per-call overhead over a bare pypsrp call to the same endpoint (goal: at
   most 1.1x).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

from hvtui.config import load_inventory
from hvtui.hyperv.inventory import fetch_inventory
from hvtui.hyperv.refresh import EstateRefresher
from hvtui.lab import Lab
from hvtui.lab.server.run import LAB_USER, start_lab_servers
from hvtui.ps import catalog
from hvtui.remote.base import ParamValue, ProgressCallback, PSResult, Session
from hvtui.remote.pool import SessionPool
from hvtui.session_setup import inventory_pool


class Counting:
    """Counts the calls a lab host receives (benchmark instrumentation, not lab code)."""

    def __init__(self, inner: Session, counts: dict[str, int], delay: float) -> None:
        self.host, self._inner, self._counts, self._delay = inner.host, inner, counts, delay

    async def invoke(self, script: str, parameters: Mapping[str, ParamValue] | None = None, *,
                     timeout: float | None = None, on_progress: ProgressCallback | None = None
                     ) -> PSResult:
        self._counts[self.host] = self._counts.get(self.host, 0) + 1
        if self._delay:
            await asyncio.sleep(self._delay)
        return await self._inner.invoke(script, parameters, timeout=timeout,
                                        on_progress=on_progress)

    async def close(self) -> None:
        await self._inner.close()


async def fan_out(pool: SessionPool, counts: dict[str, int]) -> dict[str, float]:
    # Warm every session first: connection setup is paid once per host, not per refresh.
    await asyncio.gather(*(fetch_inventory(pool, h) for h in pool.hosts))
    singles = []
    for host in pool.hosts:
        start = time.perf_counter()
        await fetch_inventory(pool, host)
        singles.append(time.perf_counter() - start)
    counts.clear()
    refresher = EstateRefresher(pool)
    start = time.perf_counter()
    estate = await refresher.refresh_all()
    wall = time.perf_counter() - start
    failed = [s.name for s in estate.hosts if s.error]
    if failed:
        raise SystemExit(f"refresh failed on {failed[:3]}: {estate.hosts[0].error}")
    calls = [counts.get(h, 0) for h in pool.hosts]
    return {"wall": wall, "slowest": max(singles), "ratio": wall / max(singles),
            "round_trips_min": min(calls), "round_trips_max": max(calls)}


def bare_pypsrp(port: int, password: str, ca: str, script: str, calls: int) -> list[float]:
    from pypsrp.powershell import PowerShell, RunspacePool
    from pypsrp.wsman import WSMan

    wsman = WSMan("127.0.0.1", port=port, ssl=True, auth="basic", username=LAB_USER,
                  password=password, cert_validation=ca, no_proxy=True)
    times = []
    with RunspacePool(wsman) as rp:
        for _ in range(calls + 1):
            start = time.perf_counter()
            ps = PowerShell(rp)
            ps.add_script(script)
            ps.invoke()
            times.append(time.perf_counter() - start)
    return times[1:]


async def hvtui_calls(pool: SessionPool, host: str, script: str, calls: int) -> list[float]:
    await pool.invoke(host, script, {})
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        await pool.invoke(host, script, {})
        times.append(time.perf_counter() - start)
    return times


def serve_lab(transport: str, args: argparse.Namespace, folder: Path
              ) -> tuple[subprocess.Popen[str], Path]:
    """`hvtui lab serve` in its own process, as real hosts run on their own CPUs."""
    inventory = folder / f"{transport}.toml"
    env = {**os.environ, "HVTUI_STATE_DIR": str(folder / f"state-{transport}")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "hvtui.cli", "--lab-speed", "inf", "lab", "serve",
         "--generate", f"{args.hosts}x{args.vms}", "--delay", str(args.delay),
         "--transport", transport, "--write-inventory", str(inventory)],
        stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.strip() == "READY":
            return proc, inventory
    raise SystemExit(f"hvtui lab serve ({transport}) did not start")


async def main(args: argparse.Namespace) -> None:
    folder = Path(tempfile.mkdtemp(prefix="hvtui-bench-"))
    print(f"hvtui remote benchmark: {args.hosts} lab hosts x {args.vms} VMs, "
          f"each host answers after {args.delay:g} s; lab servers in their own processes")
    print(f"{'transport':<20}{'refresh wall':>14}{'slowest host':>14}{'ratio':>8}"
          "   (goal: <= 1.2x)")
    lab = Lab.generated(args.hosts, args.vms, seed=0, instant=True)
    counts: dict[str, int] = {}
    in_process = SessionPool({n: (lambda n=n: Counting(lab.session(n), counts, args.delay))
                              for n in lab.host_names}, max_concurrency=args.hosts)
    pools: dict[str, SessionPool] = {"lab (in-process)": in_process}
    servers = []
    try:
        for transport in ("psrp", "ssh"):
            proc, inventory = serve_lab(transport, args, folder)
            servers.append(proc)
            pools[f"{transport} (127.0.0.1)"] = inventory_pool(load_inventory(inventory))
        for label, pool in pools.items():
            result = await fan_out(pool, counts)
            print(f"{label:<20}{result['wall']:>13.3f}s{result['slowest']:>13.3f}s"
                  f"{result['ratio']:>7.2f}x")

        # Round trips: counted where the lab receives calls, in this process.
        served = {n: Counting(lab.session(n), counts, 0.0) for n in lab.host_names}
        endpoints = await start_lab_servers(lab, folder / "counted", served)
        try:
            for transport in ("psrp", "ssh"):
                path = folder / f"counted-{transport}.toml"
                path.write_text(endpoints.inventory_toml(transport), encoding="utf-8")
                pool = inventory_pool(load_inventory(path))
                await pool.invoke(lab.host_names[0], "", {})  # open one session; not counted
                counts.clear()
                await EstateRefresher(pool).refresh_all()
                trips = sorted(set(counts.get(h, 0) for h in lab.host_names))
                print(f"round trips per host per refresh over {transport}: "
                      f"{'/'.join(map(str, trips))} (goal: exactly 1)")
                if transport == "psrp":
                    host = lab.host_names[0]
                    script = catalog.get("inventory").text
                    password = endpoints.password_file.read_text()
                    bare = await asyncio.to_thread(
                        bare_pypsrp, endpoints.winrm_ports[host], password,
                        str(endpoints.certificate.cert_path), script, args.calls)
                    ours = await hvtui_calls(pool, host, script, args.calls)
                    b, o = statistics.median(bare), statistics.median(ours)
                    per_call = (f"per-call, inventory of one host ({args.calls} calls, median): "
                                f"bare pypsrp {b * 1000:.1f} ms, hvtui {o * 1000:.1f} ms, "
                                f"ratio {o / b:.2f}x (goal: <= 1.1x)")
                await pool.close()
            print(per_call)
        finally:
            await endpoints.close()
    finally:
        for pool in pools.values():
            await pool.close()
        for proc in servers:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=10)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=100)
    parser.add_argument("--vms", type=int, default=20)
    parser.add_argument("--delay", type=float, default=0.25,
                        help="seconds each lab host takes to answer (default 0.25)")
    parser.add_argument("--calls", type=int, default=20)
    asyncio.run(main(parser.parse_args()))
    sys.exit(0)
