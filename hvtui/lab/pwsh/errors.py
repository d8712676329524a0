"""Error records and the exceptions that carry them through the engine.

PowerShell has three kinds of error (PowerShell/PowerShell#6286, #7774), and the engine
keeps them apart:

- *non-terminating*: a cmdlet's WriteError. The call's ``-ErrorAction`` (else
  ``$ErrorActionPreference``) decides: Continue writes it to the error stream,
  SilentlyContinue records it in ``$Error`` only, Ignore drops it, Stop turns it into an
  ActionPreferenceStopException (script-terminating, below).
- *statement-terminating*: ThrowTerminatingError, CommandNotFoundException, parameter
  binding errors, .NET method exceptions, failed conversions. :class:`StatementError`.
  The statement stops; what happens next is decided where statements are sequenced
  (``ExceptionHandlingOps.CheckActionPreference`` in PowerShell's MiscOps.cs): inside a
  ``try`` it propagates to the catch; else ``$ErrorActionPreference`` Stop makes it
  script-terminating, SilentlyContinue/Ignore swallow it (after ``$Error``), Continue writes
  it and runs the next statement.
- *script-terminating*: ``throw``, and anything Stop turned. :class:`ScriptError`. It
  unwinds every statement list up to a ``catch`` or out of the script. (One quirk kept from
  MiscOps.cs: a ``throw`` reaching a statement list whose ``$ErrorActionPreference`` is
  SilentlyContinue or Ignore is swallowed there, as in PowerShell.)
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from hvtui.remote.base import ErrorRecord

# Exception types the engine raises, with their bases (for typed catch clauses).
_BASES: dict[str, tuple[str, ...]] = {
    "System.Management.Automation.RuntimeException": ("System.SystemException",),
    "System.Management.Automation.CommandNotFoundException": (
        "System.Management.Automation.RuntimeException",
    ),
    "System.Management.Automation.ParameterBindingException": (
        "System.Management.Automation.RuntimeException",
    ),
    "System.Management.Automation.ActionPreferenceStopException": (
        "System.Management.Automation.RuntimeException",
    ),
    "System.Management.Automation.PipelineStoppedException": (
        "System.Management.Automation.RuntimeException",
    ),
    "System.Management.Automation.MethodInvocationException": (
        "System.Management.Automation.MethodException",
        "System.Management.Automation.RuntimeException",
    ),
    "System.Management.Automation.PSInvalidCastException": (
        "System.InvalidCastException",
        "System.Management.Automation.RuntimeException",
    ),
    "System.Management.Automation.Host.HostException": (
        "System.Management.Automation.RuntimeException",
    ),
    "System.Management.Automation.ItemNotFoundException": (
        "System.Management.Automation.SessionStateException",
        "System.Management.Automation.RuntimeException",
    ),
    "System.Management.Automation.PSArgumentException": (
        "System.ArgumentException",
        "System.Management.Automation.RuntimeException",
    ),
}

RUNTIME_EXCEPTION = "System.Management.Automation.RuntimeException"


@dataclass(frozen=True, slots=True)
class PSErrorRecord:
    """An ErrorRecord as a script sees it (``$_`` in a catch, ``$Error[0]``)."""

    message: str
    """``$_.Exception.Message``."""
    category: str = "NotSpecified"
    """``$_.CategoryInfo.Category`` (an ErrorCategory name)."""
    fqid: str = ""
    """``$_.FullyQualifiedErrorId``."""
    target: Any = None
    """``$_.TargetObject``; ``CategoryInfo.TargetName`` is its string."""
    activity: str = ""
    """``$_.CategoryInfo.Activity`` (often the cmdlet name)."""
    reason: str = "RuntimeException"
    """``$_.CategoryInfo.Reason``: the exception's short type name."""
    exception_type: str = RUNTIME_EXCEPTION
    """The exception's full .NET type name (what a typed ``catch [T]`` matches)."""
    exception_bases: tuple[str, ...] = ()
    """Base classes of ``exception_type`` the engine does not know (for typed catch)."""
    thrown_object: Any = None
    """What ``throw`` threw when it was not a string (``$_.TargetObject``)."""
    script_position: str = ""
    """``line:col`` of the statement that raised it, for people reading the record."""
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def target_name(self) -> str:
        if self.target is None:
            return ""
        return self.target if isinstance(self.target, str) else str(self.target)

    def type_chain(self) -> tuple[str, ...]:
        """The exception type and every base, most derived first, ending at System.Exception."""
        chain = [self.exception_type, *self.exception_bases]
        for name in list(chain):
            for base in _BASES.get(name, ()):
                if base not in chain:
                    chain.append(base)
        for tail in ("System.SystemException", "System.Exception", "System.Object"):
            if tail not in chain and (tail != "System.SystemException" or RUNTIME_EXCEPTION in
                                      chain):
                chain.append(tail)
        return tuple(chain)

    def at(self, position: str) -> PSErrorRecord:
        return self if self.script_position else replace(self, script_position=position)

    def as_record(self) -> ErrorRecord:
        """What crosses the remoting boundary (``hvtui.remote.base.ErrorRecord``)."""
        return ErrorRecord(
            message=self.message,
            category=self.category,
            error_id=self.fqid,
            target=self.target_name,
            activity=self.activity,
            reason=self.reason,
        )


