"""Pipelines and commands: resolution, binding, per-item invocation, streams.

A pipeline runs as PowerShell's does, pushing objects: every command's command-line
arguments are bound before anything runs; then each command's Begin, then each input
object is bound (by value, then by property name) and its command invoked, a command's
``write`` calling the next one at once; then each End in order. ``Select-Object -First``
stops the commands upstream of it (PowerShell 3.0+).

Command resolution: functions defined by the script, then the engine's core cmdlets, then
the host's commands (``Runtime.command``); a name none of them has is a
CommandNotFoundException, statement-terminating.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hvtui.lab.pwsh import ast as A
from hvtui.lab.pwsh import binding as B
from hvtui.lab.pwsh import types as T
from hvtui.lab.pwsh.contract import Command, Invocation, Parameter
from hvtui.lab.pwsh.convert import (
    convert,
    is_known,
    to_action_preference,
    to_str,
    type_name_of,
)
from hvtui.lab.pwsh.errors import (
    ConversionError,
    PSErrorRecord,
    ScriptError,
    StatementError,
    command_not_found,
)
from hvtui.lab.pwsh.values import PSEnum, PSHashtable, PSObject, ScriptBlock
from hvtui.remote.base import ProgressRecord

if TYPE_CHECKING:
    from hvtui.lab.pwsh.engine import Compiler, Ev, Frame, Out, Run


class StopUpstream(Exception):
    """Raised by a command that needs no more input (Select-Object -First)."""

    def __init__(self, stage: object) -> None:
        super().__init__("stop upstream")
        self.stage = stage


_NO_VALUE = object()

# --- common parameters ----------------------------------------------------------------------------

COMMON_PARAMETERS = (
    Parameter("Verbose", "SwitchParameter", aliases=("vb",)),
    Parameter("Debug", "SwitchParameter", aliases=("db",)),
    Parameter("ErrorAction", "ActionPreference", aliases=("ea",)),
    Parameter("WarningAction", "ActionPreference", aliases=("wa",)),
    Parameter("InformationAction", "ActionPreference", aliases=("infa",), since="5.0"),
    Parameter("ErrorVariable", "String", aliases=("ev",)),
    Parameter("WarningVariable", "String", aliases=("wv",)),
    Parameter("InformationVariable", "String", aliases=("iv",), since="5.0"),
    Parameter("OutVariable", "String", aliases=("ov",)),
    Parameter("OutBuffer", "Int32", aliases=("ob",)),
    Parameter("PipelineVariable", "String", aliases=("pv",), since="4.0"),
)
SHOULD_PROCESS_PARAMETERS = (
    Parameter("WhatIf", "SwitchParameter", aliases=("wi",)),
    Parameter("Confirm", "SwitchParameter", aliases=("cf",)),
)
_COMMON_NAMES = {p.name for p in COMMON_PARAMETERS + SHOULD_PROCESS_PARAMETERS}
_IMPACT = {"none": 0, "low": 1, "medium": 2, "high": 3}


@dataclass(slots=True)
class Metadata:
    """A command's parameters, indexed for binding."""

    names: dict[str, str]
    """lower-cased name or alias -> canonical name."""
    order: list[str]
    by_name: dict[str, Parameter]
    """canonical -> the parameter (first set that declares it; type and aliases)."""
    sets: dict[str, dict[str, Parameter]]
    """set name -> canonical name -> the parameter as that set declares it."""
    common: dict[str, Parameter]
    resolved: dict[str, str]
    """Names as written (lower-cased) already resolved to a canonical name."""
    candidate_sets: dict[frozenset[str], list[str]]
    """Sets that contain every one of a group of named parameters."""


def metadata(command: Command) -> Metadata:
    cached = command.cache.get("metadata")
    if cached is not None:
        assert isinstance(cached, Metadata)
        return cached
    names: dict[str, str] = {}
    order: list[str] = []
    by_name: dict[str, Parameter] = {}
    sets: dict[str, dict[str, Parameter]] = {}
    for parameter_set in command.parameter_sets:
        members = sets.setdefault(parameter_set.name, {})
        for parameter in parameter_set.parameters:
            members[parameter.name] = parameter
            if parameter.name not in by_name:
                by_name[parameter.name] = parameter
                order.append(parameter.name)
    common: dict[str, Parameter] = {}
    extra = COMMON_PARAMETERS + (SHOULD_PROCESS_PARAMETERS if command.supports_should_process
                                 else ())
    for parameter in extra:
        if parameter.name not in by_name:
            common[parameter.name] = parameter
            order.append(parameter.name)
    for parameter in [*by_name.values(), *common.values()]:
        names.setdefault(parameter.name.lower(), parameter.name)
        for alias in parameter.aliases:
            names.setdefault(alias.lower(), parameter.name)
    if not sets:
        sets["__AllParameterSets"] = {}
    meta = Metadata(names, order, by_name, sets, common, {}, {})
    command.cache["metadata"] = meta
    return meta


