"""SSHSession against the lab's SSH server on 127.0.0.1: the real asyncssh wire.

The hosts here run a small test Session (tests/support/scripted_session.py), not the lab's
Hyper-V emulation, so these tests exercise the transport: command line, stdin payload,
CLIXML documents, markers, host keys, authentication, faults.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, cast

import asyncssh
import pytest
from psrpcore.types import PSCryptoProvider, deserialize_clixml
from scripted_session import HYPERV_ERROR, JAPANESE, NASTY, ROUND_TRIP, ScriptedSession

from hvtui.errors import AuthError, ConnectError, ProtocolError, RemoteTimeout, SessionLost
from hvtui.lab.server.faults import FaultPlan
from hvtui.lab.server.sshd import SSHLabServer
from hvtui.remote.base import (
    ParamValue,
    ProgressRecord,
    Session,
)
from hvtui.remote.clixml import HEADER, Stream, parse_documents
from hvtui.remote.plain import to_plain
from hvtui.remote.ssh import (
    JumpHost,
    SSHEndpoint,
    SSHSession,
    command_line,
    encode_payload,
    request_line,
)

PASSWORD = "S3cret-pässwörd'\"$;"
USER = "lab\\admin"


@pytest.fixture
def client_key(tmp_path: Path) -> tuple[Path, Path]:
    """A client key pair and an authorized_keys file trusting it."""
    key = asyncssh.generate_private_key("ssh-ed25519")
    private = tmp_path / "id_ed25519"
    private.write_bytes(key.export_private_key())
    private.chmod(0o600)
    authorized = tmp_path / "authorized_keys"
    authorized.write_bytes(key.export_public_key())
    return private, authorized


@pytest.fixture
async def lab(tmp_path: Path, client_key: tuple[Path, Path]) -> AsyncIterator[SSHLabServer]:
    sessions: dict[str, Session] = {"hv1": ScriptedSession("hv1"), "hv2": ScriptedSession("hv2")}
    server = SSHLabServer(
        sessions,
        users={USER: PASSWORD},
        authorized_keys=client_key[1],
        host_key_path=tmp_path / "lab_host_key",
    )
    await server.listen("hv1")
    await server.listen("hv2")
    yield server
    await server.close()


def trust(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "known_hosts"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def endpoint_for(lab: SSHLabServer, tmp_path: Path, host: str = "hv1", **options: Any
                 ) -> SSHEndpoint:
    settings: dict[str, Any] = {
        "port": lab.port(host),
        "username": USER,
        "password": PASSWORD,
        "agent": False,
        "keys": (),
        "connect_timeout": 10.0,
        "global_known_hosts": (),
    }
    settings.update(options)
    address = settings.pop("address", "127.0.0.1")
    if "known_hosts" not in options:
        settings["known_hosts"] = (str(trust(tmp_path, lab.known_hosts_line(host, address))),)
    return SSHEndpoint(address, **settings)


def session_for(lab: SSHLabServer, tmp_path: Path, host: str = "hv1", *, shell: str = "powershell",
                **options: Any) -> SSHSession:
    return SSHSession(host, endpoint_for(lab, tmp_path, host, **options),
                      shell=shell)  # type: ignore[arg-type]


def scripted(lab: SSHLabServer, host: str = "hv1") -> ScriptedSession:
    session = lab.sessions[host]
    assert isinstance(session, ScriptedSession)
    return session


# ------------------------------------------------------------------ round trips


async def test_parameters_reach_the_host_as_data(lab: SSHLabServer, tmp_path: Path) -> None:
    params: dict[str, ParamValue] = {
        "Name": NASTY,
        "Japanese": JAPANESE,
        "Small": -7,
        "Big": 2**40,
        "Flag": True,
        "Off": False,
        "Names": ["vm'1", "vm“2”", JAPANESE],
        "Sizes": [1, 2**33],
        "Missing": None,
        "Ratio": 0.25,
    }
    script = "param($Name) # hvtui: echo\n$Name; 'it''s' \"$env:X\" `$ ;"
    session = session_for(lab, tmp_path)
    try:
        result = await session.invoke(script, params)
    finally:
        await session.close()
    assert result.ok
    assert result.objects == [{"Host": "hv1", "Script": script, **params}]
    assert scripted(lab).calls == [(script, params)]


async def test_objects_round_trip_identically(lab: SSHLabServer, tmp_path: Path) -> None:
    session = session_for(lab, tmp_path)
    try:
        result = await session.invoke("values", {"Mode": "values"})
    finally:
        await session.close()
    assert result.objects == [ROUND_TRIP]
    assert result.errors == [] and result.warnings == [] and not result.had_errors


async def test_pwsh_shell_round_trips(lab: SSHLabServer, tmp_path: Path) -> None:
    session = session_for(lab, tmp_path, shell="pwsh")
    try:
        result = await session.invoke("echo", {"Name": JAPANESE})
    finally:
        await session.close()
    assert result.objects == [{"Host": "hv1", "Script": "echo", "Name": JAPANESE}]


async def test_errors_and_warnings_come_back_structured(
    lab: SSHLabServer, tmp_path: Path
) -> None:
    session = session_for(lab, tmp_path)
    try:
        result = await session.invoke("errors", {"Mode": "errors"})
    finally:
        await session.close()
    assert result.objects == [{"Name": "before"}]
    assert result.errors == [HYPERV_ERROR]
    assert result.warnings == ["The VM's checkpoint is old; ‘careful’"]
    assert not result.had_errors and not result.ok


async def test_terminating_error_sets_had_errors(lab: SSHLabServer, tmp_path: Path) -> None:
    session = session_for(lab, tmp_path)
    try:
        result = await session.invoke("stop", {"Mode": "terminating"})
    finally:
        await session.close()
    assert result.had_errors
    assert [e.message for e in result.errors] == [HYPERV_ERROR.message, "Stop here"]
    assert result.errors[1].category == "OperationStopped"


async def test_progress_is_reported_and_collected(lab: SSHLabServer, tmp_path: Path) -> None:
    seen: list[ProgressRecord] = []
    session = session_for(lab, tmp_path)
    try:
        result = await session.invoke("move", {"Mode": "progress"}, on_progress=seen.append)
    finally:
        await session.close()
    expected = [ProgressRecord("Moving vm1", f"{p}% done", p) for p in (0, 50, 100)]
    assert seen == expected
    assert result.progress == expected
    assert result.objects == [{"Done": True}]


async def test_progress_arrives_while_the_script_runs(
    lab: SSHLabServer, tmp_path: Path
) -> None:
    host = scripted(lab)
    seen: list[ProgressRecord] = []

    def on_progress(record: ProgressRecord) -> None:
        seen.append(record)
        host.release.set()  # the script finishes only after the client saw its progress

    session = session_for(lab, tmp_path)
    try:
        result = await asyncio.wait_for(
            session.invoke("export", {"Mode": "progress_then_wait"}, on_progress=on_progress),
            10,
        )
    finally:
        await session.close()
    assert seen == [ProgressRecord("Exporting vm1", "copying disks", 10)]
    assert result.objects == [{"Done": True}]


async def test_many_objects_over_several_documents(lab: SSHLabServer, tmp_path: Path) -> None:
    session = session_for(lab, tmp_path)
    try:
        result = await session.invoke("many", {"Mode": "many"})
    finally:
        await session.close()
    assert result.objects == [{"Index": i, "Name": f"vm-{i}"} for i in range(10)]


async def raw_run(lab: SSHLabServer, tmp_path: Path, command: str, stdin: bytes
                  ) -> asyncssh.SSHCompletedProcess:
    """One command on the lab's SSH endpoint with a plain asyncssh client: the raw wire."""
    async with asyncssh.connect(
        "127.0.0.1", lab.port("hv1"), username=USER, password=PASSWORD, client_keys=None,
        agent_path=None, known_hosts=str(trust(tmp_path, lab.known_hosts_line("hv1"))),
        config=None,
    ) as conn:
        return await conn.run(command, input=stdin, encoding=None)


