"""What hvtui can and cannot do on a host, asked before anything else (``hvtui doctor``).

Every catalog script's needs (each command and named parameter it calls, and the guards
around them) are read once from the script text (:mod:`hvtui.ps.calls`). ``doctor.ps1``
asks the host, in one round trip, which of them exist there, along with its PowerShell, OS,
display language and the account's groups; :func:`diagnose` turns the answer into a
:class:`HostReport`: per script, whether it can run there, and if not exactly what is
missing, or that hvtui itself refuses the feature on that host (and why).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from hvtui.errors import HvtuiError, ScriptError
from hvtui.hyperv.inventory import raise_for_errors
from hvtui.model.versions import Release, release_of
from hvtui.ps import catalog
from hvtui.ps.calls import Need, Requirement, probes, requirements
from hvtui.reference import module_of
from hvtui.remote.pool import SessionPool

ADMINISTRATORS = "S-1-5-32-544"
"""BUILTIN\\Administrators."""
HYPERV_ADMINISTRATORS = "S-1-5-32-578"
"""BUILTIN\\Hyper-V Administrators (Windows Server 2012 and later): full Hyper-V access
without being an administrator of the host."""

MODULE_PROBES: Mapping[str, str] = {"Hyper-V": "Get-VM", "FailoverClusters": "Get-Cluster",
                                    "Storage": "Get-Volume"}
"""A command of each module hvtui uses: the host's answer for it shows whether the module
is there and which version a session loads."""

_CMDLET_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*-[A-Za-z][A-Za-z0-9]*")
_PARAMETER_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


# --- what the catalog needs -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScriptNeeds:
    """One catalog script and what it calls."""

    name: str
    requirements: tuple[Requirement, ...]


@cache
def catalog_needs() -> tuple[ScriptNeeds, ...]:
    """Every catalog script but doctor itself, with its needs (read once per process)."""
    return tuple(ScriptNeeds(s.name, requirements(s.text))
                 for s in catalog.all_scripts().values() if s.name != "doctor")


def question(scripts: Iterable[ScriptNeeds] = ()) -> dict[str, list[str]]:
    """doctor.ps1's parameters: every command (``Command``) and every command's parameter
    (``Parameter``, as ``'Get-VM -Name'``) the scripts need or guard on, and each module's
    probe command. Only names go: a need that is no plain cmdlet or parameter name is
    refused here (the catalog calls nothing else)."""
    needs: set[Need] = {Need(command) for command in MODULE_PROBES.values()}
    for script in scripts or catalog_needs():
        needs.update(probes(script.requirements))
        needs.update(Need(r.need.command) for r in script.requirements)
    commands: dict[str, None] = {}
    parameters: list[str] = []
    for need in sorted(needs, key=lambda n: (n.command.lower(), n.parameter.lower())):
        if not _CMDLET_NAME.fullmatch(need.command) or \
                need.parameter and not _PARAMETER_NAME.fullmatch(need.parameter):
            raise ValueError(f"{need} is not a command or parameter name doctor.ps1 can ask for")
        commands.setdefault(need.command, None)
        if need.parameter:
            parameters.append(str(need))
    return {"Command": list(commands), "Parameter": parameters}


# --- the host's answer ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CommandAnswer:
    name: str
    found: bool
    command_type: str = ""
    """``Cmdlet``; ``Function`` for a proxy of a module loaded through pwsh 7's Windows
    PowerShell compatibility layer."""
    module: str = ""
    module_version: str = ""


@dataclass(frozen=True, slots=True)
class Answer:
    """What doctor.ps1 reported."""

    host: Mapping[str, Any]
    commands: Mapping[str, CommandAnswer]
    """By lower-cased name."""
    parameters: frozenset[tuple[str, str]]
    """(command, parameter), lower-cased, that exist."""

    def exists(self, need: Need) -> bool:
        command = self.commands.get(need.command.lower())
        if command is None or not command.found:
            return False
        return not need.parameter or \
            (need.command.lower(), need.parameter.lower()) in self.parameters


def _text(record: Mapping[str, Any], key: str) -> str:
    value = record.get(key)
    return "" if value is None else str(value)


def _strings(record: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = record.get(key)
    if value is None:
        return ()
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value if v is not None)
    return (str(value),)


def read_answer(host: str, objects: Iterable[Any]) -> Answer:
    """doctor.ps1's records; a missing Host record is the host's fault, said as such."""
    facts: Mapping[str, Any] | None = None
    commands: dict[str, CommandAnswer] = {}
    parameters: set[tuple[str, str]] = set()
    for record in objects:
        if not isinstance(record, Mapping):
            continue
        kind = _text(record, "Kind")
        if kind == "Host":
            facts = record
        elif kind == "Command":
            name = _text(record, "Name")
            commands[name.lower()] = CommandAnswer(
                name, bool(record.get("Found")), _text(record, "CommandType"),
                _text(record, "ModuleName"), _text(record, "ModuleVersion"))
        elif kind == "Parameter" and record.get("Found"):
            parameters.add((_text(record, "Command").lower(), _text(record, "Name").lower()))
    if facts is None:
        raise ScriptError("doctor.ps1 answered without its Host record", host=host,
                         hint="the host's PowerShell may be older than 3.0, or not the one "
                              "hvtui expects; run doctor.ps1 there by hand to see why")
    return Answer(facts, commands, frozenset(parameters))


# --- verdicts -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ModuleState:
    name: str
    installed: bool
    version: str = ""
    """As ``(Get-Command X).Module.Version`` shows it in a session there."""
    loaded: str = ""
    """``native``, or ``compatibility`` (pwsh 7's Windows PowerShell compatibility layer:
    objects come back deserialized; the version shown is then the proxy module's)."""


@dataclass(frozen=True, slots=True)
class ScriptVerdict:
    script: str
    status: str
    """``ok``; ``refused`` (hvtui refuses it on this host, see ``refusal``); ``missing``
    (it would fail here: see ``missing``)."""
    missing: tuple[str, ...] = ()
    """Commands and parameters it reaches that the host lacks."""
    without: tuple[str, ...] = ()
    """Commands it probes for and does without here (guarded: it runs, with less)."""
    refusal: str = ""
    """Why hvtui refuses it on this host, before anything runs."""


STATUSES = ("ok", "refused", "missing")


def _missing(requirements_: Iterable[Requirement], exists: Callable[[Need], bool]
             ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(needs reached and absent, guarded commands absent), as text, in script order."""
    absent: dict[Need, None] = {}
    skipped: dict[str, None] = {}
    for requirement in requirements_:
        for condition in requirement.when:
            if condition.present and not condition.need.parameter and \
                    not exists(condition.need):
                skipped[condition.need.command] = None
        if all(exists(c.need) == c.present for c in requirement.when) and \
                not exists(requirement.need):
            absent[requirement.need] = None
    commands = {n.command.lower() for n in absent if not n.parameter}
    shown = [str(n) for n in absent if not n.parameter or n.command.lower() not in commands]
    return tuple(shown), tuple(s for s in skipped if s.lower() not in commands)


def script_verdict(script: ScriptNeeds, exists: Callable[[Need], bool],
                   refusal: str | None) -> ScriptVerdict:
    """Whether ``script`` can run on a host where ``exists`` says what exists."""
    missing, without = _missing(script.requirements, exists)
    if refusal:
        return ScriptVerdict(script.name, "refused", missing, without, refusal)
    return ScriptVerdict(script.name, "missing" if missing else "ok", missing, without)


def client_refusal(script: str, host: str, release: Release, modules: Collection[str],
                   edition: str = "Desktop") -> str | None:
    """Why hvtui refuses ``script`` on this host before running it, or None: what its
    header declares (``# Releases:``, ``# Modules:``, ``# Editions:``), which the planners
    enforce too (:meth:`hvtui.ps.catalog.Script.refusal`)."""
    found = catalog.all_scripts().get(script)
    return None if found is None else found.refusal(host, release.short, modules, edition)


# --- the report -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Connection:
    """How the client reaches the host (from its own configuration, not the host's word)."""

    transport: str
    authentication: str


@dataclass(frozen=True, slots=True)
class HostReport:
    host: str
    connection: Connection
    error: str = ""
    """Why the host could not be asked (empty when it answered)."""
    ps_edition: str = ""
    ps_version: str = ""
    os_caption: str = ""
    os_version: str = ""
    release: str = ""
    """The Windows Server release hvtui takes the host for (``2012 R2``)."""
    language: str = ""
    """``$PSUICulture``: the session's display language."""
    os_languages: tuple[str, ...] = ()
    account: str = ""
    groups: tuple[str, ...] = ()
    modules: tuple[ModuleState, ...] = ()
    absent: tuple[str, ...] = ()
    """Everything asked about that the host lacks (a module's commands left out where the
    module is not installed)."""
    scripts: tuple[ScriptVerdict, ...] = field(default=())

    @property
    def reachable(self) -> bool:
        return not self.error

    @property
    def administrators(self) -> bool:
        return ADMINISTRATORS in self.groups

    @property
    def hyperv_administrators(self) -> bool:
        return HYPERV_ADMINISTRATORS in self.groups

    @property
    def can_manage_hyperv(self) -> bool:
        """Either group gives full Hyper-V rights (FailoverClusters needs Administrators)."""
        return self.administrators or self.hyperv_administrators

    def module(self, name: str) -> ModuleState | None:
        return next((m for m in self.modules if m.name == name), None)

    def count(self, status: str) -> int:
        return sum(1 for s in self.scripts if s.status == status)


def _modules(answer: Answer, edition: str) -> tuple[ModuleState, ...]:
    out = []
    for module, probe in MODULE_PROBES.items():
        found = answer.commands.get(probe.lower())
        if found is None or not found.found:
            out.append(ModuleState(module, False))
            continue
        proxy = edition.lower() == "core" and found.command_type.lower() == "function"
        out.append(ModuleState(module, True, found.module_version,
                               "compatibility" if proxy else "native"))
    return tuple(out)


def _absent(answer: Answer, asked: Mapping[str, list[str]], missing_modules: Collection[str],
            module_of: Callable[[str], str | None]) -> tuple[str, ...]:
    out: list[str] = []
    for command in asked["Command"]:
        if answer.exists(Need(command)):
            continue
        if module_of(command) in missing_modules:
            continue
        out.append(command)
    for pair in asked["Parameter"]:
        command, _, parameter = pair.partition(" -")
        if answer.exists(Need(command)) and not answer.exists(Need(command, parameter)):
            out.append(pair)
    return tuple(out)


def report(host: str, connection: Connection, answer: Answer,
           asked: Mapping[str, list[str]], scripts: Iterable[ScriptNeeds] = ()) -> HostReport:
    """The report for a host that answered ``answer`` to ``asked``."""
    facts = answer.host
    edition = _text(facts, "PSEdition") or "Desktop"
    modules = _modules(answer, edition)
    installed = {m.name for m in modules if m.installed}
    release = release_of(_text(facts, "OSVersion"))
    verdicts = tuple(
        script_verdict(script, answer.exists,
                       client_refusal(script.name, host, release, installed, edition))
        for script in (scripts or catalog_needs()))
    missing_modules = {m.name for m in modules if not m.installed}
    return HostReport(
        host=host, connection=connection, ps_edition=edition,
        ps_version=_text(facts, "PSVersion"), os_caption=_text(facts, "OSCaption"),
        os_version=_text(facts, "OSVersion"), release=release.short,
        language=_text(facts, "UICulture"), os_languages=_strings(facts, "OSLanguages"),
        account=_text(facts, "Account"), groups=_strings(facts, "Groups"),
        modules=modules, absent=_absent(answer, asked, missing_modules, module_of),
        scripts=verdicts)


async def diagnose(pool: SessionPool, host: str, connection: Connection, *,
                   timeout: float | None = None) -> HostReport:
    """Ask ``host`` (one call of doctor.ps1); a host that cannot be asked gives a report with
    ``error`` set, never an exception."""
    asked = question()
    try:
        result = await pool.invoke(host, catalog.get("doctor").text, asked, timeout=timeout)
        raise_for_errors(host, "asking what it has (doctor.ps1)", result)
        answer = read_answer(host, result.objects)
    except HvtuiError as exc:
        return HostReport(host, connection, error=exc.user_message())
    return report(host, connection, answer, asked)


__all__ = ["ADMINISTRATORS", "HYPERV_ADMINISTRATORS", "MODULE_PROBES",
           "Answer", "CommandAnswer", "Connection", "HostReport", "ModuleState", "STATUSES",
           "ScriptNeeds", "ScriptVerdict", "catalog_needs", "client_refusal", "diagnose",
           "question", "read_answer", "report", "script_verdict"]
