"""Engine values -> the transports' plain data (see ``hvtui/remote/base.py``).

What crosses the remoting boundary is what PowerShell's serializer sends at remoting's
depth 1 (serialization.cs in PowerShell/PowerShell): an object's adapted properties are
written one level down, and at depth 0 a complex object is written as its ToString();
containers are written whatever the depth, their items at the container's depth; the
instance (note) properties of a PSCustomObject stay at the object's depth. Enums become
their names, Guid and Version their strings, DateTime an aware UTC datetime.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from hvtui.lab.pwsh import types as T
from hvtui.lab.pwsh.convert import to_str
from hvtui.lab.pwsh.errors import PSErrorRecord
from hvtui.lab.pwsh.values import Lazy, PSEnum, PSHashtable, PSObject, PSVersion
from hvtui.remote.base import PSValue

REMOTING_DEPTH = 1


_SCALARS = (type(None), bool, int, float, str)


def to_plain(value: Any, depth: int = REMOTING_DEPTH) -> PSValue:
    """``value`` as plain data, serialized to ``depth`` (remoting's is 1)."""
    kind = type(value)
    if kind in _SCALARS:
        return value  # type: ignore[no-any-return]
    if kind is PSObject:
        custom = T.PSCUSTOMOBJECT in value.type_names
        if depth <= 0 and not custom:
            return to_str(value)
        if not value._props and value.to_string is not None:
            return value.to_string()  # type: ignore[no-any-return]
        inner = depth if custom else depth - 1
        names = value._names
        out: dict[str, PSValue] = {}
        for key, item in value._props.items():
            if isinstance(item, Lazy):
                item = item.getter()
            out[names[key]] = item if type(item) in _SCALARS else to_plain(item, inner)
        return out
    if kind is PSEnum:
        return value.name  # type: ignore[no-any-return]
    if isinstance(value, dt.datetime):
        stamp = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return stamp.astimezone(dt.UTC)
    if isinstance(value, dt.timedelta):
        return value
    if isinstance(value, uuid.UUID | PSVersion):
        return str(value)
    if isinstance(value, bytes):
        return value  # byte[] is one primitive on the wire (<BA>, base64), at any depth
    if isinstance(value, list):
        return [to_plain(item, depth) for item in value]
    if isinstance(value, PSHashtable):
        return {to_str(k): to_plain(v, depth) for k, v in value.entries()}
    if isinstance(value, PSErrorRecord):
        return value.message
    if isinstance(value, PSObject):
        return to_plain(_as_psobject(value), depth)
    if isinstance(value, bool | int | float | str):
        return value
    return to_str(value)


def _as_psobject(value: PSObject) -> PSObject:
    """A subclass of PSObject, plain: same properties, type names and text."""
    copy = PSObject.__new__(PSObject)
    copy._props, copy._names = value._props, value._names
    copy.type_names, copy.methods = value.type_names, value.methods
    copy.to_string, copy.settable = value.to_string, value.settable
    return copy
