"""One lab host as the PowerShell engine sees it: its commands, its PowerShell, its time.

:class:`HostRuntime` implements the engine's ``Runtime`` for one call on one host. The
commands a host has are the cmdlets of its release's documentation set for the modules it
has installed (``hvtui.reference``), with their parameter sets as documented there; a
command the host lacks is not found, as on the host. What running a cmdlet does is the
lab's emulation (:mod:`hvtui.lab.emulation`); a cmdlet the host has but the lab does not
emulate fails saying so, never silently.

Under pwsh 7, a module the release loads through the Windows PowerShell compatibility layer
returns deserialized objects (``Deserialized.*`` type names, enums as strings, nested
objects as their strings, no setters, no methods), and such objects cannot be passed back
to a cmdlet (PowerShell/PowerShell#14738).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from hvtui.lab import enums
from hvtui.lab.account import LAB_IDENTITY
from hvtui.lab.emulation import CmdletCall, emulation, ps_record
from hvtui.lab.estate import Estate, Host
from hvtui.lab.failures import HostError, cmdlet_class
from hvtui.lab.objects import View
from hvtui.lab.platform import CIM, Platform
from hvtui.lab.pwsh import (
    Command,
    ConversionError,
    Invocation,
    Parameter,
    ParameterSet,
    PSEnum,
    PSObject,
)
from hvtui.lab.pwsh.contract import Identity
from hvtui.lab.pwsh.convert import to_enum
from hvtui.lab.pwsh.types import NAMED_PIPE_CLIENT
from hvtui.reference import CmdletInfo, cmdlet, cmdlets, releases_from, shared_cache
from hvtui.reference import enums as reference_enums
from hvtui.remote.base import ErrorRecord, ProgressRecord

ProgressSink = Callable[[ProgressRecord], None]

_OBJECT_TYPES = {
    "VirtualMachine": "Microsoft.HyperV.PowerShell.VirtualMachine",
    "VirtualMachineBase": "Microsoft.HyperV.PowerShell.VirtualMachineBase",
    "VMSnapshot": "Microsoft.HyperV.PowerShell.VMSnapshot",
    "HardDiskDrive": "Microsoft.HyperV.PowerShell.HardDiskDrive",
    "VMIntegrationComponent": "Microsoft.HyperV.PowerShell.VMIntegrationComponent",
    "VMNetworkAdapter": "Microsoft.HyperV.PowerShell.VMNetworkAdapter",
    "VMNetworkAdapterBase": "Microsoft.HyperV.PowerShell.VMNetworkAdapterBase",
    "VMReplication": "Microsoft.HyperV.PowerShell.VMReplication",
    "VMSwitch": "Microsoft.HyperV.PowerShell.VMSwitch",
    "VMProcessor": "Microsoft.HyperV.PowerShell.VMProcessor",
    "VMCompatibilityReport": "Microsoft.HyperV.PowerShell.VMCompatibilityReport",
    # generation 2 boot order (issue 11, hostcfg): Set-VMFirmware -FirstBootDevice takes a
    # drive or network adapter (VMDevice -> VMComponentObject, object-shapes.md)
    "VMComponentObject": "Microsoft.HyperV.PowerShell.VMComponentObject",
}
"""Parameter types that take an object of a Hyper-V class (by its .NET name)."""


@dataclass(frozen=True, slots=True)
class _Declared:
    """A command's metadata on one platform (shared by every call)."""

    name: str
    module: str
    sets: tuple[ParameterSet, ...]
    default_set: str | None
    should_process: bool
    confirm_impact: str


def _pipeline_flags(text: str) -> tuple[bool, bool]:
    lowered = text.lower()
    return "byvalue" in lowered, "bypropertyname" in lowered


def _declared(info: CmdletInfo) -> _Declared:
    sets = []
    for parameter_set in info.sets:
        parameters = []
        for p in parameter_set.parameters.values():
            if p.name.lower() in ("confirm", "whatif"):
                continue  # common ShouldProcess parameters: the engine adds them
            by_value, by_name = _pipeline_flags(p.pipeline)
            parameters.append(Parameter(p.name, p.type, mandatory=p.required,
                                        position=p.position, from_pipeline=by_value,
                                        by_property_name=by_name, aliases=p.aliases))
        sets.append(ParameterSet(parameter_set.name, tuple(parameters)))
    return _Declared(info.name, info.module, tuple(sets), _default_set(info),
                     info.supports_should_process, info.confirm_impact or "Medium")


