"""The values a script handles, as Python objects.

PowerShell's primitives map to Python's: ``$null`` is None, Boolean is bool, the integer
types are int, Double is float, String is str, DateTime is an aware ``datetime``, TimeSpan
is ``timedelta``, Guid is ``uuid.UUID``, an array (``object[]``) is a ``list``. What Python
has no type for is defined here:

- :class:`PSObject`: a PSCustomObject or a cmdlet's output object (type names, ordered
  case-insensitive properties whose values may be computed on read, a few methods, ToString).
- :class:`PSEnum`: an enum value (type name, name, number).
- :class:`PSHashtable`: ``@{}`` and ``[ordered]@{}`` (case-insensitive keys, insertion order).
- :class:`PSVersion`: ``[version]`` and ``$PSVersionTable.PSVersion``.
- :class:`ScriptBlock`: ``{ ... }`` as a value (ForEach-Object's -Process, calculated properties).
- :class:`XmlNode`: what ``[xml]`` gives (``SelectSingleNode``, ``InnerText``, child elements).
"""

from __future__ import annotations

import datetime as dt
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

Getter = Callable[[], Any]


class Lazy:
    """A property value computed when read (a ScriptProperty, or an adapter's getter)."""

    __slots__ = ("getter",)

    def __init__(self, getter: Getter) -> None:
        self.getter = getter


class PSObject:
    """An object with named properties, as a PSCustomObject or a cmdlet's output object.

    Properties keep their order and are found by name in any case. A property's value may be
    a :class:`Lazy`, computed on every read. ``methods`` maps lower-cased method names to
    Python callables taking the call's arguments; ``to_string`` gives what ``[string]``
    and string expansion show (PowerShell shows an empty string for a PSCustomObject in
    expansion, ``@{A=1; B=2}`` in ``[string]``... see :func:`hvtui.lab.pwsh.convert.to_str`).
    """

    __slots__ = ("_props", "_names", "type_names", "methods", "to_string", "settable")

    def __init__(
        self,
        properties: Iterable[tuple[str, Any]] = (),
        *,
        type_names: tuple[str, ...] = ("System.Management.Automation.PSCustomObject",
                                       "System.Object"),
        methods: dict[str, Callable[..., Any]] | None = None,
        to_string: Callable[[], str] | None = None,
        settable: bool = True,
    ) -> None:
        self._props: dict[str, Any] = {}
        self._names: dict[str, str] = {}
        for name, value in properties:
            self._names[name.lower()] = name
            self._props[name.lower()] = value
        self.type_names = type_names
        """Most derived first, as ``$obj.PSObject.TypeNames``."""
        self.methods = {k.lower(): v for k, v in (methods or {}).items()}
        self.to_string = to_string
        self.settable = settable
        """Whether a script may assign existing properties (a deserialized object: yes, no
        code runs; a live object: the lab decides with a Lazy setter, see ``set``)."""

    @classmethod
    def record(cls, keys: tuple[str, ...], names: dict[str, str], values: list[Any]
               ) -> PSObject:
        """A PSCustomObject from pre-lowered keys (``[pscustomobject]@{...}`` literals)."""
        obj = cls.__new__(cls)
        obj._props = dict(zip(keys, values, strict=True))
        obj._names = names
        obj.type_names = _CUSTOM
        obj.methods = {}
        obj.to_string = None
        obj.settable = True
        return obj

    @property
    def type_name(self) -> str:
        return self.type_names[0] if self.type_names else "System.Object"

    def has(self, name: str) -> bool:
        return name.lower() in self._props

    def get(self, name: str, default: Any = None) -> Any:
        key = name.lower()
        if key not in self._props:
            return default
        value = self._props[key]
        return value.getter() if isinstance(value, Lazy) else value

    def set(self, name: str, value: Any) -> None:
        """Set an existing property, or add one (the engine checks which is allowed)."""
        key = name.lower()
        current = self._props.get(key)
        if isinstance(current, Setter):
            current.setter(value)
            return
        self._names.setdefault(key, name)
        self._props[key] = value

    def names(self) -> list[str]:
        """Property names as declared, in order."""
        return [self._names[k] for k in self._props]

    def items(self) -> Iterator[tuple[str, Any]]:
        for key, value in self._props.items():
            yield self._names[key], (value.getter() if isinstance(value, Lazy) else value)

    def __repr__(self) -> str:
        inner = "; ".join(f"{k}={v!r}" for k, v in self.items())
        return f"PSObject({self.type_name}: {inner})"


_CUSTOM = ("System.Management.Automation.PSCustomObject", "System.Object")


