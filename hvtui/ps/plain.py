"""Plain data <-> psrpcore objects.

Transports hand decoders *plain data* (see :mod:`hvtui.remote.base`): dicts for
complex objects, lists for collections, Python scalars for primitives. This module
is the single place that converts psrpcore's object model to and from that shape,
so the SSH transport (CLIXML from ``-OutputFormat XML``), the lab's PSRP and SSH
servers and the tests all agree on what a value looks like.

Canonical forms: integers of every width -> ``int``; Guid, Uri, Version, enum and
other string-like values -> ``str``; DateTime -> timezone-aware ``datetime``;
TimeSpan -> ``timedelta``; byte[] -> ``bytes``; complex objects -> ``dict`` of their
adapted and extended properties (extended wins).
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
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


def to_plain(value: Any) -> PSValue:
    """Convert a deserialised psrpcore value (or a plain Python value) to plain data."""
    if value is None or isinstance(value, bool):
        return value
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
        return stamp.astimezone(dt.UTC)
    if isinstance(value, dt.timedelta):
        return dt.timedelta(days=value.days, seconds=value.seconds, microseconds=value.microseconds)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(to_plain(k)): to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    if isinstance(value, PSObject):
        meta = value.PSObject
        props: dict[str, PSValue] = {}
        for prop in [*meta.adapted_properties, *meta.extended_properties]:
            props[prop.name] = to_plain(prop.get_value(value))
        if not props:
            # A complex object with no properties (an enum, a Version) is its ToString.
            return str(meta.to_string) if meta.to_string is not None else str(value)
        return props
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

