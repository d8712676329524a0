"""The console application: the app's state, its collaborators, and Textual's hooks.

The app owns the session pool, the jobs, the audit log and the latest snapshot of every
host, and a few plain collaborators that each do one job: :class:`~hvtui.ui.feed.Feed`
(host and job updates, summaries), :class:`~hvtui.ui.action_runner.ActionRunner` (running
registered actions), :class:`~hvtui.ui.lifecycle.Lifecycle` (start-up, stop signals,
quitting), :class:`~hvtui.ui.theme_choice.ThemeChoice` and
:class:`~hvtui.ui.error_report.ErrorReporter`.

Data flows one way. Screens and widgets read the app's state and ask it to do things; the
app tells them what changed only by the signals below (screens subscribe on mount) and by
messages posted to a screen (:mod:`hvtui.ui.navigation`). It never calls a screen's
methods, and this module does not import the main screen at run time (an import-linter
contract in ``pyproject.toml``): :func:`hvtui.ui.app.make_app` hands it a factory.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Callable, Collection, Hashable, Iterable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, ClassVar

from rich.console import RenderableType
from textual.app import App
from textual.binding import Binding, BindingType
from textual.driver import Driver
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.signal import Signal
from textual.worker import Worker, WorkerState

from hvtui.hyperv.audit import AuditEntry, AuditLog
from hvtui.hyperv.jobs import JobManager
from hvtui.model import VM, Cluster, Disk, Estate, HostStatus, Job
from hvtui.model.text import inert
from hvtui.remote.pool import SessionPool
from hvtui.ui import panes as P
from hvtui.ui.action_runner import ActionRunner
from hvtui.ui.actions import ActionSpec
from hvtui.ui.crashlog import log_exception, one_line
from hvtui.ui.error_report import ErrorReporter
from hvtui.ui.events_feed import EventsFeed
from hvtui.ui.feed import Feed, HostUpdated, JobUpdated
from hvtui.ui.lifecycle import STOP_SIGNALS, Lifecycle
from hvtui.ui.navigation import RunOnSelection, ShowPane, SortBy
from hvtui.ui.render import ROLE_DEFAULTS
from hvtui.ui.theme_choice import ThemeChoice

if TYPE_CHECKING:
    from textual.command import Provider

    from hvtui.hyperv.refresh import EstateRefresher
    from hvtui.ui import describe as D
    from hvtui.ui.main_screen import MainScreen

Clock = Callable[[], dt.datetime]


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _commands() -> type[Provider]:
    """The palette's provider, imported when the palette first opens (not at start-up)."""
    from hvtui.ui.commands import HvtuiCommands

    return HvtuiCommands


def _driver_class() -> type[Driver] | None:
    """Textual's own choice, except on Linux and macOS, where the console's driver also notices
    a terminal that has gone (``hvtui.ui.terminal``)."""
    if sys.platform == "win32" or os.environ.get("TEXTUAL_DRIVER"):
        return None
    from hvtui.ui.terminal import ConsoleDriver

    return ConsoleDriver


