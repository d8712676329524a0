"""Console access from a terminal (issue 12).

    hvtui console VM [--host H] [--dry-run] [--yes]     the VM's serial console (Ctrl+] out)
    hvtui connect VM [--host H] [--rdp-file PATH] [--no-launch]   the full console, by FreeRDP

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
from pathlib import Path
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

    p = sub.add_parser(
        "connect", help="the VM's full console: FreeRDP in VMConnect mode to the host's port "
                        "2179, or an .rdp file",
        description="Open the VM's full (graphical) console as Hyper-V Manager's Connect "
                    "does: with a graphical display and FreeRDP here, run `xfreerdp "
                    "/v:HOST:2179 /vmconnect:VMID`; otherwise write an .rdp file (pcb:s:VMID, "
                    "port 2179) and print the exact command. Changes nothing on the host.")
    p.add_argument("vm", metavar="VM")
    p.add_argument("--host", help="the VM's host, when the name exists on several")
    p.add_argument("--rdp-file", metavar="PATH",
                   help="where to write the .rdp file (default: in hvtui's state folder)")
    p.add_argument("--no-launch", action="store_true",
                   help="write the .rdp file and print the command; start nothing")
    p.set_defaults(handler=run_connect)


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


def run_connect(args: argparse.Namespace) -> int:
    import shlex
    import subprocess

    from hvtui.hyperv.vmconnect import hand_off
    from hvtui.session_setup import open_pool

    pool, source = open_pool(args)
    with asyncio.Runner() as loop:
        try:
            estate = loop.run(lookup.fresh_estate(pool, lookup.hosts_for(
                pool, [VmRef(args.vm, args.host)])))
            vm = lookup.vm(estate, VmRef(args.vm, args.host))
        finally:
            loop.run(pool.close())
    config = next((c for c in source.configs if c.name.lower() == vm.host.lower()), None)
    address = config.address if config is not None else vm.host
    user = config.user if config is not None and config.transport != "ssh" else ""
    plan = hand_off(address, vm.id, user, os.environ)
    command = shlex.join(plan.command)
    if plan.launch and not args.no_launch:
        subprocess.Popen(plan.command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
        print(f"Started {vm.name}'s console: {command}")
        return 0
    path = _rdp_path(args.rdp_file, vm)
    _write_private(path, plan.rdp_text)
    print(f"Wrote {path} (mstsc, Remmina or any RDP client opens {vm.name}'s console "
          f"from it).")
    if plan.why_not and not args.no_launch:
        print(f"Not started: {plan.why_not}.")
    print(f"Command: {command}")
    if config is None:
        print(f"(The embedded lab's {vm.host} has no VMConnect endpoint: a real host's "
              "answers on port 2179.)")
    return 0


def _rdp_path(given: str | None, vm: VM) -> Path:
    from hvtui.paths import state_dir

    if given:
        return Path(given)
    return state_dir() / "rdp" / f"{vm.id.lower()}.rdp"  # the id: names hold any character


def _write_private(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            out.write(text)
    except OSError as exc:
        raise PlanRefused(f"could not write {path}: {exc.strerror}",
                          hint="give --rdp-file a folder you can write to") from None