def _default_set(info: CmdletInfo) -> str | None:
    """The cmdlet's DefaultParameterSetName.

    The 2012 pages name no sets (UNNAMED_PARAMETER_SET_N) and so mark no default, yet the
    module has one (``Get-VM`` with no argument works on 2012). It is inferred from the
    first later release that names one: the set here whose parameters that default set
    has most of (cmdlets-by-release.md: compare sets by their parameters, not names)."""
    if info.default_set is not None or len(info.sets) < 2:
        return info.default_set
    for release in releases_from(info.release)[1:]:
        later = cmdlet(release, info.name)
        if later is None or later.default_set is None:
            continue
        wanted = next((s for s in later.sets if s.name == later.default_set), None)
        if wanted is None:
            continue
        names = set(wanted.parameters)
        best = max(info.sets, key=lambda s: (len(names & set(s.parameters)),
                                             -len(set(s.parameters) - names)))
        return best.name
    return None


_GET_CIM_INSTANCE = _Declared(
    # CimCmdlets ships with PowerShell 3.0+; the sets and parameters the lab serves, as
    # Get-CimInstance's help gives them (ClassNameComputerSet).
    "Get-CimInstance", CIM,
    (ParameterSet("ClassNameComputerSet", (
        Parameter("ClassName", "String", mandatory=True, position=0),
        Parameter("Namespace", "String"),
        Parameter("Filter", "String"),
        Parameter("Property", "String[]"),
        Parameter("OperationTimeoutSec", "UInt32"),
        Parameter("KeyOnly", "SwitchParameter"),
        Parameter("Shallow", "SwitchParameter"),
        Parameter("ComputerName", "String[]"),
    )),),
    "ClassNameComputerSet", False, "Medium",
)

MANAGEMENT = "Microsoft.PowerShell.Management"
_REMOVE_ITEM = _Declared(
    # importvm (delete with disks): Microsoft.PowerShell.Management ships with every Windows
    # PowerShell; the LiteralPath set as Remove-Item's help gives it (the lab models no
    # wildcards, so no -Path, -Filter, -Include, -Exclude).
    "Remove-Item", MANAGEMENT,
    (ParameterSet("LiteralPath", (
        Parameter("LiteralPath", "String[]", mandatory=True, aliases=("PSPath", "LP"),
                  by_property_name=True),
        Parameter("Recurse", "SwitchParameter"),
        Parameter("Force", "SwitchParameter"),
    )),),
    "LiteralPath", True, "Medium",
)


# VM screen as text (issue 12, thumbs)
_INVOKE_CIM_METHOD = _Declared(
    # Invoke-CimMethod's CimInstanceComputerSet as its help gives it (CimCmdlets, PowerShell
    # 3.0+; MicrosoftDocs/PowerShell-Docs cimcmdlets/Invoke-CimMethod.md): -InputObject
    # (alias CimInstance) at 0, -Arguments at 1, -MethodName (alias Name) at 2.
    "Invoke-CimMethod", CIM,
    (ParameterSet("CimInstanceComputerSet", (
        Parameter("InputObject", "CimInstance", mandatory=True, position=0, from_pipeline=True,
                  aliases=("CimInstance",)),
        Parameter("Arguments", "IDictionary", position=1),
        Parameter("MethodName", "String", mandatory=True, position=2, aliases=("Name",)),
        Parameter("ResourceUri", "Uri"),
        Parameter("ComputerName", "String[]"),
        Parameter("OperationTimeoutSec", "UInt32"),
    )),),
    "CimInstanceComputerSet", True, "Medium",
)


# events pane (issue 12)
DIAGNOSTICS = "Microsoft.PowerShell.Diagnostics"

