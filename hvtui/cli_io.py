"""What the command line writes, and how a signal stops it.

Every line hvtui's commands print goes through :class:`Output` (stdout: plans, progress,
tables) or :func:`say_error` (stderr: one line per error). Both show text from hosts
inert (control characters visibly escaped, see :mod:`hvtui.model.text`), and a closed
pipe (``hvtui get vms | head``) ends the output quietly instead of with a traceback: the
work goes on, and its outcome still reaches the audit log and the exit status.

:func:`interruptible` runs the part of a command that changes hosts with SIGINT, SIGTERM
and SIGHUP turned into a cancellation of that work, so the plan runner writes the
``interrupted`` line for the step in flight before hvtui exits with status 130.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Awaitable
from typing import TextIO, TypeVar

from hvtui.errors import Interrupted
from hvtui.model.text import inert

T = TypeVar("T")

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
"""Ctrl+C, ``kill``, and the terminal (or the SSH session to a jump box) going away."""


def silence(stream: TextIO) -> None:
    """Point a closed stream's descriptor at /dev/null: Python's own flush at exit then
    has nowhere to fail (and print 'Exception ignored ... BrokenPipeError')."""
    try:
        fd = stream.fileno()
    except (OSError, ValueError):
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


class Output:
    """Lines to a stream, inert, surviving the reader going away."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stdout
        self.closed = False
        """True once the reader has gone (everything after is dropped)."""

    def write(self, text: str = "", *, end: str = "\n") -> None:
        """``text`` (one or more lines) with every line made inert. Callers compose lines
        from values already passed through :func:`inert`, so a new line inside a host's
        text never starts a line of its own; this is the net under them."""
        if self.closed or self.stream is None:
            return
        shown = "\n".join(inert(line) for line in text.split("\n"))
        try:
            self.stream.write(shown + end)
            self.stream.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.closed = True
            silence(self.stream)
        except OSError:  # EIO: the terminal hung up (SIGHUP follows)
            self.closed = True


def say_error(text: str) -> None:
    """One line on stderr, prefixed ``hvtui:``; never raises."""
    with contextlib.suppress(OSError, ValueError, AttributeError):  # stderr closed or gone
        print(f"hvtui: {inert(text)}", file=sys.stderr, flush=True)


def signal_name(sig: int) -> str:
    return "Ctrl+C (SIGINT)" if sig == signal.SIGINT else signal.Signals(sig).name


async def interruptible(work: Awaitable[T]) -> T:
    """Await ``work``; SIGINT, SIGTERM or SIGHUP cancels it and raises :class:`Interrupted`.

    The cancellation carries the signal's name, which the plan runner writes into the
    ``interrupted`` audit line. A second signal while hvtui winds down ends it at once.
    """
    loop = asyncio.get_running_loop()
    task = asyncio.ensure_future(work)
    received: list[int] = []

    def stop(sig: int) -> None:
        if received:  # asked twice: stop waiting for a clean exit
            signal.signal(sig, signal.SIG_DFL)
            os.kill(os.getpid(), sig)
            return
        received.append(sig)
        task.cancel(signal_name(sig))

    installed = []
    for sig in STOP_SIGNALS:
        try:
            loop.add_signal_handler(sig, stop, sig)
            installed.append(sig)
        except (ValueError, RuntimeError, NotImplementedError):  # not the main thread
            pass
    try:
        return await task
    except asyncio.CancelledError:
        if not received:
            raise
        raise Interrupted(f"stopped by {signal_name(received[0])}") from None
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)
