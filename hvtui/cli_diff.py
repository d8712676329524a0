"""``hvtui diff``: VMs' settings side by side, the ones that differ marked.

    hvtui diff VM[@HOST] VM[@HOST] ... [-o table|json]

A name alone is looked for on every host (a replica carries its primary's name: say which
one with ``@HOST``). Read-only: apply a value to the others with ``hvtui vm set``, or with
``a`` in the console's settings diff.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

from hvtui.cli_io import Output
from hvtui.hyperv import lookup
from hvtui.hyperv.plans import VmRef
from hvtui.hyperv.settings_diff import diff_rows
from hvtui.model.text import inert, json_inert
from hvtui.session_setup import open_pool

MARK = "≠"
"""Beside a setting whose values differ (a mark, not only a colour)."""


def _ref(text: str, hosts: list[str]) -> VmRef:
    name, sep, host = text.rpartition("@")
    if sep and name and any(h.lower() == host.lower() for h in hosts):
        return VmRef(name, next(h for h in hosts if h.lower() == host.lower()))
    return VmRef(text)


async def run_diff(args: argparse.Namespace) -> int:
    pool, _source = open_pool(args)
    try:
        refs = [_ref(t, pool.hosts) for t in args.vms]
        estate = await lookup.fresh_estate(pool, lookup.hosts_for(pool, refs))
        vms = lookup.vms(estate, refs)
    finally:
        await pool.close()
    rows = diff_rows(vms)
    out = Output()
    if args.output == "json":
        data: list[dict[str, Any]] = [
            {"name": vm.name, "host": vm.host, "id": vm.id,
             "settings": {row.field.key: row.values[i] for row in rows}}
            for i, vm in enumerate(vms)]
        document = {"vms": data, "differ": [r.field.key for r in rows if r.differs]}
        out.write(json_inert(json.dumps(document, ensure_ascii=False, indent=2)))
        return 0
    heads = ["", "SETTING", *(f"{vm.name}@{vm.host}" for vm in vms)]
    table = [[MARK if r.differs else "", r.field.label, *r.shown] for r in rows]
    widths = [max(len(inert(str(line[i]))) for line in [heads, *table])
              for i in range(len(heads))]
    for line in [heads, *table]:
        out.write("  ".join(inert(str(c)).ljust(w) for c, w in zip(line, widths,
                                                                     strict=True)).rstrip())
    differ = sum(r.differs for r in rows)
    out.write(f"\n{MARK} {differ} of {len(rows)} settings differ")
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("diff", help="VMs' settings side by side, differences marked "
                                    "(read-only; reads Get-VM, Get-VMMemory, Get-VMProcessor)",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("vms", nargs="+", metavar="VM[@HOST]")
    p.add_argument("-o", "--output", default="table", choices=["table", "json"],
                   help="output format (default: table)")
    p.set_defaults(handler=lambda args: asyncio.run(run_diff(args)))
