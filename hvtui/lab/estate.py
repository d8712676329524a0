"""The simulated estate's state: hosts, VMs, disks, clusters and replication.

These are plain mutable dataclasses owned by one :class:`Estate`. Every read-modify-write
of them happens while holding :attr:`Estate.lock` (a ``threading.RLock``, because the lab
is shared by asyncio tasks and by protocol-server threads); the lock is never held across
an ``await``. Names of hosts, VMs, switches and paths compare case-insensitively, as on
Windows, and always literally: they are data, never patterns or code.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from hvtui.lab.clock import LabClock
from hvtui.lab.platform import Platform, default_platform
from hvtui.lab.releases import ProcessorFamily, Release
from hvtui.lab.winevents import LoggedEvent

BASE_STATES = ("Running", "Off", "Saved", "Paused")
"""Power states the lab keeps; ``critical`` turns each into its ``*Critical`` twin."""

ACTIVE_STATES = ("Running", "Paused")
"""States in which the VM's memory and disks are in use (the VM is 'online')."""

GSI = "Guest Service Interface"
SERVICES_2012 = ("Time Synchronization", "Heartbeat", "Key-Value Pair Exchange", "Shutdown", "VSS")
SERVICES_2012R2 = (*SERVICES_2012, GSI)
SERVICES_2016 = (
    GSI,
    "Heartbeat",
    "Key-Value Pair Exchange",
    "Shutdown",
    "Time Synchronization",
    "VSS",
)
DEFAULT_OFF_SERVICES = frozenset({GSI})
"""R-GSI-1: every integration service is on by default except Guest Service Interface."""

_ABSOLUTE = re.compile(r"^(?:[A-Za-z]:\\|\\\\[^\\]+\\[^\\]+)")
_BAD_PATH_CHARS = set('<>"|?*') | {chr(c) for c in range(32)}


def guid(seed: int, name: str) -> str:
    """A GUID (lower-case, as [string]$vm.Id prints) derived from the seed and a name."""
    digest = hashlib.blake2b(f"{seed}|{name}".encode(), digest_size=16).digest()
    return str(uuid.UUID(bytes=digest, version=4))


def key(text: str) -> str:
    """How Windows compares names and paths: case-insensitively."""
    return text.casefold()


def path_key(path: str) -> str:
    return path.replace("/", "\\").rstrip("\\").casefold()


def is_absolute(path: str) -> bool:
    """A drive-rooted (``D:\\x``) or UNC (``\\\\server\\share``) path."""
    return bool(_ABSOLUTE.match(path))


def has_bad_path_chars(path: str) -> bool:
    # A colon is legal only as the drive separator.
    return any(c in _BAD_PATH_CHARS for c in path) or ":" in path[2:]


def join(folder: str, name: str) -> str:
    return folder.rstrip("\\") + "\\" + name


def basename(path: str) -> str:
    return path.replace("/", "\\").rstrip("\\").rsplit("\\", 1)[-1]


def parent(path: str) -> str:
    trimmed = path.replace("/", "\\").rstrip("\\")
    return trimmed.rsplit("\\", 1)[0] if "\\" in trimmed else ""


@dataclass(slots=True)
class Vhd:
    """One virtual hard disk file (what Get-VHD describes)."""

    path: str
    format: str
    """'VHD' or 'VHDX'."""
    type: str
    """'Fixed', 'Dynamic' or 'Differencing'."""
    size: int
    """Virtual size in bytes."""
    file_size: int
    minimum_size: int | None
    """Smallest size the contents allow; VHDX only (None for a VHD)."""
    block_size: int
    parent_path: str = ""


@dataclass(slots=True)
class Drive:
    """A hard disk drive of a VM: where a VHD is attached."""

    path: str
    controller_type: str
    """'IDE' or 'SCSI'."""
    controller_number: int
    controller_location: int
    min_iops: int = 0
    max_iops: int = 0
    shared: bool = False
    """SupportPersistentReservations: a shared VHDX of a guest cluster."""


@dataclass(slots=True)
class DvdDrive:
    """A virtual DVD drive of a VM, with the ISO file it holds ('' when empty)."""

    controller_type: str
    """'IDE' (generation 1) or 'SCSI' (generation 2)."""
    controller_number: int
    controller_location: int
    path: str = ""


