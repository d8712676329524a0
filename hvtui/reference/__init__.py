"""Reference data about real Hyper-V hosts, shipped with hvtui: read-only facts with sources.

What is here, and where each file comes from:

- ``cmdlets.json.gz``: every cmdlet page of the Hyper-V and FailoverClusters modules (and
  four Storage cmdlets) for Windows Server 2012, 2012 R2, 2016, 2019, 2022 and 2025, parsed
  from each release's own documentation set in MicrosoftDocs/windows-powershell-docs:
  parameter sets, parameters (type, required, position, pipeline input, aliases), default
  set, output types, and the page and commit each came from. Identical pages are stored
  once. Plus, per cmdlet, whether it declares SupportsShouldProcess and its ConfirmImpact
  (from reflection stubs of the modules). :func:`provenance` gives the source commits,
  the method and the caveats (documentation pages are not the modules).
- ``hyperv-enums.json``: enum names and numbers as they appear in serialized output.
- ``release-facts.json``: per release, the OS build, the Windows PowerShell, Hyper-V,
  FailoverClusters and Storage module versions it ships, and whether PowerShell 7 loads
  Hyper-V / FailoverClusters natively or through the Windows PowerShell compatibility
  layer; each fact names its source.
- ``integration-services.json``: the six integration services by their culture-neutral GUID.

The client (the catalog lint, ``hvtui doctor``) and the lab (which stands for a host) both
read these; neither reads the other's rules.

Regenerating: the first two files are built from the project's reference folder by a script
kept outside the package (``release-facts.json`` and ``integration-services.json`` are kept by
hand; the script checks their quotes against the reference text)::

    python tools/regenerate_reference.py PATH/TO/reference

then commit the rewritten files.
"""

from __future__ import annotations

import gzip
import json
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, ParamSpec, TypeVar

RELEASES: tuple[str, ...] = ("2012", "2012 R2", "2016", "2019", "2022", "2025")
"""Every Windows Server release hvtui supports, oldest first, as the reference spells them."""

MODULES: tuple[str, ...] = ("Hyper-V", "FailoverClusters", "Storage")

SHOULD_PROCESS_PARAMETERS = ("Confirm", "WhatIf")
"""Accepted by every cmdlet that declares SupportsShouldProcess, whatever its page lists."""


P = ParamSpec("P")
R = TypeVar("R")


def shared_cache(fn: Callable[P, R]) -> Callable[P, R]:
    """``functools.cache``, but built once when threads ask at the same time: the lab
    serves each host's first call in a thread of its own, and without the lock every one
    of them parsed cmdlets.json.gz itself (six parses for one ``hvtui get``)."""
    cached = cache(fn)
    lock = threading.RLock()

    def once(*args: P.args, **kwargs: P.kwargs) -> R:
        with lock:
            return cached(*args, **kwargs)  # type: ignore[arg-type]

    once.__doc__ = fn.__doc__
    once.__wrapped__ = fn  # type: ignore[attr-defined]
    return once


def _read(name: str) -> bytes:
    return (resources.files("hvtui.reference") / name).read_bytes()


def release_key(text: str) -> str:
    """The reference's spelling of a release: ``2012R2``, ``Windows Server 2012 r2`` -> ``2012 R2``.

    Raises ValueError for anything that is not a supported release.
    """
    found = re.fullmatch(r"\s*(?:(?:microsoft\s+)?windows\s+server\s+)?(\d{4})\s*(r2)?\s*",
                         text, re.IGNORECASE)
    key = f"{found.group(1)}{' R2' if found.group(2) else ''}" if found else ""
    if key not in RELEASES:
        raise ValueError(f"{text!r} is not a Windows Server release hvtui supports "
                         f"({', '.join(RELEASES)})")
    return key


def releases_from(first: str) -> tuple[str, ...]:
    """``first`` and every later release."""
    return RELEASES[RELEASES.index(release_key(first)):]


# --- cmdlets ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ParameterInfo:
    """One parameter of one parameter set, as the release's page documents it."""

    name: str
    type: str
    """The .NET type's short name as printed, e.g. ``String[]``, ``SwitchParameter``."""
    required: bool
    position: int | None
    """None = named only. 2012 pages count from 1, later ones from 0: compare order only."""
    pipeline: str
    """``False``, ``True (ByValue)``, ``True (ByPropertyName)`` ... as printed."""
    aliases: tuple[str, ...]

    @property
    def switch(self) -> bool:
        return self.type.lower().endswith("switchparameter")