async def raw_frames(lab: SSHLabServer, tmp_path: Path, *requests: bytes,
                     results: int = 1) -> list[tuple[str, str, str]]:
    """Request lines to one lab process with a plain asyncssh client; the frames back."""
    async with asyncssh.connect(
        "127.0.0.1", lab.port("hv1"), username=USER, password=PASSWORD, client_keys=None,
        agent_path=None, known_hosts=str(trust(tmp_path, lab.known_hosts_line("hv1"))),
        config=None,
    ) as conn:
        process = await conn.create_process(command_line("powershell"), encoding=None)
        for request in requests:
            process.stdin.write(request)
        frames: list[tuple[str, str, str]] = []
        while len([f for f in frames if f[1] == "result"]) < results:
            line = (await asyncio.wait_for(process.stdout.readline(), 10)).decode("ascii")
            call_id, kind, data = line.split()[1:]
            frames.append((call_id, kind, base64.b64decode(data).decode("utf-8")))
        process.stdin.write_eof()
        await process.wait_closed()
        assert process.exit_status == 0
    return frames


async def test_raw_wire_is_framed_lines_answered_out_of_order(
    lab: SSHLabServer, tmp_path: Path
) -> None:
    """One process, two calls in flight: the slow one's result comes after the fast one's."""
    frames = await raw_frames(lab, tmp_path, b"call 7 " + encode_payload(
        "sleep", {"Mode": "sleep", "Seconds": 0.3}) + b"\n", b"call 8 " + encode_payload(
        "many", {"Mode": "many"}) + b"\r\n", b"no such request\n", results=2)
    assert [(f[0], f[1]) for f in frames] == [("8", "result"), ("7", "result")]
    (values, stream), = parse_documents(frames[0][2])
    assert stream is Stream.OUTPUT and isinstance(values, list)
    assert values[-1] == {"__hvtui": "end"} and values[0] == {"Index": 0, "Name": "vm-0"}
    assert lab.process_starts == {"hv1": 1}


