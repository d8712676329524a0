"""Values across the PSRP transport: Python parameters out, plain data back.

Out: parameters are tagged with the CLIXML type PowerShell expects (pypsrp alone
would send every int as Int32 and every float as Single).

Back: every transport must give decoders the same plain data for the same remote
objects: what :func:`hvtui.ps.plain.to_plain` makes of psrpcore's deserialisation.
pypsrp's own objects lose information (DateTime and TimeSpan stay CLIXML text, which
a string could equally hold), so output objects are not deserialised by pypsrp at
all: :class:`PassthroughSerializer` keeps their CLIXML and :func:`clixml_plain`
converts it. A fast path handles what catalog scripts emit (PSCustomObjects of
scalars, arrays and nested PSCustomObjects), about twenty times cheaper than the
general path; anything else falls back to psrpcore, so the result is identical.
"""

from __future__ import annotations

import base64
import datetime as dt
import queue
import re
import uuid
import xml.etree.ElementTree as ET
from typing import Any

from psrpcore import PSRemotingCrypto
from psrpcore.types import ErrorCategory
from psrpcore.types import deserialize as clixml_deserialize

# psrpcore's own string decoder and duration grammar, so the fast path reads text
# exactly as psrpcore does.
from psrpcore.types._serializer import _DURATION_PATTERN, _deserialize_string
from pypsrp.complex_objects import ComplexObject, GenericComplexObject, ObjectMeta
from pypsrp.serializer import Serializer, TaggedValue

from hvtui.ps.plain import to_plain
from hvtui.remote.base import ErrorRecord, ParamValue, ProgressRecord, PSObjectData, PSValue

_INT32 = range(-(2**31), 2**31)
_INT64 = range(-(2**63), 2**63)
_NO_CIPHER = PSRemotingCrypto()  # only SecureStrings need a session key; hvtui reads none
_PSCUSTOMOBJECT = ["System.Management.Automation.PSCustomObject", "System.Object"]
_INTEGER_TAGS = frozenset({"I32", "I64", "I16", "U16", "U32", "U64", "By", "SB"})
_DATETIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?"
    r"(Z|([+-])(\d{1,2}):(\d{1,2}))?\Z"
)
_ARRAY_TYPES = frozenset({
    "System.Object[]", "System.String[]", "System.Int32[]", "System.Int64[]",
    "System.Collections.ArrayList",
})


# -- parameters --------------------------------------------------------------------


