"""Where a command's Invocation writes to: its streams, preferences and prompts.

One CallSite per command of a pipeline: ``write`` hands an object to the next command,
``write_error`` applies -ErrorAction or $ErrorActionPreference, ``should_process`` and
``should_continue`` decide or prompt (and a remote session has nobody to answer).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from hvtui.lab.pwsh.contract import Command
from hvtui.lab.pwsh.convert import (
    to_str,
)
from hvtui.lab.pwsh.errors import (
    PSErrorRecord,
    ScriptError,
    StatementError,
)
from hvtui.lab.pwsh.values import PSEnum
from hvtui.remote.base import ProgressRecord

if TYPE_CHECKING:
    from hvtui.lab.pwsh.engine import Frame, Out

_IMPACT = {"none": 0, "low": 1, "medium": 2, "high": 3}


# --- the call site: what an Invocation talks to -----------------------------------------------


class CallSite:
    """One command in one pipeline: its streams, preferences and cancellation."""

    def __init__(self, fr: Frame, command: Command, common: dict[str, Any]) -> None:
        self.fr = fr
        self.eng = fr.eng
        self.command = command
        self.common = common
        self.downstream: Out = _discard
        self.pipeline_bound: tuple[str, ...] = ()
        self.state: dict[str, Any] = {}
        """Per-call state of an engine cmdlet (Select-Object's counters...)."""

    def write(self, value: Any) -> None:
        self.downstream(value)

    def action(self, parameter: str, variable: str) -> str:
        given = self.common.get(parameter)
        if isinstance(given, PSEnum):
            return given.name
        return self.eng.preference(self.fr, variable)

    def write_error(self, record: PSErrorRecord) -> None:
        """A non-terminating error, under -ErrorAction or $ErrorActionPreference."""
        if not record.activity:
            record = _with_activity(record, self.command.name)
        action = self.action("ErrorAction", "erroractionpreference")
        if action == "Ignore":
            return
        if action in ("Stop", "Inquire", "Suspend", "Break"):
            # ActionPreferenceStopException: script-terminating, carrying the error record.
            raise ScriptError(record)
        self.eng.record_error(record)
        if action == "Continue":
            self.eng.write_error(record)

    def throw(self, record: PSErrorRecord) -> None:
        if not record.activity:
            record = _with_activity(record, self.command.name)
        raise StatementError(record)

    def warn(self, text: str) -> None:
        action = self.action("WarningAction", "warningpreference")
        if action in ("SilentlyContinue", "Ignore"):
            return
        if action in ("Stop", "Inquire", "Suspend", "Break"):
            raise ScriptError(PSErrorRecord(
                message="The running command stopped because the preference variable "
                        f'"WarningPreference" or common parameter is set to Stop: {text}',
                category="OperationStopped", fqid="ActionPreferenceStop",
                reason="ActionPreferenceStopException",
                exception_type="System.Management.Automation.ActionPreferenceStopException"))
        self.eng.outcome.warnings.append(text)

    def progress(self, record: ProgressRecord) -> None:
        if self.eng.preference(self.fr, "progresspreference") in ("SilentlyContinue", "Ignore"):
            return
        self.eng.outcome.progress.append(record)
        self.eng.runtime.on_progress(record)

    def sleep(self, seconds: float) -> None:
        eng = self.eng
        eng.check_cancel()
        remaining = max(0.0, float(seconds))
        chunk = max(remaining / 20, 0.05)
        while remaining > 0:
            step = min(chunk, remaining)
            eng.runtime.sleep(step)
            remaining -= step
            eng.check_cancel()

    @property
    def cancelled(self) -> bool:
        return self.eng.cancel is not None and self.eng.cancel.is_set()

    def should_process(self, target: str, action: str | None) -> bool:
        if self.common.get("WhatIf") or (
                "WhatIf" not in self.common and bool(self.fr.scope.lookup("whatifpreference"))):
            return False
        impact = _IMPACT.get(self.command.confirm_impact.lower(), 2)
        if "Confirm" in self.common:
            threshold = 1 if self.common["Confirm"] else 0
        else:
            preference = to_str(self.fr.scope.lookup("confirmpreference")).lower()
            threshold = _IMPACT.get(preference, 3)
        if threshold == 0 or threshold > impact:
            return True
        operation = action or self.command.name
        query = ("Are you sure you want to perform this action?\n"
                 f'Performing the operation "{operation}" on target "{target}".')
        self.prompt(query)
        return False

    def should_continue(self, query: str, caption: str) -> bool:
        self.prompt(query)
        return False

    def prompt(self, message: str) -> None:
        """A prompt in a remote session without a user: the host refuses it.

        InternalHostUserInterface.ThrowPromptNotInteractive (HostInterfaceExceptionsStrings
        HostFunctionPromptNotImplemented); the exception escapes the cmdlet, so it is
        statement-terminating. UNCONFIRMED: the command class appended to the FQID.
        """
        type_name = self.command.type_name
        raise StatementError(PSErrorRecord(
            message="A command that prompts the user failed because the host program or the "
                    "command type does not support user interaction. The host was attempting "
                    f"to request confirmation with the following message: {message}",
            category="NotImplemented",
            fqid="HostFunctionNotImplemented" + (f",{type_name}" if type_name else ""),
            activity=self.command.name, reason="HostException",
            exception_type="System.Management.Automation.Host.HostException"))


def _with_activity(record: PSErrorRecord, activity: str) -> PSErrorRecord:
        return replace(record, activity=activity)


def _discard(_: Any) -> None:
    return None