def default_dvd(vm: VM) -> None:
    """Give a generation 1 VM the DVD drive New-VM gives it, at IDE 1:0 when that is free
    (R-VHD-4); a generation 2 VM has none until one is added."""
    taken = {(d.controller_type, d.controller_number, d.controller_location)
             for d in vm.drives}
    if vm.generation == 1 and not vm.dvds and ("IDE", 1, 0) not in taken:
        vm.dvds.append(DvdDrive("IDE", 1, 0))


@dataclass(slots=True)
class Checkpoint:
    id: str
    name: str
    parent_id: str
    created: dt.datetime
    captured_state: str
    """The VM's base state when taken: Running/Paused/Saved ones hold memory (standard)."""
    snapshot_type: str = "Standard"


@dataclass(slots=True)
class Adapter:
    name: str
    switch: str
    """Switch name; '' when not connected."""
    mac: str
    ips: list[str] = field(default_factory=list)
    legacy: bool = False
    """An emulated (legacy) adapter: generation 1 only, added and removed only while off."""
    vlan: int = 0
    """Access-mode VLAN id; 0 when untagged."""
    mac_spoofing: bool = False
    dhcp_guard: bool = False
    router_guard: bool = False


@dataclass(slots=True)
class VM:
    id: str
    name: str
    generation: int
    version: str
    state: str = "Off"
    """One of BASE_STATES."""
    critical: bool = False
    """Health not OK: State reads '<state>Critical' (R-STATE-2)."""
    status: str = ""
    """Status text override (a critical VM's reason); '' = 'Operating normally'."""
    cpus: int = 2
    memory_startup: int = 2 * 1024**3
    memory_maximum: int = 2 * 1024**3
    dynamic_memory: bool = False
    load: float = 10.0
    """Mean guest CPU % while running."""
    started_at: float | None = None
    """Clock elapsed() when the current run began (uptime counts from here)."""
    cpu_features: tuple[str, int] | None = None
    """(vendor, feature level) the running or saved VM uses; level 0 = compatibility mode."""
    compat: bool = False
    """Processor compatibility for migration (R-LM-3)."""
    guest_os: str = ""
    linux: bool = False
    guest_ics: bool = True
    """The guest runs integration components (False: an OS without them)."""
    app_health: str = "Healthy"
    """Heartbeat application status: Healthy, Critical or Unknown."""
    ic_overrides: dict[str, bool] = field(default_factory=dict)
    """Host-side integration services set away from their defaults."""
    guest_blocked: frozenset[str] = frozenset()
    """Integration services disabled inside the guest."""
    path: str = ""
    notes: str = ""
    drives: list[Drive] = field(default_factory=list)
    dvds: list[DvdDrive] = field(default_factory=list)
    """DVD drives (a generation 1 VM gets one at IDE 1:0, as New-VM gives it)."""
    checkpoints: list[Checkpoint] = field(default_factory=list)
    current_checkpoint: str = ""
    adapters: list[Adapter] = field(default_factory=list)
    replication_mode: str = "None"
    busy: str = ""
    """A long operation in progress ('Migrating', 'Exporting'); '' when idle."""
    guest_files: set[str] = field(default_factory=set)
    """'file:<key>' and 'dir:<key>' entries Copy-VMFile created in the guest."""
    phase: float = 0.0
    """Seeded phase of the VM's load curve."""
    clustered: bool = False
    secure_boot: bool = True
    """Generation 2 firmware: Secure Boot on (the default, R-GEN-2)."""
    secure_boot_template: str = "MicrosoftWindows"
    """Generation 2 firmware: the Secure Boot template's name."""
    # Settings the settings editor changes (Set-VMMemory, Set-VMProcessor, Set-VM), at
    # Hyper-V's defaults for a new VM.
    memory_minimum: int = 512 * 1024**2
    memory_buffer: int = 20
    """Percent of memory kept as a buffer (5-2000; 20 by default)."""
    memory_priority: int = 50
    """Memory weight (0-100; 50 by default)."""
    cpu_reserve: int = 0
    cpu_limit: int = 100
    cpu_weight: int = 100
    start_action: str = "StartIfRunning"
    start_delay: int = 0
    stop_action: str = "Save"
    checkpoint_type: str = "Production"
    """Reported from 2016 only (R-STATE-6); the property does not exist before."""
    snapshot_location: str = ""
    """'' = the VM's own folder."""
    # firmware (issue 11, hostcfg): the virtual TPM and a generation 1 VM's BIOS
    tpm: bool = False
    key_protector: bool = False
    """The VM has a key protector (Set-VMKeyProtector), which Enable-VMTPM needs."""
    startup_order: list[str] = field(
        default_factory=lambda: ["CD", "IDE", "LegacyNetworkAdapter", "Floppy"])
    """Generation 1: the BIOS startup order (UNCONFIRMED: New-VM's default order)."""
    boot_first: str = "HardDrive"
    """Generation 2: the kind of device its boot order starts with (HardDrive, DVD or
    Network); the others follow in that order (UNCONFIRMED: a new VM's order)."""
    # VM screen as text (issue 12, thumbs): what the guest's screen shows
    guest_fault: str = ""
    """'' | 'BugCheck' (crashed: stop error or kernel panic until the VM restarts) |
    'BootLoop' (restarts before it ever reaches sign-in)."""
    console: str = ""
    """The sign-in screen's stage: '' (lock screen or login prompt), 'SignIn' (Windows,
    after Ctrl+Alt+Del) or 'Incorrect' (Linux, after a failed login)."""
    typed: str = ""
    """Text typed at the sign-in screen or login prompt since it appeared."""
    booted_at: float | None = None
    """Clock elapsed() when the guest last began to boot (None: long before the lab began;
    resuming a saved VM does not boot it)."""

    def boot(self, now: float) -> None:
        """A fresh run of the guest: a crash is over, the console starts again."""
        self.booted_at = now
        if self.guest_fault == "BugCheck":
            self.guest_fault = ""
        self.console = self.typed = ""
    # serial console (issue 12)
    com1: str = ""
    """COM 1's named pipe (a path such as ``\\\\.\\pipe\\vm1``, Set-VMComPort); '' = none."""
    com2: str = ""
    """COM 2's named pipe; '' = not connected."""

    @property
    def display_state(self) -> str:
        return self.state + ("Critical" if self.critical else "")

    def copy_settings(self, **changes: Any) -> VM:
        """A new, Off VM with this one's hardware and guest settings (not its state, disks
        or history); ``changes`` sets the id, the name and whatever else differs."""
        settings = {name: getattr(self, name) for name in _COPIED_SETTINGS}
        return VM(**{**settings, **changes})

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def carries_cpu_state(self) -> bool:
        """Running, paused and saved VMs hold processor state a destination must accept."""
        return self.state in ("Running", "Paused", "Saved")