class PSError(Exception):
    """An error unwinding the engine's Python stack; carries its record."""

    def __init__(self, record: PSErrorRecord) -> None:
        super().__init__(record.message)
        self.record = record


class StatementError(PSError):
    """A statement-terminating error."""


class ScriptError(PSError):
    """A script-terminating error (``throw``, or any error under Stop)."""

    def __init__(self, record: PSErrorRecord, *, from_throw: bool = False) -> None:
        super().__init__(record)
        self.from_throw = from_throw
        """Raised by a ``throw`` statement (swallowed by a SilentlyContinue statement list,
        as PowerShell's CheckActionPreference does); False for an error Stop turned."""


class PipelineStopped(PSError):
    """The run was cancelled (PipelineStoppedException): nothing catches it."""


class ConversionError(Exception):
    """A value cannot be converted to a type: the reason, as .NET words it.

    Raised by ``convert`` helpers and by ``Runtime.convert``; the engine wraps it in the
    error PowerShell gives where the conversion happened (a cast, a parameter binding).
    """

    def __init__(self, reason: str, *, fqid: str = "InvalidCastException",
                 category: str = "InvalidArgument") -> None:
        super().__init__(reason)
        self.reason = reason
        self.fqid = fqid
        self.category = category


# --- records the engine itself raises -------------------------------------------------------

COMMAND_NOT_FOUND_DESKTOP = (
    "The term '{0}' is not recognized as the name of a cmdlet, function, script file, or "
    "operable program. Check the spelling of the name, or if a path was included, verify that "
    "the path is correct and try again."
)
"""Windows PowerShell 3.0-5.1 (and hvtui/lab/failures.py COMMAND_NOT_FOUND)."""

COMMAND_NOT_FOUND_CORE = (
    "The term '{0}' is not recognized as a name of a cmdlet, function, script file, or "
    "executable program.\nCheck the spelling of the name, or if a path was included, verify "
    "that the path is correct and try again."
)
"""PowerShell 7.x: DiscoveryExceptions.resx CommandNotFoundException in PowerShell/PowerShell
(which 7.x release changed the wording is not checked; 7.x hosts get this text)."""


def command_not_found(name: str, core: bool) -> PSErrorRecord:
    text = COMMAND_NOT_FOUND_CORE if core else COMMAND_NOT_FOUND_DESKTOP
    return PSErrorRecord(
        message=text.format(name),
        category="ObjectNotFound",
        fqid="CommandNotFoundException",
        target=name,
        reason="CommandNotFoundException",
        exception_type="System.Management.Automation.CommandNotFoundException",
    )


def runtime_error(message: str, fqid: str, category: str = "InvalidOperation",
                  target: Any = None) -> PSErrorRecord:
    """A RuntimeException the language raises (``InvokeMethodOnNull``, ``NullArray``...)."""
    return PSErrorRecord(message=message, category=category, fqid=fqid, target=target)


def thrown(value: Any, text: str) -> PSErrorRecord:
    """What ``throw <value>`` produces: for a string, the text is also the FQID."""
    if isinstance(value, PSErrorRecord):
        return value
    return PSErrorRecord(
        message=text,
        category="OperationStopped",
        fqid=text if isinstance(value, str) else "ScriptHalted" if value is None else text,
        target=value,
        reason="RuntimeException",
        thrown_object=value,
    )


SCRIPT_HALTED = "ScriptHalted"

PIPELINE_STOPPED = PSErrorRecord(
    message="The pipeline has been stopped.",
    category="OperationStopped",
    fqid="PipelineStopped",
    reason="PipelineStoppedException",
    exception_type="System.Management.Automation.PipelineStoppedException",
)
"""AutomationExceptions.resx PipelineStoppedException."""
