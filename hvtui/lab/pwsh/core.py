"""The core cmdlets the engine provides itself: they exist on every PowerShell version.

Select-Object -First stops the commands before it once it has its objects, as Windows
PowerShell 3.0 and later do (Select-Object's help: "Beginning in Windows PowerShell 3.0,
Select-Object includes an optimization feature...").

Each is a :class:`~hvtui.lab.pwsh.contract.Command` with its parameters as Windows
PowerShell 5.1's help declares them (restricted to the sets listed); ``since`` marks a
parameter newer than 3.0, and a host whose version predates it does not have it. The
catalog lint can read these declarations.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from hvtui.lab.pwsh import types as T
from hvtui.lab.pwsh.contract import Command, Invocation, Parameter, ParameterSet
from hvtui.lab.pwsh.convert import to_double, to_str, type_name_of
from hvtui.lab.pwsh.errors import PSErrorRecord, StatementError
from hvtui.lab.pwsh.members import get_member
from hvtui.lab.pwsh.operators import compare, enumerate_value, equals
from hvtui.lab.pwsh.values import PSEnum, PSHashtable, PSObject, PSVersion, ScriptBlock
from hvtui.remote.base import ProgressRecord

if TYPE_CHECKING:
    from hvtui.lab.pwsh.callsite import CallSite
    from hvtui.lab.pwsh.engine import Engine

P = Parameter
_PIPE = {"from_pipeline": True}


def _site(inv: Invocation) -> CallSite:
    return inv._site


def _state(inv: Invocation) -> dict[str, Any]:
    return _site(inv).state


def _run_block(inv: Invocation, block: Any, item: Any, out: Callable[[Any], None]) -> None:
    from hvtui.lab.pwsh.functions import run_block_with_item

    if not isinstance(block, ScriptBlock):
        return
    run_block_with_item(_site(inv).fr, block, item, out)


def _collected(inv: Invocation, block: ScriptBlock, item: Any) -> Any:
    items: list[Any] = []
    _run_block(inv, block, item, items.append)
    if not items:
        return None
    return items[0] if len(items) == 1 else items


# --- ForEach-Object -------------------------------------------------------------------------------


def _foreach(inv: Invocation) -> None:
    item = inv.args.get("InputObject")
    if "MemberName" in inv.args:
        name = inv.args["MemberName"]
        arguments = inv.args.get("ArgumentList")
        if arguments is None and item is not None and get_member(item, name, _dialect(inv)) \
                is not None:
            for value in enumerate_value(get_member(item, name, _dialect(inv))):
                inv.write(value)
            return
        from hvtui.lab.pwsh.members import call_method

        result = call_method(item, name, list(arguments or []), _dialect(inv))
        for value in enumerate_value(result):
            inv.write(value)
        return
    for block in inv.args.get("Process") or []:
        _run_block(inv, block, item, inv.write)


def _foreach_begin(inv: Invocation) -> None:
    if inv.args.get("Begin") is not None:
        _run_block(inv, inv.args["Begin"], None, inv.write)


def _foreach_end(inv: Invocation) -> None:
    if inv.args.get("End") is not None:
        _run_block(inv, inv.args["End"], None, inv.write)


def _dialect(inv: Invocation) -> Any:
    return _site(inv).eng.dialect


# --- Where-Object ------------------------------------------------------------------------------


def _where(inv: Invocation) -> None:
    from hvtui.lab.pwsh.convert import to_bool

    item = inv.args.get("InputObject")
    if to_bool(_collected(inv, inv.args["FilterScript"], item)):
        inv.write(item)


# --- Select-Object -----------------------------------------------------------------------------


def _calculated(inv: Invocation, spec: PSHashtable) -> tuple[str, Any]:
    name: Any = None
    expression: Any = None
    for key, value in spec.entries():
        lowered = to_str(key).lower()
        if lowered and ("name".startswith(lowered) or "label".startswith(lowered)):
            name = value
        elif lowered and "expression".startswith(lowered):
            expression = value
        else:
            raise StatementError(PSErrorRecord(
                message=f'The "{key}" key is not valid.', category="InvalidArgument",
                fqid="DictionaryKeyIllegal,Microsoft.PowerShell.Commands.SelectObjectCommand",
                activity="Select-Object", reason="NotSupportedException"))
    if expression is None:
        raise StatementError(PSErrorRecord(
            message='The "Expression" key is missing.', category="InvalidArgument",
            fqid="DictionaryKeyMissing,Microsoft.PowerShell.Commands.SelectObjectCommand",
            activity="Select-Object", reason="NotSupportedException"))
    if name is None:
        name = to_str(expression)
    return to_str(name), expression


def _select_properties(inv: Invocation, item: Any, specs: list[Any]) -> PSObject:
    dialect = _dialect(inv)
    properties: list[tuple[str, Any]] = []
    for spec in specs:
        if isinstance(spec, PSHashtable):
            name, expression = _calculated(inv, spec)
            value = _collected(inv, expression, item) if isinstance(expression, ScriptBlock) \
                else get_member(item, to_str(expression), dialect)
            properties.append((name, value))
        elif isinstance(spec, ScriptBlock):
            properties.append((spec.text, _collected(inv, spec, item)))
        else:
            pattern = to_str(spec)
            if any(ch in pattern for ch in "*?[") and isinstance(item, PSObject):
                for name, value in item.items():
                    if fnmatch.fnmatchcase(name.lower(), pattern.lower()):
                        properties.append((name, value))
            else:
                properties.append((pattern, get_member(item, pattern, dialect)))
    original = item.type_name if isinstance(item, PSObject) else type_name_of(item)
    return PSObject(properties, type_names=(f"Selected.{original}", T.PSCUSTOMOBJECT,
                                            "System.Object"))


def _select(inv: Invocation) -> None:
    state = _state(inv)
    item = inv.args.get("InputObject")
    skip = inv.args.get("Skip", 0) or 0
    seen = state.setdefault("seen", 0)
    state["seen"] = seen + 1
    if seen < skip:
        return
    if "Property" in inv.args and inv.args["Property"] is not None:
        item = _select_properties(inv, item, list(inv.args["Property"]))
    outputs: list[Any] = [item]
    if "ExpandProperty" in inv.args:
        name = inv.args["ExpandProperty"]
        value = get_member(item, name, _dialect(inv))
        has = isinstance(item, PSObject) and item.has(name) or \
            isinstance(item, PSHashtable) and item.contains(name)
        if not has and value is None:
            inv.write_error(PSErrorRecord(
                message=f'Property "{name}" cannot be found.', category="InvalidArgument",
                fqid="ExpandPropertyNotFound,Microsoft.PowerShell.Commands.SelectObjectCommand",
                target=item, activity="Select-Object", reason="PSArgumentException",
                exception_type="System.Management.Automation.PSArgumentException"))
            return
        outputs = enumerate_value(value)
    for output in outputs:
        if inv.args.get("Unique"):
            unique: list[Any] = state.setdefault("unique", [])
            if any(equals(output, other, True, _dialect(inv)) for other in unique):
                continue
            unique.append(output)
        if "Last" in inv.args:
            buffer: list[Any] = state.setdefault("last", [])
            buffer.append(output)
            if len(buffer) > inv.args["Last"]:
                buffer.pop(0)
            continue
        first = inv.args.get("First")
        if first is not None:
            written = state.get("written", 0)
            if written >= first:
                _stop(inv)
            state["written"] = written + 1
            inv.write(output)
            if written + 1 >= first:
                _stop(inv)
            continue
        inv.write(output)


def _stop(inv: Invocation) -> None:
    from hvtui.lab.pwsh.commands import StopUpstream

    raise StopUpstream(_site(inv))


def _select_end(inv: Invocation) -> None:
    state = _state(inv)
    for item in state.get("last", []):
        inv.write(item)


# --- Measure-Object ----------------------------------------------------------------------------


def _measure(inv: Invocation) -> None:
    _state(inv).setdefault("items", []).append(inv.args.get("InputObject"))


def _measure_end(inv: Invocation) -> None:
    items: list[Any] = _state(inv).get("items", [])
    dialect = _dialect(inv)
    properties = inv.args.get("Property")
    if not properties:
        _measure_emit(inv, items, None)
        return
    for name in properties:
        values = []
        for item in items:
            if isinstance(item, PSObject) and item.has(name) or \
                    isinstance(item, PSHashtable) and item.contains(name):
                values.append(get_member(item, name, dialect))
        if not values and items:
            inv.write_error(PSErrorRecord(
                message=f'The property "{name}" cannot be found in the input for any objects.',
                category="InvalidArgument",
                fqid="GenericMeasurePropertyNotFound,Microsoft.PowerShell.Commands."
                     "MeasureObjectCommand", activity="Measure-Object",
                reason="PSArgumentException",
                exception_type="System.Management.Automation.PSArgumentException"))
            continue
        _measure_emit(inv, values, name)


def _measure_emit(inv: Invocation, values: list[Any], name: str | None) -> None:
    numbers: list[float] = []
    wanted = any(inv.args.get(k) for k in ("Average", "Sum", "Maximum", "Minimum"))
    if wanted:
        for value in values:
            if value is None:
                continue
            try:
                numbers.append(to_double(value))
            except Exception:  # noqa: BLE001 - any failure is PowerShell's non-numeric input
                inv.write_error(PSErrorRecord(
                    message=f'Input object "{to_str(value)}" is not numeric.',
                    category="InvalidType",
                    fqid="NonNumericInputObject,Microsoft.PowerShell.Commands."
                         "MeasureObjectCommand", activity="Measure-Object",
                    reason="PSInvalidOperationException"))
    count = len(values)
    result = PSObject([
        ("Count", count),
        ("Average", (sum(numbers) / len(numbers) if numbers else None)
         if inv.args.get("Average") else None),
        ("Sum", sum(numbers) if inv.args.get("Sum") else None),
        ("Maximum", (max(numbers) if numbers else None) if inv.args.get("Maximum") else None),
        ("Minimum", (min(numbers) if numbers else None) if inv.args.get("Minimum") else None),
        ("Property", name),
    ], type_names=("Microsoft.PowerShell.Commands.GenericMeasureInfo",
                   "Microsoft.PowerShell.Commands.MeasureInfo", "System.Object"))
    inv.write(result)


# --- Sort-Object -------------------------------------------------------------------------------


def _sort(inv: Invocation) -> None:
    _state(inv).setdefault("items", []).append(inv.args.get("InputObject"))


def _sort_key(inv: Invocation, spec: Any) -> Callable[[Any], Any]:
    """What Sort-Object compares for one -Property entry."""
    dialect = _dialect(inv)
    if isinstance(spec, ScriptBlock):
        return lambda item: _collected(inv, spec, item)
    name = to_str(spec)
    return lambda item: get_member(item, name, dialect)


def _sort_end(inv: Invocation) -> None:
    import functools

    items: list[Any] = _state(inv).get("items", [])
    dialect = _dialect(inv)
    case = bool(inv.args.get("CaseSensitive"))
    descending = bool(inv.args.get("Descending"))
    keys: list[tuple[Callable[[Any], Any], bool]] = []
    for spec in inv.args.get("Property") or []:
        if isinstance(spec, PSHashtable):
            expression: Any = None
            reverse = descending
            for key, value in spec.entries():
                lowered = to_str(key).lower()
                if lowered and "expression".startswith(lowered):
                    expression = value
                elif lowered and ("descending".startswith(lowered) or
                                  "ascending".startswith(lowered)):
                    reverse = bool(value) == lowered.startswith("d")
            keys.append((_sort_key(inv, expression), reverse))
        else:
            keys.append((_sort_key(inv, spec), descending))
    if not keys:
        keys.append((lambda item: item, descending))

    def ordering(a: Any, b: Any) -> int:
        for key, reverse in keys:
            result = compare(key(a), key(b), case, dialect)
            if result:
                return -result if reverse else result
        return 0

    ordered = sorted(items, key=functools.cmp_to_key(ordering))
    if inv.args.get("Unique"):
        unique: list[Any] = []
        for item in ordered:
            if not unique or ordering(unique[-1], item) != 0:
                unique.append(item)
        ordered = unique
    for item in ordered:
        inv.write(item)


# --- Get-Command -------------------------------------------------------------------------------


def _constant(text: str) -> Callable[[], str]:
    return lambda: text


def _module_info(command: Command) -> PSObject | None:
    """``CommandInfo.Module``: the PSModuleInfo of the command's module (Name and Version),
    None for a command without a module (the core cmdlets Windows PowerShell serves from
    its Microsoft.PowerShell.Core snap-in)."""
    if not command.module_version:
        return None
    name = command.module
    return PSObject([("Name", name), ("Version", PSVersion.parse(command.module_version))],
                    type_names=("System.Management.Automation.PSModuleInfo", "System.Object"),
                    to_string=_constant(name))


def command_info(command: Command, kind: str | None = None,
                 version: tuple[int, int] = (7, 4)) -> PSObject:
    """What Get-Command writes for ``command`` on a PowerShell of ``version``: ``Parameters``
    holds its own parameters and the common ones that version has."""
    from hvtui.lab.pwsh.binding import metadata

    kind = kind or command.kind
    meta = metadata(command)
    parameters = PSHashtable()
    for name in meta.order:
        parameter = meta.by_name.get(name) or meta.common[name]
        if name not in meta.by_name and not _since(parameter, version):
            continue
        parameters.put(name, PSObject([
            ("Name", name), ("ParameterType", parameter.type),
            ("Aliases", list(parameter.aliases)), ("SwitchParameter", parameter.is_switch),
            ("IsDynamic", False),
        ], type_names=("System.Management.Automation.ParameterMetadata", "System.Object"),
            to_string=_constant(name)))
    sets = [PSObject([("Name", s.name), ("IsDefault", s.name == command.default_set)],
                     to_string=_constant(s.name)) for s in command.parameter_sets]
    values = {"Cmdlet": 8, "Function": 2}
    return PSObject([
        ("Name", command.name),
        ("CommandType", PSEnum("System.Management.Automation.CommandTypes", kind,
                               values.get(kind, 8))),
        ("ModuleName", command.module),
        ("Source", command.module),
        ("Module", _module_info(command)),
        ("Parameters", parameters),
        ("ParameterSets", sets),
        ("DefaultParameterSet", command.default_set),
    ], type_names=(f"System.Management.Automation.{kind}Info",
                   "System.Management.Automation.CommandInfo", "System.Object"),
        to_string=lambda: command.name)


def _get_command(inv: Invocation) -> None:
    from hvtui.lab.pwsh.errors import command_not_found

    eng = _site(inv).eng
    for name in inv.args.get("Name") or []:
        if any(ch in name for ch in "*?["):
            # Wildcards search the core cmdlets, the script's functions and, when the host
            # can list them (an optional ``command_names()`` on the Runtime), its commands.
            listed = getattr(eng.runtime, "command_names", None)
            names = sorted(set(_core_names(eng)) | {f.name for f in eng.functions.values()} |
                           set(listed() if callable(listed) else ()))
            for candidate in names:
                if fnmatch.fnmatchcase(candidate.lower(), name.lower()):
                    function = eng.functions.get(candidate.lower())
                    if function is not None:
                        inv.write(command_info(function.command, "Function", _version(eng)))
                        continue
                    found = command(candidate.lower(), eng) or eng.runtime.command(candidate)
                    if found is not None:
                        inv.write(command_info(found, version=_version(eng)))
            continue
        found = eng.functions.get(name.lower())
        if found is not None:
            inv.write(command_info(found.command, "Function", _version(eng)))
            continue
        resolved = command(name.lower(), eng) or eng.runtime.command(name)
        if resolved is None:
            record = command_not_found(name, eng.core)
            from dataclasses import replace

            inv.write_error(replace(
                record, fqid="CommandNotFoundException,Microsoft.PowerShell.Commands."
                             "GetCommandCommand", activity="Get-Command"))
            continue
        inv.write(command_info(resolved, version=_version(eng)))


# --- Write-* and Out-Null ----------------------------------------------------------------------


def _write_output(inv: Invocation) -> None:
    value = inv.args.get("InputObject")
    if inv.args.get("NoEnumerate"):
        inv.write(value)
        return
    for item in enumerate_value(value) if value is not None else [None]:
        inv.write(item)


def _write_error(inv: Invocation) -> None:
    record = inv.args.get("ErrorRecord")
    if isinstance(record, PSErrorRecord):
        inv.write_error(record)
        return
    message = inv.args.get("Message") or ""
    category = inv.args.get("Category") or "NotSpecified"
    error_id = inv.args.get("ErrorId")
    inv.write_error(PSErrorRecord(
        message=message, category=to_str(category),
        fqid=error_id or "Microsoft.PowerShell.Commands.WriteErrorException",
        target=inv.args.get("TargetObject"), reason="WriteErrorException",
        exception_type="Microsoft.PowerShell.Commands.WriteErrorException",
        activity="Write-Error"))


def _write_warning(inv: Invocation) -> None:
    inv.warn(inv.args.get("Message") or "")


def _write_progress(inv: Invocation) -> None:
    percent = inv.args.get("PercentComplete", -1)
    if inv.args.get("Completed"):
        percent = 100
    site = _site(inv)
    status = inv.args.get("Status") or "Processing"
    site.progress(ProgressRecord(activity=inv.args.get("Activity") or "", status=status,
                                 percent=percent if percent is not None else -1))


def _ignore(inv: Invocation) -> None:
    """Streams an Outcome does not carry: verbose, debug, information (Write-Host)."""
    return None


def _start_sleep(inv: Invocation) -> None:
    seconds = inv.args.get("Seconds")
    if seconds is None:
        seconds = (inv.args.get("Milliseconds") or 0) / 1000
    inv.sleep(seconds)


def _new_object(inv: Invocation) -> None:
    """``New-Object TypeName [-ArgumentList ...]``: a zeroed ``byte[]`` of a given length, or
    an object the host's runtime constructs (``Runtime.new_object``: the lab's named pipes);
    any other type is outside the subset."""
    written = to_str(inv.args.get("TypeName"))
    element, many = T.split_array(written)
    full = T.resolve(element)
    args = inv.args.get("ArgumentList") or []
    args = args if isinstance(args, list) else [args]
    if many and full == T.BYTE and len(args) == 1:
        inv.write([0] * int(to_double(args[0])))
        return
    construct = getattr(_site(inv).eng.runtime, "new_object", None)
    made = construct(full, args) if full is not None and callable(construct) else None
    if made is None:
        inv.throw(PSErrorRecord(
            message=f"Cannot find type [{written}]: verify that the assembly containing this "
                    "type is loaded.",
            category="InvalidType", fqid="TypeNotFound",
            reason="PSArgumentException",
            exception_type="System.Management.Automation.PSArgumentException"))
        return
    inv.write(made)


def _convert_to_json(inv: Invocation) -> None:
    _state(inv).setdefault("items", []).append(inv.args.get("InputObject"))


def _convert_to_json_end(inv: Invocation) -> None:
    from hvtui.lab.pwsh.jsonout import to_json

    items: list[Any] = _state(inv).get("items", [])
    if not items:
        return
    site = _site(inv)
    value: Any = items[0] if len(items) == 1 and not inv.args.get("AsArray") else items
    text, truncated = to_json(
        value, depth=inv.args.get("Depth", 2), compress=bool(inv.args.get("Compress")),
        core=site.eng.core, enums_as_strings=bool(inv.args.get("EnumsAsStrings")),
        dialect=site.eng.dialect)
    if truncated and site.eng.core:
        inv.warn(f"Resulting JSON is truncated as serialization has exceeded the set depth of "
                 f"{inv.args.get('Depth', 2)}.")
    inv.write(text)


# --- the table ---------------------------------------------------------------------------------


def _cmd(name: str, sets: list[tuple[str, list[Parameter]]], default: str | None,
         invoke: Callable[[Invocation], None], type_name: str, *,
         begin: Callable[[Invocation], None] | None = None,
         end: Callable[[Invocation], None] | None = None) -> Command:
    return Command(
        name=name, module="Microsoft.PowerShell.Core" if name in _CORE_MODULE else
        "Microsoft.PowerShell.Utility",
        parameter_sets=tuple(ParameterSet(n, tuple(ps)) for n, ps in sets),
        default_set=default, invoke=invoke, type_name=type_name, begin=begin, end=end)


_CORE_MODULE = {"ForEach-Object", "Where-Object", "Get-Command", "Out-Null"}
_INPUT = P("InputObject", "PSObject", **_PIPE)  # type: ignore[arg-type]


def _declarations() -> list[Command]:
    util = "Microsoft.PowerShell.Commands."
    return [
        _cmd("ForEach-Object", [
            ("ScriptBlockSet", [P("Process", "ScriptBlock[]", mandatory=True, position=0),
                                P("Begin", "ScriptBlock"), P("End", "ScriptBlock"),
                                _INPUT]),
            ("PropertyAndMethodSet", [P("MemberName", "String", mandatory=True, position=0),
                                      P("ArgumentList", "Object[]", aliases=("Args",)),
                                      _INPUT]),
        ], "ScriptBlockSet", _foreach, util + "ForEachObjectCommand", begin=_foreach_begin,
            end=_foreach_end),
        _cmd("Where-Object", [
            ("ScriptBlockSet", [P("FilterScript", "ScriptBlock", mandatory=True, position=0),
                                _INPUT]),
        ], "ScriptBlockSet", _where, util + "WhereObjectCommand"),
        _cmd("Select-Object", [
            ("DefaultParameter", [P("Property", "Object[]", position=0),
                                  P("ExcludeProperty", "String[]"),
                                  P("ExpandProperty", "String"), P("First", "Int32"),
                                  P("Last", "Int32"), P("Skip", "Int32"),
                                  P("Unique", "SwitchParameter"), _INPUT]),
        ], "DefaultParameter", _select, util + "SelectObjectCommand", end=_select_end),
        _cmd("Measure-Object", [
            ("GenericMeasure", [P("Property", "String[]", position=0),
                                P("Average", "SwitchParameter"), P("Sum", "SwitchParameter"),
                                P("Maximum", "SwitchParameter"),
                                P("Minimum", "SwitchParameter"), _INPUT]),
        ], "GenericMeasure", _measure, util + "MeasureObjectCommand", end=_measure_end),
        _cmd("Sort-Object", [
            ("Default", [P("Property", "Object[]", position=0),
                         P("Descending", "SwitchParameter"), P("Unique", "SwitchParameter"),
                         P("CaseSensitive", "SwitchParameter"), _INPUT]),
        ], "Default", _sort, util + "SortObjectCommand", end=_sort_end),
        _cmd("Get-Command", [
            ("AllCommandSet", [P("Name", "String[]", position=0),
                               P("Module", "String[]"), P("All", "SwitchParameter")]),
        ], "AllCommandSet", _get_command, util + "GetCommandCommand"),
        _cmd("Write-Output", [
            ("Default", [P("InputObject", "PSObject[]", position=0, from_pipeline=True),
                         # UNCONFIRMED: 2.0's help lacks -NoEnumerate, 3.0's was not
                         # checked; 4.0 is the stricter choice.
                         P("NoEnumerate", "SwitchParameter", since="4.0")]),
        ], "Default", _write_output, util + "WriteOutputCommand"),
        _cmd("Write-Error", [
            ("NoException", [P("Message", "String", mandatory=True, position=0,
                               from_pipeline=True, aliases=("Msg",)),
                             P("Category", "String"), P("ErrorId", "String"),
                             P("TargetObject", "Object")]),
            ("ErrorRecord", [P("ErrorRecord", "Object", mandatory=True)]),
        ], "NoException", _write_error, util + "WriteErrorCommand"),
        _cmd("Write-Warning", [
            ("Default", [P("Message", "String", mandatory=True, position=0, from_pipeline=True,
                           aliases=("Msg",))]),
        ], "Default", _write_warning, util + "WriteWarningCommand"),
        _cmd("Write-Verbose", [
            ("Default", [P("Message", "String", mandatory=True, position=0, from_pipeline=True,
                           aliases=("Msg",))]),
        ], "Default", _ignore, util + "WriteVerboseCommand"),
        _cmd("Write-Debug", [
            ("Default", [P("Message", "String", mandatory=True, position=0, from_pipeline=True,
                           aliases=("Msg",))]),
        ], "Default", _ignore, util + "WriteDebugCommand"),
        _cmd("Write-Host", [
            ("Default", [P("Object", "Object", position=0, from_pipeline=True),
                         P("NoNewline", "SwitchParameter"), P("Separator", "Object"),
                         P("ForegroundColor", "String"), P("BackgroundColor", "String")]),
        ], "Default", _ignore, util + "WriteHostCommand"),
        _cmd("Write-Information", [
            ("Default", [P("MessageData", "Object", mandatory=True, position=0,
                           aliases=("Msg",)), P("Tags", "String[]", position=1)]),
        ], "Default", _ignore, util + "WriteInformationCommand"),
        _cmd("Start-Sleep", [
            ("Seconds", [P("Seconds", "Double", mandatory=True, position=0)]),
            ("Milliseconds", [P("Milliseconds", "Int32", mandatory=True,
                                aliases=("ms",))]),
        ], "Seconds", _start_sleep, util + "StartSleepCommand"),
        _cmd("New-Object", [
            ("Net", [P("TypeName", "String", mandatory=True, position=0),
                     P("ArgumentList", "Object[]", position=1, aliases=("Args",))]),
        ], "Net", _new_object, util + "NewObjectCommand"),
        _cmd("Write-Progress", [
            ("Default", [P("Activity", "String", mandatory=True, position=0),
                         P("Status", "String", position=1), P("Id", "Int32", position=2),
                         P("PercentComplete", "Int32"), P("SecondsRemaining", "Int32"),
                         P("CurrentOperation", "String"), P("ParentId", "Int32"),
                         P("Completed", "SwitchParameter")]),
        ], "Default", _write_progress, util + "WriteProgressCommand"),
        _cmd("Out-Null", [("Default", [_INPUT])], "Default", _ignore,
             util + "OutNullCommand"),
        _cmd("ConvertTo-Json", [
            ("Default", [P("InputObject", "Object", mandatory=True, position=0,
                           from_pipeline=True, allow_null=True),
                         P("Depth", "Int32"), P("Compress", "SwitchParameter"),
                         P("EnumsAsStrings", "SwitchParameter", since="6.2"),
                         P("AsArray", "SwitchParameter", since="6.2")]),
        ], "Default", _convert_to_json, util + "ConvertToJsonCommand",
            end=_convert_to_json_end),
    ]


_ALIASES = {"%": "foreach-object", "foreach": "foreach-object", "?": "where-object",
            "where": "where-object", "select": "select-object", "sort": "sort-object",
            "measure": "measure-object", "echo": "write-output", "write": "write-output"}

_BY_VERSION: dict[tuple[int, int], dict[str, Command]] = {}
_COMMAND_SINCE = {"write-information": (5, 0)}
"""Core cmdlets newer than PowerShell 3.0 (about_Information_Streams: 5.0)."""


def _since(parameter: Parameter, version: tuple[int, int]) -> bool:
    if not parameter.since:
        return True
    major, _, minor = parameter.since.partition(".")
    return version >= (int(major), int(minor or 0))


def commands_for(version: tuple[int, int]) -> dict[str, Command]:
    """The core cmdlets of a PowerShell version, by lower-cased name."""
    table = _BY_VERSION.get(version)
    if table is None:
        table = {}
        for declared in _declarations():
            if version < _COMMAND_SINCE.get(declared.name.lower(), (3, 0)):
                continue
            sets = tuple(ParameterSet(s.name, tuple(p for p in s.parameters
                                                    if _since(p, version)))
                         for s in declared.parameter_sets)
            table[declared.name.lower()] = Command(
                declared.name, declared.module, sets, declared.default_set, declared.invoke,
                type_name=declared.type_name, begin=declared.begin, end=declared.end)
        _BY_VERSION[version] = table
    return table


def _core_names(eng: Engine) -> list[str]:
    return [c.name for c in commands_for(_version(eng)).values()]


def _version(eng: Engine) -> tuple[int, int]:
    return (int(eng.version[0]), int(eng.version[1]))


def command(lowered: str, eng: Engine) -> Command | None:
    table = commands_for(_version(eng))
    return table.get(_ALIASES.get(lowered, lowered))


CORE_COMMANDS = tuple(c.name for c in _declarations())
"""The names of the cmdlets the engine provides on every host."""

NOT_IMPLEMENTED = frozenset(name.lower() for name in (
    "Set-StrictMode", "Add-Member", "Get-Member", "Out-String", "Out-Host",
    "Out-Default", "Format-List", "Format-Table", "Format-Wide", "Format-Custom",
    "Group-Object", "Compare-Object", "Tee-Object", "Get-Unique", "ConvertFrom-Json",
    "ConvertTo-Csv", "ConvertFrom-Csv", "ConvertTo-Xml", "New-Variable", "Set-Variable",
    "Get-Variable", "Remove-Variable", "Clear-Variable", "Invoke-Expression", "iex",
    "Invoke-Command", "Start-Job", "Wait-Job", "Receive-Job", "Trace-Command",
    "Measure-Command", "Select-String", "Update-TypeData", "Add-Type", "Select-Xml",
))
"""Core cmdlets every PowerShell has that this engine does not implement: a script that
calls one is outside the subset (refused by ``unsupported``) rather than failing on the lab
with a CommandNotFoundException no real host would give."""