_COPIED_SETTINGS = ("generation", "version", "cpus", "memory_startup", "memory_maximum",
                    "dynamic_memory", "load", "compat", "guest_os", "linux", "guest_ics",
                    "phase")
"""What a replica or a test-failover VM takes over from the VM it copies."""


@dataclass(slots=True)
class Volume:
    letter: str
    label: str
    size: int
    free: int
    guid: str

    @property
    def path(self) -> str:
        return f"\\\\?\\Volume{{{self.guid}}}\\"


@dataclass(slots=True)
class SwitchInfo:
    """A virtual switch's type (External, Internal, Private) and, for External, the
    physical adapter it is bound to and whether the host shares it (AllowManagementOS)."""

    type: str = "External"
    net_adapter: str = ""
    management_os: bool = True


@dataclass(slots=True)
class AuthorizationEntry:
    """One Replica server authorisation entry (New-VMReplicationAuthorizationEntry): the
    primaries it admits (a name or a ``*.domain`` wildcard), where their replicas go, and
    the trust group the entry belongs to."""

    allowed_primary: str
    storage: str
    trust_group: str


@dataclass(slots=True)
class ReplicaServer:
    """A host's Replica server settings (Set-VMReplicationServer). Off by default, as on a
    fresh Hyper-V host; Kerberos uses HTTP on 80 and certificates HTTPS on 443 (R-REP-3).
    The default storage location is ``Host.replica_storage``."""

    enabled: bool = False
    auth: str = "Kerberos"
    """RecoveryAuthenticationType: Kerberos, Certificate or CertificateAndKerberos."""
    from_any: bool = True
    """ReplicationAllowedFromAnyServer: admit every primary (else only authorisation entries)."""
    thumbprint: str = ""
    kerberos_port: int = 80
    certificate_port: int = 443
    entries: list[AuthorizationEntry] = field(default_factory=list)


