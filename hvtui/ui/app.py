"""The hvtui console application, and the factory that tests and the CLI share.

Data flow: :class:`~hvtui.hyperv.refresh.EstateRefresher` refreshes hosts in the
pool (asyncio; one call per host in flight, backoff for failing hosts) and hands
each frozen :class:`~hvtui.model.HostStatus` to the app as a message. Handlers only
swap snapshots and mark panes dirty; the screens turn snapshots into rows.
"""

from __future__ import annotations

import asyncio
import contextvars
import datetime as dt
import gc
import importlib
import importlib.util
import inspect
import signal
import time
from collections.abc import Callable, Collection, Hashable, Iterable, Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any, ClassVar

from rich.console import RenderableType
from textual.app import App
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.signal import Signal
from textual.worker import Worker, WorkerState

from hvtui.errors import ConfigError
from hvtui.hyperv.audit import AuditEntry, AuditLog
from hvtui.hyperv.jobs import JobManager
from hvtui.model import VM, Cluster, Disk, Estate, HostStatus, Job
from hvtui.model.text import inert
from hvtui.remote.pool import SessionPool
from hvtui.ui import panes as P
from hvtui.ui.actions import ActionSpec, get_action
from hvtui.ui.crashlog import log_exception, one_line
from hvtui.ui.render import ROLE_DEFAULTS
from hvtui.ui.settings import load_settings, save_setting
from hvtui.ui.themes import (
    DEFAULT_THEME,
    SIXTEEN_COLOUR_THEME,
    load_themes,
    resolve_theme_name,
    theme_label,
)

if TYPE_CHECKING:
    from textual.command import Provider

    from hvtui.hyperv.refresh import EstateRefresher
    from hvtui.ui import describe as D
    from hvtui.ui.main_screen import MainScreen

Clock = Callable[[], dt.datetime]
_FREEZE_INTERVAL = 0.1
AUDIT_LIMIT = 5000
_SELECTION_STARTED: contextvars.ContextVar[Callable[[], None] | None] = \
    contextvars.ContextVar("hvtui_selection_started", default=None)
"""What :meth:`HvtuiApp.selection_started` does for the action being started (clear marks)."""
"""Newest audit entries the audit view reads."""


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class HostUpdated(Message):
    """One host's refresh finished (it worked or it failed)."""

    def __init__(self, status: HostStatus) -> None:
        super().__init__()
        self.status = status


class JobUpdated(Message):
    def __init__(self, job: Job) -> None:
        super().__init__()
        self.job = job


def _commands() -> type[Provider]:
    """The palette's provider, imported when the palette first opens (not at start-up)."""
    from hvtui.ui.commands import HvtuiCommands

    return HvtuiCommands


