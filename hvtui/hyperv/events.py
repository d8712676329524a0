"""Events across the estate: each host's Hyper-V, Replica and Failover Clustering events
(``host-events``, read-only), merged with hvtui's own audit log on one time axis.

Asked on demand only (the Events pane, ``hvtui events``): reading event channels costs the
host more than an inventory, so it is never part of every refresh. Hosts are asked
concurrently; a host that cannot answer is reported beside the others' events.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from hvtui.errors import HvtuiError
from hvtui.hyperv.audit import AuditEntry
from hvtui.model import Job
from hvtui.ps import catalog
from hvtui.ps.decode import json_time
from hvtui.remote.pool import SessionPool

CRITICAL, ERROR, WARNING, INFORMATION = 1, 2, 3, 4
LEVELS = {"error": ERROR, "warning": WARNING, "info": INFORMATION}
"""--level names: the most verbose level shown (error shows critical and error)."""
LEVEL_NAMES = {CRITICAL: "Critical", ERROR: "Error", WARNING: "Warning", INFORMATION: "Info"}

MAX_EVENTS = 200
"""Per host and query (errors/warnings, then information): a bounded answer."""

_VM_ID = re.compile(r"\((?:Virtual machine ID|VMID) "
                    r"([0-9A-Fa-f]{8}-(?:[0-9A-Fa-f]{4}-){3}[0-9A-Fa-f]{12})", re.IGNORECASE)
_VM_NAME = re.compile(r"'([^']+)'")
_UNQUOTED = re.compile(r"virtual machine (.+?) \($", re.IGNORECASE)
"""Replica's events name the VM unquoted: ``... for virtual machine NAME (Virtual Machine ID``."""
_ROLE = re.compile(r"^Clustered role '([^']+)'")
"""Failover Clustering names a VM's role (Hyper-V names it after the VM)."""
_SINCE = re.compile(r"^\s*(\d+)\s*([mhd])\s*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Event:
    """One event of a host's channels, or one line of hvtui's audit log (source ``hvtui``)."""

    time: dt.datetime
    host: str
    level: int
    source: str
    """The channel's provider, or ``hvtui`` for the audit log."""
    channel: str
    event_id: int
    message: str
    vm_id: str = ""
    vm_name: str = ""

    @property
    def level_name(self) -> str:
        return LEVEL_NAMES.get(self.level, str(self.level))


def since_minutes(text: str) -> int:
    """``30m``, ``1h``, ``2d`` as minutes (ValueError saying what is wanted otherwise)."""
    found = _SINCE.match(text)
    if found is None or int(found.group(1)) <= 0:
        raise ValueError(f"'{text}' is not a time span: give minutes, hours or days such as "
                         "30m, 1h or 2d")
    return int(found.group(1)) * {"m": 1, "h": 60, "d": 1440}[found.group(2).lower()]


def _vm_of(message: str) -> tuple[str, str]:
    """The VM an event names: its id where the message gives one, and the name before it
    (Hyper-V's messages say ``'NAME' ... (Virtual machine ID GUID)``, Replica's
    ``virtual machine NAME (Virtual Machine ID GUID)``, a live migration's ``(VMID GUID)``),
    or the clustered role an event moves."""
    found = _VM_ID.search(message)
    if found is None:
        role = _ROLE.search(message)
        return "", role.group(1) if role else ""
    before = message[: found.start() + 1]
    name = _VM_NAME.search(before) or _UNQUOTED.search(before)
    return found.group(1).lower(), name.group(1) if name else ""


async def host_events(pool: SessionPool, host: str, minutes: int, *,
                      information: bool) -> list[Event]:
    """``host``'s events of the last ``minutes`` (HvtuiError when it cannot say)."""
    params: dict[str, object] = {"SinceMinutes": minutes, "MaxEvents": MAX_EVENTS}
    if information:
        params["Information"] = True
    result = await pool.invoke(host, catalog.get("host-events").text, params)  # type: ignore[arg-type]
    if not result.ok:
        message = "; ".join(e.message for e in result.errors) or "no message"
        raise HvtuiError(f"{host} did not list its events: {message}", host=host,
                         hint="check the account may read the event logs, then retry")
    out: list[Event] = []
    for o in result.objects:
        if str(o.get("Kind", "")) != "Event":
            continue
        message = str(o.get("Message") or "")
        vm_id, vm_name = _vm_of(message)
        out.append(Event(json_time(o.get("Time")) or dt.datetime.now(dt.UTC), host,
                         int(str(o.get("Level") or 0)), str(o.get("Provider") or ""),
                         str(o.get("Channel") or ""), int(str(o.get("Id") or 0)), message,
                         vm_id, vm_name))
    return out


async def estate_events(pool: SessionPool, hosts: Iterable[str], minutes: int, *,
                        information: bool) -> tuple[list[Event], dict[str, str]]:
    """Every host's events, asked concurrently, and what each failing host said."""
    names = list(hosts)
    answers = await asyncio.gather(
        *(host_events(pool, h, minutes, information=information) for h in names),
        return_exceptions=True)
    events: list[Event] = []
    problems: dict[str, str] = {}
    for host, answer in zip(names, answers, strict=True):
        if isinstance(answer, HvtuiError):
            problems[host] = answer.user_message()
        elif isinstance(answer, BaseException):
            raise answer
        else:
            events += answer
    return events, problems


def audit_events(entries: Iterable[AuditEntry], minutes: int,
                 now: dt.datetime | None = None) -> list[Event]:
    """hvtui's own audit lines of the last ``minutes`` (before ``now``, the wall clock by
    default) as events: a failed or refused change is an error, an interrupted one a
    warning, the rest information."""
    since = (now or dt.datetime.now(dt.UTC)) - dt.timedelta(minutes=minutes)
    out: list[Event] = []
    for entry in entries:
        try:
            when = dt.datetime.fromisoformat(entry.time)
        except ValueError:
            continue
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        if when < since:
            continue
        level = {"failed": ERROR, "refused": ERROR, "interrupted": WARNING,
                 "cancelled": WARNING}.get(entry.outcome, INFORMATION)
        target = entry.parameters.get("VMName") or entry.parameters.get("Name") or ""
        text = f"{entry.operation} {entry.outcome} by {entry.user}"
        if entry.message:
            text += f": {entry.message}"
        out.append(Event(when, entry.host, level, "hvtui", "audit", 0, text,
                         vm_name=str(target) if isinstance(target, str) else ""))
    return out


def job_events(jobs: Iterable[Job]) -> list[Event]:
    """The console's jobs still under way, as events at their start (source ``hvtui``,
    channel ``job``). A finished job is not repeated: its outcome is in the audit log,
    which every job step writes when it starts and when it ends."""
    out: list[Event] = []
    for job in jobs:
        if job.state.finished:
            continue
        text = f"job {job.id} {job.state.value} {job.percent}%: {job.operation}"
        if job.news:
            text += f": {job.news}"
        out.append(Event(job.started, job.host, INFORMATION, "hvtui", "job", 0, text,
                         vm_name=job.target))
    return out


def problem_events(problems: dict[str, str], now: dt.datetime) -> list[Event]:
    """A host that could not list its events, as an error of its own (source ``hvtui``)."""
    return [Event(now, host, ERROR, "hvtui", "events", 0, why)
            for host, why in problems.items()]


def ordered(events: Iterable[Event], level: int = INFORMATION) -> list[Event]:
    """Errors and warnings first, then the rest, each newest first; ``level`` the most
    verbose level kept."""
    kept = [e for e in events if 0 < e.level <= level]
    return sorted(kept, key=lambda e: (e.level > WARNING, -e.time.timestamp(), e.host))


def about_vm(events: Iterable[Event], name: str, vm_id: str = "") -> list[Event]:
    """The events that name a VM (by id where known, else by name)."""
    wanted = name.casefold()
    return [e for e in events if (vm_id and e.vm_id == vm_id.lower())
            or (e.vm_name.casefold() == wanted)]
