"""CLIXML straight to plain data, without building psrpcore objects.

psrpcore deserialises every element into a rich object and :func:`hvtui.remote.plain.to_plain`
then flattens it again; for a host inventory (thousands of flat records) that costs
about a millisecond per record. This reader walks the ElementTree once and builds
the plain data directly, with the same result as ``to_plain(psrpcore.deserialize(...))``
for everything PowerShell sends:

* ``Obj`` with ``TN``/``TNRef`` (type names by RefId, per document), ``Props``
  (adapted) and ``MS`` (extended; extended wins), ``ToString``;
* ``LST``/``IE``/``STK``/``QUE`` -> list, ``DCT`` (``En`` with ``Key``/``Value``) -> dict;
* every primitive (``S C B DT TS By SB U16 I16 U32 I32 U64 I64 Sg Db D BA G URI
  Version XD SBK SS Nil``), ``_xHHHH_`` escapes included, and an ``Obj`` wrapping
  a primitive (a string or date with note properties) -> the primitive;
* enums (an ``Obj`` whose type names include System.Enum) -> their ``ToString``;
* ``Ref`` -> a copy of the object with that RefId.

Objects whose .NET type psrpcore rehydrates into a class of its own (ErrorRecord,
InformationRecord, InvocationInfo, PSCredential, host UI structures...) take a
shape that is psrpcore's own, so psrpcore decodes them, one object at a time.
Anything else this reader does not know raises :class:`Unsupported`;
:func:`hvtui.remote.clixml.parse_document` then lets psrpcore decode the whole
document, so the result is the same either way, only slower.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import decimal
import enum
import functools
import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Hashable, Sequence

from psrpcore.types import (
    PSCryptoProvider,
    PSCustomObject,
    PSDictBase,
    PSQueueBase,
    PSVersion,
    deserialize,
)
from psrpcore.types._base import TypeRegistry  # the registry psrpcore rehydrates from
from psrpcore.types._collection import _PSListBase  # LST, IE and STK's common base

from hvtui.errors import ProtocolError
from hvtui.remote.base import PSValue
from hvtui.remote.plain import is_enum_type, to_plain


class Unsupported(Exception):
    """CLIXML this reader does not decode itself; psrpcore must."""


# -- scalars ------------------------------------------------------------------------

_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def _unescape(text: str) -> str:
    """Undo PowerShell's ``_xHHHH_`` escapes (UTF-16 code units, so pairs join)."""
    if "_x" not in text:
        return text
    decoded = _ESCAPE.sub(lambda match: chr(int(match[1], 16)), text)
    # Escaped surrogate pairs are two code units; UTF-16 joins them into one character.
    return decoded.encode("utf-16-be", "surrogatepass").decode("utf-16-be", "surrogatepass")


def _string(text: str | None) -> str:
    if text is None:
        return ""
    return _unescape(text) if "_x" in text else text


def _integer(low: int, high: int) -> Callable[[str | None], int]:
    def read(text: str | None) -> int:
        if text is None:
            return 0  # psrpcore, like .NET, reads an empty integer as 0
        number = int(text)
        if not low <= number <= high:
            raise Unsupported(f"{number} is out of range")
        return number

    return read


def _boolean(text: str | None) -> bool:
    return (text or "").lower() == "true"


def _double(text: str | None) -> float:
    return float(text)  # type: ignore[arg-type]  # None raises, as in psrpcore


def _decimal(text: str | None) -> float:
    return float(decimal.Decimal(text))  # type: ignore[arg-type]


def _char(text: str | None) -> int:
    number = int(text or "")
    if not 0 <= number <= 0xFFFF:
        raise Unsupported(f"char {number} is out of range")
    return number


def _guid(text: str | None) -> str:
    return str(uuid.UUID(text))


def _bytes(text: str | None) -> bytes:
    return base64.b64decode(text or "")


def _version(text: str | None) -> str:
    return str(PSVersion(text))