class HvtuiApp(App[None]):
    """The console. Build it with :func:`hvtui.ui.app.make_app`."""

    CSS_PATH = "hvtui.tcss"
    TITLE = "hvtui"
    COMMANDS = App.COMMANDS | {_commands}
    NOTIFICATION_TIMEOUT = 8
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True),
    ]
    STOP_SIGNALS = STOP_SIGNALS

    def __init__(self, pool: SessionPool, *, main_screen: Callable[[], MainScreen],
                 read_only: bool = False, theme: str | None = None,
                 jobs: JobManager | None = None, audit: AuditLog | None = None,
                 refresh_interval: float = 5.0, clock: Clock | None = None,
                 read_only_hosts: Collection[str] = ()) -> None:
        super().__init__(driver_class=_driver_class())
        self.pool = pool
        """Sessions to every host; the app closes it when it exits."""
        self.read_only = read_only
        """True: every action that changes anything is hidden."""
        self.read_only_hosts = frozenset(h.casefold() for h in read_only_hosts)
        """Hosts the inventory marks read-only: changes touching them are hidden."""
        self.jobs = jobs if jobs is not None else JobManager()
        self.audit = audit if audit is not None else AuditLog()
        self.refresh_interval = max(0.5, refresh_interval)
        self.clock: Clock = clock or _utc_now
        """'Now' for ages and staleness (tests and screenshots freeze it)."""
        self.exiting = False
        """True once the console started closing."""
        self.running_plans: set[str] = set()
        """Titles of the plans running now (wizards' progress pages, quick actions)."""
        self._make_main_screen = main_screen
        self._main: MainScreen | None = None

        # What changed, for the screens (they subscribe on mount; the app calls none of them).
        self.data_changed: Signal[str] = Signal(self, "data-changed")
        """After each applied snapshot or job update: a host's name, or "" (details views)."""
        self.host_changed: Signal[str] = Signal(self, "host-changed")
        """A host's rows must be rebuilt: a new snapshot, or it left the inventory."""
        self.job_changed: Signal[Job] = Signal(self, "job-changed")
        """A job started, moved on or ended."""
        self.audit_read: Signal[None] = Signal(self, "audit-read")
        """The audit log was read again (:attr:`audit_entries`)."""
        self.clock_ticked: Signal[None] = Signal(self, "clock-ticked")
        """A second passed: ages and the status bar move on."""
        self.actions_registered: Signal[None] = Signal(self, "actions-registered")
        """The wizards' package registered its actions: bind their keys."""
        self.events_read: Signal[None] = Signal(self, "events-read")
        """The hosts' events were read again (:attr:`events`; the Events pane, issue 12)."""

        # The collaborators, one job each.
        self.errors = ErrorReporter(self)
        self.feed = Feed(self)
        self.actions = ActionRunner(self)
        self.lifecycle = Lifecycle(self)
        self.themes = ThemeChoice(self)
        self.events = EventsFeed(self)
        """The hosts' events, read on demand (the Events pane)."""
        self._problems: list[str] = self.themes.setup(theme)
        """What start-up tells once the first frame is out."""

    # --- state the screens read --------------------------------------------------------------

    @property
    def estate(self) -> Estate:
        """The latest snapshot of every host (swapped, never mutated)."""
        return self.feed.estate

    @property
    def received(self) -> dict[str, dt.datetime]:
        """When each host's last good inventory arrived (by :attr:`clock`)."""
        return self.feed.received

    @property
    def audit_entries(self) -> list[AuditEntry]:
        return self.feed.audit_entries

    @property
    def refresher(self) -> EstateRefresher:
        return self.feed.refresher

    @property
    def unexpected_errors(self) -> list[BaseException]:
        """Every unexpected error reported (logged and notified) during this run."""
        return self.errors.unexpected

    @property
    def main_screen(self) -> MainScreen:
        """The main screen, for tests and tools that look at it (the app only posts to it)."""
        if self._main is None:
            raise RuntimeError("the console has not started")
        return self._main

    def get_default_screen(self) -> Screen[Any]:
        self._main = self._make_main_screen()
        return self._main

    # --- Textual's hooks ---------------------------------------------------------------------

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return {f"hv-{role}": colour for role, colour in ROLE_DEFAULTS.items()}

    def watch_theme(self, name: str) -> None:
        self.themes.remember(name)

    def on_mount(self) -> None:
        self.lifecycle.install_stop_signals()
        self.jobs.subscribe(self._job_update)
        self.set_interval(self.refresh_interval, self.feed.tick, name="refresh")
        self.set_interval(1.0, self._clock_tick, name="clock")
        # the first frame goes out before anything slow: hosts and wizards come right after
        self.call_after_refresh(self.lifecycle.after_first_frame, self._problems)

    async def on_unmount(self) -> None:
        self.jobs.unsubscribe(self._job_update)
        await self.lifecycle.close()

    def _clock_tick(self) -> None:
        self.clock_ticked.publish(None)

    def _job_update(self, job: Job) -> None:
        self.post_message(JobUpdated(job))

    def on_host_updated(self, message: HostUpdated) -> None:
        with self.guard("applying a host refresh"):
            self.feed.apply_host(message.status)

    def on_job_updated(self, message: JobUpdated) -> None:
        with self.guard("applying a job update"):
            self.feed.apply_job(message.job)

    async def action_quit(self) -> None:
        self.request_quit()

    def exit(self, result: None = None, return_code: int = 0,
             message: RenderableType | None = None) -> None:
        self.exiting = True
        super().exit(result, return_code, message)

    # --- what the screens ask: data ----------------------------------------------------------

    def request_refresh(self, *hosts: str) -> int:
        """Refresh now (all hosts, or the named ones); returns how many refreshes started."""
        return self.feed.request_refresh(*hosts)

    def load_audit(self) -> None:
        """Read the audit log off the event loop; ``audit_read`` says when it is in."""
        self.feed.load_audit()

    def update_summaries(self, deadline: float) -> bool:
        """Recount hosts whose inventory changed, until ``deadline``; True if more remain."""
        return self.feed.update_summaries(deadline)

    def settle_memory(self) -> None:
        """A batch of snapshots has been applied (see :meth:`Feed.settle_memory`)."""
        self.feed.settle_memory()

    def build_context(self) -> P.BuildContext:
        busy = {(job.host.casefold(), job.target.casefold()): job
                for job in self.jobs.running}
        return P.BuildContext(self.estate, self.clock(), self.received, self.read_only_hosts,
                              busy)

    def status_parts(self) -> list[tuple[str, str]]:
        return P.status_line(self.estate, self.feed.summaries, self.build_context(),
                             self.read_only)

    def stale_note(self, obj: object) -> str | None:
        """What the details of ``obj`` must say first when its host stopped answering."""
        ctx = self.build_context()
        for host in P.object_hosts(obj):
            status = self.estate.status(host)
            age = ctx.stale_age(status) if status is not None else None
            if status is not None and age is not None:
                return (f"{status.name} is not answering ({status.error}); this is what it "
                        f"reported before ({age.removeprefix('stale ')} ago)")
        return None

    def job_list(self) -> list[Job]:
        return self.jobs.jobs

    def lookup(self, pane: str, key: Hashable) -> object | None:
        """The current object behind a row key, or None when it has gone."""
        estate = self.estate
        if pane == "hosts":
            return estate.status(str(key))
        if pane in ("vms", "replicas"):
            return P.find_vm(estate, key)
        if pane == "disks":
            found = P.find_disk(estate, key)
            return None if found is None else found[0]
        if pane == "clusters":
            return P.find_cluster_object(estate, key)
        if pane == "jobs":
            return next((j for j in self.jobs.jobs if j.id == key), None)
        if pane == "audit":
            entries = self.audit_entries
            return entries[key] if isinstance(key, int) and 0 <= key < len(entries) else None
        if pane == "events":
            return next((obj for row, obj in self.events.rows() if row.key == key), None)
        return None

    def describe(self, pane: str, key: Hashable, obj: object) -> D.Details:
        from hvtui.ui import describe as D

        now = self.clock()
        if isinstance(obj, HostStatus):
            return D.describe_host(obj, now, self.received.get(obj.name))
        if isinstance(obj, VM):
            details = D.describe_vm(obj, self.estate.host(obj.host), now)
            if pane == "replicas":
                details.sections.sort(key=lambda s: s.title != "Replication")
            return details
        if isinstance(obj, Disk):
            found = P.find_disk(self.estate, key)
            return D.describe_disk(obj, found[1] if found else None, self.estate.host(obj.host))
        if isinstance(obj, tuple) and len(obj) == 2 and isinstance(obj[0], Cluster):
            return D.describe_cluster(obj[0], obj[1])
        if isinstance(obj, Job):
            return D.describe_job(obj)
        if isinstance(obj, AuditEntry):
            return D.describe_audit(obj)
        if pane == "events":
            return D.describe_event(obj)
        return D.Details(str(key))

    # --- what the screens and the palette ask: navigation ------------------------------------

    def _home(self) -> Screen[Any]:
        """Close what is on top of the main screen; the main screen."""
        while len(self.screen_stack) > 1:
            self.pop_screen()
        return self.screen_stack[0]

    def go_to_pane(self, pane: str, prompt: str | None = None) -> None:
        self._home().post_message(ShowPane(pane, prompt))

    def sort_current(self, column: int) -> None:
        self._home().post_message(SortBy(column))

    def run_action_on_selection(self, action_id: str) -> None:
        self._home().post_message(RunOnSelection(action_id))

    def open_details(self, pane: str, key: Hashable) -> None:
        from hvtui.ui.details import DetailsScreen

        if self.lookup(pane, key) is None:
            self.flash(f"{key} is not there any more (deleted or moved since the last refresh)",
                       "warning")
            return
        self.push_screen(DetailsScreen(pane, key))

    def show_help(self, screen: Screen[Any], pane: str | None = None) -> None:
        """The keys that work on ``screen``; with ``pane`` (the main screen's current pane),
        the commands too."""
        from hvtui.ui.help import HelpScreen, bindings_in_context, command_entries

        entries = bindings_in_context(self, screen)
        if pane is not None:
            title = f"Keys on the {P.PANE_BY_ID[pane].title} pane"
            entries += command_entries()
        else:
            title = "Keys in this view"
        self.push_screen(HelpScreen(title, entries))

    def choose_theme(self, name: str) -> None:
        """Switch theme by name (``dark`` or ``hvtui-dark``); the choice is remembered."""
        self.themes.choose(name)

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        """Textual's notification, with text from hosts inert and never read as markup (a VM
        called ``[/]`` must not break it, nor ``[@click=...]`` turn into a link)."""
        text = "\n".join(inert(line) for line in message.split("\n"))
        super().notify(text, title=inert(title), severity=severity, timeout=timeout,
                       markup=False)

    def flash(self, text: str, role: str = "info") -> None:
        """A one-line message in place on the current screen (notification if it has none)."""
        from hvtui.ui.widgets import Flash

        try:
            self.screen.query_one(Flash).say(text, role)
        except Exception:  # noqa: BLE001 - a modal screen has no flash line
            self.notify(text, severity="error" if role == "critical" else "information")

    # --- what the screens ask: actions, quitting ---------------------------------------------

    def locked_hosts(self, objects: Iterable[object]) -> list[str]:
        """The read-only hosts (per the inventory) that ``objects`` live on."""
        return self.actions.locked_hosts(objects)

    def may_change(self, objects: Iterable[object]) -> bool:
        """Whether a mutating action may be offered for these objects."""
        return self.actions.may_change(objects)

    def selection_started(self) -> None:
        """A handler calls this once its action is confirmed or running: the marks of the rows
        it was given are cleared then (as k9s does), and kept when the person cancels."""
        self.actions.selection_started()

    def run_action_spec(self, spec: ActionSpec, objects: list[Any],
                        started: Callable[[], None] | None = None) -> None:
        """Call a registered action's handler with the selected objects (see
        :meth:`ActionRunner.run`)."""
        self.actions.run(spec, objects, started)

    def request_quit(self) -> None:
        """``q``, ``:quit`` and Ctrl+Q: quit at once when nothing runs; otherwise ask first."""
        self.lifecycle.request_quit()

    def request_cancel_job(self, job: Job) -> None:
        """Ask, saying what cancelling means on the host, then cancel the job."""
        self.lifecycle.request_cancel_job(job)

    def running_work(self) -> list[str]:
        """One line per change under way: each running job, and plans running without one."""
        return self.lifecycle.running_work()

    def stop_on_signal(self, sig: int) -> None:
        """What a stop signal does: interrupt the jobs (their audit lines say so) and exit."""
        self.lifecycle.stop_on_signal(sig)

    def terminal_lost(self) -> None:
        """The terminal has gone (``hvtui.ui.terminal``): stop as on SIGHUP."""
        self.lifecycle.terminal_lost()

    def interrupt_and_exit(self, reason: str, return_code: int = 0, message: str = "") -> None:
        """Cancel the running jobs with ``reason`` and exit once they are recorded."""
        self.lifecycle.interrupt_and_exit(reason, return_code, message)

    # --- errors: logged, reported, never a traceback on screen -------------------------------

    def report_error(self, error: BaseException, context: str = "") -> None:
        """Log an unexpected error with its traceback and tell the user where the log is."""
        self.errors.report(error, context)

    def guard(self, context: str) -> AbstractContextManager[None]:
        """Report what the block raises instead of letting it stop the console."""
        return self.errors.guard(context)

    async def run_action(self, action: Any, default_namespace: Any = None,
                         namespaces: Any = None) -> bool:
        try:
            return await super().run_action(action, default_namespace, namespaces)
        except Exception as error:  # noqa: BLE001 - a failing key must not stop the console
            self.report_error(error, f"running {action}")
            return True

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            self.report_error(event.worker.error, f"running {event.worker.name or 'a task'}")

    def _handle_exception(self, error: Exception) -> None:
        from textual._context import active_message_pump

        try:
            pump = active_message_pump.get()
        except LookupError:
            pump = self
        self.report_error(error, "handling an event")
        if pump is self:
            # The app's own loop has stopped: leave cleanly, with words instead of a traceback.
            self._return_code = 1
            self.exit(return_code=1, message=(
                f"hvtui stopped after an unexpected error: {one_line(error)}\n"
                f"The details are in {log_exception(error, 'fatal')}"))
