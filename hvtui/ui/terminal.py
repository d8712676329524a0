"""The console's terminal can vanish under it: the SSH session to the jump box drops, tmux is
killed. Writing to it then fails (EIO once the pseudo-terminal's other end is closed), and
Textual's writer thread dies on that first failed write; every later write waits for ever on
its full queue, so the console never exits and keeps holding the embedded lab's lock. Reading
fails the same way, and Textual's input thread then ends the app as if hvtui had crashed,
without recording the running jobs as interrupted.

``ConsoleDriver`` is Textual's Linux driver writing through ``TerminalFile``, which turns the
first failed write into a call to the app's ``terminal_lost`` (the console then stops as on
SIGHUP) and drops what follows, so the writer thread keeps draining its queue and shutting
down can finish; a failed read makes the same call.
``exit_anyway_after`` is the last resort for a terminal that stops reading without closing:
writes then block in the kernel, where no Python code can reach them.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable
from typing import IO, Any

from textual.app import App
from textual.drivers.linux_driver import LinuxDriver


class TerminalFile:
    """A text stream that never raises: after its first failed write it drops everything."""

    def __init__(self, file: IO[str], on_lost: Callable[[], None]) -> None:
        self._file = file
        self._on_lost = on_lost
        self.lost = False

    def _lose(self) -> None:
        if not self.lost:
            self.lost = True
            self._on_lost()

    def write(self, text: str) -> int:
        if not self.lost:
            try:
                return self._file.write(text)
            except (OSError, ValueError):  # EIO/EPIPE; ValueError: the stream was closed
                self._lose()
        return len(text)

    def flush(self) -> None:
        if not self.lost:
            try:
                self._file.flush()
            except (OSError, ValueError):
                self._lose()

    def fileno(self) -> int:
        return self._file.fileno()

    def isatty(self) -> bool:
        return not self.lost and self._file.isatty()


class ConsoleDriver(LinuxDriver):
    """Textual's Linux driver; tells the app (``terminal_lost``) when its terminal has gone."""

    def __init__(self, app: App[Any], **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self._loop = asyncio.get_running_loop()  # drivers are made on the app's loop
        self._notify: Callable[[], None] | None = getattr(app, "terminal_lost", None)
        if self._file is not None:
            self._file = TerminalFile(self._file, self._lost)  # type: ignore[assignment]

    def _lost(self) -> None:
        """Called on Textual's writer or input thread."""
        if self._notify is not None:
            self._loop.call_soon_threadsafe(self._notify)

    def run_input_thread(self) -> None:
        try:
            super().run_input_thread()
        except OSError:  # EIO: the terminal has gone
            self._lost()


def exit_anyway_after(seconds: float, return_code: int) -> threading.Timer:
    """End the process ``seconds`` from now unless the returned timer is cancelled first.

    For stopping when the terminal no longer reads: the audit lines are written before the
    console starts to exit, so ending without the terminal's own clean-up loses nothing."""
    timer = threading.Timer(seconds, os._exit, (return_code,))
    timer.daemon = True
    timer.start()
    return timer