async def test_psrpcore_reads_the_lab_frames_as_hvtui_does(
    lab: SSHLabServer, tmp_path: Path
) -> None:
    """An independent reader (psrpcore) agrees with hvtui's fast one on a result frame."""
    frames = await raw_frames(lab, tmp_path, request_line(1, "values", {"Mode": "values"}))
    theirs = [to_plain(v) for v in deserialize_clixml(frames[0][2], PSCryptoProvider())]
    assert theirs == [value for value, _ in parse_documents(frames[0][2])]
    assert theirs[0][0] == ROUND_TRIP  # type: ignore[index]


async def test_lab_refuses_other_command_lines(lab: SSHLabServer, tmp_path: Path) -> None:
    done = await raw_run(lab, tmp_path, "powershell.exe -Command Get-VM", b"")
    assert done.exit_status == 1
    assert (done.stdout or b"") == b""
    stderr = cast(bytes, done.stderr or b"").decode("utf-8")
    assert stderr.startswith(HEADER)
    (message, stream), = parse_documents(stderr)
    assert stream is Stream.ERROR
    assert "refused the command line" in str(message)
    assert "Get-VM" in str(message)


async def test_concurrent_calls_share_one_session(lab: SSHLabServer, tmp_path: Path) -> None:
    session = session_for(lab, tmp_path)
    try:
        results = await asyncio.gather(
            *(session.invoke("echo", {"Name": f"vm-{i}"}) for i in range(8))
        )
    finally:
        await session.close()
    assert [r.objects[0]["Name"] for r in results] == [f"vm-{i}" for i in range(8)]


# ------------------------------------------------------------------ one process per host


async def test_one_process_serves_every_call(lab: SSHLabServer, tmp_path: Path) -> None:
    session = session_for(lab, tmp_path)
    try:
        for i in range(5):
            await asyncio.gather(*(session.invoke("echo", {"Name": f"{i}-{j}"}) for j in range(4)))
    finally:
        await session.close()
    assert lab.process_starts == {"hv1": 1} and session.shells_started == 1
    assert len(scripted(lab).calls) == 20


async def test_a_process_that_died_is_restarted_transparently(
    lab: SSHLabServer, tmp_path: Path
) -> None:
    host = scripted(lab)
    session = session_for(lab, tmp_path)
    try:
        assert (await session.invoke("echo", {"Name": "one"})).ok
        assert lab.end_processes("hv1") == 1  # idle: the next call just starts a new one
        await asyncio.sleep(0.1)
        assert (await session.invoke("echo", {"Name": "two"})).ok
        call = asyncio.create_task(session.invoke("sleep", {"Mode": "sleep", "Seconds": 60}))
        await asyncio.wait_for(host.started.wait(), 10)
        lab.end_processes("hv1")  # mid-call: that call is lost, and says so
        with pytest.raises(SessionLost) as caught:
            await asyncio.wait_for(call, 10)
        assert (await session.invoke("echo", {"Name": "three"})).ok
    finally:
        await session.close()
    assert "may or may not have run" in str(caught.value)
    assert lab.process_starts == {"hv1": 3} and session.shells_started == 3


# ------------------------------------------------------------------ cancel, faults