def _secure_string(text: str | None) -> str:
    # Kept opaque: the encrypted text, as to_plain(psrpcore) gives it. hvtui never
    # asks for a SecureString and never decrypts one.
    return text or ""


_DATETIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?"
    r"(?:(Z)|([+-])(\d{1,2}):(\d{1,2}))?\Z",
    re.ASCII,
)
_UTC_MIN = dt.datetime.min.replace(tzinfo=dt.UTC)
_UTC_MAX = dt.datetime.max.replace(tzinfo=dt.UTC)


def _datetime(text: str | None) -> dt.datetime:
    """A DateTime as to_plain gives it: aware, UTC, 100 ns ticks cut to microseconds."""
    match = _DATETIME.match(text or "")
    if match is None:
        raise Unsupported(f"DateTime {text!r}")
    year, month, day, hour, minute, second, fraction, _, sign, hours, minutes = match.groups()
    micro = int(fraction[:6].ljust(6, "0")) if fraction else 0
    zone = dt.UTC  # "Z", and DateTimeKind.Unspecified (no suffix), which to_plain reads as UTC
    if sign:
        if int(minutes) > 59:
            raise Unsupported(f"DateTime offset {text!r}")  # psrpcore (strptime) refuses it
        offset = dt.timedelta(hours=int(hours), minutes=int(minutes))
        zone = dt.timezone(-offset if sign == "-" else offset)
    stamp = dt.datetime(
        int(year), int(month), int(day), int(hour), int(minute), int(second), micro, zone
    )
    if zone is dt.UTC:
        return stamp
    try:
        return stamp.astimezone(dt.UTC)
    except OverflowError:  # as to_plain: clamp to the representable range
        return _UTC_MIN if stamp.year == dt.MINYEAR else _UTC_MAX


_DURATION = re.compile(
    r"(-?)P(?=.)(?:(\d+)D)?(?:T(?=.)(?:(\d+)H)?(?:(\d+)M)?(?:(\d*(?:\.(\d{1,7}))?)S)?)?\Z",
    re.ASCII,
)