@dataclass(frozen=True, slots=True)
class ParameterSet:
    name: str
    parameters: Mapping[str, ParameterInfo]
    """By lower-cased name."""

    def get(self, name: str) -> ParameterInfo | None:
        return self.parameters.get(name.lower())


@dataclass(frozen=True, slots=True)
class CmdletInfo:
    """One cmdlet as one release's documentation set describes it."""

    name: str
    module: str
    release: str
    sets: tuple[ParameterSet, ...]
    default_set: str | None
    outputs: tuple[str, ...]
    page: str
    """The page's path in MicrosoftDocs/windows-powershell-docs."""
    commit: str
    """The last commit that changed the page (``git show COMMIT:PAGE`` is what was parsed)."""
    supports_should_process: bool
    """Accepts -Confirm and -WhatIf (on every release, whether its page lists them or not)."""
    confirm_impact: str | None
    """``High`` prompts unless -Confirm:$false is given; None when not known."""

    def parameter(self, name: str) -> ParameterInfo | None:
        """The parameter called ``name`` (any case) in whichever set has it first."""
        for parameter_set in self.sets:
            found = parameter_set.get(name)
            if found is not None:
                return found
        return None

    def has_parameter(self, name: str) -> bool:
        """Whether the cmdlet takes ``-name`` on this release (common parameters aside)."""
        if self.parameter(name) is not None:
            return True
        return self.supports_should_process and name.lower() in {
            p.lower() for p in SHOULD_PROCESS_PARAMETERS}

    @property
    def aliases(self) -> dict[str, str]:
        """Lower-cased parameter alias -> the parameter's real name."""
        return {alias.lower(): p.name for s in self.sets for p in s.parameters.values()
                for alias in p.aliases}


@shared_cache
def _raw_cmdlets() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(gzip.decompress(_read("cmdlets.json.gz")))
    return data


def _parameter(name: str, fields: list[Any]) -> ParameterInfo:
    type_name, required, position, pipeline, aliases = fields
    return ParameterInfo(
        name=name,
        type=str(type_name),
        required=bool(required),
        position=int(position) if str(position).isdigit() else None,
        pipeline=str(pipeline),
        aliases=tuple(str(a) for a in aliases),
    )


def _should_process(name: str) -> tuple[bool, str | None] | None:
    found = _raw_cmdlets()["should_process"].get(name)
    if found is None:
        lowered = name.lower()
        found = next((v for k, v in _raw_cmdlets()["should_process"].items()
                      if k.lower() == lowered), None)
    return (bool(found[0]), found[1]) if found else None


def _lists_should_process(name: str) -> bool:
    """Whether any release's page of ``name`` lists -Confirm or -WhatIf."""
    data = _raw_cmdlets()
    lowered = name.lower()
    for modules in data["releases"].values():
        for cmdlets in modules.values():
            for cmdlet, (index, _, _) in cmdlets.items():
                if cmdlet.lower() == lowered:
                    page = data["pages"][index]
                    if any(p.lower() in ("confirm", "whatif")
                           for params in page["sets"].values() for p in params):
                        return True
    return False


@shared_cache
def cmdlets(release: str) -> Mapping[str, CmdletInfo]:
    """Every documented cmdlet of ``release``, by name as its page spells it."""
    return {entry[1]: _cmdlet_info(release_key(release), *entry)
            for entry in _index(release_key(release)).values()}


@shared_cache
def _index(key: str) -> dict[str, tuple[str, str, int, str, str]]:
    """Lower-cased name -> (module, name, page index, page path, commit) on release ``key``."""
    return {name.lower(): (module, name, index, page_path, commit)
            for module, entries in _raw_cmdlets()["releases"][key].items()
            for name, (index, page_path, commit) in entries.items()}


@shared_cache
def _cmdlet_info(key: str, module: str, name: str, index: int, page_path: str,
                 commit: str) -> CmdletInfo:
    """One cmdlet's page, built when first asked for (a release has ~300)."""
    page = _raw_cmdlets()["pages"][index]
    known = _should_process(name)
    should, impact = known if known else (_lists_should_process(name), None)
    sets = tuple(
        ParameterSet(set_name, {p.lower(): _parameter(p, fields)
                                for p, fields in params.items()})
        for set_name, params in page["sets"].items()
    )
    return CmdletInfo(
        name=name, module=module, release=key, sets=sets,
        default_set=page["default_set"], outputs=tuple(page["outputs"]),
        page=page_path, commit=commit, supports_should_process=should,
        confirm_impact=impact,
    )