# --- conversion to a parameter's type ---------------------------------------------------------


def coerce(fr: Frame, command: Command, parameter: Parameter, value: Any,
           *, script: bool = False) -> Any:
    """``value`` converted to ``parameter``'s type; binding errors as PowerShell words them."""
    eng = fr.eng
    plan = _TYPE_PLANS.get(parameter.type)
    if plan is None:
        element, array = T.split_array(parameter.type)
        resolved = T.resolve(element)
        plan = _TYPE_PLANS[parameter.type] = (resolved, array)
    type_name, array = plan
    if not array:
        # The common cases, already of the parameter's type.
        kind = type(value)
        if (type_name == T.STRING and kind is str) or (type_name in _ANY and value is not None
                                                        and kind is not list):
            return value
    try:
        if type_name in (T.BOOLEAN, T.SWITCH) and not array:
            return _boolean(value, type_name, eng.dialect)
        if type_name is not None and is_known(type_name):
            if array:
                items = value if isinstance(value, list) else [value]
                if value is None:
                    return None
                return [convert(item, type_name, eng.dialect) for item in items]
            if isinstance(value, list) and type_name not in (T.OBJECT, T.PSOBJECT, T.STRING):
                if len(value) == 1:
                    value = value[0]
                else:
                    raise ConversionError(
                        f'Cannot convert the "{to_str(value, eng.dialect)}" value of type '
                        f'"System.Object[]" to type "{type_name}".',
                        fqid="ConvertToFinalInvalidCastException")
            return convert(value, type_name, eng.dialect)
        return eng.runtime.convert(value, parameter.type)
    except ConversionError as exc:
        if script:
            raise B.binding_error(B.TRANSFORMATION.format(parameter.name, exc.reason),
                                  "ParameterArgumentTransformationError", "InvalidData",
                                  command.name, command.type_name) from None
        raise B.binding_error(B.CANNOT_CONVERT.format(parameter.name, exc.reason),
                              "CannotConvertArgumentNoMessage", "InvalidArgument",
                              command.name, command.type_name) from None


_TYPE_PLANS: dict[str, tuple[str | None, bool]] = {}
_ANY = (T.OBJECT, T.PSOBJECT)


def _boolean(value: Any, type_name: str, dialect: Any) -> bool:
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if value is None:
        return False
    shown = type_name_of(value)
    text = B.BOOLEAN_ONLY if type_name == T.BOOLEAN else B.SWITCH_ONLY
    raise ConversionError(text.format(shown))


def validate(command: Command, parameter: Parameter, value: Any, mandatory: bool) -> None:
    if not mandatory and not parameter.validate_set:
        return
    if value is None:
        if mandatory:
            raise B.binding_error(B.NULL_NOT_ALLOWED.format(parameter.name),
                                  "ParameterArgumentValidationErrorNullNotAllowed",
                                  "InvalidData", command.name, command.type_name)
        return
    if mandatory and value == "" and parameter.type.lower() in ("string", "system.string"):
        raise B.binding_error(B.EMPTY_STRING_NOT_ALLOWED.format(parameter.name),
                              "ParameterArgumentValidationErrorEmptyStringNotAllowed",
                              "InvalidData", command.name, command.type_name)
    if mandatory and isinstance(value, list) and not value:
        raise B.binding_error(B.EMPTY_ARRAY_NOT_ALLOWED.format(parameter.name),
                              "ParameterArgumentValidationErrorEmptyArrayNotAllowed",
                              "InvalidData", command.name, command.type_name)
    if parameter.validate_set:
        allowed = {v.lower() for v in parameter.validate_set}
        for item in value if isinstance(value, list) else [value]:
            if to_str(item).lower() not in allowed:
                raise B.binding_error(
                    B.VALIDATE_SET.format(parameter.name, to_str(item),
                                          ",".join(parameter.validate_set)),
                    "ParameterArgumentValidationError", "InvalidData", command.name,
                    command.type_name)


