"""Reading hosts: one inventory script call per host per refresh."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from typing import cast

from hvtui.errors import ScriptError
from hvtui.model import HostInventory
from hvtui.ps import catalog
from hvtui.ps.decode import inventory_records, inventory_steps
from hvtui.remote.base import PSObjectData, PSResult
from hvtui.remote.pool import SessionPool


def raise_for_errors(host: str, what: str, result: PSResult) -> None:
    """Turn a failed script run into a ScriptError carrying the host's own message."""
    if result.ok:
        return
    if result.errors:
        first = result.errors[0]
        more = f" (+{len(result.errors) - 1} more)" if len(result.errors) > 1 else ""
        cause = f"{what}: {first.message}{more}"
        hint = f"error id {first.error_id}" if first.error_id else None
    else:
        cause, hint = f"{what}: the script failed without an error record", None
    raise ScriptError(cause, host=host, hint=hint)


async def fetch_inventory(pool: SessionPool, host: str, *, timeout: float | None = None
                          ) -> HostInventory:
    """The whole inventory of ``host`` in one round trip."""
    script = catalog.get("inventory")
    result = await pool.invoke(host, script.text, {}, timeout=timeout)
    raise_for_errors(host, "reading the inventory", result)
    return await decode_in_slices(host, inventory_records(host, result.objects),
                                  dt.datetime.now(dt.UTC))


SLICE = 0.004
"""Seconds of decoding before the event loop gets a turn: a worker thread would not keep
the work off the loop (the GIL), and 50 hosts answering at once must not freeze the UI."""


async def decode_in_slices(host: str, records: list[PSObjectData], fetched_at: dt.datetime,
                           *, budget: float = SLICE) -> HostInventory:
    """:func:`~hvtui.ps.decode.decode_inventory` on the event loop, in slices of ``budget``."""
    steps = inventory_steps(host, records, fetched_at)
    deadline = time.perf_counter() + budget
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return cast(HostInventory, done.value)
        if time.perf_counter() >= deadline:
            await asyncio.sleep(0)
            deadline = time.perf_counter() + budget