def cmdlet(release: str, name: str) -> CmdletInfo | None:
    """``name`` (any case) on ``release``, or None when that release does not document it."""
    key = release_key(release)
    entry = _index(key).get(name.lower())
    return None if entry is None else _cmdlet_info(key, *entry)


def releases_with_cmdlet(name: str) -> tuple[str, ...]:
    return tuple(r for r in RELEASES if cmdlet(r, name) is not None)


def releases_with_parameter(cmdlet_name: str, parameter: str) -> tuple[str, ...]:
    """The releases whose ``cmdlet_name`` takes ``-parameter``."""
    return tuple(r for r in RELEASES
                 if (info := cmdlet(r, cmdlet_name)) is not None and info.has_parameter(parameter))


def module_of(name: str) -> str | None:
    """The module a cmdlet belongs to on the newest release that documents it."""
    for release in reversed(RELEASES):
        info = cmdlet(release, name)
        if info is not None:
            return info.module
    return None


def provenance() -> Mapping[str, Any]:
    """Source commits, method and caveats of the cmdlet data."""
    result: Mapping[str, Any] = _raw_cmdlets()["provenance"]
    return result


# --- per-release facts --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Fact:
    value: str
    source: str
    confidence: str
    """``documented``, ``inferred`` or ``unconfirmed``."""


@dataclass(frozen=True, slots=True)
class ReleaseFacts:
    release: str
    build: Fact
    """``Win32_OperatingSystem.Version`` of the release, e.g. ``6.3.9600``."""
    windows_powershell: Fact
    """The Windows PowerShell version the release ships (3.0, 4.0, 5.1)."""
    hyperv_module: Fact
    pwsh7_hyperv: Fact
    """``unsupported``, ``compatibility`` (Windows PowerShell compatibility layer) or ``native``."""
    pwsh7_failoverclusters: Fact
    failoverclusters_module: Fact
    """The FailoverClusters module's version where the clustering tools are installed."""
    storage_module: Fact

    def module_version(self, module: str) -> Fact | None:
        """The version of ``module`` (one of :data:`MODULES`) this release ships, or None."""
        return {"hyper-v": self.hyperv_module,
                "failoverclusters": self.failoverclusters_module,
                "storage": self.storage_module}.get(module.lower())


@shared_cache
def _raw_facts() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(_read("release-facts.json"))
    return data


def release_facts(release: str) -> ReleaseFacts:
    key = release_key(release)
    entry = _raw_facts()["releases"][key]

    def fact(name: str) -> Fact:
        raw = entry[name]
        return Fact(str(raw["value"]), str(raw["source"]), str(raw["confidence"]))

    return ReleaseFacts(key, fact("build"), fact("windows_powershell"), fact("hyperv_module"),
                        fact("pwsh7_hyperv"), fact("pwsh7_failoverclusters"),
                        fact("failoverclusters_module"), fact("storage_module"))


def pwsh7_meaning(value: str) -> str:
    """What a ``pwsh7_*`` value means, in a sentence."""
    return str(_raw_facts()["pwsh7_values"][value])


# --- integration services -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IntegrationServiceInfo:
    id: str
    """The culture-neutral GUID (upper case) that ends the service's ``Id``."""
    name: str
    """The English display name (hosts in other display languages show a translation)."""
    since: str
    default_enabled: bool
    guest_service: str
    """The Windows service inside the guest."""


@shared_cache
def integration_services() -> tuple[IntegrationServiceInfo, ...]:
    data = json.loads(_read("integration-services.json"))
    return tuple(
        IntegrationServiceInfo(s["id"].upper(), s["name"], s["since"], bool(s["default_enabled"]),
                               s["guest_service"])
        for s in data["services"]
    )


def integration_service(service_id: str) -> IntegrationServiceInfo | None:
    """The service whose GUID ends ``service_id`` (a bare GUID or a whole ``Id``), or None."""
    guid = service_id.strip().rstrip("}").rsplit("\\", 1)[-1].lstrip("{").upper()
    return next((s for s in integration_services() if s.id == guid), None)


# --- enums --------------------------------------------------------------------------------


@shared_cache
def enums() -> Mapping[str, Any]:
    """``hyperv-enums.json``'s ``enums``: enum type -> its values and notes."""
    data: Mapping[str, Any] = json.loads(_read("hyperv-enums.json"))["enums"]
    return data
