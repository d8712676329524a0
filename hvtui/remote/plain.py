"""Plain data <-> psrpcore objects.

Transports hand decoders *plain data* (see :mod:`hvtui.remote.base`): dicts for
complex objects, lists for collections, Python scalars for primitives. This module
is the single place that converts psrpcore's object model to and from that shape,
so the SSH transport (CLIXML from ``-OutputFormat XML``), the lab's PSRP and SSH
servers and the tests all agree on what a value looks like.

Canonical forms: integers of every width -> ``int``; Guid, Uri, Version and other
string-like values -> ``str``; an enum -> its ``ToString`` (``'Running'``, not ``2``);
DateTime -> timezone-aware UTC ``datetime`` (clamped to ``datetime.min``/``max``
when the offset pushes it out of range); TimeSpan -> ``timedelta``; byte[] ->
``bytes``; lists, arrays, stacks and queues -> ``list``; hashtables -> ``dict``;
complex objects -> ``dict`` of their adapted and extended properties (extended
wins); a PSCustomObject without properties -> ``{}``.

:mod:`hvtui.remote.clixml_read` reads CLIXML straight into these forms, far faster;
tests hold the two to the same results.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import queue
import uuid
from typing import Any

from psrpcore.types import (
    PSByteArray,
    PSCustomObject,
    PSDateTime,
    PSDouble,
    PSDuration,
    PSInt,
    PSInt64,
    PSList,
    PSObject,
    PSString,
)

from hvtui.remote.base import PSValue

_INT32 = range(-(2**31), 2**31)


def is_enum_type(type_name: str) -> bool:
    """Whether a CLIXML type name is System.Enum, however often it was re-deserialised."""
    while type_name.startswith("Deserialized."):
        type_name = type_name[len("Deserialized.") :]
    return type_name == "System.Enum"


def _enum_text(value: PSObject) -> str | None:
    """A deserialised enum's ToString ('Running'); None when ``value`` is no enum or came
    without one (then it is its number)."""
    meta = value.PSObject
    if isinstance(value, enum.Enum) or any(is_enum_type(name) for name in meta.type_names):
        # The <ToString> the host sent, not psrpcore's fallback str() of the number.
        sent = getattr(meta, "_to_string", None)
        return None if sent is None else str(sent)
    return None


def _utc(stamp: dt.datetime) -> dt.datetime:
    try:
        return stamp.astimezone(dt.UTC)
    except OverflowError:  # 0001-01-01 at +09:00 is before the first representable instant
        edge = dt.datetime.min if stamp.year == dt.MINYEAR else dt.datetime.max
        return edge.replace(tzinfo=dt.UTC)


def to_plain(value: Any) -> PSValue:
    """Convert a deserialised psrpcore value (or a plain Python value) to plain data."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, PSObject):
        text = _enum_text(value)
        if text is not None:
            return text
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bytes):
        return bytes(value)
    if isinstance(value, dt.datetime):
        stamp = dt.datetime(
            value.year, value.month, value.day, value.hour, value.minute, value.second,
            value.microsecond, tzinfo=value.tzinfo or dt.UTC,
        )
        return _utc(stamp)
    if isinstance(value, dt.timedelta):
        return dt.timedelta(days=value.days, seconds=value.seconds, microseconds=value.microseconds)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(to_plain(k)): to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    if isinstance(value, queue.Queue):
        return [to_plain(v) for v in list(value.queue)]
    if isinstance(value, PSObject):
        meta = value.PSObject
        props: dict[str, PSValue] = {}
        for prop in [*meta.adapted_properties, *meta.extended_properties]:
            props[prop.name] = to_plain(prop.get_value(value))
        if props or isinstance(value, PSCustomObject):
            return props
        # A complex object with no properties (a Version, a SecureString) is its ToString.
        if meta.to_string is not None:
            return str(meta.to_string)
        return {} if type(value) is PSObject else str(value)
    return str(value)


def from_plain(value: PSValue) -> Any:
    """Convert plain data to psrpcore values that serialise as PowerShell would send them.

    dicts become PSCustomObjects, lists become arrays, ints become Int32 when they fit
    and Int64 otherwise.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return value  # psrpcore serialises bool natively
    if isinstance(value, int):
        return PSInt(value) if value in _INT32 else PSInt64(value)
    if isinstance(value, float):
        return PSDouble(value)
    if isinstance(value, str):
        return PSString(value)
    if isinstance(value, bytes):
        return PSByteArray(value)
    if isinstance(value, dt.datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return PSDateTime(
            aware.year, aware.month, aware.day, aware.hour, aware.minute, aware.second,
            aware.microsecond, tzinfo=aware.tzinfo,
        )
    if isinstance(value, dt.timedelta):
        return PSDuration(value)
    if isinstance(value, list):
        return PSList([from_plain(v) for v in value])
    if isinstance(value, dict):
        return PSCustomObject(**{k: from_plain(v) for k, v in value.items()})
    raise TypeError(f"cannot send a {type(value).__name__} to PowerShell")

