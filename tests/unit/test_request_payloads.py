"""A call's request is written from the script's text escaped once, byte for byte what
psrpcore (SSH) and pypsrp (WinRM) write for the whole request every time."""

from __future__ import annotations

import base64
from typing import cast

import pytest
from psrpcore.types import PSCustomObject, PSString
from pypsrp.serializer import Serializer

from hvtui.ps import catalog
from hvtui.remote import clixml
from hvtui.remote.base import ParamValue, PSValue
from hvtui.remote.plain import from_plain
from hvtui.remote.psrp_values import PassthroughSerializer
from hvtui.remote.ssh import decode_payload, encode_payload

SCRIPTS = sorted(catalog.all_scripts())
TRICKY = "経理 'x' “y” $z `w; _x0041_ _X0042_ hvtui-script-slot </S> \t\r\n 😀"


def psrpcore_payload(script: str, parameters: dict[str, ParamValue]) -> bytes:
    table = {name: from_plain(cast(PSValue, value)) for name, value in parameters.items()}
    payload = PSCustomObject(Script=PSString(script), Parameters=table)
    return base64.b64encode(clixml.dumps([payload]).encode("utf-8"))


@pytest.mark.parametrize("name", SCRIPTS)
def test_ssh_payloads_are_what_psrpcore_writes(name: str) -> None:
    script = catalog.get(name).text
    cases: list[dict[str, ParamValue]] = [{}, {"Since": "token", "Name": TRICKY},
                                          {"Name": TRICKY, "Count": 3}]
    for parameters in cases:
        payload = encode_payload(script, parameters)
        assert payload == psrpcore_payload(script, parameters)
        assert decode_payload(payload) == (script, parameters)


@pytest.mark.parametrize("text", [catalog.get("inventory").text, TRICKY * 100, TRICKY, ""])
def test_winrm_strings_are_escaped_as_pypsrp_escapes_them(text: str) -> None:
    assert PassthroughSerializer()._serialize_string(text) == Serializer()._serialize_string(text)
