"""Keeping the estate current: per-host refreshes that never pile up.

Each host has at most one inventory call in flight; a tick skips hosts still
answering and hosts backing off after a failure. A failing host keeps its last
good inventory (shown as stale) together with the reason it failed.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable

from hvtui.errors import HvtuiError
from hvtui.hyperv.inventory import InventoryReader
from hvtui.model import Estate, HostStatus
from hvtui.model.estate import mark_failed
from hvtui.remote.pool import SessionPool

StatusCallback = Callable[[HostStatus], None]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class EstateRefresher:
    """Refreshes every inventory host through one :class:`SessionPool`."""

    def __init__(self, pool: SessionPool, *, on_update: StatusCallback | None = None,
                 timeout: float | None = None) -> None:
        self.pool = pool
        self.estate = Estate(tuple(HostStatus(name) for name in pool.hosts))
        """The latest known state of every host."""
        self._on_update = on_update
        self._timeout = timeout
        self._in_flight: dict[str, asyncio.Task[HostStatus]] = {}
        self._reader = InventoryReader()

    def in_flight(self, host: str) -> bool:
        task = self._in_flight.get(host)
        return task is not None and not task.done()

    async def refresh_host(self, host: str) -> HostStatus:
        """Refresh one host now; never raises for a host problem."""
        previous = self.estate.status(host) or HostStatus(host)
        try:
            inventory = await self._reader.fetch(self.pool, host, timeout=self._timeout)
        except HvtuiError as exc:
            status = mark_failed(previous, exc.user_message(), _now())
        except Exception as exc:  # noqa: BLE001 - one broken host must not stop the others
            status = mark_failed(previous, f"unexpected {type(exc).__name__}: {exc}", _now())
        else:
            status = HostStatus(host, inventory=inventory, error="", last_attempt=_now())
        self.estate = self.estate.with_status(status)
        if self._on_update is not None:
            self._on_update(status)
        return status

    def tick(self, *, force: bool = False) -> list[asyncio.Task[HostStatus]]:
        """Start a refresh for every host that is idle (and not backing off, unless forced)."""
        started = []
        for host in self.pool.hosts:
            if self.in_flight(host):
                continue  # still answering the previous tick: skip, don't pile up
            if not force and self.pool.backoff_remaining(host) > 0:
                continue
            task = asyncio.create_task(self.refresh_host(host), name=f"refresh {host}")
            self._in_flight[host] = task
            started.append(task)
        return started

    async def refresh_all(self) -> Estate:
        """Refresh every host concurrently and wait for all of them."""
        tasks = self.tick(force=True)
        waiting = [t for h, t in self._in_flight.items() if not t.done() and t not in tasks]
        await asyncio.gather(*tasks, *waiting)
        return self.estate

    async def close(self) -> None:
        for task in self._in_flight.values():
            task.cancel()
        await asyncio.gather(*self._in_flight.values(), return_exceptions=True)
