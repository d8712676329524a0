"""Script handlers, keyed by catalog script name, and the context each one runs in.

A handler emulates one whole catalog script on one host: what the script's cmdlets do to
the estate and the records the script emits. It is an ``async`` function taking a
:class:`Call`; it fails by raising :class:`~hvtui.lab.failures.HostError`. Mutations
happen inside ``with call.lock:`` blocks that never contain an ``await``; long
operations wait on the lab clock between such blocks and report progress.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from hvtui.lab.clock import LabClock
from hvtui.lab.estate import VM, Estate, Host
from hvtui.lab.failures import HostError, invalid_state, vm_not_found
from hvtui.ps.catalog import Script
from hvtui.remote.base import ProgressCallback, ProgressRecord, PSObjectData

_HANDLER_MODULES = (
    "hvtui.lab.power",
    "hvtui.lab.checkpoints",
    "hvtui.lab.migration",
    "hvtui.lab.storage",
    "hvtui.lab.export",
    "hvtui.lab.guest",
    "hvtui.lab.hostsettings",
    "hvtui.lab.replica",
    "hvtui.lab.cluster",
)


@dataclass
class Call:
    """One script invocation: its host, bound parameters and output streams."""

    estate: Estate
    host: Host
    script: Script
    params: dict[str, Any]
    on_progress: ProgressCallback | None = None
    objects: list[PSObjectData] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    progress: list[ProgressRecord] = field(default_factory=list)

    @property
    def lock(self) -> Any:
        return self.estate.lock

    @property
    def clock(self) -> LabClock:
        return self.estate.clock

    def emit(self, record: PSObjectData) -> None:
        self.objects.append(record)

    def warn(self, text: str) -> None:
        self.warnings.append(text)

    def report(self, activity: str, status: str, percent: int) -> None:
        record = ProgressRecord(activity=activity, status=status, percent=percent)
        self.progress.append(record)
        if self.on_progress is not None:
            self.on_progress(record)

    async def spend(
        self,
        seconds: float,
        activity: str,
        status: Callable[[int], str],
        *,
        steps: int = 10,
        span: tuple[int, int] = (0, 100),
    ) -> None:
        """Let ``seconds`` of lab time pass, reporting progress at each of ``steps`` steps.

        ``span`` maps this wait onto part of a longer operation's 0..100 (a drain of
        several roles reports one overall percentage)."""
        low, high = span

        def percent(step: int) -> int:
            return round(low + (high - low) * step / steps)

        self.report(activity, status(percent(0)), percent(0))
        for step in range(1, steps + 1):
            await self.clock.sleep(seconds / steps)
            self.report(activity, status(percent(step)), percent(step))

    # --- VM lookups shared by handlers ----------------------------------------------------

    def vms(self, name: str, cmdlet: str) -> list[VM]:
        """Every VM of this host with that name (literally, any case), or R-ERR-1."""
        found = self.host.find_vms(name)
        if not found:
            raise vm_not_found(cmdlet, name)
        return found

    def idle(self, vm: VM, cmdlet: str) -> VM:
        """Refuse while a long operation holds the VM (the host reports an invalid state)."""
        if vm.busy:
            raise invalid_state(cmdlet, vm.name)
        return vm

    @contextmanager
    def holding(self, vm: VM, what: str) -> Iterator[None]:
        """Mark ``vm`` busy with a long operation for the duration of the block."""
        with self.lock:
            vm.busy = what
        try:
            yield
        finally:
            with self.lock:
                vm.busy = ""


Handler = Callable[[Call], Awaitable[None]]

HANDLERS: dict[str, Handler] = {}
"""Catalog script name -> handler."""


def handles(name: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        if name in HANDLERS:
            raise RuntimeError(f"two lab handlers for catalog script {name!r}")
        HANDLERS[name] = handler
        return handler

    return register


def all_handlers() -> dict[str, Handler]:
    """Every registered handler (importing the handler modules on first use)."""
    for module in _HANDLER_MODULES:
        importlib.import_module(module)
    return HANDLERS


def handler_for(name: str) -> Handler | None:
    return all_handlers().get(name)


__all__ = ["Call", "Handler", "HostError", "all_handlers", "handler_for", "handles"]