_GET_WIN_EVENT = _Declared(
    # Microsoft.PowerShell.Diagnostics ships with every Windows PowerShell (2.0+) and with
    # pwsh 7 on Windows; the sets the lab serves, as Get-WinEvent's help gives them.
    "Get-WinEvent", DIAGNOSTICS,
    (
        ParameterSet("GetLogSet", (
            Parameter("LogName", "String[]", position=0),
            Parameter("MaxEvents", "Int64"),
            Parameter("ComputerName", "String"),
            Parameter("FilterXPath", "String"),
            Parameter("Force", "SwitchParameter"),
            Parameter("Oldest", "SwitchParameter"),
        )),
        ParameterSet("ListLogSet", (
            Parameter("ListLog", "String[]", mandatory=True, position=0),
            Parameter("ComputerName", "String"),
            Parameter("Force", "SwitchParameter"),
        )),
        ParameterSet("HashQuerySet", (
            Parameter("FilterHashtable", "Hashtable[]", mandatory=True, position=0),
            Parameter("MaxEvents", "Int64"),
            Parameter("ComputerName", "String"),
            Parameter("Force", "SwitchParameter"),
            Parameter("Oldest", "SwitchParameter"),
        )),
    ),
    "GetLogSet", False, "Medium",
)


@shared_cache
def declared_command(platform: Platform, key: str) -> _Declared | None:
    """The command a host of ``platform`` has by the lower-cased name ``key``, or None.

    One command at a time: a script uses a few of the ~300 commands a release has, and
    building them all (:func:`command_table`) cost ~0.2 s per release on every start."""
    if key == "get-ciminstance" and CIM in platform.modules:
        return _GET_CIM_INSTANCE
    if key == "invoke-cimmethod" and CIM in platform.modules:
        return _INVOKE_CIM_METHOD
    if key == "get-winevent":
        return _GET_WIN_EVENT
    if key == "remove-item":
        return _REMOVE_ITEM
    info = cmdlet(platform.release, key)
    if info is None or info.module not in platform.modules:
        return None
    return _declared(info)


@shared_cache
def command_table(platform: Platform) -> dict[str, _Declared]:
    """Every command a host of ``platform`` has, by lower-cased name."""
    table = {name.lower(): _declared(info) for name, info in cmdlets(platform.release).items()
             if info.module in platform.modules}
    if CIM in platform.modules:
        table["get-ciminstance"] = _GET_CIM_INSTANCE
        table["invoke-cimmethod"] = _INVOKE_CIM_METHOD
    table["get-winevent"] = _GET_WIN_EVENT
    table["remove-item"] = _REMOVE_ITEM
    return table


@cache
def _enum_types() -> dict[str, str]:
    """Short .NET enum name (``VMReplicationRelationshipType``) -> the reference's key."""
    out: dict[str, str] = {}
    for key, entry in reference_enums().items():
        full = str(entry["powershell_type"])
        out[full.rsplit(".", 1)[-1].rsplit("+", 1)[-1]] = key
    return out


def not_emulated(name: str, release: str) -> HostError:
    return HostError(ErrorRecord(
        message=f"The hvtui lab does not emulate {name} (a Windows Server {release} host has "
                "it). Run this on a real host, or add the cmdlet to the lab.",
        category="NotImplemented", error_id=f"LabCmdletNotEmulated,{cmdlet_class(name)}",
        target=name, activity=name, reason="NotImplementedException"))


def deserialized(value: Any, depth: int = 1) -> Any:
    """What an object looks like after crossing a remoting boundary (the compatibility
    layer is an implicit-remoting session): type names prefixed ``Deserialized.``, enums
    as their names, nested objects below ``depth`` as their strings, containers kept,
    nothing that runs code (setters, methods)."""
    if isinstance(value, PSEnum):
        return value.name
    if isinstance(value, list):
        return [deserialized(item, depth) for item in value]
    if isinstance(value, PSObject):
        if depth <= 0:
            return value.to_string() if value.to_string else value.type_name
        props = [(name, deserialized(item, depth - 1)) for name, item in value.items()]
        names = tuple("Deserialized." + t for t in value.type_names)
        return PSObject(props, type_names=names, to_string=value.to_string)
    return value


