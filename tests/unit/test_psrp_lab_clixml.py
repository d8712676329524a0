"""What the lab's WinRM endpoint sends for output objects (written by hvtui.remote.clixml_write).

Each test runs a real lab shell (psrpcore's server pool behind LabShell) for a
psrpcore client and takes the PipelineOutput messages off the wire. Their CLIXML is
psrpcore's wherever psrpcore writes correctly (canonical XML compared; elsewhere the
lab is right on purpose: see clixml_write), and either way both psrpcore and pypsrp's
own deserializer, the client hvtui runs, read back the values the host emitted.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Mapping

from hypothesis import example, given, settings
from hypothesis import strategies as st
from psrpcore import (
    ClientPowerShell,
    ClientRunspacePool,
    PipelineOutputEvent,
    PipelineStateEvent,
    PSRPPayload,
    StreamType,
)
from psrpcore._payload import unpack_fragment, unpack_message
from psrpcore.types import PSInvocationState, PSRPMessageType, serialize
from pypsrp.serializer import Serializer
from test_clixml_fast_write import (  # the codec's own strategies and comparisons
    CIPHER,
    canonical,
    has_empty_bytes,
    names,
    psrpcore_writes_correctly,
    pypsrp_matches,
    same,
    values,
)

from hvtui.lab.server.wsman_shell import LabShell
from hvtui.remote.base import ParamValue, ProgressCallback, PSObjectData, PSResult
from hvtui.remote.plain import from_plain, to_plain

records = st.dictionaries(names, values(nan=True), max_size=5)


class Emits:
    """A lab host whose every script emits the same objects."""

    host = "hv01"

    def __init__(self, objects: list[PSObjectData]) -> None:
        self.objects = objects

    async def invoke(self, script: str, parameters: Mapping[str, ParamValue] | None = None, *,
                     timeout: float | None = None,
                     on_progress: ProgressCallback | None = None) -> PSResult:
        return PSResult(objects=self.objects)

    async def close(self) -> None:
        return None


async def lab_reply(objects: list[PSObjectData]) -> tuple[list[str], list[object]]:
    """Run one command on a lab shell: the output messages' CLIXML, and the client's events."""
    client = ClientRunspacePool()
    client.open()
    shell = LabShell("S1", host="hv01", session=Emits(objects), owner="lab-admin",
                     client_ip="127.0.0.1",
                     resource_uri="http://schemas.microsoft.com/powershell/Microsoft.PowerShell")
    opening = client.data_to_send()
    assert opening is not None
    shell.open(opening.data)
    ps = ClientPowerShell(client)
    ps.add_script("emit")
    ps.start()
    creation = client.data_to_send()
    assert creation is not None
    command_id = str(ps.pipeline_id).upper()
    shell.create_command(command_id, creation.data)
    chunks: list[bytes] = []
    done = False
    while not done:
        more, done = await shell.receive(command_id, timeout=5, max_bytes=10**6)
        chunks.extend(more)
    shell.close()

    wire = bytearray(b"".join(chunks))
    fragments: dict[int, bytearray] = {}
    outputs: list[str] = []
    while wire:
        fragment = unpack_fragment(wire)
        del wire[: 21 + len(fragment.data)]
        fragments.setdefault(fragment.object_id, bytearray()).extend(fragment.data)
        if fragment.end:
            message = unpack_message(fragments.pop(fragment.object_id))
            if message.message_type == PSRPMessageType.PipelineOutput:
                outputs.append(message.data.decode("utf-8"))
    for chunk in chunks:
        client.receive_data(PSRPPayload(chunk, StreamType.default, ps.pipeline_id))
    events: list[object] = []
    while (event := client.next_event()) is not None:
        events.append(event)
    return outputs, events


@settings(max_examples=40, deadline=None)
@given(st.lists(records, min_size=1, max_size=2))
@example([{"Span": dt.timedelta(seconds=10)}, {"Span": dt.timedelta(minutes=1, seconds=40)}])
@example([{"When": dt.datetime(999, 1, 2, 3, 4, 5)}, {"Text": "\ufffe\uffff"}])
def test_what_the_lab_sends_is_read_back_by_psrpcore_and_pypsrp(
    objects: list[PSObjectData],
) -> None:
    outputs, events = asyncio.run(lab_reply(objects))
    assert len(outputs) == len(objects)
    for xml, record in zip(outputs, objects, strict=True):
        if psrpcore_writes_correctly(record):
            theirs = ET.tostring(serialize(from_plain(record), CIPHER), encoding="unicode")
            assert ET.canonicalize(xml) == ET.canonicalize(theirs)
        if not has_empty_bytes(record):  # pypsrp cannot read <BA /> (psrpcore's either)
            assert pypsrp_matches(Serializer().deserialize(xml), record)
    # psrpcore, as the client pool it is, reads the same messages.
    received = [to_plain(event.data) for event in events if isinstance(event, PipelineOutputEvent)]
    assert same(received, [canonical(record) for record in objects])
    assert isinstance(events[-1], PipelineStateEvent)
    assert events[-1].state == PSInvocationState.Completed


def test_a_value_powershell_cannot_carry_fails_the_pipeline() -> None:
    objects: list[PSObjectData] = [{"Name": "vm1"}, {"Huge": 2**70}, {"Never": "sent"}]
    outputs, events = asyncio.run(lab_reply(objects))
    assert [ET.fromstring(xml).find("MS/S").text for xml in outputs] == ["vm1"]  # type: ignore[union-attr]
    state = events[-1]
    assert isinstance(state, PipelineStateEvent)
    assert state.state == PSInvocationState.Failed
    assert "Cannot serialize the output" in str(state.reason)
    assert "more than 64 bits" in str(state.reason)

    outputs, events = asyncio.run(lab_reply([{"Odd": {1, 2}}]))  # type: ignore[dict-item]
    assert outputs == []
    assert isinstance(events[-1], PipelineStateEvent)
    assert events[-1].state == PSInvocationState.Failed
    assert "cannot send a set to PowerShell" in str(events[-1].reason)
