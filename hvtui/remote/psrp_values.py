"""Values across the PSRP transport: Python parameters out, plain data back.

Out: parameters are tagged with the CLIXML type PowerShell expects (pypsrp alone
would send every int as Int32 and every float as Single).

Back: every transport must give decoders the same plain data for the same remote
objects: what :func:`hvtui.remote.plain.to_plain` makes of psrpcore's deserialisation.
pypsrp's own objects lose information (DateTime and TimeSpan stay CLIXML text, which
a string could equally hold), so output objects are not deserialised by pypsrp at
all: :class:`PassthroughSerializer` keeps their CLIXML and :func:`clixml_plain`
converts it with the shared reader, :mod:`hvtui.remote.clixml_read` (the SSH
transport's too), which gives the same result as psrpcore only much cheaper.
"""

from __future__ import annotations

import functools
import queue
import xml.etree.ElementTree as ET
from typing import Any, cast

from psrpcore import PSRemotingCrypto
from psrpcore.types import ErrorCategory
from pypsrp.complex_objects import ComplexObject, GenericComplexObject, ObjectMeta
from pypsrp.serializer import Serializer, TaggedValue

from hvtui.remote import clixml_read
from hvtui.remote.base import ErrorRecord, ParamValue, ProgressRecord, PSObjectData, PSValue
from hvtui.remote.plain import to_plain

_INT32 = range(-(2**31), 2**31)
_INT64 = range(-(2**63), 2**63)
_NO_CIPHER = PSRemotingCrypto()  # only SecureStrings need a session key; hvtui reads none


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

    def _serialize_string(self, value: str | None) -> str | None:
        """pypsrp's escaping, remembered for long strings: it runs a Python callback per
        escaped character (every newline of a script), most of the client's CPU for a
        small call, and the long strings sent are catalog scripts, sent again and again."""
        if value is None or len(value) < _LONG_STRING:
            return super()._serialize_string(value)
        return _escaped_long_string(value)


_LONG_STRING = 1024


@functools.lru_cache(maxsize=64)
def _escaped_long_string(value: str) -> str | None:
    return Serializer()._serialize_string(value)


def clixml_plain(xml: str) -> PSValue:
    """One CLIXML element as plain data, exactly as to_plain(psrpcore.deserialize(...))."""
    return clixml_read.read_element(xml, _NO_CIPHER)


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
    """One output object; a bare value (a script emitting a string, such as the inventory's
    JSON document) stays that value, as over SSH and in the in-process lab."""
    return cast(PSObjectData, plain_value(value))


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
