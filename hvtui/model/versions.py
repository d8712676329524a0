"""Windows Server releases and what each one's Hyper-V can do.

A host of an older release must show a feature as unavailable, with the reason,
rather than fail: the helpers here answer "which release is this host" and "from
which release does a feature exist".
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import total_ordering


@total_ordering
@dataclass(frozen=True, slots=True)
class Release:
    """A Windows Server release, ordered by build."""

    name: str
    """What admins call it, e.g. ``Windows Server 2012 R2``."""
    short: str
    """Compact label for tables, e.g. ``2012 R2``."""
    build: tuple[int, int, int]
    """``(major, minor, build)`` as ``Win32_OperatingSystem.Version`` reports it."""
    config_versions: tuple[str, ...]
    """VM configuration versions a host of this release supports (R-VER-1)."""
    default_version: str
    generations: tuple[int, ...] = (1, 2)
    """VM generations a host of this release runs: generation 2 is new in 2012 R2
    (``New-VM -Generation`` appears in 2012 R2's cmdlet pages, cmdlets-by-release.md)."""

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Release):
            return NotImplemented
        return self.build < other.build


_V2016 = ("5.0", "6.2", "7.0", "7.1", "8.0")
_V2019 = (*_V2016, "8.1", "8.2", "8.3", "9.0")
_V2022 = ("8.0", "8.1", "8.2", "8.3", "9.0", "9.1", "9.2", "9.3", "10.0")
_V2025 = (*_V2022, "11.0", "12.0")

WS2012 = Release("Windows Server 2012", "2012", (6, 2, 9200), ("4.0",), "4.0", (1,))
WS2012R2 = Release("Windows Server 2012 R2", "2012 R2", (6, 3, 9600), ("5.0",), "5.0")
WS2016 = Release("Windows Server 2016", "2016", (10, 0, 14393), _V2016, "8.0")
WS2019 = Release("Windows Server 2019", "2019", (10, 0, 17763), _V2019, "9.0")
WS2022 = Release("Windows Server 2022", "2022", (10, 0, 20348), _V2022, "10.0")
WS2025 = Release("Windows Server 2025", "2025", (10, 0, 26100), _V2025, "12.0")

RELEASES: tuple[Release, ...] = (WS2012, WS2012R2, WS2016, WS2019, WS2022, WS2025)


def parse_build(version: str) -> tuple[int, int, int]:
    """``"6.3.9600"`` -> ``(6, 3, 9600)``; missing or junk parts become 0."""
    parts: list[int] = []
    for piece in str(version).split(".")[:3]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    while len(parts) < 3:
        parts.append(0)
    return parts[0], parts[1], parts[2]


def release_of(os_version: str) -> Release:
    """The newest known release whose build is not above this host's.

    A host newer than every known release counts as the newest one; an older one
    as 2012 (hvtui manages nothing older).
    """
    build = parse_build(os_version)
    best = WS2012
    for release in RELEASES:
        if release.build <= build:
            best = release
    return best


def version_key(config_version: str) -> tuple[int, int]:
    """Sort key for configuration versions such as ``"9.0"``."""
    major, _, minor = str(config_version).partition(".")
    try:
        return int(major), int(minor or 0)
    except ValueError:
        return 0, 0


@dataclass(frozen=True, slots=True)
class Feature:
    """A Hyper-V capability and the first release that has it."""

    name: str
    since: Release

    def available_on(self, release: Release) -> bool:
        return release >= self.since

    def why_not(self, release: Release) -> str | None:
        """None when available; otherwise the reason in plain words."""
        if self.available_on(release):
            return None
        return f"{self.name} needs {self.since.name} or later; this host runs {release.name}"


# The one client-side table of what each release can do; hvtui.hyperv.rules states each rule
# once on top of it (the lab keeps its own table, from the reference).
ONLINE_VHDX_RESIZE = Feature("Online VHDX resize", WS2012R2)
# "You can now resize shared virtual hard disks (.vhdx files) used for guest clustering,
# without downtime" (MicrosoftDocs/windowsserverdocs, What's new in Hyper-V on Windows
# Server 2016): online only; a shared VHDX whose VMs are off resizes on 2012 R2 too.
SHARED_VHDX_ONLINE_RESIZE = Feature("Online resize of a shared VHDX", WS2016)
ONLINE_EXPORT = Feature("Exporting a running VM", WS2012R2)
# R-EXP-1: 2012 exported only VMs that are off (UNCONFIRMED in the reference, which says to
# model 2012 as off-only: the stricter choice).
EXPORT_SAVED = Feature("Exporting a saved VM", WS2012R2)
ENHANCED_SESSION = Feature("Enhanced session mode", WS2012R2)
COPY_VM_FILE = Feature("Copy-VMFile (Guest Service Interface)", WS2012R2)
REPLICA_FREQUENCY = Feature("Replication every 30 s or 15 min", WS2012R2)
EXTENDED_REPLICATION = Feature("Extended replication", WS2012R2)
CROSS_VERSION_MIGRATION = Feature("Cross-version live migration", WS2012R2)
STORAGE_QOS = Feature("Storage QoS", WS2012R2)
SHARED_VHDX = Feature("Shared VHDX", WS2012R2)
GENERATION_2 = Feature("Generation 2 VMs", WS2012R2)
DRAIN_ON_SHUTDOWN = Feature("Drain on shutdown", WS2012R2)
# R-STATE-6 and Set-VM -CheckpointType (cmdlets-by-release.md): new in 2016.
CHECKPOINT_TYPES = Feature("Checkpoint types (production checkpoints)", WS2016)
# version-facts.md: runtime memory resize is new in 2016 (R-VER-4: configuration 6.2+).
RUNTIME_MEMORY_RESIZE = Feature("Changing the memory of a running VM without dynamic memory",
                                WS2016)
