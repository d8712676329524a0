"""Parameter binding, the way PowerShell's binder does it, with its error texts.

A call's command-line arguments are bound first (names, unambiguous prefixes, aliases,
``-Name:value``, switches, positions in the remaining parameter sets, conversion to each
parameter's type, validation); each pipeline input object is then bound by value, else by
property name; finally the parameter set is chosen (mandatory parameters, the default set).

Texts are ParameterBinderStrings.resx in PowerShell/PowerShell (the same in Windows
PowerShell 3.0-5.1). Errors are statement-terminating ParameterBindingExceptions whose
FullyQualifiedErrorId is ``<ErrorId>,<command class>`` for a cmdlet.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hvtui.lab.pwsh import types as T
from hvtui.lab.pwsh.contract import Command, Parameter
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
    StatementError,
)
from hvtui.lab.pwsh.values import PSHashtable, PSObject

if TYPE_CHECKING:
    from hvtui.lab.pwsh.engine import Frame



PARAMETER_BINDING_EXCEPTION = "System.Management.Automation.ParameterBindingException"

NAMED_NOT_FOUND = "A parameter cannot be found that matches parameter name '{0}'."
POSITIONAL_NOT_FOUND = "A positional parameter cannot be found that accepts argument '{0}'."
MISSING_ARGUMENT = "Missing an argument for parameter '{0}'. Specify a parameter of type '{1}' " \
    "and try again."
AMBIGUOUS = "Parameter cannot be processed because the parameter name '{0}' is ambiguous. " \
    "Possible matches include:{1}."
AMBIGUOUS_SET = "Parameter set cannot be resolved using the specified named parameters. One or " \
    "more parameters issued cannot be used together or an insufficient number of parameters " \
    "were provided."
MISSING_MANDATORY = "Cannot process command because of one or more missing mandatory " \
    "parameters:{0}."
ALREADY_BOUND = "Cannot bind parameter because parameter '{0}' is specified more than once. To " \
    "provide multiple values to parameters that can accept multiple values, use the array " \
    'syntax. For example, "-parameter value1,value2,value3".'
CANNOT_CONVERT = "Cannot bind parameter '{0}'. {1}"
TRANSFORMATION = "Cannot process argument transformation on parameter '{0}'. {1}"
NULL_NOT_ALLOWED = "Cannot bind argument to parameter '{0}' because it is null."
EMPTY_STRING_NOT_ALLOWED = "Cannot bind argument to parameter '{0}' because it is an empty " \
    "string."
EMPTY_ARRAY_NOT_ALLOWED = "Cannot bind argument to parameter '{0}' because it is an empty array."
VALIDATE_SET = "Cannot validate argument on parameter '{0}'. The argument \"{1}\" does not " \
    "belong to the set \"{2}\" specified by the ValidateSet attribute. Supply an argument " \
    "that is in the set and then try the command again."
INPUT_NOT_BOUND = "The input object cannot be bound to any parameters for the command either " \
    "because the command does not take pipeline input or the input and its properties do not " \
    "match any of the parameters that take pipeline input."
BOOLEAN_ONLY = 'Cannot convert value "{0}" to type "System.Boolean". Boolean parameters accept ' \
    "only Boolean values and numbers, such as $True, $False, 1 or 0."
SWITCH_ONLY = 'Cannot convert value "{0}" to type "System.Management.Automation.' \
    'SwitchParameter". Boolean parameters accept only Boolean values and numbers, such as ' \
    "$True, $False, 1 or 0."


def binding_record(message: str, error_id: str, category: str, command: str = "",
                   type_name: str = "", target: Any = None) -> PSErrorRecord:
    fqid = f"{error_id},{type_name}" if type_name else error_id
    return PSErrorRecord(
        message=message, category=category, fqid=fqid, target=target, activity=command,
        reason="ParameterBindingException", exception_type=PARAMETER_BINDING_EXCEPTION,
    )


def binding_error(message: str, error_id: str, category: str, command: str = "",
                  type_name: str = "", target: Any = None) -> StatementError:
    return StatementError(binding_record(message, error_id, category, command, type_name,
                                         target))


def resolve_name(given: str, names: dict[str, str], order: list[str], command: str = "",
                 type_name: str = "") -> str:
    """The canonical parameter ``given`` names: exact name or alias, else an unambiguous
    prefix (``names``: lower-cased name or alias -> canonical; ``order``: canonical names
    in declaration order, for the ambiguity text)."""
    lowered = given.lower()
    if lowered in names:
        return names[lowered]
    matches = {canonical for key, canonical in names.items() if key.startswith(lowered)}
    if len(matches) == 1:
        return next(iter(matches))
    if len(matches) > 1:
        listed = "".join(f" -{name}" for name in order if name in matches)
        raise binding_error(AMBIGUOUS.format(given, listed), "AmbiguousParameter",
                            "InvalidArgument", command, type_name)
    raise binding_error(NAMED_NOT_FOUND.format(given), "NamedParameterNotFound",
                        "InvalidArgument", command, type_name)


NO_VALUE = object()

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
            raise binding_error(TRANSFORMATION.format(parameter.name, exc.reason),
                                  "ParameterArgumentTransformationError", "InvalidData",
                                  command.name, command.type_name) from None
        raise binding_error(CANNOT_CONVERT.format(parameter.name, exc.reason),
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
    text = BOOLEAN_ONLY if type_name == T.BOOLEAN else SWITCH_ONLY
    raise ConversionError(text.format(shown))


def validate(command: Command, parameter: Parameter, value: Any, mandatory: bool) -> None:
    if not mandatory and not parameter.validate_set:
        return
    if value is None:
        if mandatory and not parameter.allow_null:
            raise binding_error(NULL_NOT_ALLOWED.format(parameter.name),
                                  "ParameterArgumentValidationErrorNullNotAllowed",
                                  "InvalidData", command.name, command.type_name)
        return
    if mandatory and value == "" and parameter.type.lower() in ("string", "system.string"):
        raise binding_error(EMPTY_STRING_NOT_ALLOWED.format(parameter.name),
                              "ParameterArgumentValidationErrorEmptyStringNotAllowed",
                              "InvalidData", command.name, command.type_name)
    # Only a collection-typed parameter refuses an empty one ([object] takes @() as is).
    if mandatory and isinstance(value, list) and not value and parameter.type.endswith("[]"):
        raise binding_error(EMPTY_ARRAY_NOT_ALLOWED.format(parameter.name),
                              "ParameterArgumentValidationErrorEmptyArrayNotAllowed",
                              "InvalidData", command.name, command.type_name)
    if parameter.validate_set:
        allowed = {v.lower() for v in parameter.validate_set}
        for item in value if isinstance(value, list) else [value]:
            if to_str(item).lower() not in allowed:
                raise binding_error(
                    VALIDATE_SET.format(parameter.name, to_str(item),
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
    kind 'param' (value NO_VALUE when none was given with ':') or 'arg'."""
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
            raise binding_error(ALREADY_BOUND.format(canonical), "ParameterAlreadyBound",
                                  "InvalidArgument", command.name, command.type_name)
        if value is NO_VALUE:
            if parameter.is_switch:
                value = True
            elif i < len(arguments) and arguments[i][0] == "arg":
                value = arguments[i][2]
                i += 1
            else:
                element, array = T.split_array(parameter.type)
                full = (T.resolve(element) or element) + ("[]" if array else "")
                raise binding_error(MISSING_ARGUMENT.format(canonical, full),
                                      "MissingArgument", "InvalidArgument", command.name,
                                      command.type_name)
        named[canonical] = value
    common = {k: v for k, v in named.items() if k in meta.common}
    own = {k: v for k, v in named.items() if k not in meta.common}
    group = frozenset(own)
    sets = meta.candidate_sets.get(group)
    if sets is None:
        sets = [name for name, members in meta.sets.items() if all(k in members for k in own)]
        meta.candidate_sets[group] = sets
    sets = list(sets)
    if not sets:
        raise binding_error(AMBIGUOUS_SET, "AmbiguousParameterSet", "InvalidArgument",
                              command.name, command.type_name)
    converted: dict[str, Any] = {}
    for value, text in positional:
        candidates = _next_positional(meta, command, sets, own)
        if not candidates:
            raise binding_error(POSITIONAL_NOT_FOUND.format(text or to_str(value)),
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
                raise binding_error(CANNOT_CONVERT.format(name, exc.reason),
                                      "CannotConvertArgumentNoMessage", "InvalidArgument",
                                      command.name, command.type_name) from None
        elif parameter.is_switch:
            common[name] = _boolean(value, T.SWITCH, fr.eng.dialect)
    return Bound(converted, common, sets)


def _resolve(meta: Metadata, command: Command, name: str) -> str:
    canonical = resolve_name(name, meta.names, meta.order, command.name, command.type_name)
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
        raise binding_error(AMBIGUOUS_SET, "AmbiguousParameterSet", "InvalidArgument",
                              command.name, command.type_name)
    preferred = command.default_set if command.default_set in sets else sets[0]
    missing = [name for name, p in meta.sets[preferred].items()
               if p.mandatory and name not in args]
    # A missing mandatory parameter makes PowerShell prompt; a remote session has no user,
    # so the binder's error is what the client sees.
    raise binding_error(MISSING_MANDATORY.format("".join(f" {m}" for m in missing)),
                          "MissingMandatoryParameter", "InvalidArgument", command.name,
                          command.type_name)


def bind_pipeline_input(fr: Frame, command: Command, meta: Metadata, sets: list[str],
                        args: dict[str, Any], item: Any) -> tuple[dict[str, Any], list[str],
                                                                  list[str]] | None:
    """Bind one input object as PowerShell's ParameterBinderController does: by value,
    then by property name, first without type coercion, then with it (so a VirtualMachine
    piped to Start-VM binds to -VM, not to -Name as its string). None when it binds to
    nothing."""
    for coercing in (False, True):
        found = _bind_item(fr, command, meta, sets, args, item, coercing)
        if found is not None:
            return found
    return None


_PLAIN_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "int32": (int,), "int64": (int,), "uint32": (int,), "uint64": (int,),
    "int16": (int,), "uint16": (int,), "byte": (int,), "double": (float, int),
    "boolean": (bool,), "guid": (uuid.UUID,), "datetime": (dt.datetime,),
    "timespan": (dt.timedelta,),
}


def _fits(parameter: Parameter, value: Any) -> bool:
    """Whether ``value`` is already of the parameter's type (no coercion needed); types
    the engine does not know are left to the binder's conversion, which the host makes
    strict for its own object types."""
    element = parameter.type.lower().removesuffix("[]")
    wanted = _PLAIN_TYPES.get(element)
    if wanted is None:
        return True
    items = value if isinstance(value, list) and parameter.type.endswith("[]") else [value]
    return all(isinstance(v, wanted) and not (isinstance(v, bool) and bool not in wanted)
               for v in items)


def _bind_item(fr: Frame, command: Command, meta: Metadata, sets: list[str],
               args: dict[str, Any], item: Any, coercing: bool
               ) -> tuple[dict[str, Any], list[str], list[str]] | None:
    bound = dict(args)
    names: list[str] = []
    for set_name in sets:
        for name, parameter in meta.sets[set_name].items():
            if not parameter.from_pipeline or name in bound:
                continue
            if not coercing and not _fits(parameter, item):
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
                if found is NO_VALUE or (not coercing and not _fits(parameter, found)):
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
        return NO_VALUE
    return NO_VALUE
