"""One session per host, bounded concurrency across hosts, timeouts and reconnects.

The pool owns the sessions: callers name a host, never a transport. A session is
created on first use from the host's factory and kept (a PSRP runspace pool or an
SSH connection is expensive to open). When a host drops or refuses, its session is
discarded and the host backs off exponentially before the next connection attempt,
so a dead host costs one quick refusal per backoff period, not a hung worker.

Each host has its own timeout (connecting included). The session gets it and
should report a timeout itself, with its own words; the pool gives it a short
grace on top and then reports the host as timed out whatever the transport is
still doing: a frozen host is reported within its timeout plus ``GRACE``. A
timed-out or broken session is closed in the background, so closing a dead
connection never holds up the caller either.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from hvtui.errors import ConnectError, RemoteError, RemoteTimeout, SessionLost
from hvtui.remote.base import ParamValue, ProgressCallback, PSResult, Session

SessionFactory = Callable[[], Session]

log = logging.getLogger(__name__)

GRACE = 2.0
"""Seconds a session may overrun its timeout (to stop the remote work) before the pool
reports the host as timed out without waiting for it."""
CLOSE_WAIT = 5.0
"""Seconds :meth:`SessionPool.close` waits for sessions to close before it gives up."""


@dataclass(slots=True)
class _Backoff:
    failures: int = 0
    retry_at: float = 0.0
    last_error: RemoteError | None = None


class SessionPool:
    """Sessions for many hosts, used concurrently from one event loop."""

    def __init__(
        self,
        factories: Mapping[str, SessionFactory],
        *,
        timeouts: Mapping[str, float] | None = None,
        max_concurrency: int = 64,
        timeout: float = 60.0,
        backoff_base: float = 2.0,
        backoff_max: float = 120.0,
        grace: float = GRACE,
        close_wait: float = CLOSE_WAIT,
        clock: Callable[[], float] = time.monotonic,
        on_close: Callable[[], None] | None = None,
    ) -> None:
        self._factories = dict(factories)
        self._on_close = on_close
        """Called once, after :meth:`close` (what the hosts behind the pool need then)."""
        self._sessions: dict[str, Session] = {}
        self._limit = asyncio.Semaphore(max_concurrency)
        self.timeout = timeout
        """Per-call timeout in seconds for hosts without one in ``timeouts``."""
        self._timeouts = dict(timeouts or {})
        self._grace = grace
        self._close_wait = close_wait
        self._background: set[asyncio.Task[None]] = set()
        self._backoff: dict[str, _Backoff] = {}
        self._base = backoff_base
        self._max = backoff_max
        self._clock = clock

    @property
    def hosts(self) -> list[str]:
        return list(self._factories)

    def has_host(self, host: str) -> bool:
        return host in self._factories

    def timeout_for(self, host: str) -> float:
        """The host's own per-call timeout in seconds."""
        return self._timeouts.get(host, self.timeout)

    def backoff_remaining(self, host: str) -> float:
        """Seconds until the pool will try this host again (0 when it may)."""
        state = self._backoff.get(host)
        return 0.0 if state is None else max(0.0, state.retry_at - self._clock())

    def _session(self, host: str) -> Session:
        session = self._sessions.get(host)
        if session is None:
            try:
                factory = self._factories[host]
            except KeyError:
                known = ", ".join(self._factories) or "none"
                raise ConnectError(f"{host!r} is not in the inventory (known: {known})",
                                   hint="check the host name or add it to the inventory") from None
            session = self._sessions[host] = factory()
        return session

    def _discard(self, host: str) -> None:
        """Forget the host's session and close it in the background."""
        session = self._sessions.pop(host, None)
        if session is not None:
            self._in_background(session.close(), f"closing the session of {host}")

    def _in_background(self, work: Awaitable[object], what: str) -> None:
        """Run ``work`` without waiting for it; :meth:`close` waits (boundedly) for the rest."""

        async def quietly() -> None:
            try:
                await work
            except asyncio.CancelledError:
                pass
            except Exception as exc:  # noqa: BLE001 - a broken session may fail to close
                log.debug("%s: %s", what, type(exc).__name__)

        task = asyncio.ensure_future(quietly())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _failed(self, host: str, error: RemoteError) -> None:
        state = self._backoff.setdefault(host, _Backoff())
        state.failures += 1
        state.last_error = error
        delay = min(self._max, self._base * 2 ** (state.failures - 1))
        state.retry_at = self._clock() + delay

    async def invoke(
        self,
        host: str,
        script: str,
        parameters: Mapping[str, ParamValue] | None = None,
        *,
        timeout: float | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> PSResult:
        """Run a script on ``host``; see :meth:`Session.invoke`.

        ``timeout`` (seconds) overrides the host's own for this call. Raises the host's
        last error again without connecting while it backs off.
        """
        state = self._backoff.get(host)
        if state is not None and state.last_error is not None and self.backoff_remaining(host):
            raise state.last_error
        limit = self.timeout_for(host) if timeout is None else timeout
        async with self._limit:
            session = self._session(host)
            call = asyncio.ensure_future(session.invoke(script, parameters, timeout=limit,
                                                        on_progress=on_progress))
            try:
                done, _ = await asyncio.wait({call}, timeout=limit + self._grace)
            except asyncio.CancelledError:
                call.cancel()  # the session stops the remote work; wait a little for that
                await asyncio.wait({call}, timeout=self._grace)
                raise
            try:
                if not done:
                    # The transport did not give up on its own: report now, stop it behind.
                    call.cancel()
                    self._in_background(call, f"abandoning a call to {host}")
                    raise RemoteTimeout(f"no answer within {limit:g} s", host=host,
                                        hint="the host may be hung or overloaded; check it, "
                                             "raise its timeout, or retry")
                result = call.result()
            except (ConnectError, SessionLost, RemoteTimeout) as exc:
                self._discard(host)
                self._failed(host, exc)
                raise
        self._backoff.pop(host, None)
        return result

    async def close(self) -> None:
        """Close every session; gives up on the ones that do not close within ``close_wait``."""
        for host in list(self._sessions):
            self._discard(host)
        pending = set(self._background)
        if pending:
            await asyncio.wait(pending, timeout=self._close_wait)
        for task in pending:
            task.cancel()
        finish, self._on_close = self._on_close, None
        if finish is not None:
            finish()
