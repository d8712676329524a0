"""LabSession: hvtui's in-process "lab" transport, one simulated host behind the Session API.

``invoke`` recognises the script text as a catalog script (``hvtui.ps.catalog.identify``),
binds the parameters as PowerShell would, and runs that script's handler against the
estate. Text that is not a catalog script fails as a host fails an unknown command.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from hvtui.errors import RemoteError, RemoteTimeout, SessionLost
from hvtui.lab.binding import bind
from hvtui.lab.failures import HostError, command_not_found
from hvtui.lab.registry import Call, handler_for
from hvtui.ps import catalog
from hvtui.remote.base import ErrorRecord, ParamValue, ProgressCallback, PSResult

if TYPE_CHECKING:
    from hvtui.lab.lab import Lab

_COMMENTS = re.compile(r"\A(?:\s+|<#.*?#>|#[^\n]*)*", re.DOTALL)
_TOKEN = re.compile(r"[^\s;|(){}]+")


def first_token(script: str) -> str:
    """The first word PowerShell would try to run (after blanks and comments)."""
    rest = script[_COMMENTS.match(script).end() :]  # type: ignore[union-attr]
    found = _TOKEN.match(rest)
    return found.group(0) if found else ""


def _failed(record: ErrorRecord, call: Call | None = None) -> PSResult:
    if call is None:
        return PSResult(errors=[record], had_errors=True)
    return PSResult(
        objects=list(call.objects),
        errors=[record],
        warnings=list(call.warnings),
        progress=list(call.progress),
        had_errors=True,
    )


class LabSession:
    """A session with one host of a :class:`~hvtui.lab.Lab` (implements ``Session``)."""

    def __init__(self, lab: Lab, host: str) -> None:
        self._lab = lab
        self.host = host
        """The host's name as the lab spells it."""
        self._closed = False

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
            return _failed(command_not_found(token).record)
        handler = handler_for(entry.name)
        if handler is None:
            return _failed(
                ErrorRecord(
                    message=f"The hvtui lab does not emulate the catalog script '{entry.name}'.",
                    category="NotImplemented",
                    error_id="LabScriptNotEmulated",
                    target=entry.name,
                )
            )
        try:
            params = bind(entry, parameters)
        except HostError as exc:
            return _failed(exc.record)
        host = self._lab.estate.host(self.host)
        assert host is not None, "a lab session is only made for a host of its lab"
        call = Call(self._lab.estate, host, entry, params, on_progress)
        try:
            if timeout is None:
                await handler(call)
            else:
                await asyncio.wait_for(handler(call), timeout)
        except HostError as exc:
            return _failed(exc.record, call)
        except TimeoutError:
            raise RemoteTimeout(
                f"'{entry.name}' did not finish within {timeout:g} seconds",
                host=self.host,
                hint="the lab clock may be slow; raise the timeout or the lab speed",
            ) from None
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a lab defect must not look like a host's answer
            raise RemoteError(
                f"the lab failed while emulating '{entry.name}': {exc!r}",
                host=self.host,
                hint="this is a defect in hvtui's lab; please report it",
            ) from exc
        return PSResult(
            objects=list(call.objects), warnings=list(call.warnings), progress=list(call.progress)
        )

    async def close(self) -> None:
        self._closed = True
