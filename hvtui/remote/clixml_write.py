"""Plain data straight to CLIXML, without building psrpcore objects.

Writes what ``psrpcore.serialize(from_plain(value))`` writes, as text, some forty
times faster: a dict is a PSCustomObject (``MS`` note properties), a list an
ArrayList (``LST``), an int an Int32 or Int64, a float a Double, a naive datetime
UTC. The text is the same CLIXML up to attribute order (a test compares the
canonical XML), and deliberately different where psrpcore's is wrong:

* a TimeSpan of 10, 20, 30, 40 or 50 whole seconds past the minute (psrpcore
  writes 10 s as ``PT1S`` and 100 s as ``PT1M4S``);
* a year before 1000 (psrpcore writes ``999-...``, which nothing can read back);
* U+FFFE and U+FFFF, and every lone surrogate, are escaped (``_xFFFE_``): raw,
  they make the document invalid XML;
* NaN is written ``NaN`` (XML Schema's spelling), not ``NAN``.
"""

from __future__ import annotations

import base64
import datetime as dt
import math
import re
from collections.abc import Sequence

from hvtui.remote.base import PSValue

_INT32 = range(-(2**31), 2**31)
_INT64 = range(-(2**63), 2**63)
_CUSTOM_TYPES = ("System.Management.Automation.PSCustomObject", "System.Object")
_LIST_TYPES = ("System.Collections.ArrayList", "System.Object")

# Characters PowerShell writes as _xHHHH_ (UTF-16 code units): C0 and C1 controls,
# surrogates, astral characters (as their surrogate pair), the XML non-characters
# U+FFFE/U+FFFF; and "_x"/"_X" itself, so text that looks like an escape survives.
_NEEDS_ESCAPE = re.compile(
    "[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff\U00010000-\U0010ffff]|_(?=[xX])"
)
# Anything at all to do for a string: one search decides for most strings, which need nothing.
_NEEDS_WORK = re.compile(
    '[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff\U00010000-\U0010ffff&<>"]|_(?=[xX])'
)
_XML_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_XML_ATTRIBUTE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})


def _escape_unit(match: re.Match[str]) -> str:
    char = match[0]
    if char == "_":
        return "_x005F_"
    units = char.encode("utf-16-be", "surrogatepass")
    return "".join(f"_x{units[i]:02X}{units[i + 1]:02X}_" for i in range(0, len(units), 2))


def escape_string(text: str) -> str:
    """A string as CLIXML carries it (``_xHHHH_`` escapes), not yet XML-escaped."""
    return _NEEDS_ESCAPE.sub(_escape_unit, text) if _NEEDS_ESCAPE.search(text) else text


def _xml_text(text: str) -> str:
    if _NEEDS_WORK.search(text) is None:
        return text
    return escape_string(text).translate(_XML_TEXT)


def _xml_attribute(text: str) -> str:
    if _NEEDS_WORK.search(text) is None:
        return text
    return escape_string(text).translate(_XML_ATTRIBUTE)


def _datetime(value: dt.datetime) -> str:
    offset = value.utcoffset()
    if offset is None:
        suffix = "Z"  # from_plain reads a naive datetime as UTC
    elif offset.seconds % 60 or offset.microseconds:
        value, suffix = value.astimezone(dt.UTC), "Z"  # .NET offsets are whole minutes
    elif not offset:
        suffix = "Z"
    else:
        minutes = int(offset.total_seconds()) // 60
        sign = "-" if minutes < 0 else "+"
        suffix = f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    fraction = f".{value.microsecond:06d}" if value.microsecond else ""
    return (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d}T{value.hour:02d}:"
        f"{value.minute:02d}:{value.second:02d}{fraction}{suffix}"
    )


def _duration(value: dt.timedelta) -> str:
    ticks = (value.days * 86_400 + value.seconds) * 10_000_000 + value.microseconds * 10
    sign = "-" if ticks < 0 else ""
    days, ticks = divmod(abs(ticks), 864_000_000_000)
    if days and not ticks:
        return f"{sign}P{days}D"
    hours, ticks = divmod(ticks, 36_000_000_000)
    minutes, ticks = divmod(ticks, 600_000_000)
    seconds, fraction = divmod(ticks, 10_000_000)
    text = f"{sign}P{days}D" if days else f"{sign}P"
    text += "T"
    if hours:
        text += f"{hours}H"
    if minutes:
        text += f"{minutes}M"
    if fraction:
        text += f"{seconds}.{fraction:07d}".rstrip("0") + "S"
    elif seconds or not (hours or minutes):
        text += f"{seconds}S"
    return text


