"""Virtual machines and what hangs off them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from hvtui import reference
from hvtui.model.disk import Disk
from hvtui.model.enums import HeartbeatStatus, ReplicationMode, SnapshotType, VMState
from hvtui.model.replication import Replication
from hvtui.model.vm_settings import VmSettings

GUEST_SERVICE_INTERFACE = "Guest Service Interface"
SHUTDOWN_SERVICE = "Shutdown"


@dataclass(frozen=True, slots=True)
class IntegrationService:
    name: str
    """As the host displays it: localised on hosts in other display languages."""
    enabled: bool
    primary_status: str = ""
    """``PrimaryStatusDescription``: ``OK``, ``No Contact``, ``Lost Communication`` ..."""
    secondary_status: str = ""
    id: str = ""
    """The culture-neutral GUID (upper case) that ends the service's ``Id``: how hvtui knows
    which service this is, whatever the host's display language."""

    @property
    def canonical(self) -> str:
        """The English name of the service this GUID identifies; '' for an unknown GUID."""
        known = reference.integration_service(self.id) if self.id else None
        return known.name if known else ""

    @property
    def operational(self) -> bool:
        return self.enabled and self.primary_status.strip().lower() == "ok"


@dataclass(frozen=True, slots=True)
class NetworkAdapter:
    name: str
    switch_name: str = ""
    mac_address: str = ""
    ip_addresses: tuple[str, ...] = ()
    status: str = ""
    legacy: bool = False
    """An emulated (legacy) adapter: generation 1 only, added and removed only while off."""
    vlan: int = 0
    """Access-mode VLAN id; 0 when untagged (or in a mode hvtui does not edit)."""
    mac_spoofing: bool = False
    dhcp_guard: bool = False
    router_guard: bool = False


@dataclass(frozen=True, slots=True)
class Checkpoint:
    id: str
    name: str
    vm_id: str
    parent_id: str = ""
    created: dt.datetime | None = None
    type: SnapshotType = SnapshotType.Standard


@dataclass(frozen=True, slots=True)
class VM:
    id: str
    name: str
    host: str
    state: VMState
    cpu_percent: int = 0
    memory_assigned: int = 0
    memory_demand: int = 0
    memory_startup: int = 0
    dynamic_memory: bool = False
    uptime: dt.timedelta = dt.timedelta(0)
    status: str = ""
    generation: int = 1
    """1 or 2; 0 when the host did not report it and its release does not settle it."""
    version: str = ""
    """Configuration version; '' when the host did not report it and its release does not
    settle it."""
    generation_note: str = ""
    """Where ``generation`` comes from when the host did not report it (derived or unknown)."""
    version_note: str = ""
    """Where ``version`` comes from when the host did not report it (derived or unknown)."""
    heartbeat: HeartbeatStatus | None = None
    processor_count: int = 1
    processor_compatibility: bool = False
    is_clustered: bool = False
    path: str = ""
    notes: str = ""
    guest_os: str = ""
    """The guest's own OS name from KVP; empty until the guest reports it."""
    integration_services: tuple[IntegrationService, ...] = ()
    network_adapters: tuple[NetworkAdapter, ...] = ()
    checkpoints: tuple[Checkpoint, ...] = ()
    disks: tuple[Disk, ...] = ()
    replication: Replication | None = None
    extended_replication: Replication | None = None
    settings: VmSettings | None = None
    """What the settings editor changes; None when the host did not report it."""

    @property
    def replica_role(self) -> tuple[str, str] | None:
        """``("replica", "HV-NODE1")``, ``("extended replica", "HV-DR1")``, ``("test replica",
        ...)`` or ``("primary", "")``: the VM's part in Hyper-V Replica, with the server it is
        a copy of; None when it does not replicate. A replica is a copy kept by Replica, not
        a VM of its own to start or change."""
        for rep in (self.replication, self.extended_replication):
            if rep is None or rep.mode is ReplicationMode.None_:
                continue
            if rep.mode is ReplicationMode.Primary:
                return "primary", ""
            extended = rep.mode is ReplicationMode.ExtendedReplica or rep.is_extended
            word = ("test replica" if rep.mode is ReplicationMode.TestReplica else
                    "extended replica" if extended else "replica")
            return word, rep.primary_server.split(".")[0]
        return None

    @property
    def key(self) -> tuple[str, str]:
        """Unique across the estate: a replica shares its primary's id on another host."""
        return (self.host, self.id)

    @property
    def guest_family(self) -> str:
        """``Windows``, ``Linux`` or ``Unknown`` from the guest-reported OS name."""
        name = self.guest_os.lower()
        if not name:
            return "Unknown"
        return "Windows" if "windows" in name else "Linux"

    def service(self, name: str) -> IntegrationService | None:
        """The integration service whose GUID is the one of the English ``name`` (never by the
        host's own, perhaps localised, name)."""
        lowered = name.lower()
        return next((s for s in self.integration_services if s.canonical.lower() == lowered),
                    None)

    @property
    def guest_service_interface(self) -> IntegrationService | None:
        return self.service(GUEST_SERVICE_INTERFACE)

    @property
    def is_healthy(self) -> bool:
        """False for critical states, failing heartbeats and unhealthy replication."""
        if self.state.is_critical:
            return False
        beat = self.heartbeat
        if self.state.is_running and beat is not None and not beat.is_ok \
                and beat is not HeartbeatStatus.Disabled:
            return False
        rep = self.replication
        return not (rep is not None and rep.health.name in ("Warning", "Critical"))
