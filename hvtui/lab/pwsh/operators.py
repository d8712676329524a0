"""Operators, member access and method calls, with PowerShell's conversion rules.

Comparisons convert the right operand to the left operand's type and are case-insensitive
unless the ``-c`` form is used; a collection on the left filters (``@(1,2,3) -gt 1`` is
``@(2,3)``). Member access enumerates collections (PowerShell 3.0+): ``@($a, $b).Name`` is
each element's Name. Errors raise :class:`StatementError` with PowerShell's texts.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import uuid
from collections.abc import Callable
from typing import Any

from hvtui.lab.pwsh import types as T
from hvtui.lab.pwsh.convert import (
    DESKTOP,
    Dialect,
    convert,
    convert_array,
    format_double,
    to_bool,
    to_number,
    to_str,
    type_name_of,
)
from hvtui.lab.pwsh.errors import (
    ConversionError,
    PSErrorRecord,
    StatementError,
    runtime_error,
)
from hvtui.lab.pwsh.values import PSEnum, PSHashtable, PSObject, PSVersion, ScriptBlock, XmlNode

_INT64 = (-(2**63), 2**63 - 1)


def cast_error(exc: ConversionError) -> StatementError:
    return StatementError(PSErrorRecord(
        message=exc.reason, category=exc.category, fqid=exc.fqid,
        reason="PSInvalidCastException" if exc.fqid != "TypeNotFound" else "RuntimeException",
        exception_type="System.Management.Automation.PSInvalidCastException",
    ))


def method_error(name: str, args: int, exc_type: str, message: str) -> StatementError:
    """A .NET method threw: MethodInvocationException, FQID = the inner exception's type."""
    return StatementError(PSErrorRecord(
        message=f'Exception calling "{name}" with "{args}" argument(s): "{message}"',
        category="NotSpecified", fqid=exc_type, reason="MethodInvocationException",
        exception_type="System.Management.Automation.MethodInvocationException",
    ))


def method_not_found(obj: Any, name: str) -> StatementError:
    return StatementError(runtime_error(
        f"Method invocation failed because [{type_name_of(obj)}] does not contain a method "
        f"named '{name}'.", "MethodNotFound", target=obj))


def _bad_operator(op: str, left: Any) -> StatementError:
    names = {"+": "op_Addition", "-": "op_Subtraction", "*": "op_Multiply", "/": "op_Division",
             "%": "op_Modulus"}
    return method_not_found(left, names.get(op, op))


def enumerate_value(value: Any) -> list[Any]:
    """What a value sends down a pipeline: a list's elements, else the value itself."""
    return value if isinstance(value, list) else [value]


def _int_result(value: int) -> int | float:
    return value if _INT64[0] <= value <= _INT64[1] else float(value)


# --- arithmetic --------------------------------------------------------------------------------


def arithmetic(op: str, left: Any, right: Any, dialect: Dialect = DESKTOP) -> Any:
    try:
        return _arithmetic(op, left, right, dialect)
    except ConversionError as exc:
        raise cast_error(exc) from None


