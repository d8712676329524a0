"""hvtui.remote.clixml against hand-written CLIXML shaped like real ``-OutputFormat XML`` output."""

from __future__ import annotations

import datetime as dt

import pytest

from hvtui.errors import ProtocolError
from hvtui.remote.base import ErrorRecord, ProgressRecord, PSValue
from hvtui.remote.clixml import (
    HEADER,
    Stream,
    dumps,
    error_record,
    parse_documents,
    progress_record,
    split_documents,
)

NS = 'xmlns="http://schemas.microsoft.com/powershell/2004/04"'
CUSTOM = (
    '<TN RefId="0"><T>System.Management.Automation.PSCustomObject</T>'
    "<T>System.Object</T></TN>"
)

# Two Select-Object records (the second reuses the type names through TNRef), an enum
# property, a Guid, a UInt64, a TimeSpan, $null, and Get-Date (a DateTime with 100 ns
# ticks and a DisplayHint note property), as Windows PowerShell writes them.
VMS = (
    f'<Objs Version="1.1.0.1" {NS}>'
    f'<Obj RefId="0">{CUSTOM}<MS><S N="Name">vm\'1 “x” 仮想</S>'
    '<Obj N="State" RefId="1"><TN RefId="1"><T>Microsoft.HyperV.PowerShell.VMState</T>'
    "<T>System.Enum</T><T>System.ValueType</T><T>System.Object</T></TN>"
    "<ToString>Running</ToString><I32>2</I32></Obj>"
    '<G N="Id">5f3c8c1e-2b7a-4a52-9d9e-0c6c1f9f6a11</G>'
    '<U64 N="MemoryAssigned">4294967296</U64><TS N="Uptime">PT1H2M3.5S</TS>'
    '<Nil N="Notes" /></MS></Obj>'
    '<Obj RefId="2"><TNRef RefId="0" /><MS><S N="Name">vm2_x000D__x000A_line</S>'
    '<I32 N="State">3</I32></MS></Obj>'
    '<Obj RefId="3"><DT>2024-05-06T07:08:09.1234567+09:00</DT><MS>'
    '<Obj N="DisplayHint" RefId="4"><TN RefId="2">'
    "<T>Microsoft.PowerShell.Commands.DisplayHintType</T><T>System.Enum</T>"
    "<T>System.ValueType</T><T>System.Object</T></TN><ToString>DateTime</ToString>"
    "<I32>2</I32></Obj></MS></Obj>"
    "</Objs>"
)

# The stderr Windows PowerShell 5.1 writes for `powershell -EncodedCommand ...` when a
# command is unknown: the module-analysis progress record in its own document, then
# the host's error lines in another, each after its own header.
PREPARING = (
    f'<Objs Version="1.1.0.1" {NS}><Obj S="progress" RefId="0">{CUSTOM}<MS>'
    '<I64 N="SourceId">1</I64><PR N="Record"><AV>Preparing modules for first use.</AV>'
    "<AI>0</AI><Nil /><PI>-1</PI><PC>-1</PC><T>Completed</T><SR>-1</SR><SD> </SD></PR>"
    "</MS></Obj></Objs>"
)
NOT_RECOGNIZED = (
    f'<Objs Version="1.1.0.1" {NS}>'
    "<S S=\"Error\">Get-Foo : The term 'Get-Foo' is not recognized as the name of a "
    "cmdlet, function, script file, or operable program._x000D__x000A_</S>"
    '<S S="Error">At line:1 char:1_x000D__x000A_</S>'
    '<S S="warning">low memory</S>'
    "</Objs>"
)


def test_parses_real_looking_stdout() -> None:
    values = parse_documents(HEADER + "\r\n" + VMS)
    assert [stream for _, stream in values] == [Stream.OUTPUT] * 3
    first, second, when = (value for value, _ in values)
    assert first == {
        "Name": "vm'1 “x” 仮想",
        "State": "Running",  # a deserialised enum is its ToString, not its value (2)
        "Id": "5f3c8c1e-2b7a-4a52-9d9e-0c6c1f9f6a11",
        "MemoryAssigned": 4294967296,
        "Uptime": dt.timedelta(hours=1, minutes=2, seconds=3.5),
        "Notes": None,
    }
    assert second == {"Name": "vm2\r\nline", "State": 3}
    assert when == dt.datetime(2024, 5, 5, 22, 8, 9, 123456, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "text",
    [
        # back to back, no separator (one flush after another)
        HEADER + "\r\n" + PREPARING + NOT_RECOGNIZED,
        # a header line before each document, CRLF
        HEADER + "\r\n" + PREPARING + HEADER + "\r\n" + NOT_RECOGNIZED,
        # LF line ends, blank lines, a UTF-8 BOM decoded into the text
        "\ufeff" + HEADER + "\n" + PREPARING + "\n\n" + HEADER + "\n" + NOT_RECOGNIZED + "\n",
        # an empty document in between
        HEADER + "\r\n" + PREPARING + f'<Objs Version="1.1.0.1" {NS} />' + NOT_RECOGNIZED,
    ],
)
def test_several_documents_in_one_stream(text: str) -> None:
    values = parse_documents(text)
    assert [stream for _, stream in values] == [
        Stream.PROGRESS, Stream.ERROR, Stream.ERROR, Stream.WARNING
    ]
    assert progress_record(values[0][0]) == ProgressRecord(
        "Preparing modules for first use.", " ", -1
    )
    assert error_record(values[1][0]).message.startswith("Get-Foo : The term 'Get-Foo'")
    assert values[3][0] == "low memory"