# --- binding a cmdlet call ----------------------------------------------------------------------


@dataclass(slots=True)
class Bound:
    args: dict[str, Any]
    common: dict[str, Any]
    sets: list[str]
    """Candidate parameter sets left after the command-line arguments."""


def bind_arguments(fr: Frame, command: Command, arguments: list[tuple[str, Any, Any, str]]
                   ) -> Bound:
    """Bind a call's command-line arguments: ``(kind, name, value, text)`` tuples in order,
    kind 'param' (value _NO_VALUE when none was given with ':') or 'arg'."""
    meta = metadata(command)
    named: dict[str, Any] = {}
    positional: list[tuple[Any, str]] = []
    i = 0
    while i < len(arguments):
        kind, name, value, text = arguments[i]
        i += 1
        if kind == "arg":
            positional.append((value, text))
            continue
        canonical = meta.resolved.get(name.lower()) or _resolve(meta, command, name)
        parameter = meta.by_name.get(canonical) or meta.common[canonical]
        if canonical in named:
            raise B.binding_error(B.ALREADY_BOUND.format(canonical), "ParameterAlreadyBound",
                                  "InvalidArgument", command.name, command.type_name)
        if value is _NO_VALUE:
            if parameter.is_switch:
                value = True
            elif i < len(arguments) and arguments[i][0] == "arg":
                value = arguments[i][2]
                i += 1
            else:
                element, array = T.split_array(parameter.type)
                full = (T.resolve(element) or element) + ("[]" if array else "")
                raise B.binding_error(B.MISSING_ARGUMENT.format(canonical, full),
                                      "MissingArgument", "InvalidArgument", command.name,
                                      command.type_name)
        named[canonical] = value
    common = {k: v for k, v in named.items() if k in meta.common}
    own = {k: v for k, v in named.items() if k not in meta.common}
    group = frozenset(own)
    sets = meta.candidate_sets.get(group)  # type: ignore[assignment]
    if sets is None:
        sets = [name for name, members in meta.sets.items() if all(k in members for k in own)]
        meta.candidate_sets[group] = sets
    sets = list(sets)
    if not sets:
        raise B.binding_error(B.AMBIGUOUS_SET, "AmbiguousParameterSet", "InvalidArgument",
                              command.name, command.type_name)
    converted: dict[str, Any] = {}
    for value, text in positional:
        candidates = _next_positional(meta, command, sets, own)
        if not candidates:
            raise B.binding_error(B.POSITIONAL_NOT_FOUND.format(text or to_str(value)),
                                  "PositionalParameterNotFound", "InvalidArgument",
                                  command.name, command.type_name, target=value)
        # Where sets put different parameters at this position, the first whose type the
        # argument converts to wins (the default set's first).
        failure: StatementError | None = None
        for parameter_name in candidates:
            try:
                converted[parameter_name] = coerce(fr, command, meta.by_name[parameter_name],
                                                   value)
            except StatementError as exc:
                failure = failure or exc
                continue
            own[parameter_name] = value
            sets = [s for s in sets if parameter_name in meta.sets[s]]
            break
        else:
            assert failure is not None
            raise failure
    for name, value in own.items():
        parameter = meta.by_name[name]
        result = converted[name] if name in converted else coerce(fr, command, parameter, value)
        mandatory = any(meta.sets[s][name].mandatory for s in sets if name in meta.sets[s])
        validate(command, parameter, result, mandatory)
        converted[name] = result
    for name, value in common.items():
        parameter = meta.common[name]
        if parameter.type == "ActionPreference":
            try:
                common[name] = to_action_preference(value, fr.eng.dialect)
            except ConversionError as exc:
                raise B.binding_error(B.CANNOT_CONVERT.format(name, exc.reason),
                                      "CannotConvertArgumentNoMessage", "InvalidArgument",
                                      command.name, command.type_name) from None
        elif parameter.is_switch:
            common[name] = _boolean(value, T.SWITCH, fr.eng.dialect)
    return Bound(converted, common, sets)


def _resolve(meta: Metadata, command: Command, name: str) -> str:
    canonical = B.resolve_name(name, meta.names, meta.order, command.name, command.type_name)
    meta.resolved[name.lower()] = canonical
    return canonical


