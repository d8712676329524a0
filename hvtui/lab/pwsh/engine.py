"""The state of one run (scopes, streams, $Error), and the cache of compiled scripts.

Compiled code (:mod:`.compiler`) runs against a :class:`Frame`: the run's :class:`Engine`
and the current :class:`Scope`. A script text is parsed and compiled once (cached, behind a
lock) and every run of it gets a fresh Engine.

Statement lists implement PowerShell's error handling where statements are sequenced
(``ExceptionHandlingOps.CheckActionPreference`` in PowerShell's MiscOps.cs): every
terminating error is added to ``$Error``; inside a ``try`` it propagates to the catch;
otherwise ``$ErrorActionPreference`` decides (Stop: script-terminating; SilentlyContinue and
Ignore: swallowed; Continue: written to the error stream, a ``throw`` propagates).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from hvtui.lab.pwsh import ast as A
from hvtui.lab.pwsh.contract import Outcome, Runtime
from hvtui.lab.pwsh.convert import Dialect, action, to_action_preference
from hvtui.lab.pwsh.errors import (
    PIPELINE_STOPPED,
    ConversionError,
    PipelineStopped,
    PSError,
    PSErrorRecord,
    ScriptError,
    StatementError,
)
from hvtui.lab.pwsh.members import (
    VOID,
)
from hvtui.lab.pwsh.values import PSHashtable, PSVersion

Out = Callable[[Any], None]
Ev = Callable[["Frame"], Any]
Run = Callable[["Frame", Out], None]

MISSING = object()


class _AutomationNull:
    """What a variable holds after ``$x = <a command that wrote nothing>``.

    It reads as ``$null`` everywhere except where the variable's value is sent down a
    pipeline or written as a statement's output: there it is nothing at all, so
    ``$x | ForEach-Object {...}`` runs zero times and ``@($x).Count`` is 0, while
    ``$null | ...`` runs once ([System.Management.Automation.Internal.AutomationNull])."""

    def __repr__(self) -> str:
        return "AutomationNull"


AUTOMATION_NULL = _AutomationNull()


_PREFERENCE_DEFAULTS = {"verbosepreference": "SilentlyContinue",
                        "debugpreference": "SilentlyContinue",
                        "informationpreference": "SilentlyContinue"}


class Scope:
    __slots__ = ("vars", "parent")

    def __init__(self, parent: Scope | None) -> None:
        self.vars: dict[str, Any] = {}
        self.parent = parent

    def lookup(self, name: str) -> Any:
        scope: Scope | None = self
        while scope is not None:
            value = scope.vars.get(name, MISSING)
            if value is not MISSING:
                return value
            scope = scope.parent
        return None


class Frame:
    """Where code runs: the engine (one run) and the current scope."""

    __slots__ = ("eng", "scope")

    def __init__(self, eng: Engine, scope: Scope) -> None:
        self.eng = eng
        self.scope = scope


class BreakLoop(Exception):
    pass


class ContinueLoop(Exception):
    pass


class ReturnFlow(Exception):
    pass


class Engine:
    """The state of one run of one script."""

    def __init__(self, runtime: Runtime, cancel: threading.Event | None,
                 session_globals: dict[str, Any] | None = None) -> None:
        self.runtime = runtime
        self.core = runtime.ps_edition.lower() == "core"
        self.version = tuple(runtime.ps_version)
        self.dialect = Dialect(self.core, (self.version[0], self.version[1]))
        self.cancel = cancel
        self.outcome = Outcome()
        self.error_list: list[Any] = []
        """``$Error``: newest first."""
        self.functions: dict[str, Any] = {}
        self.stopping_finally = 0
        """Finally blocks running while the pipeline stops (they run to the end)."""
        self.propagate = 0
        """How many try blocks are active (PowerShell's PropagateExceptionsToEnclosing-
        StatementBlock): while any is, errors propagate to a catch instead of being handled
        where statements are sequenced."""
        self.global_scope = Scope(None)
        if session_globals is not None:
            # The runspace's global scope outlives the run: what a script sets with $global:
            # the next script on the same runspace reads (automatic variables are set anew).
            self.global_scope.vars = session_globals
        self.script_scope = Scope(self.global_scope)
        self._automatic()

    def _automatic(self) -> None:
        g = self.global_scope.vars
        major, minor = self.version[0], self.version[1]
        version = PSVersion(major, minor, 0 if self.core else -1, -1)
        table = PSHashtable()
        table.put("PSVersion", version)
        if (major, minor) >= (5, 1):
            table.put("PSEdition", "Core" if self.core else "Desktop")
        table.put("PSCompatibleVersions", [PSVersion(v, 0) for v in range(1, major + 1)])
        table.put("PSRemotingProtocolVersion", PSVersion(2, 3))
        table.put("SerializationVersion", PSVersion(1, 1, 0, 1))
        table.put("WSManStackVersion", PSVersion(3, 0))
        if not self.core:
            table.put("CLRVersion", PSVersion(4, 0, 30319, 42000))
        g.update({
            "psversiontable": table,
            "erroractionpreference": action("Continue"),
            "warningpreference": action("Continue"),
            "verbosepreference": action("SilentlyContinue"),
            "debugpreference": action("SilentlyContinue"),
            "progresspreference": action("Continue"),
            "informationpreference": action("SilentlyContinue"),
            "confirmpreference": "High",
            "whatifpreference": False,
            "error": self.error_list,
            "ofs": " ",
        })
        if (major, minor) >= (5, 1):
            g["psedition"] = "Core" if self.core else "Desktop"
        # The session's cultures (PowerShell 2.0+): the runtime's, else en-US.
        ui_culture = str(getattr(self.runtime, "ui_culture", "") or "en-US")
        g["psuiculture"] = ui_culture
        g["psculture"] = str(getattr(self.runtime, "culture", "") or ui_culture)
        if major >= 6:
            g.update({"iswindows": True, "islinux": False, "ismacos": False, "iscoreclr": True})

    # --- streams ------------------------------------------------------------------------------

    def check_cancel(self) -> None:
        if self.cancel is not None and self.cancel.is_set() and not self.stopping_finally:
            raise PipelineStopped(PIPELINE_STOPPED)

    def record_error(self, record: PSErrorRecord) -> None:
        """Add to ``$Error`` (once: PowerShell does not add the same error twice in a row)."""
        if not self.error_list or self.error_list[0] is not record:
            self.error_list.insert(0, record)

    def write_error(self, record: PSErrorRecord) -> None:
        self.outcome.errors.append(record)

    def preference(self, fr: Frame, name: str) -> str:
        """An ActionPreference variable's value, as its name.

        A value that is no ActionPreference reads as the variable's default, as
        ExecutionContext.GetEnumPreference does (the failed Enum.Parse is swallowed)."""
        value = fr.scope.lookup(name)
        try:
            return to_action_preference(value, self.dialect).name
        except ConversionError:
            return _PREFERENCE_DEFAULTS.get(name, "Continue")

    # --- error handling where statements are sequenced ----------------------------------------

    def check_action_preference(self, exc: PSError, fr: Frame) -> None:
        """What PowerShell does with a terminating error between two statements: raise it
        on, or return to run the next statement (MiscOps.cs CheckActionPreference)."""
        record = exc.record
        self.record_error(record)
        suppress = isinstance(exc, ScriptError) and not exc.from_throw
        if self.propagate or suppress:
            raise exc
        preference = self.preference(fr, "erroractionpreference")
        if preference in ("SilentlyContinue", "Ignore"):
            return
        if preference in ("Stop", "Inquire", "Suspend", "Break"):
            # Inquire would prompt; a remote session has nobody to answer, and the prompt
            # failing stops the script as Stop does (UNCONFIRMED: the prompt's own error).
            raise ScriptError(record) from None
        if isinstance(exc, ScriptError) and exc.from_throw:
            raise exc
        self.write_error(record)

    def run_statements(self, stmts: list[Run], fr: Frame, out: Out) -> None:
        cancel = self.cancel
        for stmt in stmts:
            if cancel is not None and cancel.is_set() and not self.stopping_finally:
                raise PipelineStopped(PIPELINE_STOPPED)
            try:
                stmt(fr, out)
            except (StatementError, ScriptError) as exc:
                self.check_action_preference(exc, fr)


# --- helpers for compiled code ----------------------------------------------------------------


def unwrap(value: Any) -> Any:
    return None if value is AUTOMATION_NULL else value


def collect(run: Run, fr: Frame) -> Any:
    """A pipeline's output as a value: nothing -> $null, one object -> it, more -> array."""
    items: list[Any] = []
    run(fr, items.append)
    if not items:
        return None
    return items[0] if len(items) == 1 else items


