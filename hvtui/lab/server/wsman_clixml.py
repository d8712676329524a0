"""Output objects as CLIXML bytes, exactly as psrpcore would write them, but cheaper.

The lab's hosts answer with plain data (:mod:`hvtui.remote.base`). psrpcore's
``serialize(from_plain(record))`` spends about 2 ms on a 16-field record, which makes
the lab's WinRM endpoint, not hvtui, the bottleneck of a scaled-up estate. For the
shapes ``from_plain`` produces (PSCustomObjects of scalars, arrays and nested
PSCustomObjects) this module writes the same bytes directly: same element order,
RefIds, TN/TNRef numbering, string escaping (psrpcore's own helpers) and XML
escaping. A property test checks the bytes are identical to psrpcore's. Anything
else returns None and goes through psrpcore.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import re

from psrpcore.types._serializer import (  # psrpcore's own text encoders
    _serialize_datetime,
    _serialize_duration,
    _serialize_string,
)

from hvtui.remote.base import PSValue

_INT32 = range(-(2**31), 2**31)
_INT64 = range(-(2**63), 2**63)
_CUSTOM_OBJECT_TN = "<T>System.Management.Automation.PSCustomObject</T><T>System.Object</T>"
_ARRAY_LIST_TN = "<T>System.Collections.ArrayList</T><T>System.Object</T>"
# Everything psrpcore's string encoder rewrites (its two patterns, merged): strings
# without any of it are written as they are, skipping two regex substitutions.
_NEEDS_ENCODING = re.compile(
    "(?i)_x|[\u0000-\u001F\u007F-\u009F\uD800-\uDFFF\U00010000-\U0010FFFF]"
)


def _encode(value: str) -> str:
    return _serialize_string(value) if _NEEDS_ENCODING.search(value) else value


@functools.lru_cache(maxsize=4096)
def _name_attribute(name: str) -> str:
    # Records of one kind repeat the same property names.
    return f' N="{_attribute(_encode(name))}"'


class _Unsupported(Exception):
    """A value outside the fast path's shapes."""


def _text(value: str) -> str:
    # ElementTree's escaping of element text.
    if "&" in value:
        value = value.replace("&", "&amp;")
    if "<" in value:
        value = value.replace("<", "&lt;")
    if ">" in value:
        value = value.replace(">", "&gt;")
    return value


def _attribute(value: str) -> str:
    # ElementTree's escaping of attribute values; control characters cannot occur here
    # because psrpcore's string encoding has already turned them into _xHHHH_.
    return _text(value).replace('"', "&quot;")


class _Writer:
    """One psrpcore serialisation pass: RefIds and type-name references are per message."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.next_ref = 0
        self.type_refs: list[str] = []

    def value(self, value: PSValue, name: str | None) -> None:
        named = "" if name is None else _name_attribute(name)
        if value is None:
            self.parts.append(f"<Nil{named} />")
        elif isinstance(value, bool):
            self.parts.append(f"<B{named}>{'true' if value else 'false'}</B>")
        elif isinstance(value, int):
            if value in _INT32:
                self.parts.append(f"<I32{named}>{value}</I32>")
            elif value in _INT64:
                self.parts.append(f"<I64{named}>{value}</I64>")
            else:
                raise _Unsupported("integer beyond Int64")
        elif isinstance(value, float):
            self.parts.append(f"<Db{named}>{str(value).upper()}</Db>")
        elif isinstance(value, str):
            self._leaf("S", named, _text(_encode(value)))
        elif isinstance(value, bytes):
            self._leaf("BA", named, base64.b64encode(value).decode())
        elif isinstance(value, dt.datetime):
            aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
            self._leaf("DT", named, _serialize_datetime(aware))
        elif isinstance(value, dt.timedelta):
            self._leaf("TS", named, _serialize_duration(value))
        elif isinstance(value, list):
            self._object(named, _ARRAY_LIST_TN)
            if not value:
                self.parts.append("<LST /></Obj>")
                return
            self.parts.append("<LST>")
            for item in value:
                self.value(item, None)
            self.parts.append("</LST></Obj>")
        elif isinstance(value, dict):
            self.record(value, named)
        else:
            raise _Unsupported(type(value).__name__)

    def record(self, record: dict[str, PSValue], named: str = "") -> None:
        if not record:
            raise _Unsupported("a PSCustomObject without properties")
        self._object(named, _CUSTOM_OBJECT_TN)
        self.parts.append("<MS>")
        for key, item in record.items():
            self.value(item, key)
        self.parts.append("</MS></Obj>")

    def _leaf(self, tag: str, named: str, text: str) -> None:
        self.parts.append(f"<{tag}{named}>{text}</{tag}>" if text else f"<{tag}{named} />")

    def _object(self, named: str, type_names: str) -> None:
        ref = self.next_ref
        self.next_ref += 1
        self.parts.append(f'<Obj RefId="{ref}"{named}>')
        if type_names in self.type_refs:
            self.parts.append(f'<TNRef RefId="{self.type_refs.index(type_names)}" />')
        else:
            self.type_refs.append(type_names)
            self.parts.append(f'<TN RefId="{len(self.type_refs) - 1}">{type_names}</TN>')


def record_clixml(record: dict[str, PSValue]) -> bytes | None:
    """The CLIXML psrpcore writes for ``from_plain(record)``, or None if not covered."""
    writer = _Writer()
    try:
        writer.record(record)
        return "".join(writer.parts).encode("utf-8")
    except (_Unsupported, UnicodeEncodeError):  # UnicodeEncodeError: a lone surrogate
        return None