def _next_positional(meta: Metadata, command: Command, sets: list[str],
                     bound: dict[str, Any]) -> list[str]:
    """The parameters the next positional argument may bind to: those at the lowest open
    position of the remaining sets, the default set's first."""
    found: list[tuple[int, int, str]] = []
    for set_name in sets:
        for name, parameter in meta.sets[set_name].items():
            if parameter.position is None or name in bound:
                continue
            preference = 0 if set_name == command.default_set else 1
            found.append((parameter.position, preference, name))
    if not found:
        return []
    lowest = min(position for position, _, _ in found)
    ordered: list[str] = []
    for _, _, name in sorted(f for f in found if f[0] == lowest):
        if name not in ordered:
            ordered.append(name)
    return ordered


def choose_set(command: Command, meta: Metadata, sets: list[str], args: Mapping[str, Any]
               ) -> str:
    """The parameter set a complete call binds to, or the binder's error."""
    satisfied = [s for s in sets
                 if all(name in args for name, p in meta.sets[s].items() if p.mandatory)]
    if len(satisfied) == 1:
        return satisfied[0]
    if satisfied:
        if command.default_set in satisfied:
            return command.default_set or satisfied[0]
        # Several sets fit and none is the default: PowerShell prefers the one whose
        # parameters were all given explicitly; with only optional ones left it cannot tell.
        exact = [s for s in satisfied if set(args) <= set(meta.sets[s])]
        if len(exact) == 1:
            return exact[0]
        raise B.binding_error(B.AMBIGUOUS_SET, "AmbiguousParameterSet", "InvalidArgument",
                              command.name, command.type_name)
    preferred = command.default_set if command.default_set in sets else sets[0]
    missing = [name for name, p in meta.sets[preferred].items()
               if p.mandatory and name not in args]
    # A missing mandatory parameter makes PowerShell prompt; a remote session has no user,
    # so the binder's error is what the client sees.
    raise B.binding_error(B.MISSING_MANDATORY.format("".join(f" {m}" for m in missing)),
                          "MissingMandatoryParameter", "InvalidArgument", command.name,
                          command.type_name)


def bind_pipeline_input(fr: Frame, command: Command, meta: Metadata, sets: list[str],
                        args: dict[str, Any], item: Any) -> tuple[dict[str, Any], list[str],
                                                                  list[str]] | None:
    """Bind one input object: by value first, then by property name. None when it binds
    to nothing."""
    bound = dict(args)
    names: list[str] = []
    candidates = list(sets)
    for set_name in sets:
        for name, parameter in meta.sets[set_name].items():
            if not parameter.from_pipeline or name in bound:
                continue
            try:
                value = coerce(fr, command, parameter, item)
            except StatementError:
                continue
            bound[name] = value
            names.append(name)
            break
        if names:
            break
    if not names:
        for set_name in sets:
            for name, parameter in meta.sets[set_name].items():
                if not parameter.by_property_name or name in bound:
                    continue
                found = _property(item, parameter)
                if found is _NO_VALUE:
                    continue
                try:
                    bound[name] = coerce(fr, command, parameter, found)
                except StatementError:
                    continue
                names.append(name)
    if not names:
        return None
    candidates = [s for s in sets if all(n in meta.sets[s] for n in names)] or sets
    return bound, candidates, names


def _property(item: Any, parameter: Parameter) -> Any:
    if isinstance(item, PSObject):
        for name in (parameter.name, *parameter.aliases):
            if item.has(name):
                return item.get(name)
    if isinstance(item, PSHashtable):
        return _NO_VALUE
    return _NO_VALUE


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
    from dataclasses import replace

    return replace(record, activity=activity)


def _discard(_: Any) -> None:
    return None


# --- stages ------------------------------------------------------------------------------------


class Stage:
    downstream: Out

    def begin(self) -> None:
        return None

    def process(self, item: Any) -> None:
        raise NotImplementedError

    def run_alone(self) -> None:
        """Called once for the first command of a pipeline (no input)."""
        raise NotImplementedError

    def end(self) -> None:
        return None

    def connect(self, downstream: Out) -> None:
        self.downstream = downstream