class Setter(Lazy):
    """A property that runs code when set (e.g. a cluster's common property written back)."""

    __slots__ = ("setter",)

    def __init__(self, getter: Getter, setter: Callable[[Any], None]) -> None:
        super().__init__(getter)
        self.setter = setter


@dataclass(frozen=True, slots=True)
class PSEnum:
    """An enum value: ``[string]`` gives its name, ``[int]`` its number."""

    type_name: str
    """Full .NET name, e.g. ``Microsoft.HyperV.PowerShell.VMState``."""
    name: str
    value: int

    def __str__(self) -> str:
        return self.name


class PSHashtable(dict[str, Any]):
    """A hashtable with PowerShell's case-insensitive string keys, in insertion order.

    ``@{}`` is unordered in PowerShell; keeping insertion order here is what
    ``[ordered]`` gives and never contradicts a script that does not rely on order.
    Keys are stored lower-cased with the original spelling kept in ``spelling``.
    """

    __slots__ = ("spelling", "ordered")

    def __init__(self, ordered: bool = False) -> None:
        super().__init__()
        self.spelling: dict[str, Any] = {}
        self.ordered = ordered

    @staticmethod
    def _key(key: Any) -> Any:
        return key.lower() if isinstance(key, str) else key

    def put(self, key: Any, value: Any) -> None:
        k = self._key(key)
        self.spelling.setdefault(k, key)
        dict.__setitem__(self, k, value)

    def lookup(self, key: Any) -> Any:
        return dict.get(self, self._key(key))

    def contains(self, key: Any) -> bool:
        return dict.__contains__(self, self._key(key))

    def entries(self) -> list[tuple[Any, Any]]:
        return [(self.spelling[k], v) for k, v in dict.items(self)]


@dataclass(frozen=True, slots=True, order=True)
class PSVersion:
    """System.Version: Major.Minor[.Build[.Revision]]; -1 where not given."""

    major: int
    minor: int
    build: int = -1
    revision: int = -1

    @classmethod
    def parse(cls, text: str) -> PSVersion:
        parts = text.strip().split(".")
        if not 2 <= len(parts) <= 4 or not all(p.isdigit() for p in parts):
            raise ValueError(f"Version string portion was too short or too long: {text!r}")
        numbers = [int(p) for p in parts] + [-1] * (4 - len(parts))
        return cls(*numbers)

    def to_string(self, fields: int | None = None) -> str:
        values = [self.major, self.minor, self.build, self.revision]
        count = len([v for v in values if v >= 0]) if fields is None else fields
        if count > len([v for v in values if v >= 0]) or count < 0:
            raise ValueError(
                f"Argument must be between 0 and {len([v for v in values if v >= 0])}."
            )
        return ".".join(str(v) for v in values[:count])

    def __str__(self) -> str:
        return self.to_string()


class ScriptBlock:
    """``{ ... }`` as a value; the engine supplies ``invoke`` (see ``engine.Engine``)."""

    __slots__ = ("text", "body", "params", "frame")

    def __init__(self, text: str, body: Any, params: Any, frame: Any = None) -> None:
        self.text = text
        self.body = body
        self.params = params
        self.frame = frame

    def __str__(self) -> str:
        return self.text


class XmlNode:
    """An XmlDocument or XmlElement (``[xml]``), with the members scripts read."""

    __slots__ = ("element", "is_document")

    def __init__(self, element: ET.Element, is_document: bool = False) -> None:
        self.element = element
        self.is_document = is_document

    @property
    def inner_text(self) -> str:
        return "".join(self.element.itertext())

    def select_single_node(self, xpath: str) -> XmlNode | None:
        """XPath for the forms ElementTree reads: ``/A/B[@K='v']/C`` and relative paths."""
        path = xpath.strip()
        if self.is_document and path.startswith("/"):
            head, _, rest = path[1:].partition("/")
            tag = head.split("[", 1)[0]
            if tag != self.element.tag:
                return None
            if not rest:
                return XmlNode(self.element)
            found = self.element.find(rest)
        else:
            found = self.element.find(path)
        return XmlNode(found) if found is not None else None

    def child(self, name: str) -> Any:
        """Member access on an XML node: an attribute, else the child element(s)."""
        if self.is_document:
            return XmlNode(self.element) if self.element.tag == name else None
        if name in self.element.attrib:
            return self.element.attrib[name]
        children = [c for c in self.element if c.tag == name]
        if not children:
            return None
        values = [XmlNode(c) if len(c) or c.attrib else (c.text or "") for c in children]
        return values[0] if len(values) == 1 else values

    def __str__(self) -> str:
        return "#document" if self.is_document else self.element.tag


NUMERIC_TYPES = (int, float)
DATETIME_TYPES = (dt.datetime,)
GUID_TYPES = (uuid.UUID,)
