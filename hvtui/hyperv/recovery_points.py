"""A Replica VM's recovery points, asked of its host (``replica-recovery-points``,
read-only), and the one a person names for an unplanned failover: by its Id (or the first
characters of it, as ``git`` takes a commit) or by its time ``YYYY-MM-DD HH:MM``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from hvtui.errors import HvtuiError, PlanRefused
from hvtui.model import VM
from hvtui.ps import catalog
from hvtui.remote.pool import SessionPool

MIN_ID_PREFIX = 4
"""The fewest characters of an Id that may name a point."""


@dataclass(frozen=True, slots=True)
class RecoveryPoint:
    id: str
    name: str
    created: dt.datetime | None
    kind: str
    """``Replica`` (standard) or ``AppConsistentReplica``."""

    @property
    def when_text(self) -> str:
        return self.created.strftime("%Y-%m-%d %H:%M") if self.created else "(no time)"

    @property
    def short(self) -> str:
        return f"{self.when_text} ({self.id[:8]})"


def _moment(value: object) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value
    try:
        return dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None


async def recovery_points(pool: SessionPool, vm: VM) -> list[RecoveryPoint]:
    """``vm``'s recovery points, newest first, asked of its host now."""
    try:
        result = await pool.invoke(vm.host, catalog.get("replica-recovery-points").text,
                                   {"VMName": vm.name})
    except HvtuiError as exc:
        raise PlanRefused(f"could not ask {vm.host} for {vm.name}'s recovery points: "
                          f"{exc.user_message()}", host=vm.host,
                          hint="check the host is reachable and retry") from None
    if not result.ok:
        message = "; ".join(e.message for e in result.errors) or "no message"
        raise PlanRefused(f"{vm.host} did not list {vm.name}'s recovery points: {message}",
                          host=vm.host, hint="refresh and retry")
    points = [RecoveryPoint(str(o.get("Id") or ""), str(o.get("Name") or ""),
                            _moment(o.get("CreationTime")), str(o.get("Type") or ""))
              for o in result.objects if str(o.get("Kind", "")) == "RecoveryPoint"
              and str(o.get("VMId", "")).lower() == vm.id.lower()]
    oldest = dt.datetime.min.replace(tzinfo=dt.UTC)
    return sorted(points, key=lambda p: _aware(p.created) or oldest, reverse=True)


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def pick_point(points: list[RecoveryPoint], wanted: str, vm: VM) -> RecoveryPoint:
    """The one point ``wanted`` names; PlanRefused listing the points when none or several."""
    text = wanted.strip().casefold()
    found = [p for p in points if p.id.casefold() == text]
    if not found and len(text) >= MIN_ID_PREFIX:
        found = [p for p in points if p.id.casefold().startswith(text)]
    if not found:
        found = [p for p in points if p.when_text == wanted.strip()]
    if len(found) == 1:
        return found[0]
    listed = "; ".join(p.short for p in points[:25]) or "none"
    why = "names several" if found else "is not one of them"
    raise PlanRefused(f"{vm.name} on {vm.host} has {len(points)} recovery point(s), and "
                      f"'{wanted}' {why}", host=vm.host,
                      hint=f"give a time or the start of an Id: {listed}")