class CmdletStage(Stage):
    def __init__(self, fr: Frame, command: Command, arguments: list[tuple[str, Any, Any, str]]
                 ) -> None:
        self.fr = fr
        self.command = command
        self.meta = metadata(command)
        bound = bind_arguments(fr, command, arguments)
        self.args = bound.args
        self.sets = bound.sets
        self.site = CallSite(fr, command, bound.common)

    def connect(self, downstream: Out) -> None:
        self.downstream = downstream
        self.site.downstream = downstream

    def _invocation(self, args: dict[str, Any], set_name: str) -> Invocation:
        return Invocation(self.command, args, set_name, self.site)

    def begin(self) -> None:
        if self.command.begin is not None:
            self.command.begin(self._invocation(dict(self.args), self.sets[0]))

    def run_alone(self) -> None:
        set_name = choose_set(self.command, self.meta, self.sets, self.args)
        self.site.pipeline_bound = ()
        self.command.invoke(self._invocation(dict(self.args), set_name))

    def process(self, item: Any) -> None:
        self.fr.eng.check_cancel()
        result = bind_pipeline_input(self.fr, self.command, self.meta, self.sets, self.args,
                                     item)
        if result is None:
            self.site.write_error(B.binding_record(
                B.INPUT_NOT_BOUND, "InputObjectNotBound", "InvalidArgument",
                self.command.name, self.command.type_name, target=item))
            return
        args, sets, names = result
        set_name = choose_set(self.command, self.meta, sets, args)
        self.site.pipeline_bound = tuple(names)
        self.command.invoke(self._invocation(args, set_name))

    def end(self) -> None:
        if self.command.end is not None:
            self.command.end(self._invocation(dict(self.args), self.sets[0]))


class ScriptStage(Stage):
    """A function or ``& { }``: its body runs once, at the end, with ``$input``."""

    def __init__(self, fr: Frame, function: Function,
                 arguments: list[tuple[str, Any, Any, str]]) -> None:
        self.fr = fr
        self.function = function
        self.arguments = arguments
        self.items: list[Any] = []
        self.has_input = False

    def process(self, item: Any) -> None:
        self.has_input = True
        self.items.append(item)

    def run_alone(self) -> None:
        return None

    def end(self) -> None:
        self.function.call(self.fr, self.arguments, self.downstream, self.items)


# --- functions and script blocks ------------------------------------------------------------


@dataclass(slots=True)
class ParamSpec:
    name: str
    type: A.TypeRef | None
    mandatory: bool
    validate_set: tuple[str, ...]
    default: Ev | None
    position: int | None
    advanced: bool = False

    @property
    def parameter(self) -> Parameter:
        type_name = "Object"
        if self.type is not None:
            type_name = self.type.name + ("[]" if self.type.array else "")
        return Parameter(self.name, type_name, mandatory=self.mandatory,
                         validate_set=self.validate_set)


class Params(list[ParamSpec]):
    """A param() block's parameters, and whether the script or function is advanced."""

    advanced: bool = False


def compile_params(compiler: Compiler, decls: list[A.ParamDecl]) -> Params:
    params = Params(ParamSpec(d.name, d.type, d.mandatory, d.validate_set,
                              compiler.expr(d.default) if d.default is not None else None,
                              d.position, d.advanced)
                    for d in decls if d.name)
    params.advanced = any(d.advanced for d in decls)
    return params


_PREFERENCE_OF = {"ErrorAction": "erroractionpreference",
                  "WarningAction": "warningpreference",
                  "InformationAction": "informationpreference"}


