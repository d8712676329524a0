"""Console access from a terminal (issue 12).

    hvtui console VM [--host H] [--dry-run] [--yes]     the VM's serial console (Ctrl+] out)

The serial console connects the VM's COM 1 to a named pipe on its host when it is not yet
(a plan like every change: pre-flight, the exact Set-VMComPort, the audit log; ``--dry-run``
stops there), then relays the terminal through hvtui's existing session to that host
(:mod:`hvtui.hyperv.serial_console`). On a terminal it is interactive, raw, until Ctrl+];
with standard input not a terminal, each line read is typed followed by Enter and what the
guest answers is printed, for scripts.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from typing import Any, BinaryIO

from hvtui.cli_actions import act_on_request, common_options
from hvtui.config import on_terminal
from hvtui.errors import PlanRefused
from hvtui.hyperv import lookup
from hvtui.hyperv.plans import VmRef
from hvtui.hyperv.serial_console import (
    EXIT_KEY,
    GUEST_NEEDS,
    SerialPortRequest,
    SerialRelay,
    com1_pipe,
)
from hvtui.model import VM
from hvtui.remote.pool import SessionPool

IDLE_WAIT_MS = 250
"""An empty turn listens this long, so what is typed meanwhile waits at most this much."""


def register(sub: Any) -> None:
    p = sub.add_parser(
        "console", help="the VM's serial console through its host (Set-VMComPort, "
                        "Get-VMComPort; Ctrl+] leaves)",
        description="Open the VM's serial console (COM 1) through hvtui's session to its "
                    "host. COM 1 is connected to a named pipe on the host first if it is "
                    "not (Set-VMComPort, audited; --dry-run shows that plan). "
                    + GUEST_NEEDS + ". On a terminal the console is interactive until "
                    "Ctrl+]; otherwise each line of standard input is typed, and the guest's "
                    "answers printed.")
    p.add_argument("vm", metavar="VM")
    common_options(p)
    p.set_defaults(handler=run_console)


def run_console(args: argparse.Namespace) -> int:
    from hvtui.session_setup import open_pool

    pool, source = open_pool(args)
    with asyncio.Runner() as loop:
        try:
            vm, pipe = loop.run(_vm_and_pipe(pool, VmRef(args.vm, args.host)))
            if pipe is None or args.dry_run:
                code = act_on_request(loop, args, SerialPortRequest(VmRef(vm.name, vm.host)),
                                      pool, source, sys.stdin, sys.stdout)
                if code != 0 or args.dry_run:
                    return code
                pipe = loop.run(com1_pipe(pool, vm))
                if pipe is None:
                    raise PlanRefused(f"{vm.name}'s COM 1 is still not on a pipe",
                                      host=vm.host, hint="check Get-VMComPort on the host")
            relay = SerialRelay(pool, vm, pipe)
            stdin = sys.stdin
            if stdin is not None and on_terminal(stdin) and on_terminal(sys.stdout):
                return int(loop.run(_interactive(relay, stdin.fileno())))
            return int(loop.run(_lines(relay, stdin)))
        finally:
            loop.run(pool.close())


async def _vm_and_pipe(pool: SessionPool, ref: VmRef) -> tuple[VM, str | None]:
    estate = await lookup.fresh_estate(pool, lookup.hosts_for(pool, [ref]))
    vm = lookup.vm(estate, ref)
    return vm, await com1_pipe(pool, vm)


def _raw_out() -> BinaryIO:
    return sys.stdout.buffer


async def _lines(relay: SerialRelay, stdin: Any) -> int:
    """Standard input is no terminal: type each line and Enter, print what comes back."""
    out = _raw_out()
    lines = stdin.read().splitlines() if stdin is not None else []
    out.write(await relay.exchange(b"\r"))
    for line in lines:
        out.write(await relay.exchange(line.encode("utf-8") + b"\r"))
    out.write(b"\n")
    out.flush()
    return 0


async def _interactive(relay: SerialRelay, fd: int) -> int:
    import termios
    import tty

    out = _raw_out()
    sys.stderr.write(f"Serial console of {relay.vm.name} on {relay.vm.host} "
                     f"(COM 1, \\\\.\\pipe\\{relay.pipe}). Ctrl+] leaves.\r\n")
    sys.stderr.flush()
    typed: asyncio.Queue[bytes] = asyncio.Queue()
    loop = asyncio.get_running_loop()
    saved = termios.tcgetattr(fd)
    loop.add_reader(fd, lambda: typed.put_nowait(os.read(fd, 1024)))
    tty.setraw(fd)
    try:
        data = b"\r"  # a fresh prompt
        while True:
            leaving = EXIT_KEY.encode() in data
            data = data.split(EXIT_KEY.encode())[0]
            out.write(await relay.exchange(data, wait_ms=IDLE_WAIT_MS))
            out.flush()
            if leaving:
                break
            data = b""
            while not typed.empty():
                data += typed.get_nowait()
    finally:
        loop.remove_reader(fd)
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
    sys.stderr.write("\nLeft the serial console.\n")
    return 0
