"""Member access (``$x.Name``), method calls (``$x.ToString(2)``) and static members.

Without ``Set-StrictMode`` a missing property reads as ``$null``; a collection without the
member enumerates it over its elements (PowerShell 3.0+); every scalar has ``Count`` and
``Length`` 1 and ``$null`` has 0 (3.0+). Only the .NET members the subset uses exist here;
calling any other method fails as PowerShell fails a method a type lacks.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import math
import uuid
from collections.abc import Callable
from typing import Any

from hvtui.lab.pwsh import types as T
from hvtui.lab.pwsh.convert import Dialect, format_double, to_double, to_str, type_name_of
from hvtui.lab.pwsh.errors import ConversionError, PSErrorRecord, StatementError, runtime_error
from hvtui.lab.pwsh.operators import cast_error, method_error, method_not_found
from hvtui.lab.pwsh.values import PSEnum, PSHashtable, PSObject, PSVersion, XmlNode

_MISSING = object()


def type_info(name: str) -> PSObject:
    """What ``GetType()`` returns: Name and FullName."""
    short = name.rsplit(".", 1)[-1]
    return PSObject([("Name", short), ("FullName", name)], type_names=("System.RuntimeType",),
                    to_string=lambda: name)


def exception_view(record: PSErrorRecord) -> PSObject:
    """``$_.Exception``: Message, and GetType() giving the exception's type."""
    view = PSObject([("Message", record.message), ("InnerException", None)],
                    type_names=record.type_chain(), to_string=lambda: record.message)
    view.methods["gettype"] = lambda: type_info(record.exception_type)
    return view


def _error_member(record: PSErrorRecord, name: str) -> Any:
    key = name.lower()
    if key == "exception":
        return exception_view(record)
    if key == "fullyqualifiederrorid":
        return record.fqid
    if key == "categoryinfo":
        category = PSEnum("System.Management.Automation.ErrorCategory", record.category, 0)
        info = PSObject([
            ("Category", category), ("Activity", record.activity), ("Reason", record.reason),
            ("TargetName", record.target_name),
            ("TargetType", type_name_of(record.target) if record.target is not None else ""),
        ], type_names=("System.Management.Automation.ErrorCategoryInfo",),
            to_string=lambda: f"{record.category}: ({record.target_name}:"
                              f"{type_name_of(record.target) if record.target is not None else ''})"
                              f" [{record.activity}], {record.reason}")
        return info
    if key == "targetobject":
        return record.target
    if key == "errordetails":
        return None
    if key == "scriptstacktrace":
        return f"at <ScriptBlock>, <No file>: line {record.script_position.split(':')[0]}" \
            if record.script_position else ""
    if key == "invocationinfo":
        line = record.script_position.split(":")[0] if record.script_position else "0"
        return PSObject([("ScriptLineNumber", int(line)), ("PositionMessage",
                                                           f"At line:{line}")])
    return _MISSING


def get_member(obj: Any, name: str, dialect: Dialect) -> Any:
    """``obj.name`` with PowerShell's rules (None when missing)."""
    value = _own_member(obj, name, dialect)
    if value is not _MISSING:
        return value
    if isinstance(obj, list):
        collected: list[Any] = []
        for item in obj:
            found = _own_member(item, name, dialect)
            if found is _MISSING:
                if isinstance(item, list):
                    found = get_member(item, name, dialect)
                else:
                    continue
            if isinstance(found, list):
                collected.extend(found)
            else:
                collected.append(found)
        if not collected:
            return None
        return collected[0] if len(collected) == 1 else collected
    key = name.lower()
    if key in ("count", "length"):
        return 0 if obj is None else 1
    return None