def _arithmetic(op: str, left: Any, right: Any, dialect: Dialect) -> Any:
    if op == "+":
        if left is None:
            return list(right) if isinstance(right, list) else right
        if isinstance(left, list):
            return [*left, *(right if isinstance(right, list) else [right])]
        if isinstance(left, PSHashtable):
            if not isinstance(right, PSHashtable):
                raise StatementError(runtime_error(
                    "A hash table can only be added to another hash table.",
                    "AddHashTableToNonHashTable"))
            merged = PSHashtable(left.ordered)
            for key, value in left.entries():
                merged.put(key, value)
            for key, value in right.entries():
                if merged.contains(key):
                    raise StatementError(runtime_error(
                        f"Item has already been added. Key in dictionary: '{key}'  Key being "
                        f"added: '{key}'", "System.ArgumentException"))
                merged.put(key, value)
            return merged
        if isinstance(left, str):
            return left + to_str(right, dialect)
        if isinstance(left, dt.datetime) and isinstance(right, dt.timedelta):
            return left + right
        if isinstance(left, dt.timedelta) and isinstance(right, dt.timedelta):
            return left + right
    if op == "*":
        if isinstance(left, str):
            return left * max(0, int(convert(right, T.INT32, dialect)))
        if isinstance(left, list):
            return left * max(0, int(convert(right, T.INT32, dialect)))
    if op == "-":
        if isinstance(left, dt.datetime):
            if isinstance(right, dt.datetime):
                return left - right
            if isinstance(right, dt.timedelta):
                return left - right
        if isinstance(left, dt.timedelta) and isinstance(right, dt.timedelta):
            return left - right
    if left is None:
        left = 0
    if not isinstance(left, int | float | str | PSEnum) or isinstance(right, list):
        raise _bad_operator(op, left)
    a = to_number(left, dialect)
    b = to_number(right, dialect) if right is not None else 0
    if op == "+":
        result = a + b
    elif op == "-":
        result = a - b
    elif op == "*":
        result = a * b
    elif op == "/":
        if b == 0:
            if isinstance(a, float) or isinstance(b, float):
                return math.copysign(math.inf, a) if a else math.nan
            raise StatementError(PSErrorRecord(
                message="Attempted to divide by zero.", category="NotSpecified",
                fqid="RuntimeException", reason="RuntimeException"))
        if isinstance(a, int) and isinstance(b, int) and a % b == 0:
            return _int_result(a // b)
        return a / b
    elif op == "%":
        if b == 0:
            raise StatementError(PSErrorRecord(
                message="Attempted to divide by zero.", category="NotSpecified",
                fqid="RuntimeException", reason="RuntimeException"))
        if isinstance(a, int) and isinstance(b, int):
            result = (abs(a) % abs(b)) * (1 if a >= 0 else -1)
        else:
            result = math.fmod(a, b)
    else:
        raise _bad_operator(op, left)
    return _int_result(result) if isinstance(result, int) else result


def negate(value: Any, dialect: Dialect = DESKTOP) -> Any:
    try:
        number = to_number(value, dialect)
    except ConversionError as exc:
        raise cast_error(exc) from None
    return -number


# --- comparison --------------------------------------------------------------------------------


def _fold(text: str, case: bool) -> str:
    return text if case else text.lower()


def equals(left: Any, right: Any, case: bool = False, dialect: Dialect = DESKTOP) -> bool:
    """Scalar ``-eq``: the right operand is converted to the left operand's type."""
    if left is None:
        return right is None
    if right is None:
        return False
    if isinstance(left, str):
        if isinstance(right, list):
            return False
        return _fold(left, case) == _fold(to_str(right, dialect), case)
    if isinstance(left, bool):
        return left == to_bool(right)
    if isinstance(left, int | float):
        if isinstance(right, bool):
            return left == int(right)
        if isinstance(right, int | float):
            return left == right
        if isinstance(right, PSEnum):
            return left == right.value
        if isinstance(right, str):
            try:
                number = to_number(right, dialect)
            except ConversionError:
                return False
            return left == number
        return False
    if isinstance(left, PSEnum):
        if isinstance(right, PSEnum):
            return left.value == right.value
        if isinstance(right, str):
            names = [n.strip().lower() for n in right.split(",")]
            return len(names) == 1 and names[0] == left.name.lower()
        if isinstance(right, int | float) and not isinstance(right, bool):
            return left.value == right
        return False
    if isinstance(left, dt.datetime | dt.timedelta | uuid.UUID | PSVersion):
        try:
            return bool(left == convert(right, type_name_of(left), dialect))
        except ConversionError:
            return False
    if isinstance(left, PSErrorRecordTypes):
        return left is right
    return left is right or (not isinstance(left, PSObject | PSHashtable | list) and
                             left == right)


PSErrorRecordTypes = (PSErrorRecord,)


def compare(left: Any, right: Any, case: bool = False, dialect: Dialect = DESKTOP) -> int:
    """-1, 0 or 1, as LanguagePrimitives.Compare (used by -lt/-gt and Sort-Object)."""
    if left is None and right is None:
        return 0
    if left is None:
        return -1
    if right is None:
        return 1
    try:
        if isinstance(left, str):
            a, b = _fold(left, case), _fold(to_str(right, dialect), case)
            return (a > b) - (a < b)
        if isinstance(left, bool):
            a2, b2 = int(left), int(to_bool(right))
            return (a2 > b2) - (a2 < b2)
        if isinstance(left, int | float | PSEnum):
            a3 = left.value if isinstance(left, PSEnum) else left
            if isinstance(left, PSEnum) and isinstance(right, str):
                b3: Any = right
                if right.lower() == left.name.lower():
                    return 0
            b3 = right.value if isinstance(right, PSEnum) else to_number(right, dialect)
            return int((a3 > b3) - (a3 < b3))
        if isinstance(left, dt.datetime | dt.timedelta | PSVersion):
            other = convert(right, type_name_of(left), dialect)
            return int((left > other) - (left < other))
    except ConversionError as exc:
        raise StatementError(PSErrorRecord(
            message=f'Could not compare "{to_str(left, dialect)}" to '
                    f'"{to_str(right, dialect)}". Error: "{exc.reason}"',
            category="InvalidOperation", fqid="ComparisonFailure")) from None
    raise StatementError(PSErrorRecord(
        message=f'Cannot compare "{to_str(left, dialect)}" because it is not IComparable.',
        category="InvalidOperation", fqid="NotIcomparable"))


def wildcard(pattern: str, case: bool = False) -> re.Pattern[str]:
    """A PowerShell wildcard (``*``, ``?``, ``[a-z]``, backtick escapes) as a regex."""
    out = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "`" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        if ch == "*":
            out.append(".*")
        elif ch == "?":
            out.append(".")
        elif ch == "[":
            close = pattern.find("]", i + 1)
            if close == -1:
                out.append(re.escape(ch))
            else:
                out.append("[" + pattern[i + 1:close].replace("\\", "\\\\") + "]")
                i = close
        else:
            out.append(re.escape(ch))
        i += 1
    return re.compile("".join(out) + r"\Z", re.DOTALL if case else re.DOTALL | re.IGNORECASE)


_NET_GROUP = re.compile(r"\(\?<(?![=!])")
_NET_BACKREF = re.compile(r"\\k<([A-Za-z_][A-Za-z0-9_]*)>")


def regex(pattern: str, case: bool = False) -> re.Pattern[str]:
    """A .NET regular expression as Python's: named groups ``(?<n>...)`` and ``\\k<n>``
    spelled Python's way; the rest of the syntax the scripts use is common to both."""
    python = _NET_BACKREF.sub(r"(?P=\1)", _NET_GROUP.sub("(?P<", pattern))
    try:
        return re.compile(python, 0 if case else re.IGNORECASE)
    except re.error as exc:
        raise StatementError(PSErrorRecord(
            message=f"The regular expression pattern {pattern} is not valid.",
            category="InvalidOperation", fqid="InvalidRegularExpression",
            extra={"detail": str(exc)})) from None


def _matches_table(found: re.Match[str]) -> PSHashtable:
    table = PSHashtable()
    table.put(0, found.group(0))
    for index, value in enumerate(found.groups(), start=1):
        if value is not None:
            table.put(index, value)
    for name, value in found.groupdict().items():
        if value is not None:
            table.put(name, value)
    return table


def _replacement(text: str) -> Callable[[re.Match[str]], str]:
    """A .NET replacement string ($1, ${name}, $$, $0) as a function of the match."""
    def expand(found: re.Match[str]) -> str:
        out: list[str] = []
        i = 0
        while i < len(text):
            ch = text[i]
            if ch == "$" and i + 1 < len(text):
                nxt = text[i + 1]
                if nxt == "$":
                    out.append("$")
                    i += 2
                    continue
                if nxt.isdigit():
                    j = i + 1
                    while j < len(text) and text[j].isdigit():
                        j += 1
                    group = int(text[i + 1:j])
                    if group <= (found.re.groups or 0):
                        out.append(found.group(group) or "")
                        i = j
                        continue
                if nxt == "{":
                    close = text.find("}", i + 2)
                    if close != -1:
                        name = text[i + 2:close]
                        try:
                            out.append(found.group(int(name) if name.isdigit() else name) or "")
                            i = close + 1
                            continue
                        except IndexError:
                            pass
            out.append(ch)
            i += 1
        return "".join(out)
    return expand


def binary_compare(op: str, left: Any, right: Any, dialect: Dialect = DESKTOP,
                   set_matches: Callable[[PSHashtable], None] | None = None) -> Any:
    """The comparison-family operators (-eq... -like -match -contains -in -replace -split
    -join -is -as -f); ``op`` lower-cased, with any c/i prefix."""
    case = False
    base = op[1:]
    if base[0] in "ci" and base[1:] in _CASED:
        case = base[0] == "c"
        base = base[1:]
    if base in ("eq", "ne", "gt", "ge", "lt", "le", "like", "notlike", "match", "notmatch"):
        test = _scalar_test(base, right, case, dialect)
        if isinstance(left, list):
            return [item for item in left if test(item)]
        if base in ("match", "notmatch"):
            found = regex(to_str(right, dialect), case).search(to_str(left, dialect))
            if found and set_matches is not None:
                set_matches(_matches_table(found))
            return (found is not None) == (base == "match")
        return test(left)
    if base in ("contains", "notcontains"):
        items = left if isinstance(left, list) else [left]
        hit = any(equals(item, right, case, dialect) for item in items)
        return hit == (base == "contains")
    if base in ("in", "notin"):
        items = right if isinstance(right, list) else [right]
        hit = any(equals(item, left, case, dialect) for item in items)
        return hit == (base == "in")
    if base == "replace":
        parts = right if isinstance(right, list) else [right]
        if len(parts) > 2:
            raise StatementError(runtime_error(
                "The -replace operator allows only two elements to follow it, not "
                f"{len(parts)}.", "BadReplaceArgument"))
        pattern = regex(to_str(parts[0], dialect), case)
        replacement = to_str(parts[1], dialect) if len(parts) > 1 else ""
        expand = _replacement(replacement)
        if isinstance(left, list):
            return [pattern.sub(expand, to_str(item, dialect)) for item in left]
        return pattern.sub(expand, to_str(left, dialect))
    if base == "split":
        parts = right if isinstance(right, list) else [right]
        pattern = regex(to_str(parts[0], dialect), case)
        limit = int(convert(parts[1], T.INT32, dialect)) if len(parts) > 1 else 0
        out: list[Any] = []
        for item in (left if isinstance(left, list) else [left]):
            out.extend(pattern.split(to_str(item, dialect), maxsplit=max(0, limit - 1))
                       if pattern.groups == 0 else
                       [p for p in pattern.split(to_str(item, dialect),
                                                 maxsplit=max(0, limit - 1)) if p is not None])
        return out
    if base == "join":
        items = left if isinstance(left, list) else [left]
        return to_str(right, dialect).join(to_str(item, dialect) for item in items)
    if base == "f":
        return format_string(to_str(left, dialect), enumerate_value(right), dialect)
    raise StatementError(runtime_error(f"operator {op} is not supported", "OperatorNotSupported"))


_CASED = {"eq", "ne", "gt", "ge", "lt", "le", "like", "notlike", "match", "notmatch", "contains",
          "notcontains", "in", "notin", "replace", "split"}


def _scalar_test(base: str, right: Any, case: bool, dialect: Dialect) -> Callable[[Any], bool]:
    if base == "eq":
        return lambda item: equals(item, right, case, dialect)
    if base == "ne":
        return lambda item: not equals(item, right, case, dialect)
    if base == "gt":
        return lambda item: compare(item, right, case, dialect) > 0
    if base == "ge":
        return lambda item: compare(item, right, case, dialect) >= 0
    if base == "lt":
        return lambda item: compare(item, right, case, dialect) < 0
    if base == "le":
        return lambda item: compare(item, right, case, dialect) <= 0
    if base in ("like", "notlike"):
        pattern = wildcard(to_str(right, dialect), case)
        positive = base == "like"
        return lambda item: (pattern.match(to_str(item, dialect)) is not None) == positive
    pattern2 = regex(to_str(right, dialect), case)
    positive2 = base == "match"
    return lambda item: (pattern2.search(to_str(item, dialect)) is not None) == positive2


def format_string(template: str, args: list[Any], dialect: Dialect = DESKTOP) -> str:
    """The -f operator: .NET composite formatting for {index[,alignment][:format]}."""
    out: list[str] = []
    i = 0
    while i < len(template):
        ch = template[i]
        if ch == "{":
            if template.startswith("{{", i):
                out.append("{")
                i += 2
                continue
            close = template.find("}", i)
            if close == -1:
                raise _format_error()
            spec = template[i + 1:close]
            head, _, fmt = spec.partition(":")
            index_text, _, align = head.partition(",")
            try:
                index = int(index_text)
            except ValueError:
                raise _format_error() from None
            if index >= len(args):
                raise StatementError(PSErrorRecord(
                    message='Error formatting a string: Index (zero based) must be greater '
                            'than or equal to zero and less than the size of the argument '
                            'list..', category="InvalidOperation", fqid="FormatError"))
            text = _format_value(args[index], fmt, dialect)
            if align:
                width = int(align)
                text = text.rjust(width) if width > 0 else text.ljust(-width)
            out.append(text)
            i = close + 1
            continue
        if ch == "}" and template.startswith("}}", i):
            out.append("}")
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _format_error() -> StatementError:
    return StatementError(PSErrorRecord(
        message="Error formatting a string: Input string was not in a correct format..",
        category="InvalidOperation", fqid="FormatError"))


def _format_value(value: Any, fmt: str, dialect: Dialect) -> str:
    if not fmt:
        return to_str(value, dialect)
    kind, digits_text = fmt[0].upper(), fmt[1:]
    digits = int(digits_text) if digits_text.isdigit() else None
    if isinstance(value, int | float) and not isinstance(value, bool):
        if kind == "N":
            return f"{value:,.{2 if digits is None else digits}f}"
        if kind == "F":
            return f"{value:.{2 if digits is None else digits}f}"
        if kind == "D" and isinstance(value, int):
            return str(value).zfill(digits or 0) if value >= 0 else \
                "-" + str(-value).zfill(digits or 0)
        if kind == "X" and isinstance(value, int):
            text = f"{value:x}".zfill(digits or 0)
            return text.upper() if fmt[0] == "X" else text
        if kind == "P":
            return f"{value * 100:,.{2 if digits is None else digits}f} %"
    if isinstance(value, float):
        return format_double(value, dialect)
    return to_str(value, dialect)


# --- type tests ----------------------------------------------------------------------------------


def is_type(value: Any, type_name: str, array: bool) -> bool:
    if array:
        return isinstance(value, list) and type_name == T.OBJECT
    if value is None:
        return False
    if type_name == T.OBJECT:
        return True
    if type_name in T.INTEGER_RANGES:
        return type_name_of(value) == type_name
    checks: dict[str, Callable[[Any], bool]] = {
        T.STRING: lambda v: isinstance(v, str),
        T.BOOLEAN: lambda v: isinstance(v, bool),
        T.DOUBLE: lambda v: isinstance(v, float),
        T.ARRAY: lambda v: isinstance(v, list),
        T.HASHTABLE: lambda v: isinstance(v, PSHashtable),
        T.ORDERED: lambda v: isinstance(v, PSHashtable) and v.ordered,
        T.PSOBJECT: lambda v: True,
        T.PSCUSTOMOBJECT: lambda v: isinstance(v, PSObject) and
        v.type_name == T.PSCUSTOMOBJECT,
        T.DATETIME: lambda v: isinstance(v, dt.datetime),
        T.TIMESPAN: lambda v: isinstance(v, dt.timedelta),
        T.GUID: lambda v: isinstance(v, uuid.UUID),
        T.VERSION: lambda v: isinstance(v, PSVersion),
        T.SCRIPTBLOCK: lambda v: isinstance(v, ScriptBlock),
        T.XML: lambda v: isinstance(v, XmlNode) and v.is_document,
    }
    check = checks.get(type_name)
    if check is not None:
        return check(value)
    if isinstance(value, PSObject | PSEnum):
        names = value.type_names if isinstance(value, PSObject) else (value.type_name,)
        return type_name.lower() in (n.lower() for n in names)
    return False


def convert_to(value: Any, type_name: str, array: bool, dialect: Dialect = DESKTOP) -> Any:
    """A cast ``[T]value`` / ``[T[]]value`` for a known type (raises StatementError)."""
    try:
        if array:
            return convert_array(value, type_name, dialect)
        return convert(value, type_name, dialect)
    except ConversionError as exc:
        raise cast_error(exc) from None