async def test_cancellation_stops_the_script_and_keeps_the_process(
    lab: SSHLabServer, tmp_path: Path
) -> None:
    host = scripted(lab)
    session = session_for(lab, tmp_path)
    try:
        call = asyncio.create_task(session.invoke("sleep", {"Mode": "sleep", "Seconds": 60}))
        await asyncio.wait_for(host.started.wait(), 10)
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
        await asyncio.wait_for(host.cancelled.wait(), 10)
        # The connection and the PowerShell process survive a cancelled call.
        assert (await session.invoke("echo", {"Name": "after"})).objects[0]["Name"] == "after"
    finally:
        await session.close()
    assert lab.process_starts == {"hv1": 1} and session.shells_started == 1


async def test_timeout_raises_remote_timeout_and_stops_the_script(
    lab: SSHLabServer, tmp_path: Path
) -> None:
    host = scripted(lab)
    session = session_for(lab, tmp_path)
    try:
        with pytest.raises(RemoteTimeout) as caught:
            await session.invoke("sleep", {"Mode": "sleep", "Seconds": 60}, timeout=0.5)
        await asyncio.wait_for(host.cancelled.wait(), 10)
    finally:
        await session.close()
    assert caught.value.host == "hv1"


async def test_delay_fault_hits_the_timeout(lab: SSHLabServer, tmp_path: Path) -> None:
    lab.set_fault("hv1", delay=30)
    session = session_for(lab, tmp_path)
    try:
        with pytest.raises(RemoteTimeout):
            await session.invoke("echo", {"Name": "x"}, timeout=0.5)
        lab.clear_fault("hv1")
        assert (await session.invoke("echo", {"Name": "y"})).objects[0]["Name"] == "y"
    finally:
        await session.close()
    assert scripted(lab).calls == [("echo", {"Name": "y"})]


async def test_drop_mid_reply_is_session_lost_then_next_call_reconnects(
    lab: SSHLabServer, tmp_path: Path
) -> None:
    lab.set_fault("hv1", FaultPlan(drop_after_bytes=120))
    session = session_for(lab, tmp_path)
    try:
        with pytest.raises(SessionLost) as caught:
            await session.invoke("many", {"Mode": "many"})
        lab.clear_fault("hv1")
        result = await session.invoke("echo", {"Name": "again"})
    finally:
        await session.close()
    assert caught.value.host == "hv1"
    assert result.objects[0]["Name"] == "again"


async def test_garbage_is_a_protocol_error(lab: SSHLabServer, tmp_path: Path) -> None:
    lab.set_fault("hv1", garbage=True)
    session = session_for(lab, tmp_path)
    try:
        with pytest.raises(ProtocolError) as caught:
            await session.invoke("echo", {"Name": "x"})
        lab.clear_fault("hv1")
        assert (await session.invoke("echo", {"Name": "ok"})).objects[0]["Name"] == "ok"
    finally:
        await session.close()
    assert caught.value.host == "hv1"
    assert len(str(caught.value)) < 400


# ------------------------------------------------------------------ host keys


async def test_unknown_host_key_is_refused_with_fingerprint_and_line(
    lab: SSHLabServer, tmp_path: Path
) -> None:
    session = session_for(lab, tmp_path, known_hosts=(str(trust(tmp_path)),))
    with pytest.raises(AuthError) as caught:
        await session.invoke("echo", {"Name": "x"})
    text = str(caught.value)
    assert lab.fingerprint in text
    assert lab.known_hosts_line("hv1") in text
    assert f"[127.0.0.1]:{lab.port('hv1')} ssh-ed25519 AAAA" in text
    assert scripted(lab).calls == []


async def test_accept_new_records_the_key_and_proceeds(lab: SSHLabServer, tmp_path: Path) -> None:
    path = tmp_path / "fresh" / "known_hosts"
    session = session_for(lab, tmp_path, known_hosts=(str(path),), host_key_policy="accept-new")
    try:
        assert (await session.invoke("echo", {"Name": "x"})).ok
    finally:
        await session.close()
    assert path.read_text(encoding="utf-8") == lab.known_hosts_line("hv1") + "\n"
    strict = session_for(lab, tmp_path, known_hosts=(str(path),))
    try:
        assert (await strict.invoke("echo", {"Name": "y"})).ok
    finally:
        await strict.close()


