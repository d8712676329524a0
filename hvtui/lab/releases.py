"""Windows Server releases the lab emulates, and what each one can and cannot do.

Configuration versions per release are R-VER-1 of ``reference/hyperv-rules.md``; the
"since" tables say which cmdlets, parameters and features an older host lacks, so a
script that uses one fails there the way it would on the real host (cross-checked against
``reference/hyperv-cmdlets.json`` by a test).
"""

from __future__ import annotations

from dataclasses import dataclass


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

    @property
    def reference_key(self) -> str:
        """The release as ``hvtui.reference`` spells it (``2012 R2``)."""
        return self.key.replace("R2", " R2")

    def at_least(self, key: str) -> bool:
        return self.rank >= RELEASES[key].rank

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

CMDLET_SINCE: dict[str, str] = {
    "Copy-VMFile": "2012R2",
    "Get-VMHostSupportedVersion": "2016",
}
"""First release that has each cmdlet the catalog uses conditionally (R-GSI-2, R-VER-1)."""

PARAMETER_SINCE: dict[tuple[str, str], str] = {
    ("Set-VMHost", "EnableEnhancedSessionMode"): "2012R2",
    ("Set-VMHost", "VirtualMachineMigrationPerformanceOption"): "2012R2",
    ("Set-VMReplication", "ReplicationFrequencySec"): "2012R2",
    ("Suspend-ClusterNode", "ForceDrain"): "2012R2",
}
"""First release whose cmdlet has each parameter (R-ESM-1, R-LM-6, R-REP-1, R-CL-2)."""

FEATURE_SINCE: dict[str, str] = {
    "online_resize": "2012R2",  # R-VHD-1
    "online_export": "2012R2",  # R-EXP-1
    "cross_version_live_migration": "2012R2",  # R-LM-1
    "drain_on_shutdown": "2012R2",  # R-CL-1
    "guest_service_interface": "2012R2",  # R-GSI-1
    # Shared VHDX could not be resized online before 2016 (UNCONFIRMED: from the 2016
    # "what's new" list of shared-disk improvements, not from the reference).
    "shared_vhdx_online_resize": "2016",
}


def release(key: str) -> Release:
    return RELEASES[key]


def has_cmdlet(rel: Release, cmdlet: str) -> bool:
    since = CMDLET_SINCE.get(cmdlet)
    return since is None or rel.at_least(since)


def has_parameter(rel: Release, cmdlet: str, parameter: str) -> bool:
    since = PARAMETER_SINCE.get((cmdlet, parameter))
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
