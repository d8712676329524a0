"""Hyper-V Replica relationships."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from hvtui.model.enums import (
    ReplicationHealth,
    ReplicationMode,
    ReplicationRelationship,
    ReplicationState,
)

FREQUENCIES: tuple[int, ...] = (30, 300, 900)
"""Replication frequencies 2012 R2 accepts, in seconds (2012: 300 only)."""

FIXED_FREQUENCY_2012 = 300
"""Windows Server 2012 replicates every 5 minutes, fixed (version-facts.md; R-REP-1): its
VMReplication has no ReplicationFrequencySec and its Set-VMReplication no such parameter."""


@dataclass(frozen=True, slots=True)
class Replication:
    vm_id: str
    mode: ReplicationMode
    state: ReplicationState
    health: ReplicationHealth
    primary_server: str
    replica_server: str
    frequency_sec: int = 300
    """0 when the host did not report it (and its release does not settle it)."""
    last_replication: dt.datetime | None = None
    relationship: ReplicationRelationship = ReplicationRelationship.Simple
    frequency_fixed: bool = False
    """The host cannot change the frequency: a 2012 host replicates every 5 minutes."""

    @property
    def is_extended(self) -> bool:
        return self.relationship is ReplicationRelationship.Extended

    def lag(self, now: dt.datetime) -> dt.timedelta | None:
        """Time since the last replication cycle, if any happened."""
        if self.last_replication is None:
            return None
        return now - self.last_replication

    def problem(self, now: dt.datetime) -> str | None:
        """Plain words for what is wrong, or None when health is normal."""
        if self.health in (ReplicationHealth.Normal, ReplicationHealth.NotApplicable):
            return None
        if self.state is ReplicationState.Suspended:
            return "replication is paused; resume it to catch up"
        if self.state in (ReplicationState.Error, ReplicationState.UpdateError):
            return "replication failed; check the replica server and the network, then resume"
        if self.state is ReplicationState.WaitingForStartResynchronize:
            return "resynchronization is required before replication can continue"
        lag = self.lag(now)
        if lag is not None and self.frequency_sec and \
                lag.total_seconds() > 3 * self.frequency_sec:
            minutes = int(lag.total_seconds() // 60)
            return (
                f"last replication was {minutes} min ago, more than three cycles of "
                f"{self.frequency_sec} s; the replica is falling behind"
            )
        if self.health is ReplicationHealth.Critical:
            return "replication is critical; see the host's Hyper-V-VMMS event log"
        return "replication missed cycles recently"
