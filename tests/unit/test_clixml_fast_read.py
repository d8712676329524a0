"""hvtui.remote.clixml_read gives exactly what to_plain(psrpcore's deserialisation) gives."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from psrpcore.types import (
    PSCryptoProvider,
    PSCustomObject,
    PSQueue,
    deserialize,
    deserialize_clixml,
    serialize_clixml,
)

from hvtui.errors import ProtocolError
from hvtui.remote import clixml_read
from hvtui.remote.base import PSValue
from hvtui.remote.clixml import HEADER, Stream, error_record, parse_document, progress_record
from hvtui.remote.clixml_read import (
    Reader,
    Unsupported,
    read_document,
    read_element,
    read_elements,
)
from hvtui.remote.plain import from_plain, to_plain

CIPHER = PSCryptoProvider()
NS = 'xmlns="http://schemas.microsoft.com/powershell/2004/04"'


def reference(document: str) -> list[PSValue]:
    """What hvtui read before the fast reader: psrpcore objects, then to_plain."""
    return [to_plain(value) for value in deserialize_clixml(document, CIPHER)]


def fast(document: str) -> list[PSValue]:
    """The fast reader alone: raises Unsupported instead of falling back."""
    return [value for value, _ in read_document(document, CIPHER)]


def objs(*elements: str) -> str:
    return f'<Objs Version="1.1.0.1" {NS}>' + "".join(elements) + "</Objs>"


def compact(xml: str) -> str:
    return re.sub(r">\s+<", "><", xml.strip())


# ----------------------------------------------------------------- plain data in, plain data out

text = st.text(st.characters(exclude_categories=["Cs"]), max_size=20)
names = st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=10)
zones = st.integers(-14 * 60, 14 * 60).map(lambda m: dt.timezone(dt.timedelta(minutes=m)))
scalars = st.one_of(
    text,
    st.integers(-(2**63), 2**63 - 1),
    st.integers(-(2**31), 2**31 - 1),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False),
    st.datetimes(min_value=dt.datetime(1000, 1, 2), max_value=dt.datetime(9999, 12, 30),
                 timezones=st.one_of(st.just(dt.UTC), zones)),
    st.timedeltas(min_value=dt.timedelta(days=-10**7), max_value=dt.timedelta(days=10**7)),
    st.binary(max_size=12),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(names, inner, max_size=4)),
    max_leaves=14,
)


def psrpcore_misreads(value: Any) -> bool:
    """psrpcore cannot carry these through its own serializer (see clixml_write)."""
    if isinstance(value, dt.timedelta):
        return abs(value) >= dt.timedelta(seconds=10)  # it writes 10 s as PT1S
    if isinstance(value, str):
        return "\ufffe" in value or "\uffff" in value  # written raw: invalid XML
    if isinstance(value, dict):
        return any(psrpcore_misreads(v) for v in value.values())
    if isinstance(value, list):
        return any(psrpcore_misreads(v) for v in value)
    return False


@settings(max_examples=80, deadline=None)
@given(st.lists(values, min_size=1, max_size=4))
def test_psrpcore_documents_read_the_same(items: list[PSValue]) -> None:
    assume(not any("\ufffe" in repr(i) or "\uffff" in repr(i) for i in items))
    document = serialize_clixml([from_plain(item) for item in items], CIPHER)
    expected = reference(document)
    assert fast(document) == expected
    if not psrpcore_misreads(items):
        assert expected == items


@settings(max_examples=100, deadline=None)
@given(values)
def test_one_element_reads_the_same(value: PSValue) -> None:
    assume(not psrpcore_misreads(value))
    element = serialize_clixml([from_plain(value)], CIPHER)
    inner = element[element.index(">") + 1 : -len("</Objs>")]
    assert read_element(inner, CIPHER) == to_plain(deserialize(ET.fromstring(inner), CIPHER))
    assert read_element(inner, CIPHER) == value


# ------------------------------------------------------------------ what PowerShell writes

CUSTOM = (
    '<TN RefId="0"><T>System.Management.Automation.PSCustomObject</T><T>System.Object</T></TN>'
)
ENUM = "<T>System.Enum</T><T>System.ValueType</T><T>System.Object</T>"

VIRTUAL_MACHINE = compact(f"""
<Obj RefId="0">
  <TN RefId="0"><T>Microsoft.HyperV.PowerShell.VirtualMachine</T>
    <T>Microsoft.HyperV.PowerShell.VirtualMachineBase</T><T>System.Object</T></TN>
  <ToString>VirtualMachine (Name = 'web 01') [Id = '5f3c8c1e']</ToString>
  <Props>
    <S N="Name">web 01</S>
    <G N="Id">5F3C8C1E-2B7A-4A52-9D9E-0C6C1F9F6A11</G>
    <Obj N="State" RefId="1"><TN RefId="1"><T>Microsoft.HyperV.PowerShell.VMState</T>{ENUM}</TN>
      <ToString>Running</ToString><I32>2</I32></Obj>
    <I64 N="MemoryAssigned">4294967296</I64>
    <U64 N="SizeOfSystemFiles">18446744073709551615</U64>
    <TS N="Uptime">P3DT4H5M6.789S</TS>
    <DT N="CreationTime">2023-11-02T08:09:10.1234567+09:00</DT>
    <Obj N="Generation" RefId="2"><TNRef RefId="1" /><ToString>Running</ToString><I32>2</I32></Obj>
    <Obj N="NetworkAdapters" RefId="3">
      <TN RefId="2">
        <T>System.Collections.Generic.List`1[[Microsoft.HyperV.PowerShell.VMNetworkAdapter]]</T>
        <T>System.Object</T></TN>
      <LST>
        <Obj RefId="4"><TN RefId="3"><T>Microsoft.HyperV.PowerShell.VMNetworkAdapter</T>
          <T>System.Object</T></TN><ToString>VMNetworkAdapter (Name = 'Network Adapter')</ToString>
          <Props><S N="Name">Network Adapter</S><S N="SwitchName">LAN_x0020_“Prod”</S>
            <Obj N="IPAddresses" RefId="5"><TN RefId="4"><T>System.String[]</T><T>System.Array</T>
              <T>System.Object</T></TN><LST><S>10.0.0.5</S><S>fe80::1</S></LST></Obj>
            <B N="Connected">true</B></Props></Obj>
      </LST>
    </Obj>
    <Obj N="Notes" RefId="6"><TN RefId="5"><T>System.String</T><T>System.Object</T></TN>
      <ToString>line1_x000D__x000A_line2</ToString><S>line1_x000D__x000A_line2</S></Obj>
    <Ref N="Parent" RefId="4" />
    <Db N="Ratio">0.1</Db><Sg N="Single">1.5</Sg><D N="Decimal">79228162514264337593543950335</D>
    <By N="Byte">255</By><SB N="SByte">-128</SB><U16 N="U16">65535</U16><I16 N="I16">-32768</I16>
    <U32 N="U32">4294967295</U32><C N="Char">97</C>
    <BA N="Bytes">AAEC/w==</BA><URI N="Uri">http://hv1/a_x0020_b</URI>
    <Version N="Version">10.0.17763.1</Version><XD N="Xml">&lt;a&gt;b&lt;/a&gt;</XD>
    <SBK N="Script">Get-VM -Name 'x'</SBK><Nil N="Nothing" /><S N="Empty" />
    <S N="Astral">_xD83D__xDDA5_ and 𠮷</S><S N="LiteralEscape">_x005F_x0041_</S>
  </Props>
  <MS>
    <S N="PSComputerName">hv1</S>
    <S N="Name">extended wins</S>
    <Obj N="Map" RefId="7">
      <TN RefId="6"><T>System.Collections.Hashtable</T><T>System.Object</T></TN>
      <DCT><En><S N="Key">b</S><I32 N="Value">2</I32></En>
        <En><I32 N="Value">1</I32><S N="Key">a</S></En>
        <En><I32 N="Key">3</I32><Nil N="Value" /></En></DCT></Obj>
    <Obj N="Queue" RefId="8"><TN RefId="7"><T>System.Collections.Queue</T><T>System.Object</T></TN>
      <QUE><I32>1</I32><S>two</S></QUE></Obj>
    <Obj N="Stack" RefId="9"><TN RefId="8"><T>System.Collections.Stack</T><T>System.Object</T></TN>
      <STK><I32>3</I32><I32>2</I32></STK></Obj>
    <Obj N="Flags" RefId="10">
      <TN RefId="9"><T>System.Management.Automation.CommandTypes</T>{ENUM}</TN>
      <ToString>Alias, Function</ToString><I32>3</I32></Obj>
    <Obj N="Category" RefId="11">
      <TN RefId="10"><T>System.Management.Automation.ErrorCategory</T>{ENUM}</TN>
      <ToString>InvalidArgument</ToString><I32>5</I32></Obj>
    <Obj N="Unnamed" RefId="12">
      <TN RefId="11"><T>Deserialized.Microsoft.HyperV.PowerShell.VMState</T>
      <T>Deserialized.System.Enum</T><T>Deserialized.System.Object</T></TN>
      <ToString>Off</ToString><I32>3</I32></Obj>
    <Obj N="Bare" RefId="13"><TN RefId="12"><T>Some.Type</T><T>System.Object</T></TN>
      <ToString>just its text</ToString></Obj>
    <Obj N="Record" RefId="14">{CUSTOM.replace('RefId="0"', 'RefId="13"')}<MS /></Obj>
    <Obj N="NoTypes" RefId="15"><MS><S N="A_x0020_B">spaced name</S></MS></Obj>
  </MS>
</Obj>
""")

# Get-Date: a DateTime with a DisplayHint note property; Get-Content: a string with notes.
EXTENDED_PRIMITIVES = compact(f"""
<Obj RefId="0"><DT>2024-05-06T07:08:09.1234567+09:00</DT><MS>
  <Obj N="DisplayHint" RefId="1"><TN RefId="0">
  <T>Microsoft.PowerShell.Commands.DisplayHintType</T>{ENUM}</TN>
  <ToString>DateTime</ToString><I32>2</I32></Obj></MS></Obj>
<Obj RefId="2"><S>first line</S>
  <MS><S N="PSPath">C:\\vm.txt</S><I64 N="ReadCount">1</I64></MS></Obj>
<Obj RefId="3"><I32>42</I32><MS><S N="Note">n</S></MS></Obj>
""")

PROGRESS = compact(f"""
<Obj S="progress" RefId="0">{CUSTOM}<MS><I64 N="SourceId">1</I64><PR N="Record">
<AV>Moving_x0020_vm1</AV><AI>0</AI><Nil /><PI>-1</PI><PC>42</PC><T>Processing</T><SR>-1</SR>
<SD>copying “disk”</SD></PR></MS></Obj>
""")

WRITE_ERROR = compact("""
<Obj S="error" RefId="0"><TN RefId="0"><T>System.Management.Automation.ErrorRecord</T>
<T>System.Object</T></TN><ToString>vm'1 was not found</ToString><MS>
<Obj N="Exception" RefId="1"><TN RefId="1">
<T>Microsoft.HyperV.PowerShell.VirtualizationException</T><T>System.Exception</T>
<T>System.Object</T></TN><ToString>vm'1 was not found</ToString><Props>
<S N="Message">vm'1 was not found</S><Obj N="Data" RefId="2"><TN RefId="2">
<T>System.Collections.ListDictionaryInternal</T><T>System.Object</T></TN><DCT /></Obj>
<Nil N="InnerException" /><Nil N="TargetSite" /><Nil N="StackTrace" /><Nil N="HelpLink" />
<S N="Source">Microsoft.HyperV.PowerShell</S><I32 N="HResult">-2146233088</I32></Props></Obj>
<S N="TargetObject">vm'1</S>
<S N="FullyQualifiedErrorId">InvalidParameter,Microsoft.HyperV.PowerShell.Commands.GetVM</S>
<Nil N="InvocationInfo" /><I32 N="ErrorCategory_Category">5</I32>
<S N="ErrorCategory_Activity">Get-VM</S><S N="ErrorCategory_Reason">VirtualizationException</S>
<S N="ErrorCategory_TargetName">vm'1</S><S N="ErrorCategory_TargetType">String</S>
<S N="ErrorCategory_Message">InvalidArgument: (vm'1:String) [Get-VM], VirtualizationException</S>
<B N="SerializeExtendedInfo">false</B>
<S N="ErrorDetails_ScriptStackTrace">at &lt;ScriptBlock&gt;, &lt;No file&gt;: line 1</S>
</MS></Obj>
<Obj RefId="3"><TNRef RefId="1" /><ToString>again</ToString><Props><S N="Message">again</S></Props>
</Obj>
""")

# Over PSRP the error record carries its InvocationInfo, with references inside it.
REMOTE_ERROR = compact("""
<Obj RefId="0"><TN RefId="0"><T>System.Management.Automation.ErrorRecord</T><T>System.Object</T>
</TN><ToString>boom</ToString><MS><Obj N="Exception" RefId="1"><TN RefId="1">
<T>System.Management.Automation.RuntimeException</T><T>System.Exception</T><T>System.Object</T>
</TN><ToString>boom</ToString><Props><S N="Message">boom</S><I32 N="HResult">-2146233087</I32>
</Props></Obj><Nil N="TargetObject" /><S N="FullyQualifiedErrorId">boom</S>
<Obj N="InvocationInfo" RefId="2"><TN RefId="2"><T>System.Management.Automation.InvocationInfo</T>
<T>System.Object</T></TN><ToString>System.Management.Automation.InvocationInfo</ToString><Props>
<S N="MyCommand">throw 'boom'</S><Obj N="BoundParameters" RefId="3"><TN RefId="3">
<T>System.Collections.Generic.Dictionary`2[[System.String],[System.Object]]</T>
<T>System.Object</T></TN><DCT /></Obj><Obj N="UnboundArguments" RefId="4"><TN RefId="4">
<T>System.Collections.Generic.List`1[[System.Object]]</T><T>System.Object</T></TN><LST /></Obj>
<I32 N="ScriptLineNumber">1</I32><I32 N="OffsetInLine">1</I32><I64 N="HistoryId">1</I64>
<S N="ScriptName" /><S N="Line">throw 'boom'</S><S N="PositionMessage">At line:1 char:1</S>
<S N="PSScriptRoot" /><Nil N="PSCommandPath" /><S N="InvocationName" />
<I32 N="PipelineLength">0</I32><I32 N="PipelinePosition">0</I32>
<B N="ExpectingInput">false</B><S N="CommandOrigin">Internal</S>
<Nil N="DisplayScriptPosition" /></Props></Obj>
<I32 N="ErrorCategory_Category">14</I32><S N="ErrorCategory_Activity" />
<S N="ErrorCategory_Reason">RuntimeException</S><S N="ErrorCategory_TargetName" />
<S N="ErrorCategory_TargetType" />
<S N="ErrorCategory_Message">OperationStopped: (:) [], RuntimeException</S>
<B N="SerializeExtendedInfo">true</B><Ref N="InvocationInfo_BoundParameters" RefId="3" />
<Obj N="InvocationInfo_CommandOrigin" RefId="5"><TN RefId="5">
<T>System.Management.Automation.CommandOrigin</T><T>System.Enum</T><T>System.ValueType</T>
<T>System.Object</T></TN><ToString>Internal</ToString><I32>1</I32></Obj>
<B N="InvocationInfo_ExpectingInput">false</B><S N="InvocationInfo_InvocationName" />
<S N="InvocationInfo_Line">throw 'boom'</S><I32 N="InvocationInfo_OffsetInLine">1</I32>
<I64 N="InvocationInfo_HistoryId">1</I64><Obj N="InvocationInfo_PipelineIterationInfo" RefId="6">
<TN RefId="6"><T>System.Int32[]</T><T>System.Array</T><T>System.Object</T></TN><LST /></Obj>
<I32 N="InvocationInfo_PipelineLength">0</I32><I32 N="InvocationInfo_PipelinePosition">0</I32>
<S N="InvocationInfo_PSScriptRoot" /><Nil N="InvocationInfo_PSCommandPath" />
<S N="InvocationInfo_PositionMessage">At line:1 char:1</S>
<I32 N="InvocationInfo_ScriptLineNumber">1</I32><S N="InvocationInfo_ScriptName" />
<Ref N="InvocationInfo_UnboundArguments" RefId="4" /><B N="SerializeExtent">false</B>
<Obj N="CommandInfo_CommandType" RefId="7"><TN RefId="7">
<T>System.Management.Automation.CommandTypes</T><T>System.Enum</T><T>System.ValueType</T>
<T>System.Object</T></TN><ToString>Script</ToString><I32>64</I32></Obj>
<S N="CommandInfo_Definition">throw 'boom'</S><S N="CommandInfo_Name" />
<Obj N="CommandInfo_Visibility" RefId="8"><TN RefId="8">
<T>System.Management.Automation.SessionStateEntryVisibility</T><T>System.Enum</T>
<T>System.ValueType</T><T>System.Object</T></TN><ToString>Public</ToString><I32>0</I32></Obj>
<Obj N="PipelineIterationInfo" RefId="9"><TN RefId="9">
<T>System.Collections.ObjectModel.ReadOnlyCollection`1[[System.Int32]]</T><T>System.Object</T>
</TN><LST><I32>0</I32><I32>0</I32></LST></Obj><Nil N="PSMessageDetails" /></MS></Obj>
""")

HOST_LINES = (
    "<S S=\"Error\">Get-Foo : The term 'Get-Foo' is not recognized_x000D__x000A_</S>"
    '<S S="warning">low memory</S><S S="verbose">v</S><S S="debug">d</S>'
    '<S S="information">i</S><S S="Nonsense">unknown streams are output</S>'
)

SAMPLES = {
    "virtual machine": objs(VIRTUAL_MACHINE),
    "extended primitives": objs(EXTENDED_PRIMITIVES),
    "progress": objs(PROGRESS),
    "Write-Error": objs(WRITE_ERROR),
    "remote error": objs(REMOTE_ERROR),
    "host lines": objs(HOST_LINES),
    "empty custom object": objs(f'<Obj RefId="0">{CUSTOM}<ToString></ToString></Obj>'),
    "bare values": objs("<S>text</S>", "<I32>7</I32>", "<Nil />", "<B>True</B>", "<S />"),
    "secure string": objs(
        f'<Obj RefId="0">{CUSTOM}<MS><SS N="Password">AQAAANCMnd8BFdERjHoAwE</SS></MS></Obj>'
    ),
    "document-wide refs": objs(
        f'<Obj RefId="0">{CUSTOM}<MS><S N="A">1</S></MS></Obj>',
        '<Obj RefId="1"><TNRef RefId="0" /><MS><Ref N="Same" RefId="0" /></MS></Obj>',
        '<Ref RefId="1" />',
    ),
}


@pytest.mark.parametrize("document", SAMPLES.values(), ids=SAMPLES.keys())
def test_powershell_documents_read_the_same(document: str) -> None:
    assert fast(document) == reference(document)  # no fallback needed for any of them
    assert [value for value, _ in parse_document(document)] == reference(document)


def test_the_virtual_machine_reads_as_decoders_expect() -> None:
    (vm,) = fast(objs(VIRTUAL_MACHINE))
    assert isinstance(vm, dict)
    assert vm["Name"] == "extended wins"  # MS after Props
    assert vm["State"] == "Running" and vm["Generation"] == "Running"
    assert vm["Unnamed"] == "Off" and vm["Category"] == "InvalidArgument"
    assert vm["Flags"] == "Alias, Function"  # ToString, not Python's 'Alias|Function'
    assert vm["Id"] == "5f3c8c1e-2b7a-4a52-9d9e-0c6c1f9f6a11"
    assert vm["Uptime"] == dt.timedelta(days=3, hours=4, minutes=5, seconds=6.789)
    assert vm["CreationTime"] == dt.datetime(2023, 11, 1, 23, 9, 10, 123456, tzinfo=dt.UTC)
    assert vm["Notes"] == "line1\r\nline2"
    adapters = vm["NetworkAdapters"]
    assert isinstance(adapters, list) and isinstance(adapters[0], dict)
    assert vm["Parent"] == adapters[0] and adapters[0]["SwitchName"] == "LAN “Prod”"
    assert vm["Map"] == {"b": 2, "a": 1, "3": None}
    assert vm["Queue"] == [1, "two"] and vm["Stack"] == [3, 2]
    assert vm["Astral"] == "\U0001f5a5 and 𠮷" and vm["LiteralEscape"] == "_x0041_"
    assert vm["Bare"] == "just its text" and vm["Record"] == {}
    assert vm["NoTypes"] == {"A B": "spaced name"}
    assert vm["Decimal"] == 7.922816251426434e28 and vm["Version"] == "10.0.17763.1"


def test_a_reference_is_a_copy_not_the_same_object() -> None:
    first, second, third = fast(SAMPLES["document-wide refs"])
    assert second == {"Same": first} and third == second
    assert isinstance(second, dict) and second["Same"] is not first


def test_error_and_progress_records_reach_the_stream_helpers() -> None:
    values = parse_document(objs(PROGRESS, WRITE_ERROR))
    assert [stream for _, stream in values] == [Stream.PROGRESS, Stream.ERROR, Stream.OUTPUT]
    record = progress_record(values[0][0])
    assert record is not None and (record.activity, record.percent) == ("Moving vm1", 42)
    error = error_record(values[1][0])
    assert error.message == "vm'1 was not found" and error.category == "InvalidArgument"
    assert error.error_id == "InvalidParameter,Microsoft.HyperV.PowerShell.Commands.GetVM"


def test_streams_follow_the_s_attribute() -> None:
    streams = [stream for _, stream in parse_document(objs(HOST_LINES))]
    assert streams == [Stream.ERROR, Stream.WARNING, Stream.VERBOSE, Stream.DEBUG,
                       Stream.INFORMATION, Stream.OUTPUT]


# ------------------------------------------------------------ what the reader leaves to psrpcore

ODD = {
    # an Obj wrapping another Obj: psrpcore merges the two objects' properties
    "nested payload": objs(
        '<Obj RefId="0"><MS><S N="a">1</S></MS><Obj RefId="1"><MS><S N="b">2</S></MS></Obj></Obj>'
    ),
    # a Version with note properties: psrpcore makes it a dict
    "extended version": objs('<Obj RefId="0"><Version>1.2</Version><MS><S N="x">y</S></MS></Obj>'),
    # a reference into an object psrpcore decoded on its own
    "reference into an error record": objs(WRITE_ERROR, '<Ref RefId="1" />'),
    # an enum psrpcore knows, without its ToString: psrpcore names it
    "enum without ToString": objs(
        '<Obj RefId="0"><TN RefId="0"><T>System.Management.Automation.ErrorCategory</T>'
        f"{ENUM}</TN><I32>5</I32></Obj>"
    ),
    "DateTime with a leap second": objs("<DT>2016-12-31T23:59:60Z</DT>"),
}


@pytest.mark.parametrize("document", ODD.values(), ids=ODD.keys())
def test_what_the_reader_leaves_to_psrpcore_still_reads_the_same(document: str) -> None:
    try:
        expected: list[PSValue] | type[Exception] = reference(document)
    except Exception:  # noqa: BLE001
        expected = ProtocolError
    with pytest.raises((Unsupported, ValueError)):  # left to psrpcore, or not a valid value
        fast(document)
    if expected is ProtocolError:
        with pytest.raises(ProtocolError):
            parse_document(document)
    else:
        assert [value for value, _ in parse_document(document)] == expected


def test_an_object_that_contains_itself_is_a_protocol_error() -> None:
    document = objs(f'<Obj RefId="0">{CUSTOM}<MS><Ref N="Me" RefId="0" /></MS></Obj>')
    with pytest.raises(ProtocolError, match="refers to itself"):
        parse_document(HEADER + "\r\n" + document)


def test_read_element_falls_back_to_psrpcore() -> None:
    element = compact(WRITE_ERROR).replace('S="error" ', "")
    element = element[: element.index('<Obj RefId="3">')]
    assert read_element(element, CIPHER) == to_plain(deserialize(ET.fromstring(element), CIPHER))
    odd = '<Obj RefId="0"><MS><S N="a">1</S></MS><Obj RefId="1"><MS><S N="b">2</S></MS></Obj></Obj>'
    assert read_element(odd, CIPHER) == to_plain(deserialize(ET.fromstring(odd), CIPHER))


def test_read_elements_reads_each_message_on_its_own() -> None:
    # Each PSRP message numbers its RefIds and TN RefIds from 0.
    messages = [
        f'<Obj RefId="0">{CUSTOM}<MS><Obj N="Disk" RefId="1"><TNRef RefId="0" /><MS>'
        f'<S N="Path">d{i}.vhdx</S></MS></Obj><Ref N="Again" RefId="1" /></MS></Obj>'
        for i in range(3)
    ]
    expected = [{"Disk": {"Path": f"d{i}.vhdx"}, "Again": {"Path": f"d{i}.vhdx"}} for i in range(3)]
    assert [read_element(message, CIPHER) for message in messages] == expected
    assert read_elements(messages, CIPHER) == expected


def test_read_element_refuses_an_object_that_contains_itself() -> None:
    with pytest.raises(ProtocolError, match="refers to itself"):
        read_element(f'<Obj RefId="0">{CUSTOM}<MS><Ref N="Me" RefId="0" /></MS></Obj>', CIPHER)


def test_read_elements_falls_back_to_one_at_a_time() -> None:
    good = "<S>fine</S>"
    declared = '<?xml version="1.0" encoding="utf-8"?><I32>1</I32>'  # cannot be joined
    assert read_elements([good, declared], CIPHER) == ["fine", 1]
    for bad in ("<S>unclosed", "<I32>1</I32><I32>2</I32>"):
        with pytest.raises(ET.ParseError):  # as read_element(bad) does
            read_elements([good, bad], CIPHER)
    assert read_elements([], CIPHER) == []


@pytest.mark.parametrize(
    ("tag", "text"),
    [("I32", "2147483648"), ("By", "-1"), ("U64", "18446744073709551616"), ("C", "65536"),
     ("TS", "P1Y"), ("DT", "2024-01-01 00:00:00"), ("G", "not-a-guid")],
)
def test_values_psrpcore_refuses_are_refused(tag: str, text: str) -> None:
    document = objs(f"<{tag}>{text}</{tag}>")
    with pytest.raises(ValueError):  # psrpcore refuses the text as a value of that type
        reference(document)
    with pytest.raises(ProtocolError, match="invalid CLIXML"):
        parse_document(document)


@given(st.integers(-(2**70), 2**70), st.sampled_from(["I32", "I64", "U64", "By", "SB", "I16",
                                                       "U16", "U32", "C"]))
@settings(max_examples=60, deadline=None)
def test_integer_ranges_match_psrpcore(number: int, tag: str) -> None:
    document = objs(f"<{tag}>{number}</{tag}>")
    try:
        expected = reference(document)
    except ValueError:
        with pytest.raises(Unsupported):
            fast(document)
    else:
        assert fast(document) == expected


@given(st.from_regex(
    r"\A-?P([0-9]{1,6}D)?(T([0-9]{1,3}H)?([0-9]{1,3}M)?([0-9]{0,4}(\.[0-9]{1,7})?S)?)?\Z"
))
@settings(max_examples=60, deadline=None)
def test_durations_match_psrpcore(text: str) -> None:
    document = objs(f"<TS>{text}</TS>")
    try:
        expected = reference(document)
    except ValueError:
        with pytest.raises((Unsupported, ValueError)):
            fast(document)
    else:
        assert fast(document) == expected


@given(st.from_regex(
    r"\A[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
    r"(\.[0-9]{1,7})?(Z|[+-](0[0-9]|1[0-3]):[0-5][0-9])?\Z"
))
@settings(max_examples=60, deadline=None)
def test_datetimes_match_psrpcore(text: str) -> None:
    assume(not text.startswith("0000"))
    document = objs(f"<DT>{text}</DT>")
    assert fast(document) == reference(document)


# ------------------------------------------------------------------ to_plain's canonical forms

def test_to_plain_gives_an_enum_its_tostring() -> None:
    (value,) = deserialize_clixml(objs(
        '<Obj RefId="0"><TN RefId="0"><T>Microsoft.HyperV.PowerShell.VMState</T>'
        f"{ENUM}</TN><ToString>Running</ToString><I32>2</I32></Obj>"
    ), CIPHER)
    assert to_plain(value) == "Running"


def test_to_plain_reads_queues_empty_records_and_extreme_dates() -> None:
    queue = PSQueue()
    queue.put(1)
    assert to_plain(queue) == [1]
    assert to_plain(PSCustomObject()) == {}
    (earliest,) = deserialize_clixml(objs("<DT>0001-01-01T00:00:00+09:00</DT>"), CIPHER)
    assert to_plain(earliest) == dt.datetime.min.replace(tzinfo=dt.UTC)
    assert fast(objs("<DT>0001-01-01T00:00:00+09:00</DT>")) == [to_plain(earliest)]


def test_the_reader_knows_which_types_psrpcore_rehydrates() -> None:
    assert clixml_read._kind("System.Management.Automation.ErrorRecord") == clixml_read._DELEGATED
    assert clixml_read._kind("System.Collections.Hashtable") == clixml_read._COLLECTION
    assert clixml_read._kind("Microsoft.HyperV.PowerShell.VirtualMachine") is None
    assert Reader(CIPHER).value(ET.fromstring("<S>x</S>")) == "x"
