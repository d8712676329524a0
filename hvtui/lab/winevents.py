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

RETRY_MINUTES = 5
"""The retry interval a failed replication's event names (Microsoft's KB 2889734 example)."""

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


# Sources (tests/support/data/hyperv-rules.md, "Events pane: event ids and texts"): each
# kind says where its id and text come from; UNCONFIRMED marks what none of them gives.
EVENTS: dict[str, EventKind] = {
    # 18500/18502/18504: ids, channel and texts from public event catalogues (third-party:
    # a start sample on myeventlog.com, an EvtxECmd-style map); not in Microsoft's docs.
    "vm-started": EventKind(WORKER_ADMIN, 18500, INFORMATION,
                            "'{vm}' started successfully. (Virtual machine ID {vm_id})"),
    # the catalogue shows the name of 18502 without quotes: the quotes are UNCONFIRMED
    "vm-turned-off": EventKind(WORKER_ADMIN, 18502, INFORMATION,
                               "'{vm}' was turned off. (Virtual machine ID {vm_id})"),
    "vm-shut-down": EventKind(
        WORKER_ADMIN, 18504, INFORMATION,
        "'{vm}' was shut down using the Shutdown Integration Component. "
        "(Virtual machine ID {vm_id})"),
    # UNCONFIRMED id and text: a saved VM.
    "vm-saved": EventKind(WORKER_ADMIN, 18510, INFORMATION,
                          "'{vm}' was saved. (Virtual machine ID {vm_id})"),
    # 21502: Microsoft's "Troubleshoot live migration issues" (KB 4558514) lists it as the
    # failed live migration, "Virtual machine migration operation for 'VM1' failed at
    # migration source 'CLU8N1'."; the "(Virtual machine ID ...)" suffix as Move-VM's error
    # shows it. The channel (VMMS-Admin; clusters log it in High-Availability-Admin too) is
    # UNCONFIRMED. The reason is the host's own error text, from the rules.
    "migration-failed": EventKind(
        VMMS_ADMIN, 21502, ERROR,
        "Virtual machine migration operation for '{vm}' failed at migration source "
        "'{host}'. (Virtual machine ID {vm_id}) {reason}"),
    # 20415: a completed live migration, as a real VMMS-Admin event shows it (a public
    # script quotes one). 20417 is the same with "an unexpectedly long blackout time"
    # (Microsoft's KB 4558514), which the lab never reports. {other} is the blackout time.
    "migration-done": EventKind(
        VMMS_ADMIN, 20415, INFORMATION,
        "The Virtual Machine Management service successfully completed the live migration "
        "of virtual machine '{vm}' with a blackout time of {other} seconds (VMID {vm_id})."),
    # UNCONFIRMED id and text: a failed VM operation other than a migration.
    "operation-failed": EventKind(
        VMMS_ADMIN, 20000, ERROR,
        "'{vm}' could not complete the operation. (Virtual machine ID {vm_id}) {reason}"),
    # 32315: the primary's event when replication fails (Microsoft, KB 2889734: source
    # Microsoft-Windows-Hyper-V-VMMS, Microsoft-Windows-Hyper-V-VMMS-Admin log); the name is
    # not quoted there. The level (Warning, Error once Critical) is UNCONFIRMED; {other} is
    # the retry interval in minutes (the KB's example says 5).
    "replica-behind": EventKind(
        VMMS_ADMIN, 32315, WARNING,
        "Hyper-V failed to replicate changes for virtual machine {vm} (Virtual Machine ID "
        "{vm_id}). Hyper-V will retry replication after {other} minute(s)."),
    # Failover Clustering: ids and texts from the provider's manifest (a public dump of
    # Microsoft-Windows-FailoverClustering's messages); the channel (Operational) and the
    # levels are UNCONFIRMED. Nothing sourced says a completed drain or a resume is logged.
    "node-drain-failed": EventKind(
        CLUSTER_OPERATIONAL, 1677, ERROR,
        "Node drain failed on Cluster node {host}. \n\nReference the node's System and "
        "Application event logs and cluster logs to investigate the cause of the drain "
        "failure.  When the problem is resolved, you can retry the drain operation."),
    "role-moved": EventKind(
        CLUSTER_OPERATIONAL, 1641, INFORMATION,
        "Clustered role '{vm}' is moving from cluster node '{host}' to cluster node "
        "'{other}'."),
}
# Hyper-V Replica's admin Suspend-/Resume-VMReplication: no source gives an event (32086 is
# "Hyper-V suspended replication ... due to a non-recoverable failure", KB on replication
# suspended at shutdown), so the lab writes none; hvtui's audit log has the admin's.


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
            record(estate.clock, host, "replica-behind", vm=vm, other=str(RETRY_MINUTES),
                   level=ERROR if link.health == "Critical" else WARNING, ago=behind)