def wire_value(value: ParamValue, name: str) -> Any:
    """A parameter value as pypsrp must serialise it (Int32/Int64/Double tagged)."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        if value in _INT32:
            return TaggedValue("I32", value)
        if value in _INT64:
            return TaggedValue("I64", value)
        raise TypeError(f"parameter {name!r}: {value} does not fit in a 64-bit integer")
    if isinstance(value, float):
        return TaggedValue("Db", value)
    if isinstance(value, list):
        return [wire_value(item, name) for item in value]
    raise TypeError(f"parameter {name!r}: cannot send a {type(value).__name__} to PowerShell")


# -- output objects -------------------------------------------------------------------


class RawClixml:
    """An output object still in CLIXML, as :class:`PassthroughSerializer` leaves it."""

    __slots__ = ("xml",)

    def __init__(self, xml: str) -> None:
        self.xml = xml

    def __repr__(self) -> str:
        return f"RawClixml({self.xml[:60]!r}...)"


class PassthroughSerializer(Serializer):
    """pypsrp's serializer, except that pipeline output stays CLIXML text.

    pypsrp deserialises PIPELINE_OUTPUT (and PIPELINE_INPUT) by calling
    ``deserialize(text)`` with no metadata; every other message passes metadata.
    Skipping that one call halves the client's CPU per object and loses nothing.
    """

    def deserialize(
        self,
        element: ET.Element | str,
        metadata: ObjectMeta | None = None,
        clear: bool = True,
    ) -> Any:
        if metadata is None and isinstance(element, str):
            return RawClixml(element)
        return super().deserialize(element, metadata, clear)


class _Fallback(Exception):
    """The fast path does not cover this CLIXML; psrpcore must deserialise it."""


class _FastPlain:
    """CLIXML to plain data for the shapes catalog scripts emit; raises _Fallback otherwise."""

    def __init__(self) -> None:
        self.type_names: dict[str, list[str]] = {}

    def value(self, element: ET.Element) -> PSValue:
        tag = element.tag
        text = element.text or ""
        if tag == "S":
            return _deserialize_string(text) if "_x" in text else text
        if tag in _INTEGER_TAGS:
            return int(text)
        if tag == "B":
            return text.lower() == "true"
        if tag == "Nil":
            return None
        if tag in ("Db", "Sg"):
            return float(text)
        if tag == "DT":
            return _datetime(text)
        if tag == "TS":
            return _duration(text)
        if tag == "G":
            return str(uuid.UUID(text))
        if tag == "BA":
            return base64.b64decode(text)
        if tag == "Obj":
            return self.obj(element)
        raise _Fallback(tag)

    def obj(self, element: ET.Element) -> PSValue:
        names: list[str] | None = None
        content: list[ET.Element] = []
        for child in element:
            if child.tag == "TN":
                names = [t.text or "" for t in child]
                self.type_names[child.get("RefId", "")] = names
            elif child.tag == "TNRef":
                names = self.type_names.get(child.get("RefId", ""))
                if names is None:
                    raise _Fallback("TNRef")
            else:
                content.append(child)
        if names == _PSCUSTOMOBJECT:
            props: dict[str, PSValue] = {}
            for part in content:
                if part.tag == "MS":
                    for prop in part:
                        name = prop.get("N", "")
                        key = _deserialize_string(name) if "_x" in name else name
                        props[key] = self.value(prop)
                elif part.tag != "ToString":
                    raise _Fallback(part.tag)
            if not props:
                raise _Fallback("no properties")  # psrpcore makes it its ToString
            return props
        if names and names[0] in _ARRAY_TYPES and len(content) == 1 and content[0].tag in (
            "LST", "IE"
        ):
            return [self.value(item) for item in content[0]]
        raise _Fallback(names[0] if names else "Obj")


def _datetime(text: str) -> dt.datetime:
    """A CLIXML DateTime as to_plain gives it: aware, UTC, microseconds (100 ns dropped)."""
    match = _DATETIME.match(text)
    if match is None:
        raise _Fallback("DT")
    year, month, day, hour, minute, second = (int(match[i]) for i in range(1, 7))
    fraction = match[7] or ""
    micro = int(fraction[:6].ljust(6, "0")) if fraction else 0
    zone = dt.UTC  # "Z", and DateTimeKind.Unspecified (no suffix) which to_plain reads as UTC
    if match[9]:
        offset = dt.timedelta(hours=int(match[10]), minutes=int(match[11]))
        zone = dt.timezone(-offset if match[9] == "-" else offset)
    stamp = dt.datetime(year, month, day, hour, minute, second, micro, tzinfo=zone)
    return stamp.astimezone(dt.UTC)


def _duration(text: str) -> dt.timedelta:
    """A CLIXML TimeSpan (xs:duration) as to_plain gives it (100 ns floored to µs)."""
    match = _DURATION_PATTERN.match(text)
    if match is None:
        raise _Fallback("TS")
    parts = match.groupdict()
    seconds = int(float(parts["seconds"] or 0)) + int(parts["minutes"] or 0) * 60
    seconds += int(parts["hours"] or 0) * 3600 + int(parts["days"] or 0) * 86400
    nanoseconds = seconds * 1_000_000_000 + int((parts["fraction"] or "").ljust(7, "0")) * 100
    if parts["negative"]:
        nanoseconds = -nanoseconds
    return dt.timedelta(microseconds=nanoseconds // 1000)


def clixml_plain(xml: str) -> PSValue:
    """One CLIXML element as plain data, exactly as to_plain(psrpcore.deserialize(...))."""
    element = ET.fromstring(xml)
    try:
        return _FastPlain().value(element)
    except (_Fallback, ValueError):
        return to_plain(clixml_deserialize(element, _NO_CIPHER))


def plain_value(value: Any) -> PSValue:
    """Anything pypsrp produced as plain data (the shape of :func:`to_plain`)."""
    if isinstance(value, RawClixml):
        return clixml_plain(value.xml)
    if isinstance(value, ComplexObject):
        xml = getattr(value, "_xml", None)
        if xml:
            return clixml_plain(xml)
        if isinstance(value, GenericComplexObject):
            props = {**value.adapted_properties, **value.extended_properties}
            if props:
                return {str(k): plain_value(v) for k, v in props.items()}
            return str(value.to_string or "")
        return str(value)
    if isinstance(value, list):
        return [plain_value(item) for item in value]
    if isinstance(value, dict):
        return {str(plain_value(k)): plain_value(v) for k, v in value.items()}
    if isinstance(value, queue.Queue):
        return [plain_value(item) for item in list(value.queue)]
    return to_plain(value)


def plain_object(value: Any) -> PSObjectData:
    """One output object; a bare value (a script emitting a string) becomes ``{"Value": v}``."""
    plain = plain_value(value)
    return plain if isinstance(plain, dict) else {"Value": plain}


# -- streams ------------------------------------------------------------------------


def error_record(record: Any) -> ErrorRecord:
    """A pypsrp ErrorRecord as hvtui's structured ErrorRecord."""
    message = getattr(record, "details_message", None) or _exception_message(
        getattr(record, "exception", None)
    )
    if not message and getattr(record, "_to_string", None):
        message = str(record)
    category = getattr(record, "category", None)
    try:
        category_name = "NotSpecified" if category is None else ErrorCategory(int(category)).name
    except ValueError:
        category_name = str(category)
    return ErrorRecord(
        message=str(message or "unknown error"),
        category=category_name,
        error_id=str(getattr(record, "fq_error", None) or ""),
        target=str(getattr(record, "target_name", None) or ""),
        activity=str(getattr(record, "activity", None) or ""),
        reason=str(getattr(record, "reason", None) or ""),
    )


def _exception_message(exception: Any) -> str:
    if isinstance(exception, GenericComplexObject):
        for props in (exception.adapted_properties, exception.extended_properties):
            message = props.get("Message")
            if message:
                return str(message)
        return str(exception.to_string or "")
    return str(exception) if exception else ""


def progress_record(record: Any) -> ProgressRecord:
    percent = getattr(record, "percent_complete", None)
    return ProgressRecord(
        activity=str(getattr(record, "activity", None) or ""),
        status=str(getattr(record, "description", None) or ""),
        percent=int(percent) if percent is not None else -1,
    )
