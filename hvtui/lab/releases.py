"""Windows Server releases the lab emulates, and what each one can and cannot do.

Configuration versions per release are R-VER-1 of ``reference/hyperv-rules.md``. Which
cmdlets and parameters a release has comes from the per-release reference data shipped in
:mod:`hvtui.reference` (each release's own documentation set), so a script that uses one an
older host lacks fails there the way it would on the real host. The "since" tables say which
object properties and behaviours an older host lacks: the lab stands for the host and is
written from the reference, never from the client's own rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from hvtui import reference


@dataclass(frozen=True, slots=True)
class Release:
    key: str
    """Scenario spelling: ``2012``, ``2012R2``, ``2016``, ``2019``, ``2022``, ``2025``."""
    label: str
    """Product name as Win32_OperatingSystem.Caption spells it, without the edition."""
    os_version: str
    rank: int
    """Orders releases: a higher rank is newer."""
    vm_versions: tuple[str, ...]
    """Configuration versions this host can run (R-VER-1)."""
    default_version: str
    reports_versions: bool
    """Whether Get-VMHostSupportedVersion exists (2016 and later)."""

    def at_least(self, key: str) -> bool:
        return self.rank >= RELEASES[key].rank

    @property
    def reference_key(self) -> str:
        """How :mod:`hvtui.reference` spells this release (``2012 R2``)."""
        return reference.release_key(self.key)

    @property
    def powershell_version(self) -> str:
        """The Windows PowerShell version the release ships (release-facts.json)."""
        return reference.release_facts(self.key).windows_powershell.value

    @property
    def powershell_edition(self) -> str:
        """``$PSVersionTable.PSEdition``: '' before 5.1 (3.0 and 4.0 have no such entry)."""
        return "Desktop" if self.powershell_version == "5.1" else ""

    def supports(self, version: str) -> bool:
        return version in self.vm_versions


_V2019 = ("5.0", "6.2", "7.0", "7.1", "8.0", "8.1", "8.2", "8.3", "9.0")
_V2022 = ("8.0", "8.1", "8.2", "8.3", "9.0", "9.1", "9.2", "9.3", "10.0")

RELEASES: dict[str, Release] = {
    r.key: r
    for r in (
        Release("2012", "Microsoft Windows Server 2012", "6.2.9200", 1, ("4.0",), "4.0", False),
        Release(
            "2012R2", "Microsoft Windows Server 2012 R2", "6.3.9600", 2, ("5.0",), "5.0", False
        ),
        Release(
            "2016",
            "Microsoft Windows Server 2016",
            "10.0.14393",
            3,
            ("5.0", "6.2", "7.0", "7.1", "8.0"),
            "8.0",
            True,
        ),
        Release("2019", "Microsoft Windows Server 2019", "10.0.17763", 4, _V2019, "9.0", True),
        # Default 10.0 / 12.0: UNCONFIRMED (assumed to be the maximum, as the reference says).
        Release("2022", "Microsoft Windows Server 2022", "10.0.20348", 5, _V2022, "10.0", True),
        Release(
            "2025",
            "Microsoft Windows Server 2025",
            "10.0.26100",
            6,
            (*_V2022, "11.0", "12.0"),
            "12.0",
            True,
        ),
    )
}

PROPERTY_SINCE: dict[tuple[str, str], str] = {
    # object-shapes.md: the 2012-era Cluster lacks DrainOnShutdown (S3, S4); R-CL-1.
    ("Cluster", "DrainOnShutdown"): "2012R2",
    # version-facts.md: 2012 has no ReplicationFrequencySec (replication every 5 minutes,
    # fixed); object-shapes.md expects the 2012 VMReplication without it (no sample found).
    ("VMReplication", "ReplicationFrequencySec"): "2012R2",
    # cmdlets-by-release.md: Get-VMReplication -ReplicationRelationshipType (and extended
    # replication) are new in 2012 R2; the property is taken to be too (no 2012 sample).
    ("VMReplication", "ReplicationRelationshipType"): "2012R2",
    # Generation 2 is new in 2012 R2 (New-VM -Generation, cmdlets-by-release.md): a 2012
    # VirtualMachine reads Generation as $null ([int] 0), as the issue records.
    ("VirtualMachine", "Generation"): "2012R2",
    # object-shapes.md: the 2012 R2-era default table has no Version column and no captured
    # 2012/2012 R2 output proves the property; the stricter choice is that it appears in 2016
    # (configuration versions are reported from 2016, R-VER-1).
    ("VirtualMachine", "Version"): "2016",
    # R-STATE-6: checkpoint types (and Set-VM -CheckpointType, cmdlets-by-release.md) are
    # new in 2016.
    ("VirtualMachine", "CheckpointType"): "2016",
    # cmdlets-by-release.md: Set-VMHost gains these parameters in 2012 R2.
    ("VMHost", "EnableEnhancedSessionMode"): "2012R2",
    ("VMHost", "VirtualMachineMigrationPerformanceOption"): "2012R2",
}
"""First release whose objects have each property; before it PowerShell reads $null."""

FEATURE_SINCE: dict[str, str] = {
    "online_resize": "2012R2",  # R-VHD-1
    "online_export": "2012R2",  # R-EXP-1
    "cross_version_live_migration": "2012R2",  # R-LM-1
    "guest_service_interface": "2012R2",  # R-GSI-1
    # "You can now resize shared virtual hard disks (.vhdx files) used for guest clustering,
    # without downtime" (MicrosoftDocs/windowsserverdocs, What's new in Hyper-V on Windows
    # Server 2016; not in the project's reference): online only, offline resize is older.
    "shared_vhdx_online_resize": "2016",
    # version-facts.md: runtime memory resize (of a running VM without dynamic memory) is
    # new in 2016; R-VER-4: hot add/remove of memory needs configuration version 6.2.
    "runtime_memory_resize": "2016",
    # version-facts.md: hot add/remove of network adapters is new in 2016 (generation 2 VMs:
    # "What's new in Hyper-V on Windows Server 2016", R-NIC-1).
    "nic_hot_add": "2016",
}


def release(key: str) -> Release:
    return RELEASES[key]


def has_cmdlet(rel: Release, cmdlet: str) -> bool:
    """Whether the release's Hyper-V/FailoverClusters/Storage modules have ``cmdlet``."""
    return reference.cmdlet(rel.key, cmdlet) is not None


