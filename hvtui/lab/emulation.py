"""Emulated cmdlets: what the lab does when a script calls ``Get-VM`` or ``Move-VM``.

The lab emulates *cmdlets*, never scripts: a catalog script runs as text in the PowerShell
engine (:mod:`hvtui.lab.pwsh`), and each cmdlet it calls that the host has (per its release
and modules, from the shipped reference) is bound by the engine like PowerShell's binder and
then handed to the function registered here with :func:`emulates`. That function reads and
changes the estate and writes objects, warnings, progress and errors as the real cmdlet does.

An emulation receives a :class:`CmdletCall`. It fails the way the cmdlet does: by raising
:class:`~hvtui.lab.failures.HostError` for a terminating error (ThrowTerminatingError), or
calling :meth:`CmdletCall.error` for a non-terminating one (WriteError), which the engine
then treats per ``-ErrorAction`` / ``$ErrorActionPreference``. Mutations happen under
``call.lock`` and never while waiting on lab time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from hvtui.lab.clock import LabClock
from hvtui.lab.estate import VM, Estate, Host
from hvtui.lab.failures import HostError, invalid_state, vm_id_not_found, vm_not_found
from hvtui.lab.objects import View
from hvtui.lab.pwsh import Invocation, PSErrorRecord
from hvtui.remote.base import ErrorRecord

if TYPE_CHECKING:
    from hvtui.lab.runtime import HostRuntime

_EXCEPTION_TYPES = {
    "VirtualizationException": "Microsoft.HyperV.PowerShell.VirtualizationException",
    "ClusterCmdletException": "Microsoft.FailoverClusters.PowerShell.ClusterCmdletException",
    "CommandNotFoundException": "System.Management.Automation.CommandNotFoundException",
    "ParameterBindingException": "System.Management.Automation.ParameterBindingException",
    "RuntimeException": "System.Management.Automation.RuntimeException",
    "CimException": "Microsoft.Management.Infrastructure.CimException",
    "NotImplementedException": "System.NotImplementedException",
}


def ps_record(record: ErrorRecord) -> PSErrorRecord:
    """A lab :class:`ErrorRecord` (``hvtui.lab.failures``) as the engine's error record."""
    exception = _EXCEPTION_TYPES.get(record.reason, f"System.{record.reason or 'Exception'}")
    return PSErrorRecord(
        message=record.message,
        category=record.category,
        fqid=record.error_id,
        target=record.target or None,
        activity=record.activity,
        reason=record.reason,
        exception_type=exception,
        exception_bases=("System.SystemException",),
    )


