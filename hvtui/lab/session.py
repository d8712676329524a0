"""LabSession: hvtui's in-process "lab" transport, one simulated host behind the Session API.

``invoke`` takes what a host's constrained endpoint takes: the text of a catalog script
(``hvtui.ps.catalog.identify``) and its parameters. Anything else fails as a host fails an
unknown command. The script itself then runs as text in the lab's PowerShell engine
(:mod:`hvtui.lab.pwsh`), against the cmdlets this host has (:mod:`hvtui.lab.runtime`), in a
thread of its own: long cmdlets wait on lab time there, and a large inventory never stalls
the caller's event loop. Cancelling the awaiting task stops the script, as PowerShell's
Stop does.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from hvtui.errors import RemoteError, RemoteTimeout, SessionLost
from hvtui.lab import pwsh
from hvtui.lab.failures import command_not_found
from hvtui.lab.runtime import HostRuntime
from hvtui.ps import catalog
from hvtui.remote.base import ParamValue, ProgressCallback, ProgressRecord, PSResult, Session

if TYPE_CHECKING:
    from hvtui.lab.lab import Lab

_COMMENTS = re.compile(r"\A(?:\s+|<#.*?#>|#[^\n]*)*", re.DOTALL)
_TOKEN = re.compile(r"[^\s;|(){}]+")

T = TypeVar("T")

_STOP_GRACE = 5.0
"""Seconds a stopped script gets to unwind before the caller goes on without it."""


def first_token(script: str) -> str:
    """The first word PowerShell would try to run (after blanks and comments)."""
    rest = script[_COMMENTS.match(script).end() :]  # type: ignore[union-attr]
    found = _TOKEN.match(rest)
    return found.group(0) if found else ""


def in_thread(work: Callable[[], T], name: str) -> asyncio.Future[T]:
    """Run ``work`` in a new daemon thread; its result arrives on the caller's loop."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(result: T | None, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]

    def target() -> None:
        try:
            result = work()
        except BaseException as exc:  # noqa: BLE001 - handed to the awaiting task
            loop.call_soon_threadsafe(settle, None, exc)
        else:
            loop.call_soon_threadsafe(settle, result, None)

    threading.Thread(target=target, name=name, daemon=True).start()
    return future


class LabSession:
    """A session with one host of a :class:`~hvtui.lab.Lab` (implements ``Session``)."""

    def __init__(self, lab: Lab, host: str) -> None:
        self._lab = lab
        self.host = host
        """The host's name as the lab spells it."""
        self._closed = False
        self._globals: dict[str, Any] = {}
        """The runspace's global scope: what a script sets with ``$global:`` the next
        script on this session reads, as in a PSRP runspace or the SSH bootstrap's."""

    def new_runspace(self) -> LabSession:
        """A session of the same host with a runspace of its own (another client's)."""
        return LabSession(self._lab, self.host)

    async def invoke(
        self,
        script: str,
        parameters: Mapping[str, ParamValue] | None = None,
        *,
        timeout: float | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> PSResult:
        if self._closed:
            raise SessionLost(
                "this lab session was closed", host=self.host, hint="open a new session"
            )
        entry = catalog.identify(script)
        if entry is None:
            token = first_token(script)
            if not token:
                return PSResult()
            return PSResult(errors=[command_not_found(token).record], had_errors=True)
        estate = self._lab.estate
        host = estate.host(self.host)
        assert host is not None, "a lab session is only made for a host of its lab"
        loop = asyncio.get_running_loop()
        cancel = threading.Event()

        # The caller's progress callback runs on its loop; if it fails, the script is stopped
        # and the failure is the caller's, as when a remote client's callback raises.
        listener_failed: asyncio.Future[None] = loop.create_future()

        def deliver(record: ProgressRecord) -> None:
            if on_progress is None or listener_failed.done():
                return
            try:
                on_progress(record)
            except BaseException as exc:  # noqa: BLE001 - re-raised by invoke
                listener_failed.set_exception(exc)

        def progress(record: ProgressRecord) -> None:
            loop.call_soon_threadsafe(deliver, record)

        def work() -> pwsh.Outcome:
            runtime = HostRuntime(estate, host, host.software, on_progress=progress,
                                  cancel=cancel)
            try:
                return pwsh.run(entry.text, dict(parameters or {}), runtime, cancel=cancel,
                                session_globals=self._globals)
            finally:
                changed = self._lab.on_change
                if entry.mutates and changed is not None:
                    changed(self.host, entry.name)

        running = in_thread(work, f"lab {self.host}: {entry.name}")
        waiting: set[asyncio.Future[Any]] = {running, listener_failed}
        try:
            done, _ = await asyncio.wait(waiting, timeout=timeout,
                                         return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            await _stopped(running, cancel)
            raise
        if listener_failed in done:
            await _stopped(running, cancel)
            listener_failed.result()
        if running not in done:
            await _stopped(running, cancel)
            raise RemoteTimeout(
                f"'{entry.name}' did not finish within {timeout:g} seconds",
                host=self.host,
                hint="the lab clock may be slow; raise the timeout or the lab speed",
            )
        try:
            outcome = running.result()
        except Exception as exc:  # a lab defect must not look like a host's answer
            raise RemoteError(
                f"the lab failed while running '{entry.name}': {exc!r}",
                host=self.host,
                hint="this is a defect in hvtui's lab; please report it",
            ) from exc
        return result_of(outcome)

    async def close(self) -> None:
        self._closed = True


def runspace_of(session: Session) -> Session:
    """A session of its own for one client's runspace (a PowerShell process behind SSH, a
    runspace pool behind WinRM): what scripts keep in ``$global:`` there is that client's
    alone. A session that cannot make one (a caller's wrapper) is shared as it is."""
    make = getattr(session, "new_runspace", None)
    return cast(Session, make()) if callable(make) else session


async def _stopped(running: asyncio.Future[Any], cancel: threading.Event) -> None:
    """Stop the script and wait (briefly) until it has: as with PowerShell's Stop, whatever
    the script undoes on the way out is done when the caller hears it stopped."""
    cancel.set()
    await asyncio.wait({running}, timeout=_STOP_GRACE)
    if running.done() and not running.cancelled():
        running.exception()  # retrieved: the script's own end is not the caller's error


def result_of(outcome: pwsh.Outcome) -> PSResult:
    """What a remote client receives of a run: output as plain data, the streams, failure."""
    objects: list[Any] = [pwsh.to_plain(value) for value in outcome.output]
    return PSResult(
        objects=objects,
        errors=[error.as_record() for error in outcome.errors],
        warnings=list(outcome.warnings),
        progress=list(outcome.progress),
        had_errors=outcome.failed,
    )
