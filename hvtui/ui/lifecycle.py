"""The console's life: what starts after the first frame, and never quitting silently.

Start: the first frame goes out before anything slow; then hosts are asked, the wizards'
package is imported (its modules register actions) and start-up problems are told.
Stop: ``q``, ``:quit``, Ctrl+Q, SIGTERM and SIGHUP with work under way cancel the running
jobs so their audit lines say "interrupted", after asking when a person is there to ask. A
terminal that has gone stops the console the same way, and a stop that cannot finish because
the terminal no longer reads ends the process anyway (``hvtui.ui.terminal``).
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import importlib.util
import signal
from typing import TYPE_CHECKING

from hvtui.model import Job
from hvtui.ui.crashlog import log_exception, one_line

if TYPE_CHECKING:
    from hvtui.ui.console import HvtuiApp

STOP_SIGNALS: tuple[signal.Signals, ...] = (signal.SIGTERM, signal.SIGHUP)
"""Signals that end the console the way quitting does."""

STOP_GRACE = 20.0
"""Seconds a stop (signal, lost terminal) may take before the process ends anyway: recording
the interrupted jobs takes at most 5 s, and a terminal that stopped reading blocks for ever."""


class Lifecycle:
    """Owned by the app: start-up after the first frame, stop signals, quitting, closing."""

    def __init__(self, app: HvtuiApp) -> None:
        self._app = app
        self._signals_installed = False
        self._extensions_loaded = False

    # --- start -------------------------------------------------------------------------------

    def after_first_frame(self, problems: list[str]) -> None:
        app = self._app
        with app.guard("starting up"):
            app.feed.tick(force=True)
            self.load_extensions(problems)
            app.actions_registered.publish(None)
            for problem in problems:
                app.notify(problem, title="hvtui", severity="warning", timeout=15)
            app.themes.ready = True
            gc.freeze()  # start-up objects live as long as the app: keep them out of GC scans
            gc.enable()  # `hvtui` pauses it until here (cli._console): start-up makes no cycles

    def load_extensions(self, problems: list[str]) -> None:
        """Import ``hvtui.ui.wizards`` when it exists: its modules register actions."""
        if self._extensions_loaded:
            return
        try:
            if importlib.util.find_spec("hvtui.ui.wizards") is None:
                return
            importlib.import_module("hvtui.ui.wizards")
        except Exception as error:  # noqa: BLE001 - a broken wizard must not stop the console
            path = log_exception(error, "loading hvtui.ui.wizards")
            problems.append(f"Wizards not loaded ({one_line(error)}); details in {path}")
        self._extensions_loaded = True

    def install_stop_signals(self) -> None:
        """SIGTERM and SIGHUP (the SSH session to the jump box drops) end the console the way
        quitting does: running jobs are cancelled and recorded as interrupted."""
        try:
            loop = asyncio.get_running_loop()
            for sig in STOP_SIGNALS:
                loop.add_signal_handler(sig, self.stop_on_signal, sig)
        except (RuntimeError, ValueError, NotImplementedError):  # not the main thread
            return
        self._signals_installed = True

    # --- stop --------------------------------------------------------------------------------

    def stop_on_signal(self, sig: int) -> None:
        """What a stop signal does: interrupt the jobs (their audit lines say so) and exit."""
        name = signal.Signals(sig).name
        self._exit_anyway_later(130)
        self.interrupt_and_exit(f"hvtui stopped by {name}", return_code=130,
                                message=f"hvtui: stopped by {name}; running jobs were recorded "
                                        f"as interrupted in {self._app.audit.path}")

    def terminal_lost(self) -> None:
        """The terminal has gone without a signal (a pseudo-terminal closed under a process
        it does not control): interrupt the jobs and exit, as SIGHUP does."""
        if self._app.exiting:
            return
        self._exit_anyway_later(130)
        self.interrupt_and_exit("hvtui's terminal closed", return_code=130,
                                message="hvtui: its terminal closed; running jobs were recorded "
                                        f"as interrupted in {self._app.audit.path}")

    def _exit_anyway_later(self, return_code: int) -> None:
        if self._app.is_headless:  # tests drive the app in-process: never end their process
            return
        from hvtui.ui.terminal import exit_anyway_after

        exit_anyway_after(STOP_GRACE, return_code)

    def interrupt_and_exit(self, reason: str, return_code: int = 0, message: str = "") -> None:
        """Cancel the running jobs with ``reason`` and exit once their plans have written the
        interrupted lines (cancelling takes effect on the next turns of the event loop)."""
        app = self._app
        app.jobs.cancel_all(reason)

        async def wait_then_exit() -> None:
            for _ in range(500):  # bounded: a plan that ignores cancelling must not keep us
                if not app.jobs.running and not app.running_plans:
                    break
                await asyncio.sleep(0.01)
            app.exit(return_code=return_code, message=message or None)

        app.run_worker(wait_then_exit(), name="quitting", exit_on_error=False)

    def running_work(self) -> list[str]:
        """One line per change under way: each running job, and plans running without one."""
        app = self._app
        lines = [f"job {j.id}  {j.operation} ({j.percent}%, on {j.host})"
                 for j in app.jobs.running]
        if not lines:
            lines = [f"{title} (running)" for title in app.running_plans]
        return lines

    def request_quit(self) -> None:
        """Quit at once when nothing runs; otherwise ask first, naming what runs and saying
        what quitting does to it on the hosts."""
        app = self._app
        work = self.running_work()
        if not work:
            app.exit()
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

        app.push_screen(screen, answered)

    def request_cancel_job(self, job: Job) -> None:
        """Ask, saying what cancelling means on the host, then cancel the job."""
        app = self._app
        if job.state.finished:
            app.flash(f"Job {job.id} has already ended ({job.state.value})", "muted")
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
            if cancel and app.jobs.cancel(job.id, "job cancelled in hvtui"):
                app.flash(f"Job {job.id} cancelled: {job.operation}. Check "
                          f"{job.target or job.host} on {job.host} (r refreshes).", "warning")

        app.push_screen(screen, answered)

    async def close(self) -> None:
        """The app is unmounting: stop listening, close the refresher and every session."""
        app = self._app
        if self._signals_installed:
            loop = asyncio.get_running_loop()
            for sig in STOP_SIGNALS:
                loop.remove_signal_handler(sig)
        try:
            await app.feed.close()
            await app.pool.close()
        except Exception as error:  # noqa: BLE001 - closing must not print a traceback
            log_exception(error, "closing sessions")
