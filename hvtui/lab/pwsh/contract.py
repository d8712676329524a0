"""What the engine and an emulated host agree on: commands, invocations, the runtime.

The lab implements :class:`Runtime` per host: which commands exist there (each a
:class:`Command` with PowerShell's parameter metadata and a Python ``invoke``), the
PowerShell edition and version, conversions to its domain types, progress and time.
The engine binds every call like PowerShell's parameter binder and hands the command an
:class:`Invocation` once per pipeline input object (or once without input). For example::

    def start_vm(inv: Invocation) -> None:
        for vm in find_vms(inv):                    # inv.args["Name"] or inv.args["VM"]
            if not inv.should_process(vm.name):     # -WhatIf, -Confirm, $ConfirmPreference
                continue
            if vm.running:
                inv.write_error(already_running(vm))  # non-terminating: -ErrorAction decides
                continue
            inv.sleep(2.0)                          # lab time; raises when cancelled
            if inv.args.get("Passthru"):
                inv.write(vm.as_psobject())

    START_VM = Command(
        "Start-VM", "Hyper-V",
        (ParameterSet("Name", (Parameter("Name", "String[]", mandatory=True, position=0,
                                         by_property_name=True, aliases=("VMName",)),
                               Parameter("Passthru", "SwitchParameter"))),
         ParameterSet("VMObject", (Parameter("VM", "VirtualMachine[]", mandatory=True,
                                             position=0, from_pipeline=True),
                                   Parameter("Passthru", "SwitchParameter")))),
        "Name", start_vm, supports_should_process=True,
        type_name="Microsoft.HyperV.PowerShell.Commands.StartVM")

``VirtualMachine[]`` is not a type the engine knows, so binding asks ``Runtime.convert``.
A failure the command cannot go on from is ``inv.throw(record)`` (ThrowTerminatingError).
Python exceptions other than the engine's own are lab defects: they leave :func:`run`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from hvtui.lab.pwsh.errors import PSErrorRecord
from hvtui.remote.base import ProgressRecord

if TYPE_CHECKING:
    from hvtui.lab.pwsh.callsite import CallSite


@dataclass(frozen=True, slots=True)
class Parameter:
    """One parameter of a command, as ``Get-Command``'s metadata shows it."""

    name: str
    type: str = "Object"
    """.NET type name as in the reference data: 'String', 'String[]', 'Int32', 'Int64',
    'UInt32', 'UInt64', 'Boolean', 'SwitchParameter', 'Guid', 'TimeSpan', 'Object',
    'ScriptBlock', or a domain type ('VirtualMachine[]', 'StartAction') that
    ``Runtime.convert`` converts."""
    mandatory: bool = False
    position: int | None = None
    """None: named only."""
    from_pipeline: bool = False
    """ValueFromPipeline (by value)."""
    by_property_name: bool = False
    """ValueFromPipelineByPropertyName."""
    aliases: tuple[str, ...] = ()
    validate_set: tuple[str, ...] = ()
    """ValidateSet values (case-insensitive), empty for none."""
    since: str = ""
    """First PowerShell version that has it, where it is not 3.0 (documentation only)."""
    allow_null: bool = False
    """[AllowNull]: a mandatory parameter that takes $null."""

    @property
    def is_switch(self) -> bool:
        return self.type.lower() in ("switchparameter", "switch")


@dataclass(frozen=True, slots=True)
class ParameterSet:
    name: str
    parameters: tuple[Parameter, ...]


@dataclass(frozen=True, slots=True)
class Command:
    """A command a host has: its parameter metadata and what running it does."""

    name: str
    module: str
    parameter_sets: tuple[ParameterSet, ...]
    default_set: str | None
    invoke: Callable[[Invocation], None]
    supports_should_process: bool = False
    confirm_impact: str = "Medium"
    """None, Low, Medium or High (compared with ``$ConfirmPreference``)."""
    type_name: str = ""
    """The cmdlet's .NET class (``Microsoft.HyperV.PowerShell.Commands.GetVM``), appended to
    the FullyQualifiedErrorId of binding errors; empty: the FQID has no class part."""
    begin: Callable[[Invocation], None] | None = field(default=None, compare=False)
    """Optional BeginProcessing (runs once before the first input object)."""
    end: Callable[[Invocation], None] | None = field(default=None, compare=False)
    """Optional EndProcessing (runs once after the last input object)."""
    cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """The engine's binding tables for this command, built on first use."""
    module_version: str = ""
    """The version of the module that provides it, as ``(Get-Command X).Module.Version``
    shows it ('2.0.0.0'); empty: no module (the engine's own core cmdlets, which Windows
    PowerShell serves from a snap-in, have ``$null`` there)."""
    kind: str = "Cmdlet"
    """``CommandType``: ``Cmdlet``, or ``Function`` for the proxy functions a module loaded
    through pwsh 7's Windows PowerShell compatibility layer is made of."""


