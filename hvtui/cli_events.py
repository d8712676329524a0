"""``hvtui events``: the estate's Hyper-V, Replica and Failover Clustering events with
hvtui's own audit log, errors and warnings first (read-only; reads Get-WinEvent).

    hvtui events [HOST...] [--vm VM] [--since 1h] [--level error|warning|info] [-o json]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json

from hvtui.cli_io import Output
from hvtui.errors import HvtuiError
from hvtui.hyperv import events as ev
from hvtui.hyperv.audit import AuditLog
from hvtui.model.text import inert, json_inert
from hvtui.session_setup import open_pool


async def run_events(args: argparse.Namespace) -> int:
    try:
        minutes = ev.since_minutes(args.since)
    except ValueError as exc:
        raise HvtuiError(str(exc), hint="for example --since 1h") from None
    pool, _source = open_pool(args)
    try:
        known = {h.casefold(): h for h in pool.hosts}
        unknown = [h for h in args.hosts if h.casefold() not in known]
        if unknown:
            raise HvtuiError(f"no host named {', '.join(unknown)} in the inventory",
                             hint="hvtui get hosts lists them")
        hosts = [known[h.casefold()] for h in args.hosts] or list(pool.hosts)
        level = ev.LEVELS[args.level]
        found, problems = await ev.estate_events(pool, hosts, minutes,
                                                 information=level >= ev.INFORMATION)
    finally:
        await pool.close()
    wanted = {h.casefold() for h in hosts}
    found += [e for e in ev.audit_events(AuditLog().entries(limit=2000), minutes)
              if e.host.casefold() in wanted]
    if args.vm:
        found = ev.about_vm(found, args.vm)
    shown = ev.ordered(found, level)
    out = Output()
    if args.output == "json":
        document = {
            "events": [{"time": e.time.isoformat(), "host": e.host, "level": e.level_name,
                        "id": e.event_id, "source": e.source, "channel": e.channel,
                        "vm": e.vm_name, "vm_id": e.vm_id, "message": e.message}
                       for e in shown],
            "unreachable": problems,
        }
        out.write(json_inert(json.dumps(document, ensure_ascii=False, indent=2)))
    else:
        for e in shown:
            stamp = e.time.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
            ident = f"{e.event_id}" if e.event_id else "-"
            out.write(inert(f"{stamp}  {e.level_name:<8} {e.host:<12} {ident:>5}  "
                            f"{e.message}"))
        if not shown:
            out.write(f"no events in the last {args.since}")
        for host, why in problems.items():
            out.write(inert(f"{host}: {why}"))
    return 1 if problems else 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("events", help="hosts' Hyper-V, Replica and clustering events with "
                                      "hvtui's audit log, errors first (read-only; reads "
                                      "Get-WinEvent)",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("hosts", nargs="*", metavar="HOST", help="only these hosts (default: all)")
    p.add_argument("--vm", help="only the events that name this VM")
    p.add_argument("--since", default="1h", help="how far back: 30m, 1h, 2d (default: 1h)")
    p.add_argument("--level", default="warning", choices=list(ev.LEVELS),
                   help="the most verbose level shown (default: warning)")
    p.add_argument("-o", "--output", default="table", choices=["table", "json"],
                   help="output format (default: table)")
    p.set_defaults(handler=lambda args: asyncio.run(run_events(args)))
