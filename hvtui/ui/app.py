"""Building the console: :func:`make_app`, the factory that the CLI, the tests and the
screenshot tool share.

This is the one place where the app (:mod:`hvtui.ui.console`) meets its main screen
(:mod:`hvtui.ui.main_screen`): the app gets a factory for it and from then on only tells
it what changed, by signals and messages; the screen reads the app and asks it things.
"""

from __future__ import annotations

from collections.abc import Collection

from hvtui.hyperv.audit import AuditLog
from hvtui.hyperv.jobs import JobManager
from hvtui.remote.pool import SessionPool
from hvtui.ui.console import Clock, HvtuiApp
from hvtui.ui.feed import HostUpdated, JobUpdated
from hvtui.ui.main_screen import MainScreen

__all__ = ["Clock", "HostUpdated", "HvtuiApp", "JobUpdated", "make_app"]


def make_app(pool: SessionPool, *, read_only: bool = False, theme: str | None = None,
             jobs: JobManager | None = None, audit: AuditLog | None = None,
             refresh_interval: float = 5.0, clock: Clock | None = None,
             start_pane: str = "vms", read_only_hosts: Collection[str] = ()) -> HvtuiApp:
    """Build the console the way the CLI and the tests do.

    ``theme`` is a name (``dark``, ``hvtui-light``...); None uses the remembered
    choice, or the 16-colour theme on a 16-colour terminal, else ``hvtui-dark``.
    ``clock`` freezes 'now' for stable screenshots. ``start_pane`` is the pane shown
    first. ``read_only_hosts`` are hosts the inventory marks read-only: changes to
    anything on them are hidden.
    """
    return HvtuiApp(pool, main_screen=lambda: MainScreen(start_pane), read_only=read_only,
                    theme=theme, jobs=jobs, audit=audit, refresh_interval=refresh_interval,
                    clock=clock, read_only_hosts=read_only_hosts)
