"""Reading hosts: one inventory script call per host per refresh."""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Generator
from typing import TypeVar, cast

from hvtui.errors import ScriptError
from hvtui.model import HostInventory
from hvtui.ps import catalog
from hvtui.ps.decode import inventory_records, inventory_steps
from hvtui.remote.base import PSObjectData, PSResult
from hvtui.remote.cpu_turns import SLICE, Turn, cpu_turn
from hvtui.remote.pool import SessionPool

T = TypeVar("T")


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
    async with cpu_turn() as turn:
        records = inventory_records(host, result.objects)
        await turn.pause()
        inventory = await run_steps(turn, inventory_steps(host, records, dt.datetime.now(dt.UTC)))
    settle_memory()
    return inventory


async def decode_in_slices(host: str, records: list[PSObjectData], fetched_at: dt.datetime,
                           *, budget: float = SLICE) -> HostInventory:
    """:func:`~hvtui.ps.decode.decode_inventory` on the event loop, in slices of ``budget``,
    in this loop's CPU turn (see :mod:`hvtui.remote.cpu_turns`)."""
    async with cpu_turn(budget) as turn:
        return await run_steps(turn, inventory_steps(host, records, fetched_at))


async def run_steps(turn: Turn, steps: Generator[None, None, T]) -> T:
    """Run a decoder's steps to the end, handing the loop back whenever the slice is spent."""
    while True:
        try:
            next(steps)
        except StopIteration as done:
            return cast(T, done.value)
        await turn.pause()


def settle_memory() -> None:
    """Move what is alive now out of the cyclic collector's sight (``gc.freeze``).

    A full collection walks every tracked object: with thousands of VMs in memory that is
    a freeze of the event loop of 100 ms and more, in the middle of a refresh. Inventories
    are acyclic data, freed by reference counting when replaced, frozen or not; the young
    generations are collected first (cheap) so that fresh garbage cycles are not kept.
    """
    gc.collect(1)
    gc.freeze()