def test_split_documents_waits_for_the_rest_when_not_final() -> None:
    text = HEADER + "\r\n" + PREPARING + HEADER[:4]
    documents, rest = split_documents(text, final=False)
    assert documents == [PREPARING] and rest == HEADER[:4]
    half = NOT_RECOGNIZED[:50]
    documents, rest = split_documents(rest + HEADER[4:] + "\r\n" + half, final=False)
    assert documents == [] and rest == half
    documents, rest = split_documents(rest + NOT_RECOGNIZED[50:], final=False)
    assert documents == [NOT_RECOGNIZED] and rest == ""


@pytest.mark.parametrize(
    ("text", "why"),
    [
        (HEADER + "\r\n" + VMS[:-20], "cut short"),
        ("'pwsh' is not recognized as an internal or external command", "unexpected text"),
        (HEADER + "\r\n" + VMS + "trailing noise", "unexpected text"),
        (HEADER + f'\r\n<Objs Version="1.1.0.1" {NS}><S>unclosed</Objs>', "invalid CLIXML"),
        (f'<Objs Version="1.1.0.1" {NS}><Obj RefId="0"><TNRef RefId="9" /><MS /></Obj></Objs>',
         "invalid CLIXML"),
    ],
)
def test_bad_text_is_a_protocol_error(text: str, why: str) -> None:
    with pytest.raises(ProtocolError) as caught:
        parse_documents(text)
    assert why in caught.value.cause


def test_protocol_error_quotes_only_a_short_excerpt() -> None:
    huge = HEADER + "\r\n" + f'<Objs Version="1.1.0.1" {NS}><S>' + "x" * 1_000_000 + "<</S></Objs>"
    with pytest.raises(ProtocolError) as caught:
        parse_documents(huge)
    assert len(str(caught.value)) < 500
    with pytest.raises(ProtocolError) as caught:
        parse_documents("garbage " * 100_000)
    assert len(str(caught.value)) < 500


def test_dumps_round_trips_streams_and_writes_error_like_powershell() -> None:
    values = [{"Name": "vm1", "Sizes": [1, 2**40]}, "careful", "failed\r\n", None]
    streams = [Stream.OUTPUT, Stream.WARNING, Stream.ERROR, Stream.OUTPUT]
    document = dumps(values, streams)
    assert '<S S="Error">failed_x000D__x000A_</S>' in document
    assert parse_documents(HEADER + "\r\n" + document) == list(zip(values, streams, strict=True))


def test_dumps_does_not_touch_data_that_looks_like_a_tag() -> None:
    tricky = '<S S="error">not a tag</S>'
    document = dumps([tricky], Stream.WARNING)
    assert parse_documents(document) == [(tricky, Stream.WARNING)]


def test_error_record_from_each_shape() -> None:
    deserialised: dict[str, PSValue] = {
        "Exception": {"Message": "boom", "HResult": None},
        "CategoryInfo": {
            "Category": "InvalidArgument", "Activity": "Get-VM",
            "Reason": "VirtualizationException", "TargetName": "vm1",
        },
        "FullyQualifiedErrorId": "InvalidParameter,Microsoft.HyperV.PowerShell.Commands.GetVM",
    }
    expected = ErrorRecord(
        "boom", "InvalidArgument",
        "InvalidParameter,Microsoft.HyperV.PowerShell.Commands.GetVM",
        "vm1", "Get-VM", "VirtualizationException",
    )
    assert error_record(deserialised) == expected
    marker: dict[str, PSValue] = {
        "__hvtui": "error", "Message": "boom", "Category": "InvalidArgument",
        "ErrorId": expected.error_id, "TargetName": "vm1", "Activity": "Get-VM",
        "Reason": "VirtualizationException",
    }
    assert error_record(marker) == expected
    assert error_record("At line:1 char:1\r\n") == ErrorRecord("At line:1 char:1")