def _duration(text: str | None) -> dt.timedelta:
    """A TimeSpan (xs:duration) as to_plain gives it: 100 ns ticks floored to microseconds."""
    match = _DURATION.match(text or "")
    if match is None:
        raise Unsupported(f"TimeSpan {text!r}")
    negative, days, hours, minutes, seconds, fraction = match.groups()
    # int(float(...)) as psrpcore does, so even absurd second counts read the same.
    total = int(float(seconds or 0)) + int(minutes or 0) * 60
    total += int(hours or 0) * 3600 + int(days or 0) * 86400
    nanoseconds = total * 1_000_000_000 + int((fraction or "").ljust(7, "0")) * 100
    if negative:
        nanoseconds = -nanoseconds
    return dt.timedelta(microseconds=nanoseconds // 1000)


_SCALARS: dict[str, Callable[[str | None], PSValue]] = {
    "S": _string,
    "URI": _string,
    "XD": _string,
    "SBK": _string,
    "B": _boolean,
    "I32": _integer(-(2**31), 2**31 - 1),
    "I64": _integer(-(2**63), 2**63 - 1),
    "I16": _integer(-(2**15), 2**15 - 1),
    "SB": _integer(-(2**7), 2**7 - 1),
    "U64": _integer(0, 2**64 - 1),
    "U32": _integer(0, 2**32 - 1),
    "U16": _integer(0, 2**16 - 1),
    "By": _integer(0, 2**8 - 1),
    "C": _char,
    "Db": _double,
    "Sg": _double,
    "D": _decimal,
    "DT": _datetime,
    "TS": _duration,
    "G": _guid,
    "BA": _bytes,
    "Version": _version,
    "SS": _secure_string,
}
"""Element tag -> reader of its text, for every primitive that stands on its own."""

# -- types psrpcore treats specially ----------------------------------------------------

_LISTS = frozenset({"LST", "IE", "STK", "QUE"})
_CUSTOM, _COLLECTION, _PRIMITIVE, _ENUM, _DELEGATED = range(5)
_REGISTRY = TypeRegistry().type_registry
"""psrpcore's .NET type name -> class table (live: later registrations show up)."""
_KINDS: dict[str, int] = {}


def _kind(type_name: str) -> int | None:
    """What psrpcore rehydrates a .NET type name into; None: a plain PSObject."""
    cls = _REGISTRY.get(type_name)
    if cls is None:
        return None
    kind = _KINDS.get(type_name)
    if kind is None:
        scalars = {c for tag, c in TypeRegistry().element_registry.items() if tag in _SCALARS}
        if cls is PSCustomObject:
            kind = _CUSTOM
        elif issubclass(cls, _PSListBase | PSDictBase | PSQueueBase):
            kind = _COLLECTION
        elif issubclass(cls, enum.Enum):
            kind = _ENUM
        elif cls in scalars:
            kind = _PRIMITIVE
        else:
            kind = _DELEGATED  # ErrorRecord, InvocationInfo, PSCredential, ...
        _KINDS[type_name] = kind
    return kind


# An Obj wrapping one of these is not just "the primitive": psrpcore hangs the Obj's
# properties on it (a Version becomes a dict), has no primitive (a progress record) or
# fails (a bool or $null cannot carry type names).
_ODD_PAYLOADS = frozenset({"Version", "SS", "PR", "Obj", "Ref", "B", "Nil"})
_NO_PAYLOAD = object()
# Hashtable keys psrpcore cannot hash (TimeSpan, Version) or that compare unlike their
# plain form (an object: an enum key equals its number).
_ODD_KEYS = frozenset({"TS", "Version", "Obj", "Ref"})


class _TypeNames:
    """One TN's type names and what psrpcore makes of them."""

    __slots__ = ("names", "kind", "is_enum")

    def __init__(self, names: list[str]) -> None:
        self.names = names
        self.kind = _kind(names[0])
        self.is_enum = _is_enum(tuple(names))


@functools.lru_cache(maxsize=1024)
def _is_enum(names: tuple[str, ...]) -> bool:
    # Each PSRP message repeats its TN: remember the answer, not just the names.
    return any(is_enum_type(name) for name in names)


class Reader:
    """Reads the elements of one CLIXML document (RefIds and TN RefIds are per document).

    Use one reader per ``<Objs>`` document, or per PSRP message (each is a
    document of its own). ``cipher`` is what psrpcore gets for the objects it
    decodes itself; SecureStrings are never decrypted either way.
    """

    def __init__(self, cipher: PSCryptoProvider) -> None:
        self._cipher = cipher
        self._types: dict[str, _TypeNames] = {}
        self._objects: dict[str, PSValue] = {}

    def value(self, element: ET.Element) -> PSValue:
        """One element (an ``Obj``, a primitive, a ``Ref``) as plain data."""
        tag = element.tag
        scalar = _SCALARS.get(tag)
        if scalar is not None:
            return scalar(element.text)
        if tag == "Obj":
            return self._obj(element)
        if tag == "Nil":
            return None
        if tag == "Ref":
            ref_id = element.get("RefId", "")
            if ref_id not in self._objects:  # unknown, inside psrpcore's object, or a cycle
                raise Unsupported(f"a reference to object {ref_id!r}")
            found = self._objects[ref_id]
            # psrpcore hands out the same object twice and to_plain copies it; so do we.
            return copy.deepcopy(found) if isinstance(found, dict | list) else found
        if tag == "PR":  # a ProgressRecord: self-contained, psrpcore's own shape
            return to_plain(deserialize(element, self._cipher))
        raise Unsupported(f"element <{tag}>")

    def _obj(self, element: ET.Element) -> PSValue:
        types: _TypeNames | None = None
        adapted = extended = None
        to_string: str | None = None
        payload: PSValue | object = _NO_PAYLOAD
        scalar_payload = False
        for child in element:
            tag = child.tag
            if tag == "MS":
                extended = child
            elif tag == "TNRef" or tag == "TN":
                if types is not None:
                    raise Unsupported("two sets of type names")
                types = self._type_names(child)
                if types.kind == _DELEGATED:
                    return self._delegate(element)
            elif tag == "Props":
                adapted = child
            elif tag == "ToString":
                to_string = _string(child.text)
            elif tag in _LISTS:
                payload = [self.value(item) for item in child]
                scalar_payload = False
            elif tag == "DCT":
                payload = self._dictionary(child)
                scalar_payload = False
            elif tag in _ODD_PAYLOADS:
                raise Unsupported(f"<{tag}> inside an Obj")
            else:  # an extended primitive (a string with notes) or an enum's value
                payload = self.value(child)
                scalar_payload = True
        kind = types.kind if types is not None else None
        is_enum = types is not None and types.is_enum
        # Read even when unused (an extended primitive's notes): psrpcore does, and later
        # references may point into them.
        props: dict[str, PSValue] = {}
        if adapted is not None:
            self._properties(adapted, props)
        if extended is not None:  # after the adapted ones: extended wins
            self._properties(extended, props)
        result: PSValue
        if payload is not _NO_PAYLOAD:
            if kind == _ENUM:  # an enum psrpcore knows: it must accept the value
                if not scalar_payload or to_string is None:
                    raise Unsupported("an enum psrpcore names itself")
                _REGISTRY[types.names[0]](payload)  # type: ignore[union-attr]
            result = to_string if is_enum and to_string is not None else payload  # type: ignore[assignment]
        elif kind is not None and kind != _CUSTOM:
            raise Unsupported(f"{types.names[0]} without its value")  # type: ignore[union-attr]
        elif is_enum and to_string is not None:
            result = to_string
        elif props or kind == _CUSTOM or to_string is None:
            result = props  # a PSCustomObject stays a record, even without properties
        else:
            result = to_string  # an object without properties is its text
        ref_id = element.get("RefId")
        if ref_id is not None:
            self._objects[ref_id] = result
        return result

    def _properties(self, group: ET.Element, into: dict[str, PSValue]) -> None:
        scalars = _SCALARS
        for prop in group:
            name = prop.get("N")
            if name is None:
                raise Unsupported(f"a <{prop.tag}> property without a name")
            if "_x" in name:
                name = _unescape(name)
            tag = prop.tag
            if tag == "S":  # most properties: inline the commonest case
                text = prop.text
                into[name] = "" if text is None else _unescape(text) if "_x" in text else text
            else:
                scalar = scalars.get(tag)
                into[name] = scalar(prop.text) if scalar is not None else self.value(prop)

    def _type_names(self, element: ET.Element) -> _TypeNames:
        """A TN (defines type names under its RefId) or a TNRef (uses them)."""
        ref_id = element.get("RefId")
        if element.tag == "TNRef":
            found = self._types.get(ref_id or "")
            if found is None:
                raise Unsupported(f"unknown type names {ref_id!r}")
            return found
        names = [t.text or "" for t in element if t.tag == "T"]
        if not names or ref_id is None:
            raise Unsupported("a TN without type names or RefId")
        types = self._types[ref_id] = _TypeNames(names)
        return types

    def _dictionary(self, element: ET.Element) -> dict[str, PSValue]:
        # Keys are compared as psrpcore's dict compares them (1 == 1.0 == True) and
        # only then turned into text, as to_plain does.
        entries: dict[Hashable, tuple[str, PSValue]] = {}
        for entry in element:
            key_element = entry.find('*/[@N="Key"]')  # as psrpcore finds them
            value_element = entry.find('*/[@N="Value"]')
            if key_element is None or value_element is None:
                raise Unsupported("a hashtable entry without Key or Value")
            if key_element.tag in _ODD_KEYS:
                raise Unsupported(f"a hashtable key <{key_element.tag}>")
            key = self.value(key_element)
            if isinstance(key, dict | list):  # cannot be, after _ODD_KEYS; for the type checker
                raise Unsupported("a hashtable key that is an object")
            value = self.value(value_element)
            previous = entries.get(key)
            entries[key] = (previous[0] if previous else str(key), value)
        result: dict[str, PSValue] = {}
        for text, value in entries.values():
            result[text] = value
        return result

    def _delegate(self, element: ET.Element) -> PSValue:
        """psrpcore decodes one object whose shape is its own (an ErrorRecord...)."""
        own = copy.deepcopy(element)
        # Type names this document defined earlier are spelled out for psrpcore,
        # which starts with an empty table.
        for parent in own.iter():
            for index, child in enumerate(parent):
                if child.tag == "TNRef" and child.get("RefId") in self._types:
                    spelled = ET.Element("TN", RefId=child.attrib["RefId"])
                    for name in self._types[child.attrib["RefId"]].names:
                        ET.SubElement(spelled, "T").text = name
                    spelled.tail = child.tail
                    parent[index] = spelled
        try:
            result = to_plain(deserialize(own, self._cipher))
        except KeyError as exc:  # a Ref to an object outside this one
            raise Unsupported(f"a reference that crosses {element.tag}: {exc}") from exc
        for names_element in element.iter("TN"):
            ref_id = names_element.get("RefId")
            names = [t.text or "" for t in names_element if t.tag == "T"]
            if ref_id is not None and names:
                self._types[ref_id] = _TypeNames(names)
        ref_id = element.get("RefId")
        if ref_id is not None:
            self._objects[ref_id] = result
        return result


def document_root(document: str) -> ET.Element:
    """The ``<Objs>`` element of one document, its namespace dropped as psrpcore does."""
    if document.startswith("#< CLIXML"):
        document = document[9:].lstrip("\r\n")
    return ET.fromstring("<Objs" + document[document.find(">") :])


def read_document(document: str, cipher: PSCryptoProvider) -> list[tuple[PSValue, str | None]]:
    """Every top-level object of one ``<Objs>`` document with its ``S`` (stream) attribute."""
    reader = Reader(cipher)
    return [(reader.value(element), element.get("S")) for element in document_root(document)]


def _standalone(element: ET.Element, cipher: PSCryptoProvider) -> PSValue:
    try:
        return Reader(cipher).value(element)
    except Exception:  # noqa: BLE001 - Unsupported or malformed: psrpcore has the last word
        pass
    try:
        return to_plain(deserialize(element, cipher))
    except RecursionError as exc:
        raise ProtocolError(
            "invalid CLIXML: an object refers to itself",
            hint="the host's PowerShell wrote something other than CLIXML",
        ) from exc


def read_element(xml: str | bytes, cipher: PSCryptoProvider) -> PSValue:
    """One standalone CLIXML element (a PSRP message's payload) as plain data.

    Falls back to psrpcore for what :class:`Reader` does not cover, so the result
    is always ``to_plain(psrpcore.deserialize(...))``; psrpcore's errors pass through,
    except an object that contains itself, which is a :class:`ProtocolError`.
    """
    return _standalone(ET.fromstring(xml), cipher)


def read_elements(xmls: Sequence[str], cipher: PSCryptoProvider) -> list[PSValue]:
    """Several standalone elements (one PSRP message each), as :func:`read_element` reads
    each, but parsed as one document: setting up a parser costs more than a small
    record. Each element keeps its own RefIds.
    """
    try:
        children = list(ET.fromstring("<Objs>" + "".join(xmls) + "</Objs>"))
    except ET.ParseError:
        children = []
    if len(children) != len(xmls):  # one of them is not a single element: read each alone
        return [read_element(xml, cipher) for xml in xmls]
    return [_standalone(child, cipher) for child in children]