@pytest.mark.parametrize("policy", ["strict", "accept-new"])
async def test_changed_host_key_is_refused(
    lab: SSHLabServer, tmp_path: Path, policy: str
) -> None:
    other = asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode().split()
    stale = f"[127.0.0.1]:{lab.port('hv1')} {other[0]} {other[1]}"
    path = trust(tmp_path, stale)
    session = session_for(lab, tmp_path, known_hosts=(str(path),), host_key_policy=policy)
    with pytest.raises(AuthError) as caught:
        await session.invoke("echo", {"Name": "x"})
    text = str(caught.value)
    assert "CHANGED" in text and "man-in-the-middle" in text
    assert lab.fingerprint in text
    assert path.read_text(encoding="utf-8") == stale + "\n"


# ------------------------------------------------------------------ authentication


async def test_wrong_password_is_auth_error_without_the_password(
    lab: SSHLabServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "not-the-password-Ω"
    session = session_for(lab, tmp_path, password=wrong)
    with pytest.raises(AuthError) as caught:
        await session.invoke("echo", {"Name": "x"})
    for text in (str(caught.value), repr(caught.value), repr(session), str(session), caplog.text):
        assert wrong not in text and PASSWORD not in text


async def test_key_authentication(
    lab: SSHLabServer, tmp_path: Path, client_key: tuple[Path, Path]
) -> None:
    session = session_for(lab, tmp_path, password=None, keys=(str(client_key[0]),))
    try:
        assert (await session.invoke("echo", {"Name": "k"})).objects[0]["Name"] == "k"
    finally:
        await session.close()


async def test_refused_port_is_connect_error_with_hint(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    session = SSHSession("hv9", SSHEndpoint(
        "127.0.0.1", port=port, username=USER, password=PASSWORD,
        agent=False, keys=(), known_hosts=(str(trust(tmp_path)),),
    ))
    with pytest.raises(ConnectError) as caught:
        await session.invoke("echo")
    assert "refused" in caught.value.cause
    assert caught.value.hint is not None and "sshd" in caught.value.hint
    assert caught.value.host == "hv9"


async def test_password_never_in_repr_or_str(tmp_path: Path) -> None:
    jump = JumpHost("10.0.0.1", username="j", password=PASSWORD)
    session = SSHSession("hv1", SSHEndpoint(
        "10.0.0.2", username=USER, password=PASSWORD, jump=jump,
        known_hosts=(str(tmp_path / "kh"),),
    ))
    for text in (repr(jump), str(jump), repr(session), str(session), repr(vars(jump)
                 if hasattr(jump, "__dict__") else ())):
        assert PASSWORD not in text


# ------------------------------------------------------------------ jump host


async def test_jump_host_tunnels_to_the_target(
    lab: SSHLabServer, tmp_path: Path, client_key: tuple[Path, Path]
) -> None:
    target = SSHLabServer(
        {"far": ScriptedSession("far")}, users={"farmer": "far-pass"},
        host_key_path=tmp_path / "far_key", allow_forwarding=False,
    )
    try:
        await target.listen("far")
        known = trust(tmp_path, lab.known_hosts_line("hv1"), target.known_hosts_line("far"))
        jump = JumpHost(
            "127.0.0.1", port=lab.port("hv1"), username=USER, keys=(str(client_key[0]),),
            agent=False, known_hosts=(str(known),), global_known_hosts=(),
        )
        session = SSHSession("far", SSHEndpoint(
            "127.0.0.1", port=target.port("far"), username="farmer",
            password="far-pass", agent=False, keys=(), known_hosts=(str(known),),
            global_known_hosts=(), jump=jump,
        ))
        try:
            result = await session.invoke("echo", {"Name": "through"})
        finally:
            await session.close()
        assert result.objects == [{"Host": "far", "Script": "echo", "Name": "through"}]
        assert scripted(lab).calls == []  # the jump host ran nothing

        # The far server forbids forwarding: using it as a jump host must fail,
        # which shows the tunnel (not a direct connection) carries the call.
        no_jump = SSHSession("hv1", SSHEndpoint(
            "127.0.0.1", port=lab.port("hv1"), username=USER,
            password=PASSWORD, agent=False, keys=(), known_hosts=(str(known),),
            jump=JumpHost("127.0.0.1", port=target.port("far"), username="farmer",
                          password="far-pass", keys=(), agent=False,
                          known_hosts=(str(known),)),
        ))
        with pytest.raises(ConnectError) as caught:
            await no_jump.invoke("echo")
        assert "could not reach" in caught.value.cause
        assert "forwarding is disabled" in caught.value.cause
    finally:
        await target.close()