class HostRuntime:
    """The engine's Runtime for one call on one lab host."""

    def __init__(self, estate: Estate, host: Host, platform: Platform, *,
                 on_progress: ProgressSink | None = None,
                 cancel: threading.Event | None = None) -> None:
        self.estate = estate
        self.host = host
        self.platform = platform
        self.ps_version = platform.ps_version
        self.ps_edition = platform.edition
        self.ui_culture = platform.language
        """``$PSUICulture``: a lab session runs in its host's display language (UNCONFIRMED:
        a real remote session may take the client's WS-Management locale instead, where
        that language is installed)."""
        self.culture = platform.language
        self._on_progress = on_progress
        self._cancel = cancel or threading.Event()
        self._commands: dict[str, Command | None] = {}
        self._view: View | None = None

    def view(self) -> View:
        """The host at the moment of this call (one instant for the whole script)."""
        if self._view is None:
            self._view = View(self.estate, self.host, self.platform.language)
        return self._view

    # --- Runtime ------------------------------------------------------------------------------

    def command(self, name: str) -> Command | None:
        key = name.lower()
        if key not in self._commands:
            declared = declared_command(self.platform, key)
            self._commands[key] = None if declared is None else self._command(declared)
        return self._commands[key]

    def _command(self, declared: _Declared) -> Command:
        implementation = emulation(declared.name)
        compat = self.platform.module_mode(declared.module) == "compatibility"

        def invoke(inv: Invocation) -> None:
            if implementation is None:
                inv.throw(ps_record(not_emulated(declared.name, self.platform.release).record))
                return
            write = inv.write if not compat else (lambda v: inv.write(deserialized(v)))
            try:
                implementation(CmdletCall(inv, self, write))
            except HostError as exc:
                inv.throw(ps_record(exc.record))

        return Command(declared.name, declared.module, declared.sets, declared.default_set,
                       invoke, supports_should_process=declared.should_process,
                       confirm_impact=declared.confirm_impact,
                       type_name=cmdlet_class(declared.name),
                       module_version=self.platform.module_version(declared.module),
                       # the compatibility layer's proxy module is made of functions
                       kind="Function" if compat else "Cmdlet")

    def convert(self, value: Any, type_name: str) -> Any:
        many = type_name.endswith("[]")
        element = type_name[:-2] if many else type_name
        element = element.rsplit(".", 1)[-1]
        if element in _OBJECT_TYPES:
            items = value if isinstance(value, list) else [value]
            converted = [_object_of(item, _OBJECT_TYPES[element]) for item in items]
            return converted if many else converted[0]
        enum_key = _enum_types().get(element)
        if enum_key is not None:
            members = enums.members(enum_key, self.platform.release)
            full = enums.type_name(enum_key)
            items = value if isinstance(value, list) else [value]
            out = [to_enum(item, full, members) for item in items]
            return out if many else out[0]
        return value

    def command_names(self) -> list[str]:
        """Every command this host has (Get-Command's wildcards search them)."""
        return [declared.name for declared in command_table(self.platform).values()]

    def now(self) -> dt.datetime:
        """``[datetime]::UtcNow`` on this host: the lab's clock, as its events are stamped."""
        return self.estate.clock.now()

    def windows_identity(self) -> Identity:
        """The account a lab session runs as (see :mod:`hvtui.lab.account`)."""
        return LAB_IDENTITY

    def new_object(self, type_name: str, args: list[Any]) -> Any:
        """``New-Object`` of a type only the host makes: the named pipe a VM's COM port is
        connected to (:mod:`hvtui.lab.serial`); None for any other type."""
        from hvtui.lab import serial

        if type_name == NAMED_PIPE_CLIENT:
            return serial.new_pipe_client(self, args)
        return None

    def on_progress(self, record: ProgressRecord) -> None:
        if self._on_progress is not None:
            self._on_progress(record)

    def sleep(self, seconds: float) -> None:
        clock = self.estate.clock
        if seconds <= 0:
            return
        if clock.instant:
            clock.advance(seconds)
        else:
            self._cancel.wait(seconds / clock.speed)


def _object_of(item: Any, full_name: str) -> PSObject:
    if isinstance(item, PSObject) and full_name in item.type_names:
        return item
    if isinstance(item, PSObject):
        shown = item.to_string() if item.to_string else item.type_name
        source = item.type_name
    else:
        shown, source = str(item), _dotnet_name(item)
    raise ConversionError(f'Cannot convert the "{shown}" value of type "{source}" to type '
                          f'"{full_name}".')


def _dotnet_name(value: Any) -> str:
    return {str: "System.String", int: "System.Int32", bool: "System.Boolean",
            float: "System.Double"}.get(type(value), "System.Object")


__all__ = ["HostRuntime", "command_table", "declared_command", "deserialized", "not_emulated"]