@dataclass(slots=True)
class Host:
    name: str
    release: Release
    edition: str
    cpu_name: str
    cpu: ProcessorFamily
    logical_processors: int
    memory_capacity: int
    domain: str = ""
    migration_enabled: bool = False
    migration_auth: str = "CredSSP"
    migration_performance: str = "Compression"
    max_migrations: int = 2
    use_any_network: bool = False
    migration_networks: list[str] = field(default_factory=list)
    delegation: set[str] = field(default_factory=set)
    """Hosts (keys) this host's account may delegate to (Kerberos constrained delegation)."""
    enhanced_session: bool = False
    vhd_path: str = "C:\\Users\\Public\\Documents\\Hyper-V\\Virtual Hard Disks"
    vm_path: str = "C:\\ProgramData\\Microsoft\\Windows\\Hyper-V"
    replica_storage: str = "C:\\ProgramData\\Microsoft\\Windows\\Hyper-V"
    """Where this host keeps Replica VMs' files (the Replica server's DefaultStorageLocation)."""
    replica_server: ReplicaServer = field(default_factory=ReplicaServer)
    switches: list[str] = field(default_factory=list)
    volumes: list[Volume] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)
    """Files on the host (path key -> path): Copy-VMFile sources, export folders."""
    cluster: str = ""
    vms: dict[str, VM] = field(default_factory=dict)
    """By VM id, in creation order."""
    # import (issue 11, importvm)
    exported: dict[str, VM] = field(default_factory=dict)
    """VMs Export-VM wrote on this host's storage, by the path key of their configuration
    file (``<folder>\\Virtual Machines\\<id>.vmcx``): what Import-VM and Compare-VM -Path
    read back. The VM's drives point at the export's own disk copies."""
    base_load: float = 3.0
    platform: Platform | None = None
    """Its PowerShell, modules and language; None: what its release ships (see software)."""
    # host settings (issue 11, hostcfg): Set-VMHost -NumaSpanningEnabled, -MaximumStorageMigrations
    numa_spanning: bool = True
    """NUMA spanning, on by default (Hyper-V's default; applied when VMMS restarts)."""
    max_storage_migrations: int = 2
    # Networking (issue 11): what each virtual switch is, and the host's physical adapters.
    switch_info: dict[str, SwitchInfo] = field(default_factory=dict)
    """By switch key; a switch without an entry is External, bound to a physical adapter
    by its place among the external switches (see :meth:`switch_of`)."""
    net_adapters: list[str] = field(default_factory=lambda: [
        "Ethernet", "Ethernet 2", "Ethernet 3", "Ethernet 4"])
    """Physical network adapters (Get-NetAdapter's Name): a host commonly has four ports."""
    # events pane (issue 12)
    events: list[LoggedEvent] = field(default_factory=list)
    """Its event log, oldest first (hvtui.lab.winevents; read by Get-WinEvent)."""

    @property
    def software(self) -> Platform:
        """What a remote session on this host runs (declared, or the release's defaults)."""
        if self.platform is not None:
            return self.platform
        return default_platform(self.release.reference_key, clustered=bool(self.cluster))

    @property
    def fqdn(self) -> str:
        return f"{self.name}.{self.domain}" if self.domain else self.name

    def find_vms(self, name: str) -> list[VM]:
        wanted = key(name)
        return [vm for vm in self.vms.values() if key(vm.name) == wanted]

    def has_switch(self, name: str) -> bool:
        return key(name) in {key(s) for s in self.switches}

    def switch_of(self, name: str) -> SwitchInfo:
        """What the switch ``name`` is (External on the next unbound adapter unless told)."""
        known = self.switch_info.get(key(name))
        if known is not None:
            return known
        bound = {i.net_adapter for i in self.switch_info.values() if i.net_adapter}
        free = [n for n in self.net_adapters if n not in bound]
        untold = [s for s in self.switches if key(s) not in self.switch_info]
        place = next((n for n, s in enumerate(untold) if key(s) == key(name)), 0)
        return SwitchInfo("External", free[place] if place < len(free) else "")

    def volume(self, path: str) -> Volume | None:
        if len(path) >= 2 and path[1] == ":":
            letter = path[0].upper()
            return next((v for v in self.volumes if v.letter.upper() == letter), None)
        return None


