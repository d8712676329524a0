"""Reading hosts: one inventory script call per host per refresh."""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Generator
from typing import TypeVar, cast

from hvtui.errors import ScriptError
from hvtui.model import HostInventory
from hvtui.ps import catalog
from hvtui.ps.decode import inventory_document, inventory_steps
from hvtui.ps.decode_delta import InventoryState, apply_steps
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


FULL_EVERY = 30
"""Deltas in a row before the client asks for the whole inventory again: a safety net
against anything that could make the two copies drift apart."""


class InventoryReader:
    """Reads hosts' inventories, one round trip per host per refresh, each after the
    first as a delta against the one before (see :mod:`hvtui.ps.decode_delta`).

    The host keeps its side of the delta in the session (a PSRP runspace, the SSH
    session's PowerShell process): a new session, a host that lost it, or another
    client's call in between makes the host answer with the whole inventory, which the
    reader takes as it comes.
    """

    def __init__(self) -> None:
        self._states: dict[str, InventoryState] = {}

    def state(self, host: str) -> InventoryState | None:
        """What the reader last took from ``host`` (None before the first inventory)."""
        return self._states.get(host)

    def forget(self, host: str) -> None:
        """Ask ``host`` for its whole inventory next time."""
        self._states.pop(host, None)

    async def fetch(self, pool: SessionPool, host: str, *, timeout: float | None = None
                    ) -> HostInventory:
        previous = self._states.get(host)
        since = previous.token if previous is not None and previous.deltas < FULL_EVERY else ""
        script = catalog.get("inventory")
        result = await pool.invoke(host, script.text, {"Since": since} if since else {},
                                   timeout=timeout)
        raise_for_errors(host, "reading the inventory", result)
        fetched_at = dt.datetime.now(dt.UTC)
        self._states.pop(host, None)  # a reply that fails to decode leaves no stale base
        async with cpu_turn() as turn:
            document = inventory_document(host, result.objects)
            await turn.pause()
            state = await run_steps(turn, apply_steps(host, document, previous, fetched_at))
        self._states[host] = state
        settle_memory()
        return state.inventory


async def fetch_inventory(pool: SessionPool, host: str, *, timeout: float | None = None
                          ) -> HostInventory:
    """The whole inventory of ``host`` in one round trip."""
    return await InventoryReader().fetch(pool, host, timeout=timeout)


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
