"""Script blocks, functions and param() blocks: binding their arguments and running them.

A simple script or function (no ``[CmdletBinding()]``, no ``[Parameter()]``) keeps what no
parameter took in ``$args``; an advanced one also takes the common parameters and refuses
unknown names, as PowerShell's ScriptParameterBinderController does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hvtui.lab.pwsh import ast as A
from hvtui.lab.pwsh import types as T
from hvtui.lab.pwsh.binding import (
    ALREADY_BOUND,
    CANNOT_CONVERT,
    COMMON_PARAMETERS,
    MISSING_ARGUMENT,
    MISSING_MANDATORY,
    NO_VALUE,
    NULL_NOT_ALLOWED,
    binding_error,
    coerce,
    resolve_name,
    validate,
)
from hvtui.lab.pwsh.contract import Command, Parameter
from hvtui.lab.pwsh.convert import (
    to_action_preference,
    to_str,
)
from hvtui.lab.pwsh.errors import (
    ConversionError,
    StatementError,
)
from hvtui.lab.pwsh.values import PSHashtable, ScriptBlock

if TYPE_CHECKING:
    from hvtui.lab.pwsh.compiler import Compiler
    from hvtui.lab.pwsh.engine import Ev, Frame, Out, Run


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
            return resolve_name(given, self.names, self.order, self.command)
        except StatementError as exc:
            if self.advanced or not exc.record.fqid.startswith("NamedParameterNotFound"):
                raise
            return None

    def add(self, canonical: str, value: Any) -> None:
        if canonical in self.named or canonical in self.common:
            raise binding_error(ALREADY_BOUND.format(canonical), "ParameterAlreadyBound",
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
                    raise binding_error(CANNOT_CONVERT.format(name, exc.reason),
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
            raise binding_error(NULL_NOT_ALLOWED.format(name),
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
        raise binding_error(MISSING_MANDATORY.format("".join(f" {m}" for m in missing)),
                              "MissingMandatoryParameter", "InvalidArgument", command.name,
                              command.type_name)
    scope = target.scope.vars
    # $PSBoundParameters: the parameters the caller gave, not those left to their defaults.
    given = PSHashtable()
    for spec in specs:
        if spec.name in bound:
            given.put(spec.name, bound[spec.name])
    scope["psboundparameters"] = given
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
                arguments_.extra.extend([(i, f"-{name}")] if value is NO_VALUE else
                                        [(i, f"-{name}:"), (i + 0.5, value)])
                continue
            spec = arguments_.spec(canonical)
            if value is NO_VALUE:
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
                    raise binding_error(MISSING_ARGUMENT.format(canonical, type_name),
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
    saved = scope.vars.get("_", NO_VALUE)
    scope.vars["_"] = item
    try:
        block.body(owner, out)
    except ReturnFlow:
        pass  # return leaves the script block (for this input object) only
    finally:
        if saved is NO_VALUE:
            scope.vars.pop("_", None)
        else:
            scope.vars["_"] = saved
