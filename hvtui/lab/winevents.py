"""A lab host's Windows event log: the channels it has and the events its rules write.

A real Hyper-V host writes an event when something happens to a VM, a migration, a replica
or a cluster node; ``Get-WinEvent`` (:mod:`hvtui.lab.eventlog`) reads them back. The lab
writes the events its own rules and faults produce, where they happen (:func:`record`,
called by the cmdlet emulations), so what an admin sees after a refused migration or a
drain is what the host did.

Channels and providers (Windows' own names; Hyper-V Replica has no channel of its own: its
events, ids 29xxx/32xxx, are the VMMS provider's, in ``Hyper-V-VMMS-Admin``). The
Failover Clustering channels exist only where the Failover Clustering feature is installed:
the lab's cluster nodes; a standalone host has none.

Event ids and texts: where the reference (``tests/support/data/hyperv-rules.md``) or
Microsoft's documentation gives them they are quoted; the others are marked UNCONFIRMED
where they are defined (:data:`EVENTS`), and are what a host would plausibly say, never a
claim of the exact wording.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hvtui.lab.clock import LabClock
    from hvtui.lab.estate import VM, Estate, Host

VMMS_ADMIN = "Microsoft-Windows-Hyper-V-VMMS-Admin"
VMMS_OPERATIONAL = "Microsoft-Windows-Hyper-V-VMMS-Operational"
WORKER_ADMIN = "Microsoft-Windows-Hyper-V-Worker-Admin"
HA_ADMIN = "Microsoft-Windows-Hyper-V-High-Availability-Admin"
CLUSTER_OPERATIONAL = "Microsoft-Windows-FailoverClustering/Operational"

PROVIDERS = {
    VMMS_ADMIN: "Microsoft-Windows-Hyper-V-VMMS",
    VMMS_OPERATIONAL: "Microsoft-Windows-Hyper-V-VMMS",
    WORKER_ADMIN: "Microsoft-Windows-Hyper-V-Worker",
    HA_ADMIN: "Microsoft-Windows-Hyper-V-High-Availability",
    CLUSTER_OPERATIONAL: "Microsoft-Windows-FailoverClustering",
}

CRITICAL, ERROR, WARNING, INFORMATION = 1, 2, 3, 4
LEVEL_NAMES = {CRITICAL: "Critical", ERROR: "Error", WARNING: "Warning", INFORMATION: "Information"}

KEEP = 1000
"""Events kept per host (a real channel is bounded by size; the oldest go first)."""


@dataclass(frozen=True, slots=True)
class EventKind:
    """One kind of event: where it is written, its id, level and message template."""

    channel: str
    event_id: int
    level: int
    text: str
    """``str.format`` template: {vm}, {vm_id}, {host}, {other}, {reason}."""


# UNCONFIRMED marks a text or id no reference here quotes (see the module docstring).
EVENTS: dict[str, EventKind] = {
    # UNCONFIRMED text: Hyper-V-Worker-Admin 18500/18502/18504/18510 are the start, turn
    # off, shut down and save events; the wording is the lab's.
    "vm-started": EventKind(WORKER_ADMIN, 18500, INFORMATION,
                            "'{vm}' started successfully. (Virtual machine ID {vm_id})"),
    "vm-turned-off": EventKind(WORKER_ADMIN, 18502, INFORMATION,
                               "'{vm}' was turned off. (Virtual machine ID {vm_id})"),
    "vm-shut-down": EventKind(WORKER_ADMIN, 18504, INFORMATION,
                              "'{vm}' was shut down. (Virtual machine ID {vm_id})"),
    "vm-saved": EventKind(WORKER_ADMIN, 18510, INFORMATION,
                          "'{vm}' was saved. (Virtual machine ID {vm_id})"),
    # UNCONFIRMED text: VMMS-Admin 21502 is the event a failed migration leaves at the
    # source (third-party troubleshooting guides cite it); the reason is the host's own
    # error text, from the rules.
    "migration-failed": EventKind(
        VMMS_ADMIN, 21502, ERROR,
        "Virtual machine migration operation for '{vm}' failed at migration source "
        "'{host}'. (Virtual machine ID {vm_id}) {reason}"),
    # UNCONFIRMED: VMMS-Admin 20417 as the id of a completed migration; wording the lab's.
    "migration-done": EventKind(
        VMMS_ADMIN, 20417, INFORMATION,
        "The live migration of '{vm}' to '{other}' completed. (Virtual machine ID {vm_id})"),
    # UNCONFIRMED id and text: a failed VM operation other than a migration.
    "operation-failed": EventKind(
        VMMS_ADMIN, 20000, ERROR,
        "'{vm}' could not complete the operation. (Virtual machine ID {vm_id}) {reason}"),
    # 32315: the primary's warning when replication misses its cycles (Altaro's "How to
    # Check Hyper-V Replica Health - Part 2" shows the id; the wording is UNCONFIRMED).
    "replica-behind": EventKind(
        VMMS_ADMIN, 32315, WARNING,
        "Hyper-V failed to replicate changes for virtual machine '{vm}' (Virtual machine "
        "ID {vm_id}): replication is behind its frequency. {reason}"),
    # UNCONFIRMED ids and texts: replication suspended and resumed by an administrator.
    "replica-suspended": EventKind(
        VMMS_ADMIN, 32086, WARNING,
        "Replication of virtual machine '{vm}' was suspended. (Virtual machine ID {vm_id})"),
    "replica-resumed": EventKind(
        VMMS_ADMIN, 32088, INFORMATION,
        "Replication of virtual machine '{vm}' was resumed. (Virtual machine ID {vm_id})"),
    # UNCONFIRMED ids and texts: a node paused with its roles drained, and resumed.
    "node-drained": EventKind(
        CLUSTER_OPERATIONAL, 1654, WARNING,
        "Cluster node '{host}' was paused and its roles drained to other nodes. {reason}"),
    "node-resumed": EventKind(
        CLUSTER_OPERATIONAL, 1655, INFORMATION, "Cluster node '{host}' was resumed."),
    "role-moved": EventKind(
        CLUSTER_OPERATIONAL, 1641, INFORMATION,
        "Clustered role '{vm}' was moved from node '{host}' to node '{other}'."),
}


@dataclass(slots=True)
class LoggedEvent:
    """One event in a lab host's log, as Get-WinEvent returns it."""

    time: dt.datetime
    channel: str
    event_id: int
    level: int
    message: str
    record_id: int = 0


