"""What software a lab host runs: its PowerShell, its modules, its display language.

A real host's answers depend on more than its Windows release: the shell a remote session
lands in (Windows PowerShell 3.0 on 2012, 4.0 on 2012 R2, 5.1 on 2016+, or pwsh 7.x where
installed), which modules are installed (FailoverClusters only where the clustering tools
are), and the display language (integration-service names are localised). Each lab host
declares these; the defaults are what the release ships (``hvtui.reference.release_facts``).
"""

from __future__ import annotations

from dataclasses import dataclass

from hvtui.reference import release_facts

HYPERV = "Hyper-V"
FAILOVER_CLUSTERS = "FailoverClusters"
STORAGE = "Storage"
CIM = "CimCmdlets"

BASE_MODULES = frozenset({HYPERV, STORAGE, CIM})
"""Every Hyper-V host has these (Storage and CimCmdlets ship with Windows Server 2012+)."""

LANGUAGES = ("en-US", "de-DE", "ja-JP")
"""Display languages the lab knows integration-service names for."""

PWSH_VERSIONS = ("7.2", "7.4")


@dataclass(frozen=True, slots=True)
class Platform:
    """The software of one host, as its remote sessions see it."""

    release: str
    """Windows Server release as the reference spells it (``2012 R2``)."""
    ps_version: tuple[int, int]
    """The PowerShell a remote session runs: Windows PowerShell's, or pwsh 7's."""
    modules: frozenset[str]
    """Installed modules whose cmdlets the host has (see the module constants)."""
    language: str = "en-US"

    @property
    def edition(self) -> str:
        """``$PSVersionTable.PSEdition``: Desktop (Windows PowerShell) or Core (pwsh)."""
        return "Core" if self.ps_version[0] >= 6 else "Desktop"

    @property
    def shell(self) -> str:
        return "pwsh" if self.edition == "Core" else "powershell"

    def module_mode(self, module: str) -> str:
        """How a remote session loads ``module``: ``native``, or ``compatibility`` (pwsh 7
        through the Windows PowerShell compatibility layer: objects come back
        deserialized), per the release facts."""
        if self.edition == "Desktop" or module not in (HYPERV, FAILOVER_CLUSTERS):
            return "native"
        facts = release_facts(self.release)
        fact = facts.pwsh7_hyperv if module == HYPERV else facts.pwsh7_failoverclusters
        return fact.value

    def module_version(self, module: str) -> str:
        """``(Get-Command X).Module.Version`` for a command of ``module`` on this host: the
        version the release ships (``hvtui.reference.release_facts``); "" for a module the
        host does not have.

        Under pwsh 7, a module loaded through the compatibility layer is a proxy module
        made by implicit remoting, whose version is always 1.0 ("The locally created module
        always has a version of 1.0 regardless of the actual module version imported from
        the remote session", PowerShell's ImportModuleCommand.cs)."""
        if module not in self.modules:
            return ""
        if self.module_mode(module) == "compatibility":
            return "1.0"
        if module == CIM:
            # UNCONFIRMED: CimCmdlets' manifest says 1.0.0.0 in Windows PowerShell; pwsh 7's
            # built-in modules carry 7.0.0.0.
            return "7.0.0.0" if self.edition == "Core" else "1.0.0.0"
        fact = release_facts(self.release).module_version(module)
        return fact.value if fact is not None else ""

    def describe(self) -> str:
        shell = "PowerShell" if self.edition == "Core" else "Windows PowerShell"
        version = ".".join(str(n) for n in self.ps_version)
        return f"Windows Server {self.release}, {shell} {version}, {self.language}"


def windows_powershell(release: str) -> tuple[int, int]:
    """The Windows PowerShell a release ships (3.0, 4.0 or 5.1)."""
    major, minor = release_facts(release).windows_powershell.value.split(".")
    return int(major), int(minor)


def default_platform(release: str, *, clustered: bool) -> Platform:
    """What a host of ``release`` runs out of the box: its own Windows PowerShell, Hyper-V,
    Storage and CIM, and FailoverClusters only on a cluster node."""
    modules = BASE_MODULES | ({FAILOVER_CLUSTERS} if clustered else frozenset())
    return Platform(release, windows_powershell(release), frozenset(modules))


def pwsh_unsupported_reason(release: str) -> str | None:
    """Why pwsh 7 cannot be a host's remote shell on ``release``, or None when it can."""
    if release_facts(release).pwsh7_hyperv.value == "unsupported":
        return f"PowerShell 7 does not run on Windows Server {release} " \
               f"({release_facts(release).pwsh7_hyperv.source})"
    return None