class NamedArguments:
    """Named arguments of a script or function call, sorted out the way PowerShell does.

    An advanced script or function (``[CmdletBinding()]`` or any ``[Parameter()]``) also
    takes the common parameters and refuses an unknown name; a simple one puts an unknown
    ``-Name`` and its value into ``$args`` (ScriptParameterBinderController
    HandleRemainingArguments)."""

    def __init__(self, specs: list[ParamSpec], command: str) -> None:
        self.specs = specs
        self.command = command
        self.advanced = getattr(specs, "advanced", False) or any(s.advanced for s in specs)
        self.names = {s.name.lower(): s.name for s in specs}
        self.order = [s.name for s in specs]
        if self.advanced:
            for parameter in COMMON_PARAMETERS:
                self.names.setdefault(parameter.name.lower(), parameter.name)
                for alias in parameter.aliases:
                    self.names.setdefault(alias.lower(), parameter.name)
                self.order.append(parameter.name)
        self.named: dict[str, Any] = {}
        self.common: dict[str, Any] = {}
        self.extra: list[Any] = []
        """What goes to $args (for a function call: (position, value) pairs)."""

    def spec(self, canonical: str) -> ParamSpec | None:
        return next((s for s in self.specs if s.name == canonical), None)

    def resolve(self, given: str) -> str | None:
        """The canonical name, or None when a simple script takes it into $args."""
        try:
            return B.resolve_name(given, self.names, self.order, self.command)
        except StatementError as exc:
            if self.advanced or not exc.record.fqid.startswith("NamedParameterNotFound"):
                raise
            return None

    def add(self, canonical: str, value: Any) -> None:
        if canonical in self.named or canonical in self.common:
            raise B.binding_error(B.ALREADY_BOUND.format(canonical), "ParameterAlreadyBound",
                                  "InvalidArgument", self.command)
        if self.spec(canonical) is None:
            self.common[canonical] = value
        else:
            self.named[canonical] = value

    def apply_common(self, fr: Frame, target: Frame) -> None:
        """-ErrorAction and friends set the preference variables in the called scope."""
        for name, value in self.common.items():
            if name in _PREFERENCE_OF:
                try:
                    preference = to_action_preference(value, fr.eng.dialect)
                except ConversionError as exc:
                    raise B.binding_error(B.CANNOT_CONVERT.format(name, exc.reason),
                                          "CannotConvertArgumentNoMessage", "InvalidArgument",
                                          self.command) from None
                target.scope.vars[_PREFERENCE_OF[name]] = preference
            elif name == "Verbose" and value:
                from hvtui.lab.pwsh.convert import action

                target.scope.vars["verbosepreference"] = action("Continue")


_SCRIPT_COMMAND = Command("script", "", (), None, lambda inv: None)


def _typed_empty(spec: ParamSpec) -> Any:
    if spec.type is None or spec.type.array:
        return None
    name = spec.type.name
    if name in T.INTEGER_RANGES:
        return 0
    return {T.STRING: "", T.BOOLEAN: False, T.SWITCH: False, T.DOUBLE: 0.0}.get(name)


def bind_values(fr: Frame, specs: list[ParamSpec], named: dict[str, Any],
                positional: list[Any], command: Command, target: Frame) -> list[Any]:
    """Bind already-resolved values into ``target``'s scope; returns unbound positional
    arguments (``$args``)."""
    by_name = {s.name: s for s in specs}
    bound: dict[str, Any] = {}
    for name, value in named.items():
        spec = by_name[name]
        if value is None and spec.mandatory:
            raise B.binding_error(B.NULL_NOT_ALLOWED.format(name),
                                  "ParameterArgumentValidationErrorNullNotAllowed",
                                  "InvalidData", command.name, command.type_name)
        bound[name] = _convert_spec(fr, spec, value, command)
    order = sorted((s for s in specs if s.name not in bound),
                   key=lambda s: (s.position if s.position is not None else 10**6))
    rest = list(positional)
    for spec in order:
        if not rest:
            break
        if spec.type is not None and spec.type.name == T.SWITCH:
            continue
        bound[spec.name] = _convert_spec(fr, spec, rest.pop(0), command)
    missing = [s.name for s in specs if s.mandatory and s.name not in bound]
    if missing:
        raise B.binding_error(B.MISSING_MANDATORY.format("".join(f" {m}" for m in missing)),
                              "MissingMandatoryParameter", "InvalidArgument", command.name,
                              command.type_name)
    scope = target.scope.vars
    for spec in specs:
        if spec.name in bound:
            scope[spec.name.lower()] = bound[spec.name]
        elif spec.default is not None:
            value = spec.default(target)
            scope[spec.name.lower()] = _convert_spec(fr, spec, value, command, validate=False)
        else:
            scope[spec.name.lower()] = _typed_empty(spec)
    return rest


def _convert_spec(fr: Frame, spec: ParamSpec, value: Any, command: Command, *,
                  validate: bool = True) -> Any:
    parameter = spec.parameter
    if spec.type is not None and spec.type.name == T.STRING and not spec.type.array and \
            isinstance(value, list):
        value = " ".join(to_str(v, fr.eng.dialect) for v in value)
    result = coerce(fr, command, parameter, value, script=True) if spec.type is not None \
        else value
    if validate:
        _validate_script(command, spec, result)
    return result


def _validate_script(command: Command, spec: ParamSpec, value: Any) -> None:
    parameter = spec.parameter
    validate(command, parameter, value, spec.mandatory)


