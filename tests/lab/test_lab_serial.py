"""The lab's serial console: Set-VMComPort connects COM 1 to a pipe, and the catalog's
vm-serial-exchange.ps1 talks through that pipe to a small guest console, per VM state."""

from __future__ import annotations

import base64

from test_lab_support import default_lab, kinds, run

from hvtui.ps import catalog

PIPE = "\\\\.\\pipe\\hvtui-edge"


def _text(result: object) -> str:
    chunks = kinds(result, "SerialChunk")  # type: ignore[arg-type]
    return b"".join(base64.b64decode(str(c["Data"])) for c in chunks).decode()


def _send(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


async def test_a_running_linux_guest_answers_a_command_through_its_pipe() -> None:
    lab = default_lab()
    result = await run(lab, "HV-2025", "vm-com-port", VMName="EDGE-LNX01", Path=PIPE)
    assert result.ok and kinds(result, "ComPort")[0]["Path"] == PIPE
    ports = await run(lab, "HV-2025", "vm-com-ports", VMName="EDGE-LNX01")
    assert [p["Name"] for p in kinds(ports, "ComPort")] == ["COM 1", "COM 2"]
    reply = await run(lab, "HV-2025", "vm-serial-exchange", PipeName="hvtui-edge",
                      Send=_send("uname -a\r"))
    assert reply.ok, reply.errors
    assert _text(reply).startswith("uname -a\r\nLinux edge-lnx01 ")
    assert _text(reply).endswith("root@edge-lnx01:~# ")
    # what is typed is echoed as it comes; the line runs on Enter
    half = await run(lab, "HV-2025", "vm-serial-exchange", PipeName="hvtui-edge",
                     Send=_send("hostna"))
    assert _text(half) == "hostna"
    rest = await run(lab, "HV-2025", "vm-serial-exchange", PipeName="hvtui-edge",
                     Send=_send("me\r"))
    assert _text(rest) == "me\r\nedge-lnx01\r\nroot@edge-lnx01:~# "


async def test_a_windows_guest_answers_with_sac() -> None:
    lab = default_lab()
    await run(lab, "HV-2022", "vm-com-port", VMName="WIN2022-DC", Path="\\\\.\\pipe\\dc")
    reply = await run(lab, "HV-2022", "vm-serial-exchange", PipeName="dc", Send=_send("id\r"))
    assert "Computer Name: WIN2022-DC" in _text(reply) and _text(reply).endswith("SAC>")


async def test_an_off_vm_has_no_pipe_and_connect_times_out() -> None:
    lab = default_lab()
    await run(lab, "HV-2025", "vm-com-port", VMName="WIN2022-SQL02", Path="\\\\.\\pipe\\off")
    reply = await run(lab, "HV-2025", "vm-serial-exchange", PipeName="off", ConnectMs=100)
    assert not reply.ok
    assert reply.errors[0].message == ('Exception calling "Connect" with "1" argument(s): '
                                       '"The operation has timed out."')
    assert reply.errors[0].error_id == "TimeoutException"


async def test_a_pipe_no_vm_serves_times_out() -> None:
    lab = default_lab()
    reply = await run(lab, "HV-2025", "vm-serial-exchange", PipeName="nobody", ConnectMs=100)
    assert reply.errors[0].error_id == "TimeoutException"


async def test_a_paused_guest_reads_nothing() -> None:
    lab = default_lab()
    await run(lab, "HV-NODE2", "vm-com-port", VMName="RHEL-DB01", Path="\\\\.\\pipe\\p")
    reply = await run(lab, "HV-NODE2", "vm-serial-exchange", PipeName="p",
                      Send=_send("uname\r"), WaitMs=100)
    assert reply.ok and _text(reply) == ""


def test_the_exchange_script_is_read_only() -> None:
    assert not catalog.get("vm-serial-exchange").mutates
    assert catalog.get("vm-com-port").mutates