class CmdletCall:
    """One call of an emulated cmdlet on one host: its arguments, the estate, its streams."""

    __slots__ = ("inv", "runtime", "view", "_write")

    def __init__(self, inv: Invocation, runtime: HostRuntime, write: Callable[[Any], None]
                 ) -> None:
        self.inv = inv
        self.runtime = runtime
        self.view: View = runtime.view()
        """The host as this call sees it (release, language, the moment of the call)."""
        self._write = write

    # --- what was asked -----------------------------------------------------------------------

    @property
    def name(self) -> str:
        """The cmdlet's name as the host spells it."""
        return self.inv.command.name

    @property
    def args(self) -> dict[str, Any]:
        return self.inv.args

    def _key(self, name: str) -> str:
        """The argument's name as this release spells it (``Passthru`` on 2012,
        ``PassThru`` later): parameter names are case-insensitive."""
        if name in self.inv.args:
            return name
        lowered = name.lower()
        return next((k for k in self.inv.args if k.lower() == lowered), name)

    def arg(self, name: str, default: Any = None) -> Any:
        return self.inv.args.get(self._key(name), default)

    def given(self, name: str) -> bool:
        return self._key(name) in self.inv.args

    def switch(self, name: str) -> bool:
        return bool(self.inv.args.get(self._key(name), False))

    def names(self, parameter: str) -> list[str]:
        """A String[] argument as a list (a single string is one name)."""
        value = self.inv.args.get(self._key(parameter))
        if value is None:
            return []
        return [str(v) for v in value] if isinstance(value, list) else [str(value)]

    # --- the host -----------------------------------------------------------------------------

    @property
    def estate(self) -> Estate:
        return self.runtime.estate

    @property
    def host(self) -> Host:
        return self.runtime.host

    @property
    def lock(self) -> threading.RLock:
        return self.runtime.estate.lock

    @property
    def clock(self) -> LabClock:
        return self.runtime.estate.clock

    # --- streams --------------------------------------------------------------------------------

    def write(self, value: Any) -> None:
        """WriteObject (deserialized on the way when the module runs in pwsh's
        compatibility layer)."""
        self._write(value)

    def error(self, error: HostError | ErrorRecord) -> None:
        """WriteError: a non-terminating error."""
        record = error.record if isinstance(error, HostError) else error
        self.inv.write_error(ps_record(record))

    def warn(self, text: str) -> None:
        self.inv.warn(text)

    def report(self, activity: str, status: str, percent: int) -> None:
        self.inv.progress(activity, status, percent)

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` of lab time (instant clocks move forward without waiting)."""
        self.inv.sleep(seconds)

    def spend(self, seconds: float, activity: str, status: Callable[[int], str], *,
              steps: int = 10, span: tuple[int, int] = (0, 100)) -> None:
        """Let ``seconds`` of lab time pass, reporting progress at each of ``steps`` steps.

        ``span`` maps this wait onto part of a longer operation's 0..100."""
        low, high = span

        def percent(step: int) -> int:
            return round(low + (high - low) * step / steps)

        self.report(activity, status(percent(0)), percent(0))
        for step in range(1, steps + 1):
            self.sleep(seconds / steps)
            self.report(activity, status(percent(step)), percent(step))

    # --- VM lookups --------------------------------------------------------------------------

    def vms_named(self, name: str) -> list[VM]:
        """Every VM of this host ``name`` names, in any case: a pattern when it has
        wildcard characters (as Hyper-V's -Name/-VMName read it), else the literal name."""
        if has_wildcards(name):
            return [vm for vm in self.host.vms.values() if wildcard_match(name, vm.name)]
        wanted = name.casefold()
        return [vm for vm in self.host.vms.values() if vm.name.casefold() == wanted]

    def target_vms(self) -> list[VM]:
        """The VMs a Hyper-V cmdlet's ``-VM``, ``-VMName`` or ``-Name`` names.

        A name that matches nothing is a non-terminating ObjectNotFound error (R-ERR-1);
        a pattern with wildcards that matches nothing is no error."""
        if self.given("VM"):
            return [self.vm_of(item) for item in _as_list(self.arg("VM"))]
        parameter = "VMName" if self.given("VMName") else "Name"
        found: list[VM] = []
        for name in self.names(parameter):
            matched = self.vms_named(name)
            if not matched and not has_wildcards(name):
                self.error(vm_not_found(self.name, name))
            found += [vm for vm in matched if vm not in found]
        return found

    def vm_of(self, obj: Any) -> VM:
        """The estate VM behind a VirtualMachine object a script passed back."""
        vm_id = str(obj.get("Id")) if hasattr(obj, "get") else str(obj)
        vm = self.host.vms.get(vm_id)
        if vm is None:
            raise vm_id_not_found(self.name, vm_id)
        return vm

    def owners_of(self, parameter: str) -> list[tuple[VM, Any]]:
        """The objects given to ``parameter`` (VM parts a script passed back, each with a
        VMId) with the VM each belongs to; one that names a VM the host no longer has is a
        non-terminating error, and the others go on."""
        value: Any = self.arg(parameter)
        found: list[tuple[VM, Any]] = []
        for obj in value if isinstance(value, list) else [value]:
            vm_id = str(obj.get("VMId"))
            vm = self.host.vms.get(vm_id)
            if vm is None:
                self.error(vm_id_not_found(self.name, vm_id))
                continue
            found.append((vm, obj))
        return found

    def idle(self, vm: VM) -> VM:
        """Refuse while a long operation holds the VM (the host reports an invalid state)."""
        if vm.busy:
            raise invalid_state(self.name, vm.name)
        return vm

    @contextmanager
    def holding(self, vm: VM, what: str) -> Iterator[None]:
        """Mark ``vm`` busy with a long operation for the duration of the block."""
        with self.lock:
            vm.busy = what
        try:
            yield
        finally:
            with self.lock:
                vm.busy = ""


def _class(cmdlet: str) -> str:
    from hvtui.lab.failures import cmdlet_class

    return cmdlet_class(cmdlet)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def has_wildcards(text: str) -> bool:
    """WildcardPattern.ContainsWildcardCharacters: an unescaped ``*``, ``?`` or ``[``."""
    escaped = False
    for c in text:
        if escaped:
            escaped = False
        elif c == "`":
            escaped = True
        elif c in "*?[":
            return True
    return False