class HvtuiApp(App[None]):
    """The console. Build it with :func:`make_app`."""

    CSS_PATH = "hvtui.tcss"
    TITLE = "hvtui"
    COMMANDS = App.COMMANDS | {_commands}
    NOTIFICATION_TIMEOUT = 8
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True),
    ]

    def __init__(self, pool: SessionPool, *, read_only: bool = False, theme: str | None = None,
                 jobs: JobManager | None = None, audit: AuditLog | None = None,
                 refresh_interval: float = 5.0, clock: Clock | None = None,
                 start_pane: str = "vms", read_only_hosts: Collection[str] = ()) -> None:
        super().__init__()
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
        self._refresher: EstateRefresher | None = None
        self.estate: Estate = Estate(tuple(HostStatus(name) for name in pool.hosts))
        """The latest snapshot of every host (swapped, never mutated)."""
        self.received: dict[str, dt.datetime] = {}
        """When each host's last good inventory arrived (by :attr:`clock`)."""
        self.audit_entries: list[AuditEntry] = []
        self.unexpected_errors: list[BaseException] = []
        """Every unexpected error reported (logged and notified) during this run."""
        self.data_changed: Signal[str] = Signal(self, "data-changed")
        """Published after each applied snapshot (details views follow it)."""
        self._summaries: dict[str, P.HostSummary] = {}
        self._reported: set[tuple[str, str]] = set()
        self._problems: list[str] = []
        self._theme_ready = False
        self._start_pane = start_pane
        self._main: MainScreen | None = None
        self._last_freeze = 0.0
        self._summary_dirty: set[str] = set()
        self._extensions_loaded = False
        self._tasks: set[asyncio.Task[Any]] = set()
        self.exiting = False
        """True once the console started closing."""
        self.running_plans: set[str] = set()
        """Titles of the plans running now (wizards' progress pages, quick actions)."""
        self._setup_themes(theme)

    @property
    def refresher(self) -> EstateRefresher:
        """Per-host refreshes through the pool (made on first use: the data layer's imports
        are not needed for the first frame)."""
        if self._refresher is None:
            from hvtui.hyperv.refresh import EstateRefresher

            self._refresher = EstateRefresher(self.pool, on_update=self._refresher_update)
            self._refresher.estate = self.estate
        return self._refresher

    # --- themes ------------------------------------------------------------------------------

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return {f"hv-{role}": colour for role, colour in ROLE_DEFAULTS.items()}

    def _setup_themes(self, requested: str | None) -> None:
        loaded = load_themes()
        for theme in loaded.themes:
            self.register_theme(theme)
        self._problems.extend(f"Theme file skipped: {p}" for p in loaded.problems)
        try:
            settings = load_settings()
        except ConfigError as exc:
            settings = {}
            self._problems.append(exc.user_message())
        source = "--theme"
        if not requested:
            saved = settings.get("theme")
            requested, source = (saved, "the settings file") if isinstance(saved, str) else \
                (None, "")
        chosen = None
        if requested:
            chosen = resolve_theme_name(requested, self.available_themes)
            if chosen is None:
                names = ", ".join(sorted(theme_label(n) for n in self.available_themes
                                         if n.startswith("hvtui")))
                self._problems.append(f"Theme {requested!r} (from {source}) is not available; "
                                      f"using the default. Themes: {names}")
        if chosen is None:
            colours = self.console.color_system
            chosen = SIXTEEN_COLOUR_THEME if colours in ("standard", "windows") else DEFAULT_THEME
            if chosen not in self.available_themes:
                chosen = DEFAULT_THEME if DEFAULT_THEME in self.available_themes else \
                    "textual-dark"
        self.theme = chosen

    def watch_theme(self, name: str) -> None:
        if not self._theme_ready:
            return
        try:
            save_setting("theme", name)
        except OSError as exc:
            self.notify(f"Could not remember the theme: {exc}", severity="warning")

    def choose_theme(self, name: str) -> None:
        """Switch theme by name (``dark`` or ``hvtui-dark``); the choice is remembered."""
        chosen = resolve_theme_name(name, self.available_themes) if name else None
        if chosen is None:
            names = " ".join(sorted(n.removeprefix("hvtui-") for n in self.available_themes
                                    if n.startswith("hvtui-")))
            self.flash(f"No theme {name!r}. Themes: {names}", "critical")
            return
        self.theme = chosen
        self.flash(f"Theme {theme_label(chosen)}", "muted")

    # --- start and stop ----------------------------------------------------------------------

    def _load_extensions(self) -> None:
        """Import ``hvtui.ui.wizards`` when it exists: its modules register actions."""
        if self._extensions_loaded:
            return
        try:
            if importlib.util.find_spec("hvtui.ui.wizards") is None:
                return
            importlib.import_module("hvtui.ui.wizards")
        except Exception as error:  # noqa: BLE001 - a broken wizard must not stop the console
            path = log_exception(error, "loading hvtui.ui.wizards")
            self._problems.append(f"Wizards not loaded ({one_line(error)}); details in {path}")
        self._extensions_loaded = True

    def get_default_screen(self) -> Screen[Any]:
        from hvtui.ui.main_screen import MainScreen

        self._main = MainScreen(self._start_pane)
        return self._main

    @property
    def main_screen(self) -> MainScreen:
        """The main screen (panes, prompt, status bar)."""
        if self._main is None:
            raise RuntimeError("the console has not started")
        return self._main

    def on_mount(self) -> None:
        self._install_stop_signals()
        self.jobs.subscribe(self._job_update)
        self.set_interval(self.refresh_interval, self._tick, name="refresh")
        self.set_interval(1.0, self._clock_tick, name="clock")
        # the first frame goes out before anything slow: hosts and wizards come right after
        self.call_after_refresh(self._after_first_frame)

    def _after_first_frame(self) -> None:
        with self.guard("starting up"):
            self._tick(force=True)
            self._load_extensions()
            self.main_screen.bind_registered_actions()
            for problem in self._problems:
                self.notify(problem, title="hvtui", severity="warning", timeout=15)
            self._theme_ready = True
            gc.freeze()  # start-up objects live as long as the app: keep them out of GC scans

    # --- quitting: never silently, with work under way --------------------------------------

    STOP_SIGNALS: ClassVar[tuple[signal.Signals, ...]] = (signal.SIGTERM, signal.SIGHUP)

    def _install_stop_signals(self) -> None:
        """SIGTERM and SIGHUP (the SSH session to the jump box drops) end the console the way
        quitting does: running jobs are cancelled and recorded as interrupted."""
        try:
            loop = asyncio.get_running_loop()
            for sig in self.STOP_SIGNALS:
                loop.add_signal_handler(sig, self.stop_on_signal, sig)
        except (RuntimeError, ValueError, NotImplementedError):  # not the main thread
            return
        self._signals_installed = True

    def stop_on_signal(self, sig: int) -> None:
        """What a stop signal does: interrupt the jobs (their audit lines say so) and exit."""
        name = signal.Signals(sig).name
        self.interrupt_and_exit(f"hvtui stopped by {name}", return_code=130,
                                message=f"hvtui: stopped by {name}; running jobs were recorded "
                                        f"as interrupted in {self.audit.path}")

    def interrupt_and_exit(self, reason: str, return_code: int = 0, message: str = "") -> None:
        """Cancel the running jobs with ``reason`` and exit once their plans have written the
        interrupted lines (cancelling takes effect on the next turns of the event loop)."""
        self.jobs.cancel_all(reason)

        async def wait_then_exit() -> None:
            for _ in range(500):  # bounded: a plan that ignores cancelling must not keep us
                if not self.jobs.running and not self.running_plans:
                    break
                await asyncio.sleep(0.01)
            self.exit(return_code=return_code, message=message or None)

        self.run_worker(wait_then_exit(), name="quitting", exit_on_error=False)

    def running_work(self) -> list[str]:
        """One line per change under way: each running job, and plans running without one."""
        lines = [f"job {j.id}  {j.operation} ({j.percent}%, on {j.host})"
                 for j in self.jobs.running]
        if not lines:
            lines = [f"{title} (running)" for title in self.running_plans]
        return lines

    def request_quit(self) -> None:
        """``q``, ``:quit`` and Ctrl+Q: quit at once when nothing runs; otherwise ask first,
        naming what runs and saying what quitting does to it on the hosts."""
        work = self.running_work()
        if not work:
            self.exit()
            return
        from hvtui.ui.confirm import ConfirmScreen

        what = f"{len(work)} change{'s are' if len(work) != 1 else ' is'} under way"
        screen = ConfirmScreen(f"Quit while {what}?", [
            *work, "",
            "Quitting stops hvtui's calls: each host is told to stop the PowerShell pipeline "
            "running the change. Hyper-V may still finish it, or stop it part-way; hvtui "
            "cannot tell which.",
            "The audit log records each as interrupted, state unknown, with the command that "
            "shows its state (`hvtui get ...`).",
        ], yes="Quit and interrupt them", no="Stay")

        def answered(quit_: bool | None) -> None:
            if quit_:
                self.interrupt_and_exit("hvtui quit while it ran")

        self.push_screen(screen, answered)

    async def action_quit(self) -> None:
        self.request_quit()

    def exit(self, result: None = None, return_code: int = 0,
             message: RenderableType | None = None) -> None:
        self.exiting = True
        super().exit(result, return_code, message)

    def request_cancel_job(self, job: Job) -> None:
        """Ask, saying what cancelling means on the host, then cancel the job."""
        if job.state.finished:
            self.flash(f"Job {job.id} has already ended ({job.state.value})", "muted")
            return
        from hvtui.ui.confirm import ConfirmScreen

        screen = ConfirmScreen(f"Cancel job {job.id}?", [
            f"{job.operation} ({job.percent}%, on {job.host})", "",
            f"Cancelling stops hvtui's call: {job.host} is told to stop the PowerShell "
            "pipeline running it. Hyper-V may still finish the operation, or stop it "
            "part-way; hvtui cannot tell which.",
            "Steps of the same plan that have not started will not run.",
            f"The audit log records it as interrupted, state unknown. Refresh (r) and check "
            f"{job.target or job.host} afterwards.",
        ], yes="Cancel the job", no="Keep it running")

        def answered(cancel: bool | None) -> None:
            if cancel and self.jobs.cancel(job.id, "job cancelled in hvtui"):
                self.flash(f"Job {job.id} cancelled: {job.operation}. Check "
                           f"{job.target or job.host} on {job.host} (r refreshes).", "warning")

        self.push_screen(screen, answered)

    async def on_unmount(self) -> None:
        if getattr(self, "_signals_installed", False):
            loop = asyncio.get_running_loop()
            for sig in self.STOP_SIGNALS:
                loop.remove_signal_handler(sig)
        self.jobs.unsubscribe(self._job_update)
        try:
            if self._refresher is not None:
                await self._refresher.close()
            await self.pool.close()
        except Exception as error:  # noqa: BLE001 - closing must not print a traceback
            log_exception(error, "closing sessions")

    # --- refresh -----------------------------------------------------------------------------

    def _refresher_update(self, status: HostStatus) -> None:
        self.post_message(HostUpdated(status))

    def _job_update(self, job: Job) -> None:
        self.post_message(JobUpdated(job))

    def _tick(self, force: bool = False) -> int:
        with self.guard("starting a refresh"):
            self._forget_vanished_hosts()
            return len(self.refresher.tick(force=force))
        return 0

    def _forget_vanished_hosts(self) -> None:
        vanished = [h.name for h in self.estate.hosts if not self.pool.has_host(h.name)]
        if not vanished:
            return
        self.estate = Estate(tuple(h for h in self.estate.hosts if h.name not in vanished))
        self.refresher.estate = self.estate
        for name in vanished:
            self.received.pop(name, None)
            self._summaries.pop(name, None)
            self.main_screen.host_changed(name)
        self.flash(f"Removed from the inventory: {', '.join(vanished)}", "warning")
        self.data_changed.publish("")

    def request_refresh(self, *hosts: str) -> int:
        """Refresh now (all hosts, or the named ones); returns how many refreshes started."""
        if not hosts:
            return self._tick(force=True)
        started = 0
        for host in hosts:
            if self.pool.has_host(host) and not self.refresher.in_flight(host):
                task = asyncio.get_running_loop().create_task(self.refresher.refresh_host(host))
                self._tasks.add(task)  # the loop keeps only weak references to tasks
                task.add_done_callback(self._tasks.discard)
                started += 1
        return started

    def on_host_updated(self, message: HostUpdated) -> None:
        with self.guard("applying a host refresh"):
            status = message.status
            name = status.name
            if not self.pool.has_host(name):
                return
            previous = self.estate.status(name)
            self.estate = self.estate.with_status(status)
            if not status.error and status.inventory is not None:
                self.received[name] = self.clock()
            if previous is None or previous.inventory is not status.inventory \
                    or name not in self._summaries:
                self._summary_dirty.add(name)  # counted later, in budgeted slices
            if status.error and (previous is None or not previous.error):
                self.flash(f"{name} is not answering: {status.error}"
                           + ("; showing its last known state" if status.inventory else ""),
                           "critical")
            elif not status.error and previous is not None and previous.error:
                self.flash(f"{name} answers again", "ok")
            self.main_screen.host_changed(name)
            self.data_changed.publish(name)

    def on_job_updated(self, message: JobUpdated) -> None:
        with self.guard("applying a job update"):
            job = message.job
            self.main_screen.pane_stale("jobs")
            self.main_screen.host_changed(job.host)  # the VM's Status shows the job
            if job.state.finished and self.main_screen.current == "jobs":
                self.main_screen.refresh_bindings()  # x (cancel) only for running jobs
            if job.state.finished:
                role = {"completed": "ok", "failed": "critical"}.get(job.state.value, "warning")
                self.flash(f"Job {job.id} {job.state.value}: {job.operation}: {job.status}",
                           role)
                self.load_audit()
            self.data_changed.publish("")

    def _clock_tick(self) -> None:
        with self.guard("updating ages"):
            main = self.main_screen
            if not main.is_attached:
                return
            if main.current in ("hosts", "jobs"):
                main.pane_stale(main.current)
            for status in self.estate.hosts:  # the age shown on a silent host's rows grows
                if status.error and status.inventory is not None:
                    main.host_changed(status.name)
            main.update_status()

    def load_audit(self) -> None:
        """Read the audit log off the event loop, then show it."""
        if self.exiting:
            return  # a job ending as the console closes: nobody will look
        self.run_worker(self._read_audit(), name="read audit log", group="audit",
                        exclusive=True, exit_on_error=False)

    async def _read_audit(self) -> None:
        entries = await asyncio.to_thread(self.audit.entries, AUDIT_LIMIT)
        self.audit_entries = entries
        self.main_screen.pane_stale("audit")

    def update_summaries(self, deadline: float) -> bool:
        """Recount hosts whose inventory changed, until ``deadline``; True if more remain."""
        dirty = self._summary_dirty
        while dirty and time.perf_counter() < deadline:
            name = dirty.pop()
            status = self.estate.status(name)
            if status is None:
                self._summaries.pop(name, None)
            else:
                self._summaries[name] = P.summarise_host(status)
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

    # --- what the screens ask ----------------------------------------------------------------

    def build_context(self) -> P.BuildContext:
        busy = {(job.host.casefold(), job.target.casefold()): job
                for job in self.jobs.running}
        return P.BuildContext(self.estate, self.clock(), self.received, self.read_only_hosts,
                              busy)

    def status_parts(self) -> list[tuple[str, str]]:
        return P.status_line(self.estate, self._summaries, self.build_context(), self.read_only)

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
        return D.Details(str(key))

    # --- navigation used by screens and the palette ------------------------------------------

    def _to_main(self) -> None:
        while len(self.screen_stack) > 1 and self.screen is not self.main_screen:
            self.pop_screen()

    def go_to_pane(self, pane: str, prompt: str | None = None) -> None:
        self._to_main()
        self.main_screen.show_pane(pane)
        if prompt:
            self.main_screen.open_prompt(prompt)

    def sort_current(self, column: int) -> None:
        self._to_main()
        self.main_screen.table.set_sort(column, reverse=False)
        self.main_screen.update_crumb()

    def open_details(self, pane: str, key: Hashable) -> None:
        from hvtui.ui.details import DetailsScreen

        if self.lookup(pane, key) is None:
            self.flash(f"{key} is not there any more (deleted or moved since the last refresh)",
                       "warning")
            return
        self.push_screen(DetailsScreen(pane, key))

    def show_help(self, screen: Screen[Any]) -> None:
        from hvtui.ui.help import HelpScreen, bindings_in_context, command_entries

        entries = bindings_in_context(self, screen)
        if screen is self.main_screen:
            title = f"Keys on the {P.PANE_BY_ID[self.main_screen.current].title} pane"
            entries += command_entries()
        else:
            title = "Keys in this view"
        self.push_screen(HelpScreen(title, entries))

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

    # --- registered actions ------------------------------------------------------------------

    def run_action_on_selection(self, action_id: str) -> None:
        self._to_main()
        spec = get_action(action_id)
        if spec is not None:
            self.main_screen.run_on_selection(spec)

    def locked_hosts(self, objects: Iterable[object]) -> list[str]:
        """The read-only hosts (per the inventory) that ``objects`` live on."""
        if not self.read_only_hosts:
            return []
        hosts = {h for obj in objects for h in P.object_hosts(obj)}
        return sorted(h for h in hosts if h.casefold() in self.read_only_hosts)

    def may_change(self, objects: Iterable[object]) -> bool:
        """Whether a mutating action may be offered for these objects."""
        return not self.read_only and not self.locked_hosts(objects)

    def selection_started(self) -> None:
        """A handler calls this once its action is confirmed or running: the marks of the rows
        it was given are cleared then (as k9s does), and kept when the person cancels."""
        started = _SELECTION_STARTED.get()
        if started is not None:
            _SELECTION_STARTED.set(None)  # once per action (the handler's own context)
            started()

    def run_action_spec(self, spec: ActionSpec, objects: list[Any],
                        started: Callable[[], None] | None = None) -> None:
        """Call a registered action's handler with the selected objects (never in read-only mode
        when it changes things). ``started`` runs when the handler calls
        :meth:`selection_started`."""
        if spec.mutating and self.read_only:
            self.flash(f"{spec.label} changes things; hvtui runs read-only", "warning")
            return
        locked = self.locked_hosts(objects) if spec.mutating else []
        if locked:
            self.flash(f"{spec.label} changes things; the inventory marks "
                       f"{', '.join(locked)} read-only", "warning")
            return
        if not objects:
            self.flash(f"{spec.label}: nothing selected", "warning")
            return
        if not spec.multi and len(objects) > 1:
            self.flash(f"{spec.label} works on one row at a time; Esc clears the marks",
                       "warning")
            return
        # The handler (and its worker, which copies this context) sees its own callback.
        token = _SELECTION_STARTED.set(started)
        try:
            with self.guard(f"starting {spec.label}"):
                result = spec.handler(self, list(objects))
                if inspect.isawaitable(result):
                    async def run() -> None:
                        await result

                    self.run_worker(run(), name=spec.label, group="actions",
                                    exit_on_error=False)
        finally:
            _SELECTION_STARTED.reset(token)

    # --- errors: logged, reported, never a traceback on screen -------------------------------

    def report_error(self, error: BaseException, context: str = "") -> None:
        """Log an unexpected error with its traceback and tell the user where the log is."""
        self.unexpected_errors.append(error)
        path = log_exception(error, context)
        key = (type(error).__name__, str(error))
        if key in self._reported:
            return
        self._reported.add(key)
        what = f" while {context}" if context else ""
        with suppress(Exception):  # reporting must never fail
            self.notify(f"Unexpected error{what}: {one_line(error)}. Details in {path}",
                        title="hvtui", severity="error", timeout=15, markup=False)

    @contextmanager
    def guard(self, context: str) -> Iterator[None]:
        try:
            yield
        except Exception as error:  # noqa: BLE001
            self.report_error(error, context)

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


def make_app(pool: SessionPool, *, read_only: bool = False, theme: str | None = None,
             jobs: JobManager | None = None, audit: AuditLog | None = None,
             refresh_interval: float = 5.0, clock: Clock | None = None,
             start_pane: str = "vms", read_only_hosts: Collection[str] = ()) -> HvtuiApp:
    """Build the console the way the CLI and the tests do.

    ``theme`` is a name (``dark``, ``hvtui-light``...); None uses the remembered
    choice, or the 16-colour theme on a 16-colour terminal, else ``hvtui-dark``.
    ``clock`` freezes 'now' for stable screenshots. ``read_only_hosts`` are hosts the
    inventory marks read-only: changes to anything on them are hidden.
    """
    return HvtuiApp(pool, read_only=read_only, theme=theme, jobs=jobs, audit=audit,
                    refresh_interval=refresh_interval, clock=clock, start_pane=start_pane,
                    read_only_hosts=read_only_hosts)
