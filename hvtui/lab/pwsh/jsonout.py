"""ConvertTo-Json, as Windows PowerShell 5.1 and pwsh 7 each write it.

Where they differ (about_ConvertTo-Json, docs for 5.1 and 7.x; PowerShell/PowerShell#5797
and the 6.0 change to Newtonsoft.Json):

- DateTime: 5.1 (JavaScriptSerializer) writes ``"\\/Date(<ms since 1970>)\\/"``; 7 writes
  ISO 8601 (``"2024-01-02T03:04:05.678Z"``, fractional digits trimmed).
- Escaping: 5.1 also escapes ``<``, ``>``, ``&`` and ``'`` as ``\\u003c``... ; 7 does not.
- Layout: 5.1 indents with four spaces and ``"key":  value`` (two spaces), nesting a
  container's members relative to the column where it opens; 7 indents two spaces, one
  space after the colon. ``-Compress`` is the same in both.
- Enums are numbers in both; 7 (6.2+) has ``-EnumsAsStrings``.
- Beyond ``-Depth`` (default 2) an object is written as its ToString(); 7 also warns.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from hvtui.lab.pwsh.convert import Dialect, format_double, to_str
from hvtui.lab.pwsh.errors import PSErrorRecord
from hvtui.lab.pwsh.members import get_member
from hvtui.lab.pwsh.values import PSEnum, PSHashtable, PSObject, PSVersion

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _escape(text: str, core: bool) -> str:
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\b":
            out.append("\\b")
        elif ch == "\f":
            out.append("\\f")
        elif code < 0x20 or (not core and ch in "<>&'"):
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _date(value: dt.datetime, core: bool) -> str:
    """A DateTime as each edition writes it. A tz-aware value in UTC stands for
    DateTimeKind.Utc, one with another offset for Local, a naive one for Unspecified."""
    if not core:
        # JavaScriptSerializer: whole milliseconds since 1970 UTC, truncated; an Unspecified
        # kind is taken as the host's local time (the lab's hosts keep UTC).
        stamp = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        delta = stamp - _EPOCH
        micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
        millis = micros // 1000 if micros >= 0 else -(-micros // 1000)
        return f'"\\/Date({millis})\\/"'
    # Json.NET's ISO format "yyyy-MM-ddTHH:mm:ss.FFFFFFFK": trailing zeros of the fraction
    # dropped, then Z (Utc), the offset (Local) or nothing (Unspecified).
    text = (f"{value.year:04d}-{value.month:02d}-{value.day:02d}T"
            f"{value.hour:02d}:{value.minute:02d}:{value.second:02d}")
    fraction = f"{value.microsecond:06d}0".rstrip("0")
    offset = value.utcoffset()
    if offset is None:
        zone = ""
    elif value.tzinfo is dt.UTC:
        zone = "Z"
    else:
        minutes = int(offset.total_seconds()) // 60
        sign = "-" if minutes < 0 else "+"
        zone = f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    return f'"{text}{"." + fraction if fraction else ""}{zone}"'


class _Writer:
    def __init__(self, depth: int, core: bool, enums_as_strings: bool,
                 dialect: Dialect) -> None:
        self.depth = depth
        self.core = core
        self.enums_as_strings = enums_as_strings
        self.dialect = dialect
        self.truncated = False

    def plain(self, value: Any, level: int) -> Any:
        """The value as nested Python lists/dicts of JSON leaves (strings already quoted)."""
        if value is None:
            return "null"
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int):
            return str(value)
        if isinstance(value, float):
            return format_double(value, round_trip=True)
        if isinstance(value, str):
            return _escape(value, self.core)
        if isinstance(value, PSEnum):
            return _escape(value.name, self.core) if self.enums_as_strings else str(value.value)
        if isinstance(value, dt.datetime):
            return _date(value, self.core)
        if isinstance(value, uuid.UUID):
            return _escape(str(value), self.core)
        if isinstance(value, PSErrorRecord):
            value = PSObject([("Exception", value.message), ("FullyQualifiedErrorId",
                                                             value.fqid)])
        if level > self.depth:
            self.truncated = True
            return _escape(to_str(value, self.dialect), self.core)
        if isinstance(value, list):
            return [self.plain(item, level + 1) for item in value]
        if isinstance(value, PSHashtable):
            return {to_str(k): self.plain(v, level + 1) for k, v in value.entries()}
        if isinstance(value, PSObject):
            return {k: self.plain(v, level + 1) for k, v in value.items()}
        if isinstance(value, PSVersion):
            return {k: self.plain(get_member(value, k, self.dialect), level + 1)
                    for k in ("Major", "Minor", "Build", "Revision")} | {
                "MajorRevision": str(max(value.revision, 0) >> 16 if value.revision >= 0
                                     else -1),
                "MinorRevision": str(value.revision & 0xFFFF if value.revision >= 0 else -1)}
        if isinstance(value, dt.timedelta):
            names = ("Ticks", "Days", "Hours", "Milliseconds", "Minutes", "Seconds",
                     "TotalDays", "TotalHours", "TotalMilliseconds", "TotalMinutes",
                     "TotalSeconds")
            return {k: self.plain(get_member(value, k, self.dialect), level + 1)
                    for k in names}
        return _escape(to_str(value, self.dialect), self.core)


def _compact(node: Any) -> str:
    if isinstance(node, list):
        return "[" + ",".join(_compact(n) for n in node) + "]"
    if isinstance(node, dict):
        return "{" + ",".join(f"{_escape_key(k)}:{_compact(v)}" for k, v in node.items()) + "}"
    return str(node)


def _escape_key(key: str) -> str:
    return _escape(key, True)


def _core_pretty(node: Any, indent: int) -> str:
    pad = "  " * (indent + 1)
    end = "  " * indent
    if isinstance(node, list):
        if not node:
            return "[]"
        return "[\n" + ",\n".join(pad + _core_pretty(n, indent + 1) for n in node) + \
            "\n" + end + "]"
    if isinstance(node, dict):
        if not node:
            return "{}"
        return "{\n" + ",\n".join(f"{pad}{_escape_key(k)}: {_core_pretty(v, indent + 1)}"
                                  for k, v in node.items()) + "\n" + end + "}"
    return str(node)


def _desktop_pretty(node: Any, column: int) -> str:
    """Windows PowerShell 5.1: members 4 columns right of where their container opens."""
    pad = " " * (column + 4)
    if isinstance(node, list):
        if not node:
            return "[\n\n" + " " * column + "]"
        items = [pad + _desktop_pretty(n, column + 4) for n in node]
        return "[\n" + ",\n".join(items) + "\n" + " " * column + "]"
    if isinstance(node, dict):
        if not node:
            return "{\n\n" + " " * column + "}"
        lines = []
        for key, value in node.items():
            head = f"{pad}{_escape(key, False)}:  "
            lines.append(head + _desktop_pretty(value, len(head)))
        return "{\n" + ",\n".join(lines) + "\n" + " " * column + "}"
    return str(node)


def to_json(value: Any, *, depth: int = 2, compress: bool = False, core: bool = False,
            enums_as_strings: bool = False, dialect: Dialect | None = None) -> tuple[str, bool]:
    """(JSON text, whether -Depth truncated it)."""
    writer = _Writer(depth, core, enums_as_strings, dialect or Dialect(core, (7, 4)))
    node = writer.plain(value, 0)
    if compress:
        return _compact(node), writer.truncated
    text = _core_pretty(node, 0) if core else _desktop_pretty(node, 0)
    return text, writer.truncated