def _double(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "INF" if value > 0 else "-INF"
    return repr(value).upper()  # the shortest text that reads back exactly: 1E+20, 0.1


class _Writer:
    """Writes the elements of one document: RefIds and TN RefIds count per document."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self._ref_id = 0
        self._type_ids: dict[tuple[str, ...], int] = {}
        self._names: dict[str, str] = {}
        """Property name -> its ``N="..."`` attribute: records repeat the same names."""

    def value(self, value: PSValue, attributes: str = "") -> None:
        """Append ``value`` as one element; ``attributes`` (`` N="x"``...) go in its tag."""
        parts = self.parts
        if value is None:
            parts.append(f"<Nil{attributes} />")
        elif value is True or value is False:
            parts.append(f"<B{attributes}>{'true' if value else 'false'}</B>")
        elif isinstance(value, str):
            parts.append(f"<S{attributes}>{_xml_text(str.__str__(value))}</S>")
        elif isinstance(value, int):
            number = int(value)
            if number in _INT32:
                parts.append(f"<I32{attributes}>{number}</I32>")
            elif number in _INT64:
                parts.append(f"<I64{attributes}>{number}</I64>")
            else:
                raise ValueError(f"cannot send {number} to PowerShell: it needs more than 64 bits")
        elif isinstance(value, dict):
            self._object(_CUSTOM_TYPES, attributes)
            if value:
                parts.append("<MS>")
                names = self._names
                for name, item in value.items():
                    attribute = names.get(name)
                    if attribute is None:
                        if not isinstance(name, str):
                            raise TypeError(f"cannot send a property named {name!r} to PowerShell")
                        attribute = names[name] = f' N="{_xml_attribute(str.__str__(name))}"'
                    if type(item) is str:  # most properties: inline the commonest case
                        parts.append(f"<S{attribute}>{_xml_text(item)}</S>")
                    else:
                        self.value(item, attribute)
                parts.append("</MS>")
            parts.append("</Obj>")
        elif isinstance(value, list):
            self._object(_LIST_TYPES, attributes)
            parts.append("<LST>")
            for item in value:
                self.value(item)
            parts.append("</LST></Obj>")
        elif isinstance(value, float):
            parts.append(f"<Db{attributes}>{_double(value)}</Db>")
        elif isinstance(value, dt.datetime):
            parts.append(f"<DT{attributes}>{_datetime(value)}</DT>")
        elif isinstance(value, dt.timedelta):
            parts.append(f"<TS{attributes}>{_duration(value)}</TS>")
        elif isinstance(value, bytes):
            parts.append(f"<BA{attributes}>{base64.b64encode(value).decode('ascii')}</BA>")
        else:
            raise TypeError(f"cannot send a {type(value).__name__} to PowerShell")

    def _object(self, type_names: tuple[str, ...], attributes: str) -> None:
        parts = self.parts
        parts.append(f'<Obj{attributes} RefId="{self._ref_id}">')
        self._ref_id += 1
        type_id = self._type_ids.get(type_names)
        if type_id is not None:
            parts.append(f'<TNRef RefId="{type_id}" />')
            return
        type_id = self._type_ids[type_names] = len(self._type_ids)
        names = "".join(f"<T>{name}</T>" for name in type_names)
        parts.append(f'<TN RefId="{type_id}">{names}</TN>')


def write_document(values: Sequence[PSValue], streams: Sequence[str | None]) -> str:
    """One ``<Objs>`` document; ``streams`` gives each value's ``S`` attribute (None: none)."""
    if len(streams) != len(values):
        raise ValueError("write_document() needs one stream per value")
    writer = _Writer()
    writer.parts.append(
        '<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">'
    )
    for value, stream in zip(values, streams, strict=True):
        writer.value(value, "" if stream is None else f' S="{_xml_attribute(stream)}"')
    writer.parts.append("</Objs>")
    return "".join(writer.parts)


def write_element(value: PSValue) -> str:
    """One standalone element (RefIds from 0), as a PSRP message's payload carries it."""
    writer = _Writer()
    writer.value(value)
    return "".join(writer.parts)
