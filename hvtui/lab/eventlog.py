"""Get-WinEvent on a lab host: its channels (-ListLog) and its events (-FilterHashtable).

The events are the ones the lab's rules wrote (:mod:`hvtui.lab.winevents`). What the lab
serves of Get-WinEvent: ``-ListLog`` with names or patterns, and ``-FilterHashtable`` with
the keys LogName, Level, StartTime, EndTime, Id and ProviderName, ``-MaxEvents`` and
``-Oldest``; anything else is refused as not emulated, never guessed at.

Errors, as the cmdlet writes them (non-terminating; ``-ErrorAction Stop`` makes them
terminating): a log the host does not have is ``NoMatchingLogsFound``, a query that
matches nothing ``NoMatchingEventsFound`` (texts from PowerShell's GetEventResources.resx,
tests/support/data/hyperv-rules.md R-EVT-5).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hvtui.lab import winevents
from hvtui.lab.emulation import CmdletCall, emulates, has_wildcards, wildcard_match
from hvtui.lab.failures import HostError, lab_not_emulated
from hvtui.lab.pwsh import PSObject
from hvtui.lab.pwsh.values import PSHashtable
from hvtui.remote.base import ErrorRecord

_CLASS = "Microsoft.PowerShell.Commands.GetWinEventCommand"
NO_MATCHING_LOGS = 'There is not an event log on the localhost computer that matches "{0}".'
NO_MATCHING_EVENTS = "No events were found that match the specified selection criteria."
_KEYS = {"logname", "level", "starttime", "endtime", "id", "providername"}


def _error(message: str, error_id: str, target: str = "") -> HostError:
    return HostError(ErrorRecord(message=message, category="ObjectNotFound",
                                 error_id=f"{error_id},{_CLASS}", target=target,
                                 activity="Get-WinEvent", reason="Exception"))


def _listed(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


@emulates("Get-WinEvent")
def get_winevent(call: CmdletCall) -> None:
    if call.given("ListLog"):
        _list_logs(call)
    elif call.given("FilterHashtable"):
        _query(call)
    else:
        raise lab_not_emulated("Get-WinEvent", ["LogName"])


def _matching_logs(call: CmdletCall, names: list[str], *, listing: bool = False) -> list[str]:
    """The host's channels ``names`` name (patterns allowed); a literal name the host lacks
    is a non-terminating error and the others are still read (GetEventCommand's
    ValidateLogName; -ListLog's error has no target object, a query's names the log)."""
    have = winevents.channels(call.host)
    found: list[str] = []
    for name in names:
        if has_wildcards(name):
            matched = [c for c in have if wildcard_match(name, c)]
        else:
            matched = [c for c in have if c.casefold() == name.casefold()]
        if not matched and not has_wildcards(name):
            call.error(_error(NO_MATCHING_LOGS.format(name), "NoMatchingLogsFound",
                              "" if listing else name))
        found += [c for c in matched if c not in found]
    return found


def _list_logs(call: CmdletCall) -> None:
    with call.lock:
        counts: dict[str, int] = {}
        for event in call.host.events:
            counts[event.channel] = counts.get(event.channel, 0) + 1
    for name in _matching_logs(call, call.names("ListLog"), listing=True):
        call.write(PSObject([
            ("LogName", name),
            ("LogType", "Administrative" if name.endswith("-Admin") else "Operational"),
            ("IsEnabled", True),
            ("RecordCount", counts.get(name, 0)),
        ], type_names=("System.Diagnostics.Eventing.Reader.EventLogConfiguration",
                       "System.Object"), to_string=lambda: "System.Diagnostics.Eventing."
                                                           "Reader.EventLogConfiguration"))


def _as_time(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    raise lab_not_emulated("Get-WinEvent", ["StartTime (not a DateTime)"])


def _query(call: CmdletCall) -> None:
    tables: list[PSHashtable] = _listed(call.arg("FilterHashtable"))
    chosen: list[winevents.LoggedEvent] = []
    with call.lock:
        events = list(call.host.events)
    for table in tables:
        unknown = [str(table.spelling.get(k, k)) for k in table if k not in _KEYS]
        if unknown:
            raise lab_not_emulated("Get-WinEvent", [f"FilterHashtable key {k}" for k in unknown])
        logs = _matching_logs(call, [str(n) for n in _listed(table.lookup("LogName"))])
        if not logs:
            continue
        levels = {int(v) for v in _listed(table.lookup("Level"))}
        ids = {int(v) for v in _listed(table.lookup("Id"))}
        providers = {str(v).casefold() for v in _listed(table.lookup("ProviderName"))}
        start = table.lookup("StartTime")
        end = table.lookup("EndTime")
        since = _as_time(start) if start is not None else None
        until = _as_time(end) if end is not None else None
        for event in events:
            provider = winevents.PROVIDERS[event.channel]
            if (event.channel in logs and (not levels or event.level in levels)
                    and (not ids or event.event_id in ids)
                    and (not providers or provider.casefold() in providers)
                    and (since is None or event.time >= since)
                    and (until is None or event.time <= until) and event not in chosen):
                chosen.append(event)
    # Newest first, unless -Oldest; -MaxEvents bounds the count.
    chosen.sort(key=lambda e: (e.time, e.record_id), reverse=not call.switch("Oldest"))
    if call.given("MaxEvents"):
        chosen = chosen[: max(int(call.arg("MaxEvents")), 0)]
    if not chosen:
        call.error(_error(NO_MATCHING_EVENTS, "NoMatchingEventsFound"))
        return
    for event in chosen:
        call.write(_record(call, event))


def _record(call: CmdletCall, event: winevents.LoggedEvent) -> PSObject:
    return PSObject([
        ("Id", event.event_id),
        ("Level", event.level),
        ("LevelDisplayName", winevents.LEVEL_NAMES.get(event.level, "")),
        ("LogName", event.channel),
        ("ProviderName", winevents.PROVIDERS[event.channel]),
        ("RecordId", event.record_id),
        ("MachineName", call.host.fqdn),
        ("TimeCreated", event.time),
        ("Message", event.message),
    ], type_names=("System.Diagnostics.Eventing.Reader.EventLogRecord",
                   "System.Diagnostics.Eventing.Reader.EventRecord", "System.Object"),
        to_string=lambda: "System.Diagnostics.Eventing.Reader.EventLogRecord")
