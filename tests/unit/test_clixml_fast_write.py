"""hvtui.remote.clixml_write writes what psrpcore writes for from_plain(value), and both
psrpcore and pypsrp read it back to the same values."""

from __future__ import annotations

import datetime as dt
import math
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from psrpcore.types import (
    PSCryptoProvider,
    deserialize,
    deserialize_clixml,
    serialize,
    serialize_clixml,
)
from psrpcore.types._serializer import _deserialize_duration  # an independent TS parser
from pypsrp.complex_objects import GenericComplexObject
from pypsrp.serializer import Serializer

from hvtui.remote import clixml
from hvtui.remote.base import PSValue
from hvtui.remote.clixml import Stream, dumps, parse_documents
from hvtui.remote.clixml_read import read_document, read_element
from hvtui.remote.clixml_write import escape_string, write_document, write_element
from hvtui.remote.plain import from_plain, to_plain

CIPHER = PSCryptoProvider()
PYPSRP = Serializer()

text = st.text(st.characters(exclude_categories=["Cs"]), max_size=20)
names = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=10)
zones = st.integers(-14 * 60, 14 * 60).map(lambda m: dt.timezone(dt.timedelta(minutes=m)))


def values(min_year: int = 1, nan: bool = False) -> st.SearchStrategy[PSValue]:
    scalars = st.one_of(
        text,
        st.integers(-(2**63), 2**63 - 1),
        st.integers(-(2**31), 2**31 - 1),
        st.booleans(),
        st.none(),
        st.floats(allow_nan=nan),
        # datetime.min/max at an offset fall outside what Python can hold in UTC
        st.datetimes(min_value=dt.datetime(min_year, 1, 2), max_value=dt.datetime(9999, 12, 30),
                     timezones=st.one_of(st.none(), st.just(dt.UTC), zones)),
        st.timedeltas(min_value=dt.timedelta(days=-10**7), max_value=dt.timedelta(days=10**7)),
        st.binary(max_size=12),
    )
    return st.recursive(
        scalars,
        lambda inner: st.one_of(st.lists(inner, max_size=4),
                                st.dictionaries(names, inner, max_size=4)),
        max_leaves=14,
    )


def canonical(value: PSValue) -> PSValue:
    """What any reader gives back: naive datetimes are UTC."""
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return [canonical(v) for v in value]
    return value


