"""The one small async Session interface every transport implements.

A transport runs a PowerShell script (text plus named parameters) on one host and
returns a :class:`PSResult`: output objects as plain Python data, and the error,
warning and progress streams. It knows nothing of Hyper-V.

Output objects are *plain data*: ``dict[str, PSValue]`` for a PSCustomObject or any
complex object (its properties; adapted and extended merged), with lists for
collections and Python scalars for primitives; a bare value a script emits (the
inventory's one JSON string) stays that scalar. Every transport produces the same
plain data for the same remote objects, so decoders never see a transport type.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol, TypeAlias, runtime_checkable

PSScalar: TypeAlias = None | bool | int | float | str | bytes | dt.datetime | dt.timedelta
PSValue: TypeAlias = PSScalar | list["PSValue"] | dict[str, "PSValue"]
PSObjectData: TypeAlias = dict[str, PSValue]
"""One output object: property name -> value."""

ParamValue: TypeAlias = None | bool | int | float | str | list[str] | list[int]
"""What may be passed as a script parameter (bound by name, never spliced into text)."""


@dataclass(frozen=True, slots=True)
class ErrorRecord:
    """A PowerShell ErrorRecord, structured, whatever the transport."""

    message: str
    """The exception message (what ``$_.Exception.Message`` holds)."""
    category: str = "NotSpecified"
    """``CategoryInfo.Category`` name, e.g. ``InvalidArgument``, ``InvalidOperation``."""
    error_id: str = ""
    """``FullyQualifiedErrorId``, e.g.
    ``InvalidParameter,Microsoft.HyperV.PowerShell.Commands.GetVM``."""
    target: str = ""
    """``CategoryInfo.TargetName`` (often the VM name)."""
    activity: str = ""
    """``CategoryInfo.Activity`` (often the cmdlet name)."""
    reason: str = ""
    """``CategoryInfo.Reason`` (often the exception type name)."""


@dataclass(frozen=True, slots=True)
class ProgressRecord:
    activity: str
    status: str
    percent: int = -1
    """0..100, or -1 when unknown."""


@dataclass(frozen=True, slots=True)
class PSResult:
    """Everything one script call produced."""

    objects: list[PSObjectData] = field(default_factory=list)
    errors: list[ErrorRecord] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    progress: list[ProgressRecord] = field(default_factory=list)
    had_errors: bool = False
    """True when the pipeline itself failed (a terminating error)."""

    @property
    def ok(self) -> bool:
        return not self.had_errors and not self.errors


ProgressCallback: TypeAlias = Callable[[ProgressRecord], None]


@runtime_checkable
class Session(Protocol):
    """A live connection to one host."""

    host: str
    """The inventory name of the host this session talks to."""

    async def invoke(
        self,
        script: str,
        parameters: Mapping[str, ParamValue] | None = None,
        *,
        timeout: float | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> PSResult:
        """Run ``script`` with ``parameters`` bound by name; return all its streams.

        Raises a :class:`hvtui.errors.RemoteError` subclass when the host could not
        be reached or answered garbage; script failures come back in ``errors``.
        Cancelling the awaiting task stops the remote pipeline.
        """
        ...

    async def close(self) -> None:
        """Release the connection (runspace pool, SSH connection)."""
        ...