def has_parameter(rel: Release, cmdlet: str, parameter: str) -> bool:
    """Whether the release's ``cmdlet`` takes ``-parameter``."""
    info = reference.cmdlet(rel.key, cmdlet)
    return info is not None and info.has_parameter(parameter)


def has_property(rel: Release, cls: str, name: str) -> bool:
    since = PROPERTY_SINCE.get((cls, name))
    return since is None or rel.at_least(since)


def has_feature(rel: Release, feature: str) -> bool:
    return rel.at_least(FEATURE_SINCE[feature])


@dataclass(frozen=True, slots=True)
class ProcessorFamily:
    name: str
    vendor: str
    """CPUID vendor string, as Win32_Processor.Manufacturer reports it."""
    level: int
    """Feature level within the vendor: a higher level has every feature of a lower one."""


PROCESSOR_FAMILIES: dict[str, ProcessorFamily] = {
    f.name: f
    for f in (
        ProcessorFamily("SandyBridge-EP", "GenuineIntel", 1),
        ProcessorFamily("IvyBridge-EP", "GenuineIntel", 2),
        ProcessorFamily("Haswell-EP", "GenuineIntel", 3),
        ProcessorFamily("Broadwell-EP", "GenuineIntel", 4),
        ProcessorFamily("Skylake-SP", "GenuineIntel", 5),
        ProcessorFamily("CascadeLake-SP", "GenuineIntel", 6),
        ProcessorFamily("IceLake-SP", "GenuineIntel", 7),
        ProcessorFamily("SapphireRapids", "GenuineIntel", 8),
        ProcessorFamily("Opteron-Piledriver", "AuthenticAMD", 1),
        ProcessorFamily("EPYC-Naples", "AuthenticAMD", 2),
        ProcessorFamily("EPYC-Rome", "AuthenticAMD", 3),
        ProcessorFamily("EPYC-Milan", "AuthenticAMD", 4),
        ProcessorFamily("EPYC-Genoa", "AuthenticAMD", 5),
    )
}
