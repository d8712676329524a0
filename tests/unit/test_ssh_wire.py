"""The SSH wire format: the constant command line, the bootstrap, the stdin payload."""

from __future__ import annotations

import base64
import re

import pytest

from hvtui.errors import ProtocolError
from hvtui.remote.base import ErrorRecord, ParamValue
from hvtui.remote.clixml import parse_documents
from hvtui.remote.ssh import (
    MARKER,
    bootstrap_script,
    command_line,
    decode_payload,
    encode_payload,
    error_marker,
    frame,
    request_line,
)

CMD_EXE_LIMIT = 8191  # sshd runs the command through cmd.exe /c on Windows


@pytest.mark.parametrize(
    ("shell", "executable"), [("powershell", "powershell.exe"), ("pwsh", "pwsh")]
)
def test_command_line_is_constant_and_short(shell: str, executable: str) -> None:
    line = command_line(shell)  # type: ignore[arg-type]
    prefix = f"{executable} -NoProfile -NonInteractive -OutputFormat XML -EncodedCommand "
    assert line.startswith(prefix)
    encoded = line[len(prefix):]
    assert re.fullmatch(r"[A-Za-z0-9+/]+=*", encoded)
    assert base64.b64decode(encoded).decode("utf-16-le") == bootstrap_script()
    assert len(line) < CMD_EXE_LIMIT


def test_unknown_shell_is_refused() -> None:
    with pytest.raises(ValueError, match="pwsh"):
        command_line("bash")  # type: ignore[arg-type]


def test_bootstrap_runs_on_windows_powershell_3_and_later() -> None:
    text = bootstrap_script()
    assert "[Console]::OpenStandardInput()" in text  # a real stream: ReadLineAsync is async
    assert "[Management.Automation.PSSerializer]::Deserialize(" in text
    assert "[runspacefactory]::CreateRunspacePool(" in text and ".BeginStop(" in text
    assert text.count("[scriptblock]::Create(") == 1
    assert "2>&1 3>&1" in text
    assert "'__hvtui' = 'end'" in text
    for newer in ("::new(", "6>&1", "*>&1", "?.", "??", "&&", "||"):
        assert newer not in text, f"{newer!r} needs a newer PowerShell"
    assert not any(line.lstrip().startswith("#") for line in text.splitlines())
    assert all(line == line.strip() for line in text.splitlines())


def test_bootstrap_parses_with_the_powershell_grammar() -> None:
    tree_sitter = pytest.importorskip("tree_sitter")
    grammar = pytest.importorskip("tree_sitter_powershell")
    parser = tree_sitter.Parser(tree_sitter.Language(grammar.language()))
    assert not parser.parse(bootstrap_script().encode("utf-8")).root_node.has_error
    assert parser.parse(b"function x( { ]").root_node.has_error  # the check can fail


def test_payload_is_ascii_lines_and_round_trips() -> None:
    script = "param($Name, $Sizes)\n# hvtui: test\nGet-VM -Name $Name"
    parameters: dict[str, ParamValue] = {
        "Name": "vm'1 “2” `$x; 仮想",
        "Sizes": [1, 2**40],
        "Names": ["a", "‘b’"],
        "Force": True,
        "Nothing": None,
        "Ratio": 0.5,
    }
    payload = encode_payload(script, parameters)
    assert payload.isascii() and b"\n" not in payload and b" " not in payload
    assert decode_payload(payload) == (script, parameters)
    line = request_line(12, script, parameters)
    assert line == b"call 12 " + payload + b"\n"


def test_payload_is_one_custom_object_with_a_hashtable() -> None:
    xml = base64.b64decode(b"".join(encode_payload("x", {"A": 1}).split())).decode("utf-8")
    assert "<T>System.Management.Automation.PSCustomObject</T>" in xml
    assert "<T>System.Collections.Hashtable</T>" in xml
    assert "#< CLIXML" not in xml  # PSSerializer.Deserialize takes bare XML


@pytest.mark.parametrize(
    "stdin",
    [b"", b"not base64 !!", base64.b64encode(b"<Objs><broken"), base64.b64encode(b"\xff\xfe")],
)
def test_bad_payload_is_a_protocol_error(stdin: bytes) -> None:
    with pytest.raises(ProtocolError):
        decode_payload(stdin)


def test_frames_are_one_ascii_line_of_base64_clixml() -> None:
    line = frame(3, "result", [{"Name": "仮想'1"}, {MARKER: "end"}])
    assert line.isascii() and line.endswith(b"\r\n") and line.count(b"\n") == 1
    prefix, call_id, kind, data = line.split()
    assert (prefix, call_id, kind) == (b"hvtui", b"3", b"result")
    (values, _), = parse_documents(base64.b64decode(data).decode("utf-8"))
    assert values == [{"Name": "仮想'1"}, {MARKER: "end"}]


def test_markers_carry_every_error_field() -> None:
    record = ErrorRecord("m", "InvalidOperation", "Id,Cmd", "vm1", "Start-VM", "VirtEx")
    marker = error_marker(record, terminating=True)
    assert marker[MARKER] == "terminating"
    assert {k: marker[k] for k in ("Message", "Category", "ErrorId", "TargetName",
                                   "Activity", "Reason")} == {
        "Message": "m", "Category": "InvalidOperation", "ErrorId": "Id,Cmd",
        "TargetName": "vm1", "Activity": "Start-VM", "Reason": "VirtEx",
    }
    assert parse_documents("") == []
