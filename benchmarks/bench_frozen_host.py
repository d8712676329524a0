"""How long hvtui takes to report a frozen host, against that host's own timeout.

Not a test: it prints, for WinRM and SSH, the seconds from the call to the report
and until the last worker thread let go, for a host that froze mid-session (the
lab holds every request) and for a port that accepts and never answers.

    python benchmarks/bench_frozen_host.py --timeout 20
"""

from __future__ import annotations

import argparse
import asyncio
import re
import tempfile
import threading
import time
from pathlib import Path

from hvtui.config import load_inventory
from hvtui.errors import HvtuiError
from hvtui.lab import Lab
from hvtui.lab.server.faults import FaultPlan
from hvtui.lab.server.run import LabEndpoints, start_lab_servers
from hvtui.ps import catalog
from hvtui.session_setup import inventory_pool

FROZEN = "HV-DR1"


def inventory(endpoints: LabEndpoints, transport: str, timeout: float, port: int | None) -> str:
    blocks = endpoints.inventory_toml(transport).split("[[host]]")
    for i, block in enumerate(blocks):
        if f"name = '{FROZEN}'" in block:
            if port is not None:
                block = re.sub(r"port = \d+", f"port = {port}", block)
            blocks[i] = block.rstrip("\n") + f"\ntimeout = {timeout}\n\n"
    return "[[host]]".join(blocks)


async def measure(endpoints: LabEndpoints, folder: Path, transport: str, timeout: float,
                  silent: int | None) -> None:
    path = folder / f"{transport}-{silent}.toml"
    path.write_text(inventory(endpoints, transport, timeout, silent), encoding="utf-8")
    pool = inventory_pool(load_inventory(path))
    script = catalog.get("inventory").text
    if silent is None:
        await pool.invoke(FROZEN, script)  # open the session, then freeze the host
        for server in (endpoints.wsman, endpoints.sshd):
            server.set_fault(FROZEN, FaultPlan(delay=3600))
    start = time.monotonic()
    try:
        await pool.invoke(FROZEN, script)
        outcome = "answered?!"
    except HvtuiError as exc:
        outcome = exc.title
    reported = time.monotonic() - start
    await pool.close()
    while any(t.name.startswith(f"psrp-{FROZEN}") for t in threading.enumerate()):
        await asyncio.sleep(0.05)
    released = time.monotonic() - start
    for server in (endpoints.wsman, endpoints.sshd):
        server.set_fault(FROZEN, None)
    case = "silent port" if silent else "frozen mid-session"
    print(f"  {transport:<5} {case:<19} {outcome:<14} reported {reported:6.1f} s "
          f"({reported / timeout:4.2f} x timeout), threads free {released:6.1f} s")


async def main(args: argparse.Namespace) -> None:
    folder = Path(tempfile.mkdtemp(prefix="hvtui-bench-frozen-"))
    endpoints = await start_lab_servers(Lab.from_scenario(None, instant=True), folder / "lab")
    held: list[asyncio.StreamWriter] = []

    async def hold(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    silent = await asyncio.start_server(hold, "127.0.0.1", 0)
    silent_port = int(silent.sockets[0].getsockname()[1])
    print(f"hvtui frozen-host benchmark: host timeout {args.timeout:g} s")
    try:
        for transport in ("psrp", "ssh"):
            for port in (None, silent_port):
                await measure(endpoints, folder, transport, args.timeout, port)
    finally:
        for writer in held:
            writer.transport.abort()
        silent.close()
        await endpoints.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=10.0, help="the host's timeout (s)")
    asyncio.run(main(parser.parse_args()))
