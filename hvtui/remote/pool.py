"""One session per host, bounded concurrency across hosts, timeouts and reconnects.

The pool owns the sessions: callers name a host, never a transport. A session is
created on first use from the host's factory and kept (a PSRP runspace pool or an
SSH connection is expensive to open). When a host drops or refuses, its session is
discarded and the host backs off exponentially before the next connection attempt,
so a dead host costs one quick refusal per backoff period, not a hung worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from hvtui.errors import ConnectError, RemoteError, RemoteTimeout, SessionLost
from hvtui.remote.base import ParamValue, ProgressCallback, PSResult, Session

SessionFactory = Callable[[], Session]


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
        max_concurrency: int = 64,
        timeout: float = 60.0,
        backoff_base: float = 2.0,
        backoff_max: float = 120.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._factories = dict(factories)
        self._sessions: dict[str, Session] = {}
        self._limit = asyncio.Semaphore(max_concurrency)
        self.timeout = timeout
        """Default per-call timeout in seconds."""
        self._backoff: dict[str, _Backoff] = {}
        self._base = backoff_base
        self._max = backoff_max
        self._clock = clock

    @property
    def hosts(self) -> list[str]:
        return list(self._factories)

    def has_host(self, host: str) -> bool:
        return host in self._factories

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

    async def _discard(self, host: str) -> None:
        session = self._sessions.pop(host, None)
        if session is not None:
            # A broken session may fail to close; it is discarded either way.
            with contextlib.suppress(Exception):
                await session.close()

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

        Raises the host's last error again without connecting while it backs off.
        """
        state = self._backoff.get(host)
        if state is not None and state.last_error is not None and self.backoff_remaining(host):
            raise state.last_error
        limit = self.timeout if timeout is None else timeout
        async with self._limit:
            session = self._session(host)
            try:
                async with asyncio.timeout(limit):
                    result = await session.invoke(script, parameters, timeout=limit,
                                                  on_progress=on_progress)
            except TimeoutError:
                await self._discard(host)
                error = RemoteTimeout(f"no answer within {limit:g} s", host=host,
                                      hint="the host may be overloaded; raise the timeout or retry")
                self._failed(host, error)
                raise error from None
            except (ConnectError, SessionLost, RemoteTimeout) as exc:
                await self._discard(host)
                self._failed(host, exc)
                raise
        self._backoff.pop(host, None)
        return result

    async def close(self) -> None:
        await asyncio.gather(*(self._discard(h) for h in list(self._sessions)))
