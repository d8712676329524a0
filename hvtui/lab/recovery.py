"""Recovery points of a Replica VM: what Get-VMSnapshot -SnapshotType Replica lists on the
Replica server, and what Start-VMFailover -VMRecoverySnapshot fails over to (R-REP-1,
R-REP-4).

A replica keeps its latest recovery point (its last replication) and, when replication was
enabled with -RecoveryHistory N, the N hourly points before it. Like every moving value of
the lab they are a function of the link and the clock (``live``), so none is stored: the
hourly points sit on whole hours of the lab clock, none before the pair's initial
replication ended (``ReplicationLink.since``). Names follow Hyper-V Manager's
"<VM> - Standard Replica - (<date> - <time>)" (UNCONFIRMED: the reference quotes none).
"""

from __future__ import annotations

import math
import uuid

from hvtui.lab import live
from hvtui.lab.estate import VM, Checkpoint, Estate, ReplicationLink

HOUR = 3600.0

_WITHOUT_POINTS = ("ReadyForInitialReplication", "WaitingForInitialReplication",
                   "InitialReplicationInProgress", "FailedOver", "Disabled")
"""Before initial replication the replica has no point; once a failover is completed the
other points are deleted (R-REP-4: Complete-VMFailover)."""


def received_link(estate: Estate, vm: VM) -> ReplicationLink | None:
    """The link a Replica or extended Replica copy receives (None for any other copy)."""
    chain = estate.replication(vm)
    if chain is None:
        return None
    if vm.replication_mode == "Replica":
        return chain.primary
    return chain.extended if vm.replication_mode == "ExtendedReplica" else None


def point_times(estate: Estate, link: ReplicationLink) -> list[float]:
    """Clock times of the link's recovery points, newest first."""
    if link.state_of(receiving=True) in _WITHOUT_POINTS:
        return []
    last = live.last_replication(estate, link, estate.clock.elapsed())
    if last is None:
        return []
    latest = (last - estate.clock.start).total_seconds()
    times = [latest]
    hour = math.floor(latest / HOUR) * HOUR
    for k in range(link.recovery_history):
        moment = hour - k * HOUR
        if moment == latest:
            continue
        if link.since is not None and moment < link.since:
            break
        times.append(moment)
    return times[:link.recovery_history + 1]


def point_id(vm: VM, moment: float) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"hvtui-lab/{vm.id}/recovery/{moment:.0f}"))


def recovery_points(estate: Estate, vm: VM) -> list[Checkpoint]:
    """The copy's recovery points as Get-VMSnapshot reports them (SnapshotType Replica)."""
    link = received_link(estate, vm)
    if link is None:
        return []
    points = []
    for moment in point_times(estate, link):
        when = estate.clock.at(moment)
        shown = when.strftime("%m/%d/%Y - %I:%M:%S %p").lstrip("0")
        points.append(Checkpoint(point_id(vm, moment), f"{vm.name} - Standard Replica - "
                                 f"({shown})", "", when, "Off", "Replica"))
    return points


def point_time(estate: Estate, vm: VM, wanted_id: str) -> float | None:
    """The clock time of ``vm``'s recovery point ``wanted_id`` (None: it has none such)."""
    link = received_link(estate, vm)
    if link is None:
        return None
    return next((t for t in point_times(estate, link)
                 if point_id(vm, t).lower() == wanted_id.lower()), None)