def same(left: PSValue, right: PSValue) -> bool:
    """Equality where NaN equals NaN."""
    if isinstance(left, float) and isinstance(right, float) and math.isnan(left):
        return math.isnan(right)
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(same(left[k], right[k]) for k in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(map(same, left, right))
    return type(left) is type(right) and left == right


def pypsrp_matches(got: Any, expected: PSValue) -> bool:
    """pypsrp's reading of an element against the plain value written.

    pypsrp keeps DateTime and TimeSpan as their CLIXML text, which is parsed here
    with parsers that are not hvtui's, and property names escaped, which are
    unescaped here with pypsrp's own string decoder (it reads psrpcore's the same).
    """
    if isinstance(expected, dict):
        if not isinstance(got, GenericComplexObject):
            return False
        props = {
            PYPSRP._deserialize_string(name): value
            for name, value in {**got.adapted_properties, **got.extended_properties}.items()
        }
        return props.keys() == expected.keys() and all(
            pypsrp_matches(props[k], v) for k, v in expected.items()
        )
    if isinstance(expected, list):
        return isinstance(got, list) and len(got) == len(expected) and all(
            map(pypsrp_matches, got, expected)
        )
    if isinstance(expected, dt.datetime):
        aware = expected if expected.tzinfo else expected.replace(tzinfo=dt.UTC)
        return isinstance(got, str) and dt.datetime.fromisoformat(got) == aware
    if isinstance(expected, dt.timedelta):
        return isinstance(got, str) and _deserialize_duration(got) == expected
    return same(got, expected)


@settings(max_examples=80, deadline=None)
@given(st.lists(values(nan=True), min_size=1, max_size=4))
def test_psrpcore_and_the_fast_reader_read_back_the_values(items: list[PSValue]) -> None:
    document = write_document(items, [None] * len(items))
    expected = [canonical(item) for item in items]
    psrpcore = [to_plain(value) for value in deserialize_clixml(document, CIPHER)]
    fast = [value for value, _ in read_document(document, CIPHER)]
    assert same(psrpcore, expected)
    assert same(fast, expected)


def has_empty_bytes(value: PSValue) -> bool:
    """pypsrp cannot read an empty byte array (psrpcore's <BA /> either)."""
    if isinstance(value, dict):
        return any(map(has_empty_bytes, value.values()))
    if isinstance(value, list):
        return any(map(has_empty_bytes, value))
    return value == b""


@settings(max_examples=80, deadline=None)
@given(values(nan=True))
def test_pypsrp_reads_back_the_values(value: PSValue) -> None:
    assume(not has_empty_bytes(value))
    element = write_element(value)
    assert pypsrp_matches(Serializer().deserialize(element), value)
    assert same(read_element(element, CIPHER), canonical(value))
    assert same(to_plain(deserialize(ET.fromstring(element), CIPHER)), canonical(value))


def psrpcore_writes_correctly(value: PSValue) -> bool:
    """psrpcore's serializer gets these wrong (see clixml_write's docstring)."""
    if isinstance(value, dt.timedelta):
        seconds, fraction = divmod(abs(value) // dt.timedelta(microseconds=1), 10**6)
        seconds %= 60
        return bool(fraction or seconds % 10)
    if isinstance(value, dt.datetime):
        return value.year >= 1000
    if isinstance(value, float):
        return not math.isnan(value)
    if isinstance(value, str):
        return "\ufffe" not in value and "\uffff" not in value
    if isinstance(value, dict):
        return all(map(psrpcore_writes_correctly, [*value.keys(), *value.values()]))
    if isinstance(value, list):
        return all(map(psrpcore_writes_correctly, value))
    return True


@settings(max_examples=80, deadline=None)
@given(st.lists(values(), min_size=1, max_size=4))
def test_the_xml_is_what_psrpcore_writes(items: list[PSValue]) -> None:
    assume(psrpcore_writes_correctly(items))
    mine = write_document(items, [None] * len(items))
    theirs = serialize_clixml([from_plain(item) for item in items], CIPHER)
    assert ET.canonicalize(mine) == ET.canonicalize(theirs)


@settings(max_examples=100, deadline=None)
@given(values())
def test_one_element_is_what_psrpcore_writes(value: PSValue) -> None:
    assume(psrpcore_writes_correctly(value))
    theirs = ET.tostring(serialize(from_plain(value), CIPHER), encoding="unicode")
    assert ET.canonicalize(write_element(value)) == ET.canonicalize(theirs)


@pytest.mark.parametrize(
    ("value", "xml"),
    [
        (dt.timedelta(seconds=10), "<TS>PT10S</TS>"),  # psrpcore: PT1S
        (dt.timedelta(minutes=1, seconds=40), "<TS>PT1M40S</TS>"),  # psrpcore: PT1M4S
        (dt.timedelta(days=2), "<TS>P2D</TS>"),
        (dt.timedelta(days=1, seconds=30.5), "<TS>P1DT30.5S</TS>"),
        (dt.timedelta(0), "<TS>PT0S</TS>"),
        (-dt.timedelta(microseconds=1), "<TS>-PT0.000001S</TS>"),
        (dt.datetime(999, 1, 2, 3, 4, 5), "<DT>0999-01-02T03:04:05Z</DT>"),
        (dt.datetime(2024, 1, 2, 3, 4, 5, 6, dt.timezone(dt.timedelta(hours=-5, minutes=-30))),
         "<DT>2024-01-02T03:04:05.000006-05:30</DT>"),
        (dt.datetime(2024, 1, 2, tzinfo=dt.timezone(dt.timedelta(seconds=30))),
         "<DT>2024-01-01T23:59:30Z</DT>"),  # .NET offsets are whole minutes
        (float("nan"), "<Db>NaN</Db>"),
        (float("-inf"), "<Db>-INF</Db>"),
        (1e20, "<Db>1E+20</Db>"),
        ("a_xb_Xc", "<S>a_x005F_xb_x005F_Xc</S>"),
        ("\x00\t\r\n\x7f\x9f\ufffe", "<S>_x0000__x0009__x000D__x000A__x007F__x009F__xFFFE_</S>"),
        ("🖥<&>\"'", "<S>_xD83D__xDDA5_&lt;&amp;&gt;\"'</S>"),
        (2**31, "<I64>2147483648</I64>"),
        (True, "<B>true</B>"),
    ],
)
def test_exact_text(value: PSValue, xml: str) -> None:
    assert write_element(value) == xml


def test_property_names_are_escaped_as_attributes() -> None:
    element = write_element({'a "b" <c> _x': 1, "\n": 2})
    assert '<I32 N="a &quot;b&quot; &lt;c&gt; _x005F_x">1</I32>' in element
    assert '<I32 N="_x000A_">2</I32>' in element
    assert read_element(element, CIPHER) == {'a "b" <c> _x': 1, "\n": 2}


def test_type_names_are_written_once_per_document() -> None:
    document = write_document([{"a": [1]}, {"b": [{}]}], [None, "warning"])
    assert document.count("<TN ") == 2 and document.count("<TNRef ") == 3
    assert '<Obj S="warning" RefId="2"><TNRef RefId="0" />' in document
    assert [stream for _, stream in read_document(document, CIPHER)] == [None, "warning"]


@pytest.mark.parametrize(
    ("value", "error"),
    [(2**63, ValueError), ({1: "x"}, TypeError), ({"a": {3}}, TypeError), (object(), TypeError)],
)
def test_what_powershell_cannot_take_is_refused(value: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        write_element(value)
    with pytest.raises(error):
        from_plain(value)


def test_escape_string_leaves_plain_text_alone() -> None:
    plain = "VM 01 “仮想” ‘x’ $env:PATH; `tick`"
    assert escape_string(plain) is plain


def test_dumps_writes_plain_data_without_psrpcore(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object) -> str:
        raise AssertionError("plain data must not go through psrpcore")

    monkeypatch.setattr(clixml, "serialize_clixml", refuse)
    values: list[PSValue] = [{"Span": dt.timedelta(seconds=20)}, "careful", "failed\r\n"]
    streams = [Stream.OUTPUT, Stream.WARNING, Stream.ERROR]
    document = dumps(values, streams)
    assert '<S S="Error">failed_x000D__x000A_</S>' in document
    assert '<S S="warning">careful</S>' in document
    assert parse_documents(document) == list(zip(values, streams, strict=True))


def test_dumps_still_writes_psrpcore_objects() -> None:
    payload = from_plain({"Script": "x"})
    assert parse_documents(dumps([payload, {"plain": 1}])) == [
        ({"Script": "x"}, Stream.OUTPUT), ({"plain": 1}, Stream.OUTPUT)
    ]
