"""PowerShell's conversions (LanguagePrimitives), for the types the engine knows.

Used by casts (``[int]$x``), by parameter binding, and by operators whose right operand is
converted to the left operand's type. Failures raise :class:`ConversionError` with the
complete text PowerShell shows (``Cannot convert value "abc" to type "System.Int32".
Error: "Input string was not in a correct format."``) and its FullyQualifiedErrorId
(``InvalidCastFromStringToInteger``, ``InvalidCastIConvertible``...), as LanguagePrimitives.cs
in PowerShell/PowerShell raises them.

Numbers: .NET's Convert rounds a Double to the nearest integer, ties to even
(``[int]2.5`` is 2, ``[int]3.5`` is 4), which is Python's ``round``.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import re
import uuid
import xml.etree.ElementTree as ET
from typing import Any

from hvtui.lab.pwsh import types as T
from hvtui.lab.pwsh.errors import ConversionError, PSErrorRecord
from hvtui.lab.pwsh.values import (
    PSEnum,
    PSHashtable,
    PSObject,
    PSVersion,
    ScriptBlock,
    XmlNode,
)


class Dialect:
    """What differs between Windows PowerShell (.NET Framework) and pwsh (.NET Core)."""

    __slots__ = ("core", "net8")

    def __init__(self, core: bool, version: tuple[int, int]) -> None:
        self.core = core
        """pwsh 7 (.NET Core): shortest round-trip Double text instead of 15 digits."""
        self.net8 = core and version >= (7, 4)
        """.NET 8 (pwsh 7.4+) words FormatException differently."""


DESKTOP = Dialect(False, (5, 1))

_OVERFLOW_NAMES = {
    T.INT32: "an Int32", T.INT64: "an Int64", T.UINT32: "a UInt32", T.UINT64: "a UInt64",
    T.INT16: "an Int16", T.UINT16: "a UInt16", T.BYTE: "an unsigned byte",
    T.SBYTE: "a signed byte",
}
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*(e[+-]?\d+)?|\.\d+(e[+-]?\d+)?)", re.IGNORECASE)
_MULTIPLIER = {"kb": 1024, "mb": 1024**2, "gb": 1024**3, "tb": 1024**4, "pb": 1024**5}


# --- text --------------------------------------------------------------------------------------


def format_double(value: float, dialect: Dialect = DESKTOP, *, round_trip: bool = False
                  ) -> str:
    """A Double as text: 15 significant digits ("G15"), or with ``round_trip`` the shortest
    digits that read back as the same Double; scientific notation from an exponent of 15 up
    or below -4 (``1E+15``, ``1E-05``), as .NET writes them.

    PowerShell converts a Double to a string with "G15" in every edition
    (LanguagePrimitives.DoublePrecision; pwsh kept it when .NET Core 3.0 changed Double's
    default, PowerShell/PowerShell#9893). Only ``$d.ToString()`` differs: "G15" on .NET
    Framework, shortest round-trip on .NET Core 3.0+."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "-0" if dialect.core and math.copysign(1, value) < 0 else "0"
    text = repr(value) if round_trip else format(value, ".14e")
    sign, digits_tuple, exponent = decimal.Decimal(text).normalize().as_tuple()
    digits = "".join(str(d) for d in digits_tuple)
    assert isinstance(exponent, int)
    lead = exponent + len(digits) - 1  # decimal exponent of the first digit
    prefix = "-" if sign else ""
    if lead >= 15 or lead < -4:
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{prefix}{mantissa}E{'+' if lead >= 0 else '-'}{abs(lead):02d}"
    if lead < 0:
        return f"{prefix}0.{'0' * (-lead - 1)}{digits}"
    if len(digits) <= lead + 1:
        return prefix + digits + "0" * (lead + 1 - len(digits))
    return f"{prefix}{digits[:lead + 1]}.{digits[lead + 1:]}"


def format_datetime(value: dt.datetime) -> str:
    """[string] of a DateTime: the invariant culture's 'G' pattern."""
    return value.strftime("%m/%d/%Y %H:%M:%S")


def format_timespan(value: dt.timedelta) -> str:
    """TimeSpan.ToString() ('c'): [-][d.]hh:mm:ss[.fffffff]."""
    ticks = round(value / dt.timedelta(microseconds=1)) * 10
    sign = "-" if ticks < 0 else ""
    ticks = abs(ticks)
    days, rest = divmod(ticks, 864_000_000_000)
    hours, rest = divmod(rest, 36_000_000_000)
    minutes, rest = divmod(rest, 600_000_000)
    seconds, fraction = divmod(rest, 10_000_000)
    text = f"{sign}{str(days) + '.' if days else ''}{hours:02d}:{minutes:02d}:{seconds:02d}"
    return text + (f".{fraction:07d}" if fraction else "")


def type_name_of(value: Any) -> str:
    """The .NET type name PowerShell reports for a value (in error texts, ``GetType()``)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return T.BOOLEAN
    if isinstance(value, int):
        return T.INT32 if -(2**31) <= value < 2**31 else T.INT64 if -(2**63) <= value < 2**63 \
            else T.UINT64
    if isinstance(value, float):
        return T.DOUBLE
    if isinstance(value, str):
        return T.STRING
    if isinstance(value, list):
        return "System.Object[]"
    if isinstance(value, PSHashtable):
        return T.ORDERED if value.ordered else T.HASHTABLE
    if isinstance(value, PSObject):
        return value.type_name
    if isinstance(value, PSEnum):
        return value.type_name
    if isinstance(value, PSVersion):
        return T.VERSION
    if isinstance(value, dt.datetime):
        return T.DATETIME
    if isinstance(value, dt.timedelta):
        return T.TIMESPAN
    if isinstance(value, uuid.UUID):
        return T.GUID
    if isinstance(value, ScriptBlock):
        return T.SCRIPTBLOCK
    if isinstance(value, XmlNode):
        return T.XML if value.is_document else "System.Xml.XmlElement"
    return T.OBJECT


def to_str(value: Any, dialect: Dialect = DESKTOP, ofs: str = " ") -> str:
    """``[string]$value`` (and how string expansion shows a value)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return format_double(value, dialect)
    if isinstance(value, list):
        return ofs.join(to_str(v, dialect, ofs) for v in value)
    if isinstance(value, PSEnum):
        return value.name
    if isinstance(value, PSVersion):
        return value.to_string()
    if isinstance(value, dt.datetime):
        return format_datetime(value)
    if isinstance(value, dt.timedelta):
        return format_timespan(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, PSHashtable):
        return type_name_of(value)
    if isinstance(value, PSObject):
        if value.to_string is not None:
            return value.to_string()
        if not value.names():
            return ""
        inner = "; ".join(f"{k}={_property_str(v, dialect)}" for k, v in value.items())
        return "@{" + inner + "}"
    if isinstance(value, ScriptBlock):
        return value.text
    if isinstance(value, XmlNode):
        return str(value)
    if isinstance(value, PSErrorRecord):
        return value.message
    return str(value)


def _property_str(value: Any, dialect: Dialect) -> str:
    """A property value inside a PSCustomObject's text: .NET's own ToString for
    collections (MshObject.cs ToStringEmptyBaseObject does not enumerate them)."""
    if isinstance(value, list):
        return "System.Object[]"
    return to_str(value, dialect)


def quote_value(value: Any, dialect: Dialect = DESKTOP) -> str:
    """How a value appears between quotes in a conversion error text."""
    return to_str(value, dialect)


# --- truth -------------------------------------------------------------------------------------


def to_bool(value: Any) -> bool:
    """PowerShell's truthiness (``[bool]$x``, ``if ($x)``, ``-not``)."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str):
        return value != ""
    if isinstance(value, list):
        if not value:
            return False
        if len(value) == 1:
            return to_bool(value[0])
        return True
    if isinstance(value, PSEnum):
        return value.value != 0
    return True


# --- numbers -----------------------------------------------------------------------------------


def _error(value: Any, target: str, reason: str, fqid: str,
           dialect: Dialect = DESKTOP) -> ConversionError:
    return ConversionError(
        f'Cannot convert value "{quote_value(value, dialect)}" to type "{target}". '
        f'Error: "{reason}"',
        fqid=fqid,
    )


def _final(value: Any, target: str, dialect: Dialect = DESKTOP) -> ConversionError:
    return ConversionError(
        f'Cannot convert the "{quote_value(value, dialect)}" value of type '
        f'"{type_name_of(value)}" to type "{target}".',
        fqid="ConvertToFinalInvalidCastException",
    )


def _format_error(text: str, dialect: Dialect) -> str:
    return f"The input string '{text}' was not in a correct format." if dialect.net8 else \
        "Input string was not in a correct format."


def parse_number(text: str) -> int | float | None:
    """A number as PowerShell reads one from a string (sign, hex, exponent, kb..pb), or None."""
    s = text.strip()
    if s == "":
        return 0
    multiplier = 1
    lowered = s.lower()
    for suffix, factor in _MULTIPLIER.items():
        if lowered.endswith(suffix):
            multiplier, s = factor, s[: -len(suffix)]
            break
    negative = s.startswith("-")
    body = s[1:] if s[:1] in "+-" else s
    if body.lower().startswith("0x"):
        try:
            number = int(body[2:], 16)
        except ValueError:
            return None
        return (-number if negative else number) * multiplier
    if re.fullmatch(r"\d+", body):
        return (-int(body) if negative else int(body)) * multiplier
    if _NUMBER.fullmatch(s):
        return float(s) * multiplier
    return None


def to_integer(value: Any, target: str, dialect: Dialect = DESKTOP) -> int:
    """``[int]``, ``[int64]``, ``[uint32]``, ``[uint64]``... of a value."""
    low, high = T.INTEGER_RANGES[target]
    overflow = f"Value was either too large or too small for {_OVERFLOW_NAMES[target]}."
    if value is None:
        return 0
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, PSEnum):
        value = value.value
    if isinstance(value, int):
        if not low <= value <= high:
            raise _error(value, target, overflow, "InvalidCastIConvertible", dialect)
        return value
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise _error(value, target, overflow, "InvalidCastIConvertible", dialect)
        number = round(value)  # ties to even, like Convert.ToInt32(double)
        if not low <= number <= high:
            raise _error(value, target, overflow, "InvalidCastIConvertible", dialect)
        return number
    if isinstance(value, str):
        parsed = parse_number(value)
        if parsed is None:
            raise _error(value, target, _format_error(value, dialect),
                         "InvalidCastFromStringToInteger", dialect)
        if isinstance(parsed, float):
            parsed = round(parsed)
        if not low <= parsed <= high:
            raise _error(value, target, overflow, "InvalidCastFromStringToInteger", dialect)
        return parsed
    raise _final(value, target, dialect)


def to_double(value: Any, target: str = T.DOUBLE, dialect: Dialect = DESKTOP) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, PSEnum):
        return float(value.value)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        parsed = parse_number(value)
        if parsed is None:
            if value.strip().lower() in ("nan", "infinity", "-infinity"):
                return float(value.strip().lower().replace("infinity", "inf"))
            raise _error(value, target, _format_error(value, dialect),
                         "InvalidCastFromStringToDoubleOrSingle", dialect)
        return float(parsed)
    raise _final(value, target, dialect)


def to_number(value: Any, dialect: Dialect = DESKTOP) -> int | float:
    """A value as a number for arithmetic: int when it reads as one, else float."""
    if value is None:
        return 0
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return value
    if isinstance(value, PSEnum):
        return value.value
    if isinstance(value, str):
        parsed = parse_number(value)
        if parsed is None:
            raise _error(value, T.INT32, _format_error(value, dialect),
                         "InvalidCastFromStringToInteger", dialect)
        return parsed
    raise _final(value, T.INT32, dialect)


# --- other types -------------------------------------------------------------------------------


def to_guid(value: Any, dialect: Dialect = DESKTOP) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    if isinstance(value, str):
        text = value.strip().strip("{}()")
        try:
            if len(text.replace("-", "")) != 32:
                raise ValueError
            return uuid.UUID(text)
        except ValueError:
            reason = ("Guid should contain 32 digits with 4 dashes "
                      "(xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx).")
            if dialect.core:
                reason = "Unrecognized Guid format."
            raise _error(value, T.GUID, reason, "InvalidCastParseTargetInvocation",
                         dialect) from None
    raise _final(value, T.GUID, dialect)


def to_version(value: Any, dialect: Dialect = DESKTOP) -> PSVersion:
    if isinstance(value, PSVersion):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = to_str(value, dialect)
    if isinstance(value, str):
        try:
            return PSVersion.parse(value)
        except ValueError:
            raise _error(value, T.VERSION, "Version string portion was too short or too long.",
                         "InvalidCastParseTargetInvocation", dialect) from None
    raise _final(value, T.VERSION, dialect)


def to_datetime(value: Any, dialect: Dialect = DESKTOP) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        text = value.strip()
        for parse in (_iso, _invariant):
            stamp = parse(text)
            if stamp is not None:
                return stamp
        raise _error(value, T.DATETIME,
                     "String was not recognized as a valid DateTime." if not dialect.core else
                     f"The string '{value}' was not recognized as a valid DateTime. There is "
                     "an unknown word starting at index '0'.",
                     "InvalidCastParseTargetInvocation", dialect)
    raise _final(value, T.DATETIME, dialect)


def _iso(text: str) -> dt.datetime | None:
    try:
        stamp = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)


def _invariant(text: str) -> dt.datetime | None:
    for pattern in ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y"):
        try:
            return dt.datetime.strptime(text, pattern).replace(tzinfo=dt.UTC)
        except ValueError:
            continue
    return None


def to_timespan(value: Any, dialect: Dialect = DESKTOP) -> dt.timedelta:
    if isinstance(value, dt.timedelta):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return dt.timedelta(microseconds=value / 10)  # an integer is a tick count
    if isinstance(value, str):
        found = re.fullmatch(r"\s*(-)?(?:(\d+)\.)?(\d{1,2}):(\d{1,2})"
                             r"(?::(\d{1,2})(?:\.(\d{1,7}))?)?\s*", value)
        if found:
            sign, days, hours, minutes, seconds, fraction = found.groups()
            span = dt.timedelta(days=int(days or 0), hours=int(hours), minutes=int(minutes),
                                seconds=int(seconds or 0),
                                microseconds=int((fraction or "0").ljust(7, "0")) / 10)
            return -span if sign else span
        raise _error(value, T.TIMESPAN, "String was not recognized as a valid TimeSpan.",
                     "InvalidCastParseTargetInvocation", dialect)
    raise _final(value, T.TIMESPAN, dialect)


def to_xml(value: Any, dialect: Dialect = DESKTOP) -> XmlNode:
    if isinstance(value, XmlNode):
        return value
    if isinstance(value, str):
        try:
            return XmlNode(ET.fromstring(value), is_document=True)
        except ET.ParseError as exc:
            # The inner text is .NET's XmlException message; ElementTree words it otherwise
            # (UNCONFIRMED wording: the FQID and the outer text are LanguagePrimitives').
            raise ConversionError(
                f'Cannot convert value "{value}" to type "{T.XML}". Error: "{exc}"',
                fqid="InvalidCastToXmlDocument") from None
    raise _final(value, T.XML, dialect)


def to_char(value: Any, dialect: Dialect = DESKTOP) -> str:
    if isinstance(value, str):
        if len(value) == 1:
            return value
        raise _error(value, T.CHAR, "String must be exactly one character long.",
                     "InvalidCastParseTargetInvocation", dialect)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 0xFFFF:
        return chr(value)
    raise _final(value, T.CHAR, dialect)


def to_enum(value: Any, type_name: str, members: dict[str, int]) -> PSEnum:
    """``value`` (a name in any case, a number, or an enum of the type) as the enum
    ``type_name`` whose names and numbers are ``members`` (for the host's enum-typed
    parameters, e.g. ``Runtime.convert(value, 'StartAction')``).

    The failure text is LanguagePrimitives' EnumSingleTypeConverter
    (InvalidCastExceptionEnumerationNoValue, names joined with the en-US list separator).
    UNCONFIRMED: that Windows PowerShell 5.1 words it the same way.
    """
    if isinstance(value, PSEnum) and value.type_name == type_name:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        for name, number in members.items():
            if number == value:
                return PSEnum(type_name, name, number)
        return PSEnum(type_name, str(value), value)
    text = to_str(value)
    for name, number in members.items():
        if name.lower() == text.strip().lower():
            return PSEnum(type_name, name, number)
    raise ConversionError(
        f'Cannot convert value "{text}" to type "{type_name}" due to enumeration values that '
        "are not valid. Specify one of the following enumeration values and try again. The "
        f'possible enumeration values are "{",".join(members)}".',
        fqid="InvalidCastEnumStringNotFound")


ACTION_PREFERENCES = ("SilentlyContinue", "Stop", "Continue", "Inquire", "Ignore", "Suspend",
                      "Break")
_ACTION_VALUES = {"silentlycontinue": 0, "stop": 1, "continue": 2, "inquire": 3, "ignore": 4,
                  "suspend": 5, "break": 6}


def to_action_preference(value: Any, dialect: Dialect = DESKTOP) -> PSEnum:
    """ActionPreference from its name (any case) or number."""
    if isinstance(value, PSEnum) and value.type_name == T.ACTION_PREFERENCE:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        for name, number in _ACTION_VALUES.items():
            if number == value:
                return action(name)
    if isinstance(value, str) and value.strip().lower() in _ACTION_VALUES:
        return action(value.strip().lower())
    names = ", ".join(ACTION_PREFERENCES)
    # UNCONFIRMED wording (.NET's Enum.Parse message, as remembered from Windows PowerShell).
    raise ConversionError(
        f'Cannot convert value "{quote_value(value, dialect)}" to type '
        f'"{T.ACTION_PREFERENCE}". Error: "Unable to match the identifier name '
        f"{quote_value(value, dialect)} to a valid enumerator name. Specify one of the "
        f'following enumerator names and try again:\n{names}"',
        fqid="InvalidCastEnumStringNotFound" if isinstance(value, str) else
        "InvalidCastExceptionIntegerToEnum",
    )


def action(name: str) -> PSEnum:
    canonical = next(n for n in ACTION_PREFERENCES if n.lower() == name.lower())
    return PSEnum(T.ACTION_PREFERENCE, canonical, _ACTION_VALUES[name.lower()])


# --- the entry point ---------------------------------------------------------------------------


def convert(value: Any, type_name: str, dialect: Dialect = DESKTOP) -> Any:
    """``value`` converted to the known type ``type_name`` (canonical, no array suffix).

    Raises ConversionError; returns ``value`` unchanged for Object and PSObject.
    """
    if type_name in T.INTEGER_RANGES:
        return to_integer(value, type_name, dialect)
    if type_name == T.STRING:
        return to_str(value, dialect)
    if type_name in (T.BOOLEAN, T.SWITCH):
        return to_bool(value)
    if type_name in (T.DOUBLE, T.SINGLE, T.DECIMAL):
        return to_double(value, type_name, dialect)
    if type_name in (T.OBJECT, T.PSOBJECT, T.PSCUSTOMOBJECT):
        return value
    if type_name == T.GUID:
        return to_guid(value, dialect)
    if type_name == T.VERSION:
        return to_version(value, dialect)
    if type_name == T.DATETIME:
        return to_datetime(value, dialect)
    if type_name == T.TIMESPAN:
        return to_timespan(value, dialect)
    if type_name == T.XML:
        return to_xml(value, dialect)
    if type_name == T.CHAR:
        return to_char(value, dialect)
    if type_name == T.ACTION_PREFERENCE:
        return to_action_preference(value, dialect)
    if type_name == T.ARRAY:
        return value if isinstance(value, list) else [value]
    if type_name in (T.HASHTABLE, T.ORDERED):
        if isinstance(value, PSHashtable):
            return value
        raise _final(value, type_name, dialect)
    if type_name == T.SCRIPTBLOCK:
        if isinstance(value, ScriptBlock):
            return value
        raise _final(value, type_name, dialect)
    raise ConversionError(f'Unable to find type [{type_name}].', fqid="TypeNotFound")


def convert_array(value: Any, type_name: str, dialect: Dialect = DESKTOP) -> list[Any] | None:
    """``[T[]]$value``: None stays None, a scalar becomes one element, each converted."""
    if value is None:
        return None
    items = value if isinstance(value, list) else [value]
    return [convert(item, type_name, dialect) for item in items]


def is_known(type_name: str) -> bool:
    return type_name in T.INTEGER_RANGES or type_name in {
        T.STRING, T.BOOLEAN, T.SWITCH, T.DOUBLE, T.SINGLE, T.DECIMAL, T.OBJECT, T.PSOBJECT,
        T.PSCUSTOMOBJECT, T.GUID, T.VERSION, T.DATETIME, T.TIMESPAN, T.XML, T.CHAR,
        T.ACTION_PREFERENCE, T.ARRAY, T.HASHTABLE, T.ORDERED, T.SCRIPTBLOCK,
    }