def channels(host: Host) -> list[str]:
    """The channels of this section a host has: Hyper-V's always; High-Availability and
    Failover Clustering only where the Failover Clustering feature is (cluster nodes)."""
    found = [VMMS_ADMIN, VMMS_OPERATIONAL, WORKER_ADMIN]
    if host.cluster:
        found += [HA_ADMIN, CLUSTER_OPERATIONAL]
    return found


def record(clock: LabClock, host: Host, kind: str, *, vm: VM | None = None,
           other: str = "", reason: str = "", level: int | None = None,
           ago: float = 0.0) -> LoggedEvent | None:
    """Write event ``kind`` to ``host``'s log at the lab's current time, or ``ago`` seconds
    before it (the caller holds the estate lock). None when the host lacks the channel
    (a cluster event on a standalone host is never written)."""
    what = EVENTS[kind]
    if what.channel not in channels(host):
        return None
    message = what.text.format(vm=vm.name if vm else "", vm_id=(vm.id.upper() if vm else ""),
                               host=host.name, other=other, reason=reason).strip()
    last = host.events[-1].record_id if host.events else 0
    when = clock.at(clock.elapsed() - ago)
    event = LoggedEvent(when, what.channel, what.event_id, level or what.level, message,
                        last + 1)
    host.events.append(event)
    if len(host.events) > KEEP:
        del host.events[: len(host.events) - KEEP]
    return event


def seed(estate: Estate) -> None:
    """The events an estate built with faults already has: each replication link that runs
    behind (health Warning or Critical) logged it on its sending host when it fell behind."""
    for chain in estate.replications.values():
        for link in (chain.primary, chain.extended):
            if link is None or link.health not in ("Warning", "Critical"):
                continue
            host = estate.host(link.source)
            vm = host.vms.get(chain.vm_id) if host is not None else None
            if host is None or vm is None:
                continue
            # frozen: the clock time of the last replication of a stalled link.
            behind = -link.frozen if link.frozen is not None else max(link.lag,
                                                                        float(link.frequency))
            reason = f"The last replication to '{link.target}' was {round(behind / 60)} " \
                     "minutes ago."
            record(estate.clock, host, "replica-behind", vm=vm, reason=reason,
                   level=ERROR if link.health == "Critical" else WARNING, ago=behind)
