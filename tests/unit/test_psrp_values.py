"""The PSRP client reads output CLIXML (through the shared reader) as to_plain(psrpcore) does."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from psrpcore import PSRemotingCrypto
from psrpcore.types import deserialize, serialize

from hvtui.remote import clixml_read
from hvtui.remote.base import PSValue
from hvtui.remote.plain import from_plain, to_plain
from hvtui.remote.psrp_values import clixml_plain

CIPHER = PSRemotingCrypto()


def reference(xml: str) -> PSValue:
    return to_plain(deserialize(ET.fromstring(xml), CIPHER))


def native(xml: str) -> PSValue:
    """The shared reader alone: raises clixml_read.Unsupported rather than fall back."""
    return clixml_read.Reader(CIPHER).value(ET.fromstring(xml))


def clixml(value: PSValue) -> str:
    return ET.tostring(serialize(from_plain(value), CIPHER), encoding="unicode")


# psrpcore 0.3.1 leaves U+FFFE/U+FFFF unescaped, which no XML parser accepts back.
chars = st.characters(exclude_categories=["Cs"], exclude_characters="\ufffe\uffff")
text = st.text(chars, max_size=30)
names = st.text(chars, min_size=1, max_size=12)
zones = st.integers(-14 * 60, 14 * 60).map(lambda m: dt.timezone(dt.timedelta(minutes=m)))
scalars = st.one_of(
    text,
    st.integers(-(2**63), 2**63 - 1),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False, allow_infinity=False),
    # psrpcore writes years below 1000 without padding and cannot read them back.
    st.datetimes(min_value=dt.datetime(1000, 1, 2), max_value=dt.datetime(9999, 12, 30),
                 timezones=zones),
    st.timedeltas(min_value=dt.timedelta(days=-10**7), max_value=dt.timedelta(days=10**7)),
    st.binary(max_size=20),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(names, inner, min_size=1, max_size=4)),
    max_leaves=12,
)
records = st.dictionaries(names, values, min_size=1, max_size=8)


@settings(max_examples=100, deadline=None)
@given(records)
def test_output_objects_match_psrpcore(record: dict[str, PSValue]) -> None:
    xml = clixml(record)
    assert clixml_plain(xml) == reference(xml)


@settings(max_examples=50, deadline=None)
@given(st.dictionaries(names, st.one_of(scalars, st.lists(text, max_size=3)), min_size=1))
def test_records_need_no_psrpcore(record: dict[str, PSValue]) -> None:
    xml = clixml(record)
    assert native(xml) == reference(xml)


POWERSHELL_SAMPLES = [
    # A real-looking PSCustomObject: DateTime kinds, .NET 7-digit fractions, TNRef reuse.
    '<Obj RefId="0"><TN RefId="0"><T>System.Management.Automation.PSCustomObject</T>'
    '<T>System.Object</T></TN><MS><S N="Name">web_x0020_01_x000A_</S>'
    '<DT N="Utc">2024-03-01T10:20:30.1234567Z</DT>'
    '<DT N="Local">2024-03-01T10:20:30.1234567+09:00</DT>'
    '<DT N="West">2024-03-01T10:20:30.5-05:30</DT>'
    '<DT N="Unspecified">2024-03-01T10:20:30</DT>'
    '<TS N="Uptime">P1DT2H3M4.5678901S</TS><TS N="Back">-PT0.0000001S</TS><TS N="Zero">PT0S</TS>'
    '<Obj N="Child" RefId="1"><TNRef RefId="0" /><MS><I64 N="Size">68719476736</I64>'
    '</MS></Obj><Obj N="Tags" RefId="2"><TN RefId="1"><T>System.String[]</T>'
    '<T>System.Array</T><T>System.Object</T></TN><LST><S>a</S><Nil /></LST></Obj>'
    '<G N="Id">0F8FAD5B-D9CB-469F-A165-70867728950E</G><U64 N="Big">18446744073709551615</U64>'
    '<Sg N="Single">1.5</Sg><By N="Byte">255</By><B N="On">True</B></MS></Obj>',
    # An enum, as Hyper-V cmdlets emit them without a cast.
    '<Obj RefId="0"><TN RefId="0"><T>System.Management.Automation.PSCustomObject</T>'
    '<T>System.Object</T></TN><MS><Obj N="State" RefId="1"><TN RefId="1">'
    '<T>Microsoft.HyperV.PowerShell.VMState</T><T>System.Enum</T><T>System.ValueType</T>'
    '<T>System.Object</T></TN><ToString>Running</ToString><I32>2</I32></Obj></MS></Obj>',
    # The same object referenced twice.
    '<Obj RefId="0"><TN RefId="0"><T>System.Management.Automation.PSCustomObject</T>'
    '<T>System.Object</T></TN><MS><Obj N="A" RefId="1"><TNRef RefId="0" /><MS><S N="X">1</S>'
    '</MS></Obj><Ref N="B" RefId="1" /></MS></Obj>',
    # A deserialized cmdlet object with adapted properties and a hashtable.
    '<Obj RefId="0"><TN RefId="0"><T>Deserialized.Microsoft.HyperV.PowerShell.VirtualMachine</T>'
    '<T>Deserialized.System.Object</T></TN><ToString>VirtualMachine (Name = \'a\')</ToString>'
    '<Props><S N="Name">a</S><D N="Ratio">1.25</D><Version N="Ver">9.0</Version>'
    '<URI N="Uri">http://x/</URI><C N="Char">97</C></Props><MS><Obj N="Map" RefId="1">'
    '<TN RefId="1"><T>System.Collections.Hashtable</T><T>System.Object</T></TN><DCT><En>'
    '<S N="Key">k</S><I32 N="Value">1</I32></En></DCT></Obj></MS></Obj>',
    # A PSCustomObject without properties stays a record; any other object is its ToString.
    '<Obj RefId="0"><TN RefId="0"><T>System.Management.Automation.PSCustomObject</T>'
    '<T>System.Object</T></TN><ToString></ToString></Obj>',
    '<Obj RefId="0"><TN RefId="0"><T>Deserialized.System.Object</T></TN>'
    '<ToString>just an object</ToString></Obj>',
    # Bare values.
    '<S>just text</S>', '<I32>7</I32>', '<Nil />',
]


@pytest.mark.parametrize("xml", POWERSHELL_SAMPLES, ids=range(len(POWERSHELL_SAMPLES)))
def test_powershell_shapes_match_psrpcore(xml: str) -> None:
    assert clixml_plain(xml) == reference(xml)


def test_the_first_sample_needs_no_psrpcore() -> None:
    plain = native(POWERSHELL_SAMPLES[0])
    assert isinstance(plain, dict)
    assert plain["Utc"] == dt.datetime(2024, 3, 1, 10, 20, 30, 123456, tzinfo=dt.UTC)
    assert plain["Local"] == dt.datetime(2024, 3, 1, 1, 20, 30, 123456, tzinfo=dt.UTC)
    assert plain["Uptime"] == dt.timedelta(days=1, hours=2, minutes=3, seconds=4,
                                           microseconds=567890)
    assert plain["Name"] == "web 01\n"
    assert plain["Child"] == {"Size": 68719476736}


def test_unusual_shapes_need_no_psrpcore_either() -> None:
    """Enums, references, adapted properties, hashtables, empty objects: all read natively."""
    assert native(POWERSHELL_SAMPLES[1]) == {"State": "Running"}
    shared = native(POWERSHELL_SAMPLES[2])
    assert shared == {"A": {"X": "1"}, "B": {"X": "1"}}
    assert isinstance(shared, dict)
    assert shared["A"] is not shared["B"]  # a copy, as to_plain makes of psrpcore's one object
    assert native(POWERSHELL_SAMPLES[3]) == {
        "Name": "a", "Ratio": 1.25, "Ver": "9.0", "Uri": "http://x/", "Char": 97,
        "Map": {"k": 1},
    }
    assert native(POWERSHELL_SAMPLES[4]) == {}
    assert native(POWERSHELL_SAMPLES[5]) == "just an object"


def test_what_the_reader_does_not_know_is_left_to_psrpcore() -> None:
    # An Obj wrapping another Obj: psrpcore merges the two objects' properties.
    xml = '<Obj RefId="0"><MS><S N="a">1</S></MS><Obj RefId="1"><MS><S N="b">2</S></MS></Obj></Obj>'
    with pytest.raises(clixml_read.Unsupported):
        native(xml)
    assert clixml_plain(xml) == reference(xml)
