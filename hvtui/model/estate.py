"""A whole estate: what each host reported, and whether it answered."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from hvtui.model.cluster import Cluster
from hvtui.model.disk import Disk
from hvtui.model.host import Host
from hvtui.model.vm import VM


@dataclass(frozen=True, slots=True)
class HostInventory:
    """Everything one inventory call to one host returned."""

    host: Host
    vms: tuple[VM, ...] = ()
    cluster: Cluster | None = None
    fetched_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class HostStatus:
    """One inventory entry: the last good inventory, and the last error if any."""

    name: str
    inventory: HostInventory | None = None
    error: str = ""
    """Why the last refresh failed (empty when it worked)."""
    last_attempt: dt.datetime | None = None

    @property
    def reachable(self) -> bool:
        return not self.error and self.inventory is not None


@dataclass(frozen=True, slots=True)
class Estate:
    """Every configured host, in inventory order."""

    hosts: tuple[HostStatus, ...] = ()
    _index: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update({h.name.lower(): i for i, h in enumerate(self.hosts)})

    def status(self, name: str) -> HostStatus | None:
        i = self._index.get(name.lower())
        return None if i is None else self.hosts[i]

    def with_status(self, status: HostStatus) -> Estate:
        """A new estate with one host's entry replaced (or appended)."""
        hosts = list(self.hosts)
        i = self._index.get(status.name.lower())
        if i is None:
            hosts.append(status)
        else:
            hosts[i] = status
        return Estate(tuple(hosts))

    def inventories(self) -> Iterator[HostInventory]:
        for status in self.hosts:
            if status.inventory is not None:
                yield status.inventory

    def vms(self) -> Iterator[VM]:
        for inv in self.inventories():
            yield from inv.vms

    def disks(self) -> Iterator[Disk]:
        for vm in self.vms():
            yield from vm.disks

    def replicated_vms(self) -> Iterator[VM]:
        return (vm for vm in self.vms() if vm.replication is not None)

    def clusters(self) -> list[Cluster]:
        """Each cluster once, as reported by its first reachable node (by the last known
        report of a node that stopped answering when none answers)."""
        seen: dict[str, Cluster] = {}
        for status in self._cluster_reporters():
            cluster = status.inventory.cluster if status.inventory else None
            if cluster is not None and cluster.name.lower() not in seen:
                seen[cluster.name.lower()] = cluster
        return list(seen.values())

    def cluster_source(self, name: str) -> HostStatus | None:
        """The host whose report :meth:`clusters` shows for the cluster called ``name``."""
        for status in self._cluster_reporters():
            cluster = status.inventory.cluster if status.inventory else None
            if cluster is not None and cluster.name.lower() == name.lower():
                return status
        return None

    def _cluster_reporters(self) -> list[HostStatus]:
        return sorted((s for s in self.hosts if s.inventory is not None),
                      key=lambda s: bool(s.error))  # answering nodes first (stable sort)

    def host(self, name: str) -> Host | None:
        status = self.status(name)
        return None if status is None or status.inventory is None else status.inventory.host

    def find_vms(self, name: str, host: str | None = None) -> list[VM]:
        """VMs ``-Name`` would select on their host: ``name`` without regard to case, as
        Hyper-V matches it (optionally on one host only). ``web01`` finds ``WEB01`` too."""
        return [vm for vm in self.vms()
                if (host is None or vm.host.lower() == host.lower()) and same_name(vm.name, name)]


def same_name(a: str, b: str) -> bool:
    """Whether Hyper-V's ``-Name``/``-VMName`` would take one name for the other.

    PowerShell compares names ignoring case (invariant culture). Python's ``lower`` and
    ``casefold`` differ from .NET's rules at the edges (``ß``, dotted ``İ``), so either
    counts: for deciding what an action may touch, a false match is a refusal, never a
    wrong VM."""
    return a.lower() == b.lower() or a.casefold() == b.casefold()


def mark_failed(status: HostStatus, error: str, when: dt.datetime) -> HostStatus:
    """Keep the last good inventory (shown as stale) and record why this refresh failed."""
    return replace(status, error=error, last_attempt=when)
