"""The feed: host and job updates become the app's snapshot, and signals say what changed.

:class:`~hvtui.hyperv.refresh.EstateRefresher` refreshes hosts in the pool (asyncio; one
call per host in flight, backoff for failing hosts) and hands each frozen
:class:`~hvtui.model.HostStatus` to the app as a :class:`HostUpdated` message; the job
manager does the same with :class:`JobUpdated`. Applying one only swaps a snapshot and
publishes a signal (``host_changed``, ``job_changed``, ``audit_read``, ``data_changed``);
the screens that follow those signals turn snapshots into rows, when they are shown.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import time
from typing import TYPE_CHECKING, Any

from textual.message import Message

from hvtui.hyperv.audit import AuditEntry
from hvtui.model import Estate, HostStatus, Job
from hvtui.ui import panes as P

if TYPE_CHECKING:
    from hvtui.hyperv.refresh import EstateRefresher
    from hvtui.ui.console import HvtuiApp

_FREEZE_INTERVAL = 0.1
AUDIT_LIMIT = 5000
"""Newest audit entries the audit view reads."""


class HostUpdated(Message):
    """One host's refresh finished (it worked or it failed)."""

    def __init__(self, status: HostStatus) -> None:
        super().__init__()
        self.status = status


class JobUpdated(Message):
    """A job started, moved on or ended."""

    def __init__(self, job: Job) -> None:
        super().__init__()
        self.job = job


class Feed:
    """Owned by the app: the latest snapshot of every host, and the summaries counted from it."""

    def __init__(self, app: HvtuiApp) -> None:
        self._app = app
        self.estate: Estate = Estate(tuple(HostStatus(name) for name in app.pool.hosts))
        """The latest snapshot of every host (swapped, never mutated)."""
        self.received: dict[str, dt.datetime] = {}
        """When each host's last good inventory arrived (by the app's clock)."""
        self.audit_entries: list[AuditEntry] = []
        """The newest entries of the audit log, as last read."""
        self.summaries: dict[str, P.HostSummary] = {}
        self._summary_dirty: set[str] = set()
        self._last_freeze = 0.0
        self._refresher: EstateRefresher | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    @property
    def refresher(self) -> EstateRefresher:
        """Per-host refreshes through the pool (made on first use: the data layer's imports
        are not needed for the first frame)."""
        if self._refresher is None:
            from hvtui.hyperv.refresh import EstateRefresher

            self._refresher = EstateRefresher(self._app.pool, on_update=self._updated)
            self._refresher.estate = self.estate
        return self._refresher

    def _updated(self, status: HostStatus) -> None:
        """From the refresher: applied on the app's turn, like every message."""
        self._app.post_message(HostUpdated(status))

    async def close(self) -> None:
        if self._refresher is not None:
            await self._refresher.close()

    # --- asking hosts ------------------------------------------------------------------------

    def tick(self, force: bool = False) -> int:
        """Start the refreshes that are due (all when ``force``); how many started."""
        with self._app.guard("starting a refresh"):
            self._forget_vanished_hosts()
            return len(self.refresher.tick(force=force))
        return 0

    def request_refresh(self, *hosts: str) -> int:
        """Refresh now (all hosts, or the named ones); returns how many refreshes started."""
        if not hosts:
            return self.tick(force=True)
        started = 0
        pool = self._app.pool
        for host in hosts:
            if pool.has_host(host) and not self.refresher.in_flight(host):
                task = asyncio.get_running_loop().create_task(self.refresher.refresh_host(host))
                self._tasks.add(task)  # the loop keeps only weak references to tasks
                task.add_done_callback(self._tasks.discard)
                started += 1
        return started

    def _forget_vanished_hosts(self) -> None:
        app = self._app
        vanished = [h.name for h in self.estate.hosts if not app.pool.has_host(h.name)]
        if not vanished:
            return
        self.estate = Estate(tuple(h for h in self.estate.hosts if h.name not in vanished))
        self.refresher.estate = self.estate
        for name in vanished:
            self.received.pop(name, None)
            self.summaries.pop(name, None)
            app.host_changed.publish(name)
        app.flash(f"Removed from the inventory: {', '.join(vanished)}", "warning")
        app.data_changed.publish("")

    # --- applying what arrives ---------------------------------------------------------------

    def apply_host(self, status: HostStatus) -> None:
        app = self._app
        name = status.name
        if not app.pool.has_host(name):
            return
        previous = self.estate.status(name)
        self.estate = self.estate.with_status(status)
        if not status.error and status.inventory is not None:
            self.received[name] = app.clock()
        if previous is None or previous.inventory is not status.inventory \
                or name not in self.summaries:
            self._summary_dirty.add(name)  # counted later, in budgeted slices
        if status.error and (previous is None or not previous.error):
            app.flash(f"{name} is not answering: {status.error}"
                      + ("; showing its last known state" if status.inventory else ""),
                      "critical")
        elif not status.error and previous is not None and previous.error:
            app.flash(f"{name} answers again", "ok")
        app.host_changed.publish(name)
        app.data_changed.publish(name)

    def apply_job(self, job: Job) -> None:
        app = self._app
        app.job_changed.publish(job)
        if job.state.finished:
            role = {"completed": "ok", "failed": "critical"}.get(job.state.value, "warning")
            app.flash(f"Job {job.id} {job.state.value}: {job.operation}: {job.status}", role)
            self.load_audit()
        app.data_changed.publish("")

    def load_audit(self) -> None:
        """Read the audit log off the event loop, then say so (``audit_read``)."""
        app = self._app
        if app.exiting:
            return  # a job ending as the console closes: nobody will look
        app.run_worker(self._read_audit(), name="read audit log", group="audit",
                       exclusive=True, exit_on_error=False)

    async def _read_audit(self) -> None:
        app = self._app
        self.audit_entries = await asyncio.to_thread(app.audit.entries, AUDIT_LIMIT)
        app.audit_read.publish(None)

    # --- the work screens hand back, in slices -----------------------------------------------

    def update_summaries(self, deadline: float) -> bool:
        """Recount hosts whose inventory changed, until ``deadline``; True if more remain."""
        dirty = self._summary_dirty
        while dirty and time.perf_counter() < deadline:
            name = dirty.pop()
            status = self.estate.status(name)
            if status is None:
                self.summaries.pop(name, None)
            else:
                self.summaries[name] = P.summarise_host(status)
        return bool(dirty)

    def settle_memory(self) -> None:
        """Called when a batch of snapshots has been applied.

        A full collection of Python's cyclic GC walks every live object: with ten
        thousand VMs in memory that is a 100+ ms freeze of the event loop. The estate
        is acyclic data, freed by reference counting, so after each applied batch the
        survivors are moved out of the collector's sight (``gc.freeze``); the collector
        then only scans what is new.
        """
        now = time.monotonic()
        if now - self._last_freeze >= _FREEZE_INTERVAL:
            self._last_freeze = now
            gc.freeze()