def wildcard_match(pattern: str, text: str) -> bool:
    """PowerShell's WildcardPattern (``* ? [abc] [a-z]``, backtick escapes), any case."""
    import re

    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "`" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        if c == "*":
            out.append(".*")
        elif c == "?":
            out.append(".")
        elif c == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape(c))
            else:
                out.append("[" + pattern[i + 1:end].replace("\\", "\\\\") + "]")
                i = end
        else:
            out.append(re.escape(c))
        i += 1
    try:
        return re.fullmatch("".join(out), text, re.IGNORECASE | re.DOTALL) is not None
    except re.error:
        # An invalid range ('[f-7]') is no pattern WildcardPattern accepts: it matches
        # nothing (UNCONFIRMED: the module may report the pattern instead).
        return False


Emulation = Callable[[CmdletCall], None]

EMULATIONS: dict[str, Emulation] = {}
"""Lower-cased cmdlet name -> what the lab does for it."""

_EMULATION_MODULES = (
    "hvtui.lab.queries",
    "hvtui.lab.power",
    "hvtui.lab.checkpoints",
    "hvtui.lab.guest",
    "hvtui.lab.hostsettings",
    "hvtui.lab.migration",
    "hvtui.lab.storage",
    "hvtui.lab.export",
    "hvtui.lab.replica",
    "hvtui.lab.cluster",
    # storage and networking changes (issue 11)
    "hvtui.lab.drives",
    "hvtui.lab.vmcreate",
    "hvtui.lab.vmretire",
    "hvtui.lab.vmsettings",
    # firmware (issue 11, hostcfg)
    "hvtui.lab.firmware",
    # Edit Disk, Move-VMStorage, Storage QoS (issue 11)
    "hvtui.lab.vhdedit",
    # VM screen as text (issue 12, thumbs)
    "hvtui.lab.screen",
    "hvtui.lab.nics",
    # Networking (issue 11): virtual switches
    "hvtui.lab.switches",
    # serial console (issue 12)
    "hvtui.lab.serial",
    # events pane (issue 12)
    "hvtui.lab.eventlog",
    # import (issue 11, importvm)
    "hvtui.lab.vmimport",
    "hvtui.lab.files",  # Remove-Item (importvm: delete with disks)
    "hvtui.lab.clusterha",  # Add-ClusterVirtualMachineRole (importvm: high availability)
    # Replica server and enabling replication (issue 12)
    "hvtui.lab.replserver",
)


def emulates(*names: str) -> Callable[[Emulation], Emulation]:
    def register(function: Emulation) -> Emulation:
        for name in names:
            if name.lower() in EMULATIONS:
                raise RuntimeError(f"two lab emulations of {name}")
            EMULATIONS[name.lower()] = function
        return function

    return register


def emulation(name: str) -> Emulation | None:
    """What the lab does for cmdlet ``name`` (importing the emulation modules on first use)."""
    if not _loaded:
        _load()
    return EMULATIONS.get(name.lower())


_loaded: list[bool] = []


def _load() -> None:
    import importlib

    for module in _EMULATION_MODULES:
        importlib.import_module(module)
    _loaded.append(True)