@dataclass(slots=True)
class ClusterNode:
    name: str
    state: str = "Up"
    """Up, Paused or Down."""
    drain_status: str = "NotInitiated"


@dataclass(slots=True)
class ClusterGroup:
    name: str
    vm_id: str
    owner: str
    priority: int = 2000
    failback: bool = False
    """The group allows failback (Resume-ClusterNode -Failback Policy moves it back)."""
    drained_from: str = ""
    """The node a drain moved it off (Resume-ClusterNode -Failback Immediate returns it)."""
    failed: bool = False


@dataclass(slots=True)
class SharedVolume:
    name: str
    path: str
    owner: str
    size: int
    free: int
    state: str = "Online"


@dataclass(slots=True)
class Cluster:
    name: str
    drain_on_shutdown: int = 1
    nodes: list[ClusterNode] = field(default_factory=list)
    groups: list[ClusterGroup] = field(default_factory=list)
    shared_volumes: list[SharedVolume] = field(default_factory=list)
    broker: str = ""
    """Hyper-V Replica Broker name ('' when the cluster has none)."""

    def node(self, name: str) -> ClusterNode | None:
        wanted = key(name.split(".")[0])
        return next((n for n in self.nodes if key(n.name) == wanted), None)

    def group(self, name: str) -> ClusterGroup | None:
        wanted = key(name)
        return next((g for g in self.groups if key(g.name) == wanted), None)

    def csv_for(self, path: str) -> SharedVolume | None:
        wanted = path_key(path)
        for csv in self.shared_volumes:
            root = path_key(csv.path)
            if wanted == root or wanted.startswith(root + "\\"):
                return csv
        return None


@dataclass(slots=True)
class ReplicationLink:
    """One replication relationship: a sending copy on ``source``, a receiving one on ``target``."""

    source: str
    target: str
    frequency: int
    state: str = "Replicating"
    health: str = "Normal"
    anchor: float = 0.0
    """Offset of this link's replication cycle on the clock."""
    lag: float = 0.0
    """Seconds the link runs behind its cycle (a Warning link)."""
    frozen: float | None = None
    """Clock time of the last replication while the link is not replicating."""
    auth: str = "Kerberos"
    """ReplicationAuthenticationType the primary connects with (Enable-VMReplication)."""
    port: int = 80
    recovery_history: int = 0
    """Additional hourly recovery points kept on the replica (R-REP-1: 0..24; 0..15 on 2012)."""
    replica_state: str = ""
    """The receiving copy's ReplicationState where a failover makes it differ from the
    sending copy's (``state``); empty: both ends read ``state``."""
    scheduled: float | None = None
    """Clock time a scheduled initial replication starts (Start-VMInitialReplication
    -InitialReplicationStartTime); None when none is scheduled."""
    since: float | None = None
    """Clock time the initial replication ended (no recovery point is older); None: before
    the lab began (the scenario's pairs)."""
    recovery_point: float | None = None
    """Clock time of the recovery point a failed-over replica runs from (None: its latest)."""

    def state_of(self, receiving: bool) -> str:
        """The ReplicationState one end of the link reports."""
        return self.replica_state if receiving and self.replica_state else self.state


@dataclass(slots=True)
class ReplicationChain:
    """Primary -> Replica (-> extended Replica) of one VM id (replica copies share the id)."""

    vm_id: str
    primary: ReplicationLink
    extended: ReplicationLink | None = None
    test_vm_id: str = ""