class Invocation:
    """One call of a command: bound arguments and the streams it writes to.

    Made by the engine once per pipeline input object (or once when the command has no
    pipeline input); ``begin``/``end`` hooks get one without pipeline-bound arguments.
    """

    __slots__ = ("command", "args", "parameter_set", "_site")

    def __init__(self, command: Command, args: dict[str, Any], parameter_set: str,
                 site: CallSite) -> None:
        self.command = command
        self.args = args
        """Bound and converted, by canonical parameter name; switches as bool; only the
        parameters given (common parameters are not here)."""
        self.parameter_set = parameter_set
        self._site = site

    def write(self, value: Any) -> None:
        """WriteObject: one object down the pipeline (a list goes as one object)."""
        self._site.write(value)

    def write_error(self, record: PSErrorRecord) -> None:
        """WriteError: non-terminating; the call's -ErrorAction or $ErrorActionPreference
        decides (Stop raises the engine's script-terminating error from here)."""
        self._site.write_error(record)

    def throw(self, record: PSErrorRecord) -> None:
        """ThrowTerminatingError: statement-terminating, not affected by -ErrorAction."""
        self._site.throw(record)

    def warn(self, text: str) -> None:
        self._site.warn(text)

    def progress(self, activity: str, status: str, percent: int = -1) -> None:
        self._site.progress(ProgressRecord(activity=activity, status=status, percent=percent))

    def sleep(self, seconds: float) -> None:
        """Wait on lab time; raises the engine's pipeline-stopped error when cancelled."""
        self._site.sleep(seconds)

    def should_process(self, target: str, action: str | None = None) -> bool:
        """ShouldProcess: False under -WhatIf; prompts (and so fails in a remote session
        without a user) when the command's ConfirmImpact reaches $ConfirmPreference or
        -Confirm was given; True otherwise."""
        return self._site.should_process(target, action)

    def should_continue(self, query: str, caption: str = "") -> bool:
        """ShouldContinue: a prompt; fails as PowerShell does in a remote session."""
        return self._site.should_continue(query, caption)

    @property
    def cancelled(self) -> bool:
        return self._site.cancelled

    @property
    def bound_from_pipeline(self) -> tuple[str, ...]:
        """Names of the arguments bound from the pipeline for this call."""
        return self._site.pipeline_bound


class Runtime(Protocol):
    """What an emulated host supplies to the engine (the lab implements one per host)."""

    ps_version: tuple[int, int]
    """PowerShell version, e.g. (3, 0), (5, 1), (7, 4)."""
    ps_edition: str
    """'Desktop' (Windows PowerShell) or 'Core' (pwsh)."""

    def command(self, name: str) -> Command | None:
        """The command called ``name`` (any case) on this host, or None."""
        ...

    def convert(self, value: Any, type_name: str) -> Any:
        """``value`` as ``type_name`` (a type the engine does not know); raise
        ``ConversionError(reason)`` when impossible."""
        ...

    def on_progress(self, record: ProgressRecord) -> None:
        ...

    def sleep(self, seconds: float) -> None:
        """Block for ``seconds`` of lab time."""
        ...

    # Optional members (the engine asks with getattr):
    # - ``command_names() -> Iterable[str]``, every command the host has, lets
    #   ``Get-Command`` with a wildcard find host commands (without it, it finds only the
    #   engine's core cmdlets and the script's functions).
    # - ``ui_culture: str`` and ``culture: str``: ``$PSUICulture`` (the display language)
    #   and ``$PSCulture`` (regional format), culture names such as 'ja-JP'; without them
    #   both read 'en-US', and ``culture`` defaults to ``ui_culture``.
    # - ``windows_identity() -> Identity``: the account the session runs as, for
    #   ``[Security.Principal.WindowsIdentity]::GetCurrent()``; without it, that call is a
    #   lab defect (LookupError), since every real session has an account.
    # - ``now() -> datetime``: the host's clock, for ``[datetime]::Now``/``UtcNow``
    #   (without it, the machine's clock).


@dataclass(frozen=True, slots=True)
class Identity:
    """The Windows account a session runs as, as ``WindowsIdentity.GetCurrent()`` sees it."""

    name: str
    """``DOMAIN\\user``."""
    user: str
    """The account's SID, ``S-1-5-21-...``."""
    groups: tuple[str, ...]
    """SIDs of the enabled groups of the session's token, in token order (what
    ``WindowsIdentity.Groups`` lists: deny-only groups, as in a UAC-filtered token, and the
    logon SID are not there)."""
    authentication_type: str = "Kerberos"
    """``AuthenticationType``: 'Kerberos', 'NTLM', 'Negotiate'..."""


@dataclass(slots=True)
class Outcome:
    """Everything one run produced."""

    output: list[Any] = field(default_factory=list)
    """Output objects, as engine values (see :func:`hvtui.lab.pwsh.to_plain`)."""
    errors: list[PSErrorRecord] = field(default_factory=list)
    """Every error written to the error stream, in order, the terminating one last."""
    warnings: list[str] = field(default_factory=list)
    progress: list[ProgressRecord] = field(default_factory=list)
    failed: bool = False
    """A terminating error ended the script."""
