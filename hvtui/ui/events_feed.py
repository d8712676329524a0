"""The Events pane's data: every host's events, read on demand, with hvtui's own audit log
and the console's jobs (issue 12).

Reading the hosts' event channels (``host-events``, read-only) costs them more than an
inventory, so it is never part of the refresh cycle: the hosts are asked when the pane is
shown (unless they answered less than :data:`FRESH_SECONDS` ago) and when ``r`` is pressed
on it. The audit log and jobs are the app's and are merged each time the pane's rows are
built. ``events_read`` says when a reading is in.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from hvtui.ui import panes as P

if TYPE_CHECKING:
    from hvtui.hyperv.events import Event
    from hvtui.ui.console import HvtuiApp

WINDOW_MINUTES = 24 * 60
"""How far back the pane looks (each host's answer is bounded: hyperv.events.MAX_EVENTS)."""
FRESH_SECONDS = 30.0
"""Showing the pane again within this time reuses the last reading (``r`` reads again)."""


class EventsFeed:
    """Owned by the app: the hosts' events as last read, and whether a reading runs."""

    def __init__(self, app: HvtuiApp) -> None:
        self._app = app
        self.host_events: list[Event] = []
        """What the hosts answered at the last reading."""
        self.problems: dict[str, str] = {}
        """Hosts that could not list their events at the last reading, and why."""
        self.read_at: float | None = None
        """When the last reading ended (monotonic), None before the first."""
        self.reading = False

    def load(self, *, force: bool = False, max_age: float = FRESH_SECONDS) -> bool:
        """Ask every host for its events off the event loop, unless a reading runs or the
        last one is younger than ``max_age`` seconds (``force``: read again anyway); True
        when a reading started. The Events pane calls it when shown, on ``r``, when a job
        ends and, while it stays shown, every refresh interval (30 s at least)."""
        app = self._app
        if app.exiting or self.reading:
            return False
        if not force and self.read_at is not None \
                and time.monotonic() - self.read_at < max_age:
            return False
        self.reading = True
        app.run_worker(self._read(), name="read the hosts' events", group="events",
                       exclusive=True, exit_on_error=False)
        return True

    async def _read(self) -> None:
        from hvtui.hyperv import events as ev

        app = self._app
        try:
            found, problems = await ev.estate_events(app.pool, list(app.pool.hosts),
                                                     WINDOW_MINUTES, information=True)
        finally:
            self.reading = False
        self.host_events, self.problems = found, problems
        self.read_at = time.monotonic()
        app.events_read.publish(None)

    def merged(self, vm: tuple[str, str] | None = None) -> list[Event]:
        """The hosts' events, hosts that could not answer, the audit log's entries and the
        jobs under way; only those naming ``vm`` (name, id) when given."""
        from hvtui.hyperv import events as ev

        app = self._app
        now = app.clock()
        found = [*self.host_events, *ev.problem_events(self.problems, now),
                 *ev.audit_events(app.audit_entries, WINDOW_MINUTES, now),
                 *ev.job_events(app.job_list())]
        if vm is not None:
            found = ev.about_vm(found, vm[0], vm[1])
        return found

    def rows(self, vm: tuple[str, str] | None = None) -> list[P.PaneRow]:
        return P.event_rows(self.merged(vm))