def _own_member(obj: Any, name: str, dialect: Dialect) -> Any:
    key = name.lower()
    if obj is None:
        return _MISSING
    if isinstance(obj, PSObject):
        if obj.has(name):
            return obj.get(name)
        if key == "psobject":
            return PSObject([("TypeNames", list(obj.type_names)),
                             ("Properties", [PSObject([("Name", n), ("Value", v)])
                                             for n, v in obj.items()])])
        return _MISSING
    if isinstance(obj, PSHashtable):
        if obj.contains(name):
            return obj.lookup(name)
        if key == "keys":
            return [k for k, _ in obj.entries()]
        if key == "values":
            return [v for _, v in obj.entries()]
        if key == "count":
            return len(obj)
        return _MISSING
    if isinstance(obj, list):
        if key in ("count", "length"):
            return len(obj)
        if key == "rank":
            return 1
        return _MISSING
    if isinstance(obj, str):
        return len(obj) if key == "length" else _MISSING
    if isinstance(obj, PSErrorRecord):
        return _error_member(obj, name)
    if isinstance(obj, PSVersion):
        values = {"major": obj.major, "minor": obj.minor, "build": obj.build,
                  "revision": obj.revision}
        return values.get(key, _MISSING)
    if isinstance(obj, dt.timedelta):
        return _timespan_member(obj, key)
    if isinstance(obj, dt.datetime):
        return _datetime_member(obj, key)
    if isinstance(obj, PSEnum):
        return obj.value if key == "value__" else _MISSING
    if isinstance(obj, XmlNode):
        if key == "innertext":
            return obj.inner_text
        if key == "name" and not obj.is_document:
            return obj.element.tag
        found = obj.child(name)
        return _MISSING if found is None else found
    return _MISSING


