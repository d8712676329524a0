"""A tiny runtime for the engine's unit tests: a few cmdlets that exercise the streams."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from hvtui.lab.pwsh import (
    Command,
    ConversionError,
    Invocation,
    Outcome,
    Parameter,
    ParameterSet,
    PSErrorRecord,
    run,
)
from hvtui.remote.base import ProgressRecord

SOFT = PSErrorRecord(message="soft failure", category="ObjectNotFound",
                     fqid="SoftFailure,Test.Commands.WriteSoft", reason="ItemNotFoundException",
                     exception_type="System.Management.Automation.ItemNotFoundException")
HARD = PSErrorRecord(message="hard failure", category="InvalidOperation",
                     fqid="HardFailure,Test.Commands.ThrowHard",
                     reason="InvalidOperationException",
                     exception_type="System.InvalidOperationException",
                     exception_bases=("System.SystemException",))


def _soft(inv: Invocation) -> None:
    inv.write("before-soft")
    inv.write_error(SOFT)
    inv.write("after-soft")


def _hard(inv: Invocation) -> None:
    inv.write("before-hard")
    inv.throw(HARD)
    inv.write("never")


def _echo(inv: Invocation) -> None:
    inv.write(dict(inv.args) | {"set": inv.parameter_set,
                                "piped": list(inv.bound_from_pipeline)})


def _wait(inv: Invocation) -> None:
    inv.write("waiting")
    inv.sleep(inv.args.get("Seconds", 10))
    inv.write("waited")


def _source(inv: Invocation) -> None:
    for i in range(inv.args.get("Count", 5)):
        log = inv.args.get("Runtime")
        if isinstance(log, list):
            log.append(i)
        inv.write(i)


def _confirm(inv: Invocation) -> None:
    if inv.should_process(inv.args["Name"]):
        inv.write("done")


def cmd(name: str, sets: dict[str, tuple[Parameter, ...]], invoke: Any, *,
        default: str | None = None, **kwargs: Any) -> Command:
    return Command(name, "Test", tuple(ParameterSet(n, p) for n, p in sets.items()),
                   default or next(iter(sets)), invoke,
                   type_name="Test.Commands." + name.replace("-", ""), **kwargs)


P = Parameter
COMMANDS = [
    cmd("Write-Soft", {"Default": ()}, _soft),
    cmd("Throw-Hard", {"Default": ()}, _hard),
    cmd("Wait-Lab", {"Default": (P("Seconds", "Double", position=0),)}, _wait),
    cmd("Get-Numbers", {"Default": (P("Count", "Int32", position=0),
                                    P("Runtime", "Object"))}, _source),
    cmd("Remove-Thing", {"Default": (P("Name", "String", mandatory=True, position=0),)},
        _confirm, supports_should_process=True, confirm_impact="High"),
    cmd("Set-Thing", {"Default": (P("Name", "String", mandatory=True, position=0),)},
        _confirm, supports_should_process=True, confirm_impact="Medium"),
    cmd("Get-Echo", {
        "ByName": (P("Name", "String[]", mandatory=True, position=0, aliases=("VMName",),
                     by_property_name=True),
                   P("Count", "Int32", position=1), P("Force", "SwitchParameter"),
                   P("Mode", "String", validate_set=("Fast", "Slow")),
                   P("Enabled", "Boolean"), P("Id", "Guid"), P("Size", "UInt64"),
                   P("Thing", "Widget")),
        "ByObject": (P("InputObject", "Widget[]", mandatory=True, from_pipeline=True),
                     P("Count", "Int32", position=1), P("Force", "SwitchParameter")),
        "ByPath": (P("Path", "String", mandatory=True), P("Nameless", "SwitchParameter")),
    }, _echo, default="ByName"),
]


class Widget:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"Widget({self.name})"


class UnitRuntime:
    """Runtime for unit tests: the commands above, 'Widget' as a domain type."""

    def __init__(self, version: tuple[int, int] = (5, 1), edition: str = "Desktop") -> None:
        self.ps_version = version
        self.ps_edition = edition
        self.commands = {c.name.lower(): c for c in COMMANDS}
        self.progress_seen: list[ProgressRecord] = []
        self.slept: list[float] = []
        self.on_sleep: Any = None

    def command(self, name: str) -> Command | None:
        return self.commands.get(name.lower())

    def convert(self, value: Any, type_name: str) -> Any:
        element = type_name[:-2] if type_name.endswith("[]") else type_name
        if element != "Widget":
            raise ConversionError(f'Unable to find type [{type_name}].')
        items = value if isinstance(value, list) else [value]
        out = []
        for item in items:
            if isinstance(item, Widget):
                out.append(item)
            else:
                raise ConversionError(
                    f'Cannot convert the "{item}" value of type "System.String" to type '
                    '"Test.Widget".')
        return out if type_name.endswith("[]") else out[0]

    def on_progress(self, record: ProgressRecord) -> None:
        self.progress_seen.append(record)

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        if self.on_sleep is not None:
            self.on_sleep()


def ps(text: str, parameters: Mapping[str, object] | None = None, *,
       runtime: UnitRuntime | None = None, cancel: threading.Event | None = None,
       version: tuple[int, int] = (5, 1), edition: str = "Desktop") -> Outcome:
    return run(text, parameters or {}, runtime or UnitRuntime(version, edition), cancel=cancel)


def out(text: str, parameters: Mapping[str, object] | None = None, **kwargs: Any) -> list[Any]:
    """The output of a script that must not fail or write errors."""
    outcome = ps(text, parameters, **kwargs)
    assert not outcome.failed and not outcome.errors, outcome.errors
    return outcome.output


def one(text: str, parameters: Mapping[str, object] | None = None, **kwargs: Any) -> Any:
    result = out(text, parameters, **kwargs)
    assert len(result) == 1, result
    return result[0]
