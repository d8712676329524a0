"""A Hyper-V host and its settings."""

from __future__ import annotations

from dataclasses import dataclass, field

from hvtui.model.enums import MigrationAuthentication, MigrationPerformance
from hvtui.model.versions import Release, release_of, version_key


@dataclass(frozen=True, slots=True)
class LiveMigrationSettings:
    enabled: bool = False
    authentication: MigrationAuthentication = MigrationAuthentication.CredSSP
    performance: MigrationPerformance = MigrationPerformance.Compression
    simultaneous: int = 2
    use_any_network: bool = False
    networks: tuple[str, ...] = ()
    """Subnets for incoming live migrations (``Get-VMMigrationNetwork``), used unless
    ``use_any_network``."""


@dataclass(frozen=True, slots=True)
class VirtualSwitch:
    """A virtual switch as Get-VMSwitch reports it (networking, issue 11)."""

    name: str
    type: str = "External"
    """External, Internal or Private."""
    net_adapter: str = ""
    """An external switch's physical adapter (its interface description)."""
    management_os: bool = False
    """The host shares the switch (AllowManagementOS)."""


@dataclass(frozen=True, slots=True)
class Volume:
    """A host volume, for free-space checks before export or storage moves."""

    path: str
    drive_letter: str = ""
    label: str = ""
    size: int = 0
    free: int = 0

    def contains(self, path: str) -> bool:
        """Whether ``path`` lives on this volume (drive letter match, case-insensitive)."""
        return bool(self.drive_letter) and path[:2].upper() == f"{self.drive_letter.upper()}:"


@dataclass(frozen=True, slots=True)
class Host:
    name: str
    """The inventory name hvtui connects to."""
    os_name: str
    os_version: str
    """``Win32_OperatingSystem.Version``, e.g. ``6.3.9600``."""
    is_server: bool = True
    logical_processors: int = 0
    cpu_percent: int = 0
    processor_vendor: str = ""
    processor_name: str = ""
    memory_capacity: int = 0
    memory_free: int = 0
    migration: LiveMigrationSettings = field(default_factory=LiveMigrationSettings)
    enhanced_session_mode: bool = False
    virtual_hard_disk_path: str = ""
    virtual_machine_path: str = ""
    reported_versions: tuple[str, ...] = ()
    """What ``Get-VMHostSupportedVersion`` said (empty before 2016)."""
    default_version: str = ""
    switches: tuple[str, ...] = ()
    cluster: str = ""
    volumes: tuple[Volume, ...] = ()
    computer_name: str = ""
    """What the host calls itself (``Get-VMHost``'s ComputerName)."""
    failover_clusters: bool = False
    """The FailoverClusters module is installed (cluster nodes; most standalone hosts lack it)."""
    cluster_problem: str = ""
    """Why Get-Cluster failed where the module is installed ('' when it did not fail)."""
    powershell_version: str = ""
    """``$PSVersionTable.PSVersion`` of the session hvtui's scripts run in."""
    powershell_edition: str = ""
    """``$PSVersionTable.PSEdition``: ``Desktop`` (Windows PowerShell; 3.0 and 4.0 report
    nothing) or ``Core`` (PowerShell 7)."""
    # host settings (issue 11, hostcfg)
    numa_spanning: bool = True
    """VMs may use memory of more than one NUMA node (``NumaSpanningEnabled``)."""
    storage_migrations: int = 2
    """Simultaneous storage migrations (``MaximumStorageMigrations``)."""
    virtual_switches: tuple[VirtualSwitch, ...] = ()
    """Its switches with their types (networking, issue 11); ``switches`` has the names."""

    @property
    def edition(self) -> str:
        """``Desktop`` or ``Core``."""
        return "Core" if self.powershell_edition.strip().lower() == "core" else "Desktop"

    @property
    def modules(self) -> frozenset[str]:
        """The modules hvtui's scripts may need that this host has."""
        return frozenset({"Hyper-V"} | ({"FailoverClusters"} if self.failover_clusters else set()))

    @property
    def release(self) -> Release:
        return release_of(self.os_version)

    @property
    def supported_versions(self) -> tuple[str, ...]:
        """Configuration versions this host can run, from the host or its release."""
        versions = self.reported_versions or self.release.config_versions
        return tuple(sorted(versions, key=version_key))

    @property
    def memory_used_percent(self) -> int:
        if self.memory_capacity <= 0:
            return 0
        return round(100 * (self.memory_capacity - self.memory_free) / self.memory_capacity)

    def supports_version(self, config_version: str) -> bool:
        return config_version in self.supported_versions

    def volume_for(self, path: str) -> Volume | None:
        return next((v for v in self.volumes if v.contains(path)), None)