def _timespan_member(span: dt.timedelta, key: str) -> Any:
    ticks = round(span / dt.timedelta(microseconds=1)) * 10
    sign = -1 if ticks < 0 else 1
    whole = abs(ticks)
    values: dict[str, Any] = {
        "ticks": ticks,
        "days": sign * (whole // 864_000_000_000),
        "hours": sign * (whole // 36_000_000_000 % 24),
        "minutes": sign * (whole // 600_000_000 % 60),
        "seconds": sign * (whole // 10_000_000 % 60),
        "milliseconds": sign * (whole // 10_000 % 1000),
        "totaldays": ticks / 864_000_000_000,
        "totalhours": ticks / 36_000_000_000,
        "totalminutes": ticks / 600_000_000,
        "totalseconds": ticks / 10_000_000,
        "totalmilliseconds": ticks / 10_000,
    }
    return values.get(key, _MISSING)


def _datetime_member(stamp: dt.datetime, key: str) -> Any:
    values: dict[str, Callable[[], Any]] = {
        "year": lambda: stamp.year, "month": lambda: stamp.month, "day": lambda: stamp.day,
        "hour": lambda: stamp.hour, "minute": lambda: stamp.minute,
        "second": lambda: stamp.second, "millisecond": lambda: stamp.microsecond // 1000,
        "date": lambda: stamp.replace(hour=0, minute=0, second=0, microsecond=0),
        "dayofweek": lambda: PSEnum("System.DayOfWeek", stamp.strftime("%A"),
                                    (stamp.weekday() + 1) % 7),
        "dayofyear": lambda: stamp.timetuple().tm_yday,
        "ticks": lambda: (stamp.replace(tzinfo=None) - dt.datetime(1, 1, 1)) //
        dt.timedelta(microseconds=1) * 10,
        "kind": lambda: PSEnum("System.DateTimeKind", "Utc" if stamp.utcoffset() ==
                               dt.timedelta(0) else "Local", 1 if stamp.utcoffset() ==
                               dt.timedelta(0) else 2),
    }
    getter = values.get(key)
    return getter() if getter is not None else _MISSING


def set_member(obj: Any, name: str, value: Any) -> None:
    """``obj.name = value``: an existing property of an object, or a hashtable key."""
    if isinstance(obj, PSHashtable):
        obj.put(name, value)
        return
    if isinstance(obj, PSObject) and obj.has(name) and obj.settable:
        obj.set(name, value)
        return
    if isinstance(obj, list) and obj:
        # Member enumeration applies to setting too (PowerShell 3.0+).
        for item in obj:
            set_member(item, name, value)
        return
    if obj is None:
        raise StatementError(runtime_error(
            f"The property '{name}' cannot be found on this object. Verify that the property "
            "exists and can be set.", "PropertyNotFound"))
    raise StatementError(runtime_error(
        f"The property '{name}' cannot be found on this object. Verify that the property "
        "exists and can be set.", "PropertyNotFound"))


# --- methods -----------------------------------------------------------------------------------


def call_method(obj: Any, name: str, args: list[Any], dialect: Dialect) -> Any:
    key = name.lower()
    if obj is None:
        raise StatementError(runtime_error(
            "You cannot call a method on a null-valued expression.", "InvokeMethodOnNull"))
    if isinstance(obj, PSObject) and key in obj.methods:
        return obj.methods[key](*args)
    if key == "gettype" and not args:
        return type_info(type_name_of(obj))
    if isinstance(obj, str):
        method = _STRING_METHODS.get(key)
        if method is not None:
            try:
                return method(obj, *args)
            except TypeError:
                raise _arity(obj, name, args) from None
            except (ValueError, IndexError) as exc:
                raise method_error(name, len(args), "ArgumentOutOfRangeException",
                                   str(exc)) from None
    if isinstance(obj, PSVersion) and key == "tostring" and len(args) == 1:
        try:
            return obj.to_string(int(args[0]))
        except ValueError as exc:
            parameter = "\r\nParameter name: fieldCount" if not dialect.core else \
                    " (Parameter 'fieldCount')"
            raise method_error(name, 1, "ArgumentException", f"{exc}{parameter}") from None
    if isinstance(obj, PSHashtable):
        if key in ("containskey", "contains") and len(args) == 1:
            return obj.contains(args[0])
        if key == "add" and len(args) == 2:
            if obj.contains(args[0]):
                raise method_error(name, 2, "ArgumentException",
                                   f"Item has already been added. Key in dictionary: "
                                   f"'{args[0]}'  Key being added: '{args[0]}'")
            obj.put(args[0], args[1])
            return _VOID
        if key == "remove" and len(args) == 1:
            dict.pop(obj, PSHashtable._key(args[0]), None)
            return _VOID
        if key == "getenumerator" and not args:
            return [PSObject([("Key", k), ("Value", v), ("Name", k)],
                             type_names=("System.Collections.DictionaryEntry", "System.Object"))
                    for k, v in obj.entries()]
        if key == "clear" and not args:
            obj.clear()
            obj.spelling.clear()
            return _VOID
    if isinstance(obj, list):
        if key == "clear" and not args:  # $Error.Clear() (an ArrayList)
            obj.clear()
            return _VOID
        if key == "contains" and len(args) == 1:
            from hvtui.lab.pwsh.operators import equals

            return any(equals(item, args[0], False, dialect) for item in obj)
        if key == "indexof" and len(args) == 1:
            from hvtui.lab.pwsh.operators import equals

            return next((i for i, item in enumerate(obj) if equals(item, args[0], False,
                                                                  dialect)), -1)
    if isinstance(obj, XmlNode) and key == "selectsinglenode" and len(args) == 1:
        return obj.select_single_node(to_str(args[0], dialect))
    if isinstance(obj, dt.datetime):
        adders = {"addseconds": "seconds", "addminutes": "minutes", "addhours": "hours",
                  "adddays": "days", "addmilliseconds": "milliseconds"}
        if key in adders and len(args) == 1:
            return obj + dt.timedelta(**{adders[key]: to_double(args[0])})
        if key == "touniversaltime" and not args:
            return obj.astimezone(dt.UTC)
    if key == "tostring" and not args:
        if isinstance(obj, float):
            return format_double(obj, dialect, round_trip=dialect.core)
        return to_str(obj, dialect)
    if key == "equals" and len(args) == 1:
        from hvtui.lab.pwsh.operators import equals

        return equals(obj, args[0], True, dialect)
    raise method_not_found(obj, name)


class _Void:
    """A method returning void writes nothing."""


_VOID = _Void()
VOID = _VOID


def _arity(obj: Any, name: str, args: list[Any]) -> StatementError:
    return StatementError(runtime_error(
        f'Cannot find an overload for "{name}" and the argument count: "{len(args)}".',
        "MethodCountCouldNotFindBest", target=obj))


def _split(text: str, *separators: Any) -> list[str]:
    if not separators:
        return text.split()
    chars = "".join(to_str(s) for s in separators)
    out: list[str] = []
    current: list[str] = []
    for ch in text:
        if ch in chars:
            out.append("".join(current))
            current = []
        else:
            current.append(ch)
    out.append("".join(current))
    return out


_STRING_METHODS: dict[str, Callable[..., Any]] = {
    "toupper": lambda s: s.upper(),
    "tolower": lambda s: s.lower(),
    "toupperinvariant": lambda s: s.upper(),
    "tolowerinvariant": lambda s: s.lower(),
    "trim": lambda s, chars=None: s.strip(to_str(chars) if chars is not None else None),
    "trimstart": lambda s, chars=None: s.lstrip(to_str(chars) if chars is not None else None),
    "trimend": lambda s, chars=None: s.rstrip(to_str(chars) if chars is not None else None),
    "contains": lambda s, sub: to_str(sub) in s,
    "startswith": lambda s, sub: s.startswith(to_str(sub)),
    "endswith": lambda s, sub: s.endswith(to_str(sub)),
    "indexof": lambda s, sub: s.find(to_str(sub)),
    "lastindexof": lambda s, sub: s.rfind(to_str(sub)),
    "replace": lambda s, old, new: s.replace(to_str(old), to_str(new)),
    "substring": lambda s, start, length=None: _substring(s, int(start), length),
    "split": _split,
    "padleft": lambda s, width, ch=" ": s.rjust(int(width), to_str(ch)),
    "padright": lambda s, width, ch=" ": s.ljust(int(width), to_str(ch)),
    "tostring": lambda s: s,
    "tochararray": lambda s: list(s),
}


def _substring(text: str, start: int, length: Any) -> str:
    if start < 0 or start > len(text):
        raise ValueError("startIndex cannot be larger than length of string.")
    if length is None:
        return text[start:]
    count = int(length)
    if count < 0 or start + count > len(text):
        raise ValueError("Index and length must refer to a location within the string.")
    return text[start:start + count]


# --- static members ----------------------------------------------------------------------------

_STATIC_PROPERTIES: dict[tuple[str, str], Any] = {
    **{(t, "maxvalue"): r[1] for t, r in T.INTEGER_RANGES.items()},
    **{(t, "minvalue"): r[0] for t, r in T.INTEGER_RANGES.items()},
    (T.DOUBLE, "maxvalue"): 1.7976931348623157e308,
    (T.DOUBLE, "minvalue"): -1.7976931348623157e308,
    (T.DOUBLE, "nan"): math.nan,
    (T.DOUBLE, "positiveinfinity"): math.inf,
    (T.DOUBLE, "negativeinfinity"): -math.inf,
    (T.STRING, "empty"): "",
    (T.GUID, "empty"): uuid.UUID(int=0),
    (T.MATH, "pi"): math.pi,
    (T.TIMESPAN, "zero"): dt.timedelta(0),
}


def static_member(type_name: str, name: str, runtime: Any = None) -> Any:
    key = (type_name, name.lower())
    if key in _STATIC_PROPERTIES:
        return _STATIC_PROPERTIES[key]
    if type_name == T.DATETIME and name.lower() in ("now", "utcnow"):
        # The host's clock where the runtime has one (a lab host's runs on lab time).
        now = getattr(runtime, "now", None)
        return now() if now is not None else dt.datetime.now(dt.UTC)
    return None


def _round(value: Any, digits: Any = 0) -> float:
    # Math.Round: ties to even, like Python's round.
    return float(round(to_double(value), int(digits)))


def static_call(type_name: str, name: str, args: list[Any], dialect: Dialect,
                runtime: Any = None) -> Any:
    """``[type]::name(args)``; ``runtime`` answers what only the host knows (its account)."""
    key = name.lower()
    if type_name == T.WINDOWS_IDENTITY and key == "getcurrent" and not args:
        return windows_identity(runtime)
    try:
        if type_name == T.STRING:
            if key == "isnullorempty" and len(args) == 1:
                return args[0] is None or to_str(args[0], dialect) == ""
            if key == "isnullorwhitespace" and len(args) == 1:
                return args[0] is None or to_str(args[0], dialect).strip() == ""
            if key == "join" and len(args) >= 2:
                items = args[1] if len(args) == 2 and isinstance(args[1], list) else args[1:]
                return to_str(args[0], dialect).join(to_str(i, dialect) for i in items)
        if type_name == T.MATH:
            unary: dict[str, Callable[[float], Any]] = {
                "floor": math.floor, "ceiling": math.ceil, "abs": abs,
                "truncate": math.trunc, "sqrt": math.sqrt,
            }
            if key in unary and len(args) == 1:
                result = unary[key](to_double(args[0]))
                return float(result) if not isinstance(args[0], int) or key != "abs" else \
                    abs(args[0])
            if key == "round" and 1 <= len(args) <= 2:
                return _round(*args)
            if key in ("max", "min") and len(args) == 2:
                pick = max if key == "max" else min
                return pick(args[0], args[1])
            if key == "pow" and len(args) == 2:
                return math.pow(to_double(args[0]), to_double(args[1]))
        if type_name == T.GUID and key == "newguid" and not args:
            return uuid.uuid4()
        if type_name == T.CONVERT and key in ("frombase64string", "tobase64string"):
            return _base64(name, args)
        if type_name == T.TIMESPAN and len(args) == 1:
            units = {"fromseconds": "seconds", "fromminutes": "minutes", "fromhours": "hours",
                     "fromdays": "days", "frommilliseconds": "milliseconds"}
            if key in units:
                return dt.timedelta(**{units[key]: to_double(args[0])})
    except ConversionError as exc:
        raise cast_error(exc) from None
    raise StatementError(runtime_error(
        f"Method invocation failed because [{type_name}] does not contain a method named "
        f"'{name}'.", "MethodNotFound"))


_BAD_BASE64 = ("The input is not a valid Base-64 string as it contains a non-base 64 "
               "character, more than two padding characters, or an illegal character among "
               "the padding characters. ")


def _base64(name: str, args: list[Any]) -> Any:
    """``[Convert]::FromBase64String(s)`` (a byte[]: a list of ints here) and
    ``[Convert]::ToBase64String(bytes[, offset, length])``."""
    if name.lower() == "frombase64string" and len(args) == 1:
        text = to_str(args[0])
        try:
            return list(base64.b64decode("".join(text.split()), validate=True))
        except (binascii.Error, ValueError):
            raise method_error(name, 1, "FormatException", _BAD_BASE64) from None
    if name.lower() == "tobase64string" and len(args) in (1, 3):
        data = args[0] if isinstance(args[0], list) else [args[0]]
        start, count = (int(args[1]), int(args[2])) if len(args) == 3 else (0, len(data))
        if start < 0 or count < 0 or start + count > len(data):
            raise method_error(name, len(args), "ArgumentOutOfRangeException",
                               "Index was out of range. Must be non-negative and less than "
                               "the size of the collection.")
        return base64.b64encode(bytes(int(b) & 0xFF for b in data[start:start + count])
                                ).decode("ascii")
    raise StatementError(runtime_error(
        f'Cannot find an overload for "{name}" and the argument count: "{len(args)}".',
        "MethodCountCouldNotFindBest"))


# --- the session's Windows account -------------------------------------------------------------


def _sid(value: str) -> PSObject:
    """A ``SecurityIdentifier``: ``Value`` is the SID string, and so is its ToString()."""
    return PSObject([("Value", value)],
                    type_names=(T.SECURITY_IDENTIFIER,
                                "System.Security.Principal.IdentityReference", "System.Object"),
                    to_string=lambda: value)


def windows_identity(runtime: Any) -> PSObject:
    """``[Security.Principal.WindowsIdentity]::GetCurrent()`` for the runtime's account.

    Name, User and Groups (each a SecurityIdentifier), AuthenticationType, and the IsSystem
    / IsGuest / IsAnonymous / IsAuthenticated flags; its ToString() is the type name, as
    .NET's Object.ToString() gives."""
    source = getattr(runtime, "windows_identity", None)
    if not callable(source):
        raise LookupError("this runtime declares no Windows account (Runtime.windows_identity):"
                          " every real session runs as one")
    identity = source()
    return PSObject([
        ("Name", identity.name),
        ("User", _sid(identity.user)),
        ("Groups", [_sid(group) for group in identity.groups]),
        ("AuthenticationType", identity.authentication_type),
        ("IsAuthenticated", True),
        ("IsSystem", identity.user == "S-1-5-18"),
        ("IsGuest", identity.user.endswith("-501")),
        ("IsAnonymous", identity.user == "S-1-5-7"),
    ], type_names=(T.WINDOWS_IDENTITY, "System.Security.Claims.ClaimsIdentity", "System.Object"),
        to_string=lambda: T.WINDOWS_IDENTITY)