def bind_script_parameters(fr: Frame, specs: list[ParamSpec],
                           parameters: Mapping[str, object]) -> None:
    """Bind the parameters a client sent (by name) to the script's param() block."""
    arguments = NamedArguments(specs, "")
    for given, value in parameters.items():
        canonical = arguments.resolve(given)
        if canonical is None:
            # UNCONFIRMED: the text PowerShell records for a parameter added through the API.
            arguments.extra.extend([f"-{given}", value])
            continue
        arguments.add(canonical, value)
    arguments.apply_common(fr, fr)
    bind_values(fr, specs, arguments.named, [], _SCRIPT_COMMAND, fr)
    fr.scope.vars["args"] = arguments.extra


class Function:
    """A function or script block, callable as a command."""

    def __init__(self, name: str, specs: list[ParamSpec], body: Run,
                 frame: Frame | None = None, dot: bool = False) -> None:
        self.name = name
        self.specs = specs
        self.body = body
        self.frame = frame
        self.dot = dot
        self.command = Command(name, "", (), None, lambda inv: None)

    def call(self, fr: Frame, arguments: list[tuple[str, Any, Any, str]], out: Out,
             items: list[Any]) -> None:
        from hvtui.lab.pwsh.engine import BreakLoop, ContinueLoop, Frame, ReturnFlow, Scope

        parent = (self.frame or fr).scope if self.dot else fr.scope
        target = Frame(fr.eng, parent if self.dot else Scope(parent))
        arguments_ = NamedArguments(self.specs, self.name)
        positional: list[tuple[float, Any]] = []
        i = 0
        while i < len(arguments):
            kind, name, value, _text = arguments[i]
            i += 1
            if kind == "arg":
                positional.append((i, value))
                continue
            canonical = arguments_.resolve(name)
            if canonical is None:
                arguments_.extra.extend([(i, f"-{name}")] if value is _NO_VALUE else
                                        [(i, f"-{name}:"), (i + 0.5, value)])
                continue
            spec = arguments_.spec(canonical)
            if value is _NO_VALUE:
                if spec is None:
                    common = next(p for p in COMMON_PARAMETERS if p.name == canonical)
                    is_switch = common.is_switch
                    type_name = common.type
                else:
                    is_switch = spec.type is not None and spec.type.name == T.SWITCH
                    type_name = spec.type.name if spec.type is not None else T.OBJECT
                if is_switch:
                    value = True
                elif i < len(arguments) and arguments[i][0] == "arg":
                    value = arguments[i][2]
                    i += 1
                else:
                    raise B.binding_error(B.MISSING_ARGUMENT.format(canonical, type_name),
                                          "MissingArgument", "InvalidArgument", self.name)
            arguments_.add(canonical, value)
        named = arguments_.named
        arguments_.apply_common(fr, target)
        rest = bind_values(fr, self.specs, named, [v for _, v in positional], self.command,
                           target)
        # $args keeps the call's order of what no parameter took.
        leftover = positional[len(positional) - len(rest):] + arguments_.extra
        target.scope.vars["args"] = [v for _, v in sorted(leftover, key=lambda p: p[0])]
        target.scope.vars["input"] = items
        try:
            self.body(target, out)
        except ReturnFlow:
            pass
        except (BreakLoop, ContinueLoop):
            raise


def compile_function(compiler: Compiler, node: A.FunctionDef) -> Function:
    return Function(node.name, compile_params(compiler, node.params), compiler.block(node.body))


def invoke_script_block(fr: Frame, block: ScriptBlock, args: list[Any]) -> Any:
    """``$sb.Invoke(args)``: output collected into a list (as a Collection<PSObject>)."""
    function = Function("<ScriptBlock>", block.params, block.body)
    items: list[Any] = []
    function.call(block.frame or fr, [("arg", "", a, "") for a in args], items.append, [])
    return items


def run_block_with_item(fr: Frame, block: ScriptBlock, item: Any, out: Out) -> None:
    """A script block run by ForEach-Object / Where-Object: in the caller's scope, with
    ``$_`` set to ``item``."""
    from hvtui.lab.pwsh.engine import Frame as EngineFrame
    from hvtui.lab.pwsh.engine import ReturnFlow

    owner = block.frame if isinstance(block.frame, EngineFrame) else fr
    scope = owner.scope
    saved = scope.vars.get("_", _NO_VALUE)
    scope.vars["_"] = item
    try:
        block.body(owner, out)
    except ReturnFlow:
        pass  # return leaves the script block (for this input object) only
    finally:
        if saved is _NO_VALUE:
            scope.vars.pop("_", None)
        else:
            scope.vars["_"] = saved