class Estate:
    """Every host, cluster, disk file and replication chain of one lab."""

    def __init__(self, *, seed: int, clock: LabClock, domain: str = "") -> None:
        self.seed = seed
        self.clock = clock
        self.domain = domain
        self.lock = threading.RLock()
        """Guards every mutation; held only between awaits."""
        self.hosts: dict[str, Host] = {}
        self.clusters: dict[str, Cluster] = {}
        self.vhds: dict[tuple[str, str], Vhd] = {}
        """(storage scope, path key) -> disk file."""
        self.replications: dict[str, ReplicationChain] = {}
        self._ids = 0

    def new_id(self, label: str = "") -> str:
        """A fresh GUID string, reproducible for a given seed and order of creation."""
        with self.lock:
            self._ids += 1
            counter = self._ids
        return guid(self.seed, f"new|{counter}|{label}")

    # --- lookups ---------------------------------------------------------------------------

    def host(self, name: str) -> Host | None:
        """A host by short name or FQDN, any case."""
        return self.hosts.get(key(name.strip().split(".")[0]))

    def add_host(self, host: Host) -> None:
        self.hosts[key(host.name)] = host

    def cluster_of(self, host: Host) -> Cluster | None:
        return self.clusters.get(key(host.cluster)) if host.cluster else None

    def locate(self, vm_id: str, host_name: str) -> VM | None:
        host = self.host(host_name)
        return host.vms.get(vm_id) if host else None

    def all_vms(self) -> Iterator[tuple[Host, VM]]:
        for host in self.hosts.values():
            for vm in host.vms.values():
                yield host, vm

    # --- storage -----------------------------------------------------------------------------

    def storage_scope(self, host: Host, path: str) -> str:
        """Who can see a file: the cluster for a CSV path, everyone for UNC, else the host."""
        if path.startswith("\\\\"):
            return "unc"
        cluster = self.cluster_of(host)
        if cluster and cluster.csv_for(path):
            return "cluster:" + key(cluster.name)
        return "host:" + key(host.name)

    def vhd(self, host: Host, path: str) -> Vhd | None:
        return self.vhds.get((self.storage_scope(host, path), path_key(path)))

    def add_vhd(self, host: Host, vhd: Vhd) -> None:
        self.vhds[(self.storage_scope(host, vhd.path), path_key(vhd.path))] = vhd

    def remove_vhd(self, host: Host, path: str) -> Vhd | None:
        return self.vhds.pop((self.storage_scope(host, path), path_key(path)), None)

    def space(self, host: Host, path: str) -> Volume | SharedVolume | None:
        """The volume (or CSV) a path lives on, for free-space accounting; None for UNC."""
        cluster = self.cluster_of(host)
        if cluster:
            csv = cluster.csv_for(path)
            if csv:
                return csv
        return host.volume(path)

    def path_exists_on(self, host: Host, path: str) -> bool:
        """Whether a folder path is on storage this host has (a volume, a CSV or UNC)."""
        return path.startswith("\\\\") or self.space(host, path) is not None

    def file_exists(self, host: Host, path: str) -> bool:
        return path_key(path) in host.files or self.vhd(host, path) is not None

    def replication(self, vm: VM) -> ReplicationChain | None:
        chain = self.replications.get(vm.id) if vm.replication_mode != "None" else None
        if chain is not None and chain.primary.scheduled is not None:
            self._start_if_due(chain.primary)
        return chain

    def _start_if_due(self, link: ReplicationLink) -> None:
        """A scheduled initial replication whose time has come has run (the lab's copy
        takes no time): the pair replicates from that moment, as if a service had started
        it then. Settled when read, so the lab needs no background ticker."""
        due = link.scheduled
        if due is None or self.clock.elapsed() < due:
            return
        if link.state == "ReadyForInitialReplication":
            link.state, link.replica_state, link.health = "Replicating", "", "Normal"
            link.frozen, link.lag, link.anchor, link.since = None, 0.0, due, due
        link.scheduled = None

    def server_name(self, host_name: str) -> str:
        """How replication names a server: the broker of a clustered host, else its FQDN."""
        host = self.host(host_name)
        if host is None:
            return host_name
        cluster = self.cluster_of(host)
        if cluster and cluster.broker:
            return f"{cluster.broker}.{self.domain}" if self.domain else cluster.broker
        return host.fqdn