def emit(value: Any, out: Out) -> None:
    """An expression statement's value to the output: arrays are unrolled."""
    if value is VOID or value is AUTOMATION_NULL:
        return
    if isinstance(value, list):
        for item in value:
            out(item)
    else:
        out(value)


def statement_error(record: PSErrorRecord, pos: str) -> StatementError:
    return StatementError(record.at(pos))


# --- compiled scripts, cached by text -----------------------------------------------------------

_CACHE: dict[str, tuple[Any, list[str]]] = {}
_CACHE_LOCK = threading.Lock()


def compiled(text: str) -> tuple[Any, list[str]]:
    """(compiled script, problems) for a script text; built once per text, thread-safe."""
    entry = _CACHE.get(text)
    if entry is not None:
        return entry
    with _CACHE_LOCK:
        entry = _CACHE.get(text)
        if entry is None:
            from hvtui.lab.pwsh.parser import parse

            script, problems = parse(text)
            program = None if problems else _compile_script(script)
            entry = (program, problems)
            if len(_CACHE) > 256:
                _CACHE.clear()
            _CACHE[text] = entry
    return entry


class Program:
    __slots__ = ("params", "body")

    def __init__(self, params: Any, body: Run) -> None:
        self.params = params
        self.body = body


def _compile_script(script: A.Script) -> Program:
    from hvtui.lab.pwsh.compiler import Compiler

    compiler = Compiler()
    params = compiler.functions.compile_params(compiler, script.params)
    return Program(params, compiler.block(script.body))


def run_program(text: str, parameters: Mapping[str, object], runtime: Runtime,
                cancel: threading.Event | None,
                session_globals: dict[str, Any] | None = None) -> Outcome:
    from hvtui.lab.pwsh.functions import bind_script_parameters

    eng = Engine(runtime, cancel, session_globals)
    outcome = eng.outcome
    program, problems = compiled(text)
    if program is None:
        outcome.failed = True
        outcome.errors.append(PSErrorRecord(
            message="The script uses PowerShell the hvtui lab does not run:\n" +
                    "\n".join(problems),
            category="ParserError", fqid="ScriptOutsideLabSubset",
            reason="ParseException",
            exception_type="System.Management.Automation.ParseException"))
        return outcome
    fr = Frame(eng, eng.script_scope)
    try:
        try:
            bind_script_parameters(fr, program.params, parameters)
            program.body(fr, outcome.output.append)
        except (ReturnFlow, BreakLoop, ContinueLoop):
            pass
    except PipelineStopped as exc:
        outcome.failed = True
        outcome.errors.append(exc.record)
    except PSError as exc:
        eng.record_error(exc.record)
        outcome.failed = True
        outcome.errors.append(exc.record)
    return outcome