# --- compiling pipelines ------------------------------------------------------------------------


def _compile_elements(compiler: Compiler, call: A.CommandCall
                      ) -> list[tuple[str, str, Ev | None, str, bool]]:
    out: list[tuple[str, str, Ev | None, str, bool]] = []
    for element in call.elements:
        if isinstance(element, A.CmdParam):
            out.append(("param", element.name,
                        compiler.expr(element.value) if element.value is not None else None,
                        "", False))
        else:
            out.append(("arg", "", compiler.expr(element.value), element.text, element.splat))
    return out


def _evaluate_arguments(fr: Frame, elements: list[tuple[str, str, Ev | None, str, bool]]
                        ) -> list[tuple[str, Any, Any, str]]:
    arguments: list[tuple[str, Any, Any, str]] = []
    for kind, name, ev, text, splat in elements:
        if kind == "param":
            arguments.append(("param", name, ev(fr) if ev is not None else _NO_VALUE, ""))
            continue
        assert ev is not None
        value = ev(fr)
        if splat:
            if isinstance(value, PSHashtable):
                for key, item in value.entries():
                    if item is True:
                        arguments.append(("param", to_str(key), True, ""))
                    else:
                        arguments.append(("param", to_str(key), item, ""))
                continue
            if isinstance(value, list):
                arguments.extend(("arg", "", item, to_str(item)) for item in value)
                continue
        arguments.append(("arg", "", value, text))
    return arguments


def make_stage(fr: Frame, name: str, target: Ev | None, arguments: list[tuple[str, Any, Any,
                                                                              str]]) -> Stage:
    from hvtui.lab.pwsh import core

    eng = fr.eng
    if target is not None:
        block = target(fr)
        if isinstance(block, ScriptBlock):
            return ScriptStage(fr, Function("<ScriptBlock>", block.params, block.body), arguments)
        text = to_str(block, eng.dialect)
        raise StatementError(command_not_found(text, eng.core))
    lowered = name.lower()
    function = eng.functions.get(lowered)
    if function is not None:
        return ScriptStage(fr, function, arguments)
    command = core.command(lowered, eng) or eng.runtime.command(name)
    if command is None:
        raise StatementError(command_not_found(name, eng.core))
    return CmdletStage(fr, command, arguments)


def compile_pipeline(compiler: Compiler, node: A.Pipeline) -> Run:
    head_expr: Ev | None = None
    calls: list[tuple[str, Ev | None, list[tuple[str, str, Ev | None, str, bool]]]] = []
    commands = [node.head, *node.tail] if isinstance(node.head, A.CommandCall) else node.tail
    if isinstance(node.head, A.Expr):
        head_expr = compiler.raw_var(node.head) if isinstance(node.head, A.Var) else \
            compiler.expr(node.head)
    for call in commands:
        assert isinstance(call, A.CommandCall)
        target = compiler.expr(call.target) if call.target is not None else None
        calls.append((call.name, target, _compile_elements(compiler, call)))

    from hvtui.lab.pwsh.engine import AUTOMATION_NULL

    def run(fr: Frame, out: Out) -> None:
        stages = [make_stage(fr, name, target, _evaluate_arguments(fr, elements))
                  for name, target, elements in calls]
        for index, stage in enumerate(stages):
            stage.connect(stages[index + 1].process if index + 1 < len(stages) else out)
        first_end = 0
        try:
            for stage in stages:
                stage.begin()
            if head_expr is not None:
                value = head_expr(fr)
                process = stages[0].process
                if value is AUTOMATION_NULL:
                    pass
                elif isinstance(value, list):
                    for item in value:
                        process(item)
                else:
                    process(value)
            else:
                stages[0].run_alone()
        except StopUpstream as stop:
            if not any(_is(stop, s) for s in stages):
                raise
            first_end = next(i for i, s in enumerate(stages) if _is(stop, s))
        for stage in stages[first_end:]:
            try:
                stage.end()
            except StopUpstream as stop:
                if not any(_is(stop, s) for s in stages):
                    raise

    return run


def _is(stop: StopUpstream, stage: Stage) -> bool:
    return stop.stage is stage or stop.stage is getattr(stage, "site", None)
