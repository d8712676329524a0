"""A VM's screen as text, and keys sent to it (issue 12).

    hvtui screen VM [--host H] [--watch [--interval S]] [--size COLSxROWS]
                    [--color auto|always|never] [-o text|json]
    hvtui keys VM (--ctrl-alt-del | --text TEXT) [--enter] [--dry-run] [--yes]

``screen`` is read-only: the host's thumbnail of the VM's screen
(Msvm_VirtualSystemManagementService.GetVirtualSystemThumbnailImage), drawn with half
blocks in 24-bit colour on a terminal, as a brightness ramp elsewhere (a pipe, NO_COLOR).
``keys`` is a change: pre-flight, plan, ``--dry-run``, the audit log (which never records
the text), refused under ``--read-only``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import shutil
import sys
from typing import Any

from hvtui.cli_actions import common_options, handler
from hvtui.cli_io import Output, say_error
from hvtui.config import on_terminal
from hvtui.errors import PlanRefused
from hvtui.hyperv import lookup
from hvtui.hyperv.plans import Request, VmRef
from hvtui.hyperv.vm_screen import KeysRequest, thumbnails
from hvtui.model import VM
from hvtui.model.text import inert, json_inert
from hvtui.model.thumbnail import ScreenStatus, Thumbnail, ansi_lines, fit
from hvtui.remote.pool import SessionPool

SCREEN_HELP = ("print a VM's screen as text, once or --watch "
               "(read-only; Get-CimInstance, Invoke-CimMethod: "
               "Msvm_VirtualSystemManagementService.GetVirtualSystemThumbnailImage)")
KEYS_HELP = ("send Ctrl+Alt+Del or typed text to a running VM "
             "(Invoke-CimMethod: Msvm_Keyboard.TypeCtrlAltDel, TypeText)")


def _cells(text: str) -> tuple[int, int]:
    cols, sep, rows = text.lower().partition("x")
    try:
        size = int(cols), int(rows)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not COLUMNSxROWS (say 80x24)") from None
    if not sep or min(size) < 4 or max(size) > 1000:
        raise argparse.ArgumentTypeError(f"{text!r}: give COLUMNSxROWS, each 4 to 1000")
    return size


def _color(choice: str) -> bool:
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    return on_terminal(sys.stdout) and os.environ.get("TERM", "") != "dumb"


def _heading(vm: VM, shot: Thumbnail) -> str:
    state = vm.state.name if hasattr(vm.state, "name") else str(vm.state)
    size = f", {shot.width}x{shot.height} pixels" if shot.status is ScreenStatus.SHOWN else ""
    return f"{inert(vm.name)} on {inert(vm.host)}: {state}{size}"


def _json(vm: VM, shot: Thumbnail) -> dict[str, Any]:
    data = b"".join(p.to_bytes(2, "little") for p in shot.pixels)
    return {"vm": vm.name, "host": vm.host, "id": vm.id, "status": shot.status.value,
            "reason": shot.reason, "return_value": shot.code, "width": shot.width,
            "height": shot.height, "format": "RGB565 little-endian, rows from the top",
            "image": base64.b64encode(data).decode("ascii")}


async def _find(pool: SessionPool, ref: VmRef) -> VM:
    estate = await lookup.fresh_estate(pool, lookup.hosts_for(pool, [ref]))
    return lookup.vm(estate, ref)


def _show(args: argparse.Namespace, vm: VM, shot: Thumbnail, out: Output, *,
          clear: bool) -> int:
    if args.output == "json":
        out.write(json_inert(json.dumps(_json(vm, shot), ensure_ascii=False)))
        return 0 if shot.status in (ScreenStatus.SHOWN, ScreenStatus.NO_SCREEN) else 1
    if shot.status in (ScreenStatus.NOT_FOUND, ScreenStatus.FAILED):
        say_error(f"{vm.name} on {vm.host}: no thumbnail: {shot.reason}")
        return 1
    lines = [_heading(vm, shot)]
    if shot.status is ScreenStatus.NO_SCREEN:
        lines.append(inert(shot.reason))
    else:
        # Drawn by hvtui from pixel values (numbers), never host text: written as is.
        lines.extend(ansi_lines(shot, color=args.color_on))
    if clear:
        sys.stdout.write("\x1b[H\x1b[2J")
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()
    return 0


async def _screen(args: argparse.Namespace, pool: SessionPool) -> int:
    columns, rows = args.size or _terminal_cells()
    width, height = fit(columns, rows - 1)  # a line for the heading
    vm = await _find(pool, VmRef(args.vm, args.host))
    out = Output()
    while True:
        [shot] = await thumbnails(pool, [vm], width, height)
        status = _show(args, vm, shot, out, clear=args.watch and on_terminal(sys.stdout))
        if not args.watch:
            return status
        await asyncio.sleep(args.interval)
        vm = await _find(pool, VmRef(vm.name, vm.host, vm.id))


def _terminal_cells() -> tuple[int, int]:
    size = shutil.get_terminal_size(fallback=(80, 24))
    return max(4, size.columns), max(5, size.lines - 1)


def run_screen(args: argparse.Namespace) -> int:
    from hvtui.session_setup import open_pool

    args.color_on = _color(args.color)
    pool, _source = open_pool(args)
    with asyncio.Runner() as loop:
        try:
            return loop.run(_screen(args, pool))
        except KeyboardInterrupt:
            if args.watch:  # Ctrl+C is how --watch ends
                return 0
            raise
        finally:
            loop.run(pool.close())


def _keys(args: argparse.Namespace) -> Request:
    text = args.text or ""
    if text == "-":
        line = sys.stdin.readline() if sys.stdin is not None else ""
        text = line.rstrip("\r\n")
    if args.enter:
        text += "\n"
    if not args.ctrl_alt_del and not text:
        raise PlanRefused("say what to send: --ctrl-alt-del, or --text TEXT",
                          hint="--text - reads the text from standard input")
    return KeysRequest(VmRef(args.vm, args.host), args.ctrl_alt_del, text)


def register(sub: Any) -> None:
    """Add ``screen`` and ``keys`` to ``hvtui``'s sub-parsers."""
    p = sub.add_parser(
        "screen", help=SCREEN_HELP,
        description="Print the host's thumbnail of a VM's screen (Get-CimInstance, "
                    "Invoke-CimMethod: Msvm_VirtualSystemManagementService."
                    "GetVirtualSystemThumbnailImage), once or --watch. Half blocks in 24-bit "
                    "colour on a terminal, a brightness ramp elsewhere. Read-only.")
    p.add_argument("vm", metavar="VM")
    p.add_argument("--host", help="the VM's host, when the name exists on several")
    p.add_argument("--watch", action="store_true",
                   help="redraw every --interval seconds until Ctrl+C")
    p.add_argument("--interval", type=float, default=3.0, metavar="S",
                   help="seconds between redraws with --watch (default: 3)")
    p.add_argument("--size", type=_cells, metavar="COLSxROWS",
                   help="draw in this many terminal cells (default: the terminal's size)")
    p.add_argument("--color", default="auto", choices=["auto", "always", "never"],
                   help="24-bit colour half blocks (auto: on a terminal, unless NO_COLOR)")
    p.add_argument("-o", "--output", default="text", choices=["text", "json"],
                   help="json: the image as base64 RGB 565 with its size and status")
    p.set_defaults(handler=run_screen)

    p = sub.add_parser("keys", help=KEYS_HELP,
                       description="Send Ctrl+Alt+Del, or type text, in a running VM through "
                                   "its host (Get-CimInstance, Invoke-CimMethod: "
                                   "Msvm_Keyboard.TypeCtrlAltDel, TypeText). The text is not "
                                   "recorded in the audit log nor shown in the plan: it may "
                                   "be a password.")
    p.add_argument("vm", metavar="VM")
    what = p.add_mutually_exclusive_group()
    what.add_argument("--ctrl-alt-del", action="store_true",
                      help="press Ctrl+Alt+Del (Msvm_Keyboard.TypeCtrlAltDel)")
    what.add_argument("--text", metavar="TEXT",
                      help="type TEXT (Msvm_Keyboard.TypeText); '-' reads one line from "
                           "standard input, keeping it out of the shell's history")
    p.add_argument("--enter", action="store_true", help="press Enter after the text")
    common_options(p)
    p.set_defaults(**handler(_keys))

