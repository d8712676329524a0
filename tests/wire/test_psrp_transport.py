"""hvtui's PSRP transport against the lab's WinRM endpoint, over real HTTPS on 127.0.0.1.

The client is pypsrp, unmodified, behind PSRPSession; the server is WSManServer with
psrpcore. The host behind the endpoint is a small scripted Session defined here, so
these tests exercise the wire (WS-Management, PSRP, CLIXML), not the lab's Hyper-V.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import socket
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

import pytest

from hvtui.errors import (
    AuthError,
    ConfigError,
    ConnectError,
    HvtuiError,
    ProtocolError,
    RemoteTimeout,
    SessionLost,
)
from hvtui.lab.server import tls
from hvtui.lab.server.faults import FaultPlan
from hvtui.lab.server.wsman import WSManServer
from hvtui.remote.base import (
    ErrorRecord,
    ParamValue,
    ProgressCallback,
    ProgressRecord,
    PSResult,
    PSValue,
    Session,
)
from hvtui.remote.plain import from_plain, to_plain
from hvtui.remote.psrp import PSRPSession

USER = "lab-admin"
PASSWORD = "S3cr3t-pässwörd-パス"
HOST = "hv01"

VALUES: dict[str, PSValue] = {
    "Quotes": "VM 'a' \"b\" ‘c’ “d” $x `y ;z",
    "Japanese": "仮想マシン（本番）",
    "Emoji": "disk 💾 full",
    "Int32": 2_147_483_647,
    "Int64": 1_099_511_627_776,
    "Negative": -42,
    "Bool": True,
    "False": False,
    "When": dt.datetime(2024, 2, 29, 23, 59, 58, 123456, tzinfo=dt.UTC),
    "Span": dt.timedelta(days=1, hours=1, minutes=1, seconds=1, microseconds=500000),
    "Names": ["alpha", "ベータ", "with 'quote'"],
    "Nothing": None,
    "Nested": {"Kind": "Disk", "Size": 68_719_476_736, "Tags": ["a", "b"], "Deeper": {"Ok": True}},
    "Ratio": 0.75,
}

ERRORS = [
    ErrorRecord(
        "The operation cannot be performed while the virtual machine is in its current state.",
        category="InvalidOperation",
        error_id="InvalidState,Microsoft.HyperV.PowerShell.Commands.StartVM",
        target="web 'prod' 01",
        activity="Start-VM",
        reason="VirtualizationException",
    ),
    ErrorRecord("Hyper-V was unable to find a virtual machine with name \"nope\".",
                category="InvalidArgument",
                error_id="InvalidParameter,Microsoft.HyperV.PowerShell.Commands.GetVM",
                target="nope", activity="Get-VM", reason="VirtualizationException"),
]


def as_data(params: Mapping[str, ParamValue]) -> dict[str, PSValue]:
    """Parameters as the plain data an echoed object carries (the same values)."""
    return {name: list(value) if isinstance(value, list) else value
            for name, value in params.items()}


class ScriptedHost:
    """A host whose behaviour is chosen by the script text; parameters come back as data."""

    host = HOST

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, ParamValue]]] = []
        self.started = asyncio.Event()
        self.cancelled = asyncio.Event()
        self.progress_seen = asyncio.Event()
        self.in_flight = 0
        self.both_in_flight = asyncio.Event()

    async def invoke(
        self,
        script: str,
        parameters: Mapping[str, ParamValue] | None = None,
        *,
        timeout: float | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> PSResult:
        params = dict(parameters or {})
        self.calls.append((script, params))
        if script == "echo":
            return PSResult(objects=[{"Script": script, **as_data(params)}])
        if script == "values":
            return PSResult(objects=[VALUES])
        if script == "streams":
            return PSResult(objects=[{"Name": "vm1"}], errors=ERRORS, warnings=["low disk ⚠"])
        if script == "fail":
            return PSResult(errors=ERRORS, had_errors=True)
        if script == "raise":
            raise RuntimeError("the host's disk is on fire")
        if script == "progress":
            assert on_progress is not None
            on_progress(ProgressRecord("Exporting", "copying disk 1 of 2", 50))
            # Wait until the client has seen it: only live progress gets past this point.
            await self.progress_seen.wait()
            on_progress(ProgressRecord("Exporting", "done", 100))
            return PSResult(objects=[{"Done": True}])
        if script == "sleep":
            self.started.set()
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                self.cancelled.set()
                raise
        if script == "gate":
            self.in_flight += 1
            if self.in_flight == 2:
                self.both_in_flight.set()
            await self.both_in_flight.wait()
            return PSResult(objects=[{"Gate": as_data(params).get("N")}])
        if script == "many":
            count = int(params.get("Count") or 0)  # type: ignore[arg-type]
            return PSResult(objects=[{"Index": i, "Name": f"vm-{i:05d}", "Notes": "x" * 1000}
                                     for i in range(count)])
        return PSResult(errors=[ErrorRecord(f"The term '{script}' is not recognized.",
                                            category="ObjectNotFound",
                                            error_id="CommandNotFoundException")],
                        had_errors=True)

    async def close(self) -> None:
        return None


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tls.LabCertificate:
    return tls.create(tmp_path_factory.mktemp("lab-tls"))


@pytest.fixture
def host() -> ScriptedHost:
    return ScriptedHost()


@pytest.fixture
async def server(host: ScriptedHost, certificate: tls.LabCertificate) -> AsyncIterator[WSManServer]:
    sessions: dict[str, Session] = {HOST: host}
    lab = WSManServer(sessions, username=USER, password=PASSWORD, certificate=certificate)
    yield lab
    await lab.close()


@pytest.fixture
async def port(server: WSManServer) -> int:
    return await server.listen(HOST)


def make_session(port: int, certificate: tls.LabCertificate, **overrides: object) -> PSRPSession:
    options: dict[str, object] = {
        "address": "127.0.0.1", "port": port, "scheme": "https", "auth": "basic",
        "username": USER, "password": PASSWORD, "ca_bundle": str(certificate.cert_path),
        "operation_timeout": 5,
    }
    options.update(overrides)
    return PSRPSession(HOST, **options)  # type: ignore[arg-type]


@pytest.fixture
async def session(port: int, certificate: tls.LabCertificate) -> AsyncIterator[PSRPSession]:
    client = make_session(port, certificate)
    yield client
    await client.close()


def assert_secret_free(*texts: object) -> None:
    for text in texts:
        assert PASSWORD not in str(text)
        assert PASSWORD not in repr(text)


def assert_error_secret_free(error: HvtuiError) -> None:
    assert_secret_free(error, error.cause, error.hint, error.user_message())
    cause = error.__cause__
    while cause is not None:
        assert_secret_free(cause)
        cause = cause.__cause__


# -- the wire works ------------------------------------------------------------------


async def test_session_implements_the_protocol(session: PSRPSession) -> None:
    assert isinstance(session, Session)
    public = {name for name in dir(session) if not name.startswith("_")}
    assert public == {"host", "invoke", "close"}


async def test_script_and_parameters_arrive_as_sent(
    session: PSRPSession, host: ScriptedHost
) -> None:
    params: dict[str, ParamValue] = {
        "Name": str(VALUES["Quotes"]), "Japanese": "仮想マシン", "Small": 7, "Big": 2**40,
        "Neg": -(2**33), "Flag": False, "Nothing": None, "Names": ["a", "ベ", "'"],
        "Ids": [1, 2**35], "Ratio": 0.1,
    }
    result = await session.invoke("echo", params)
    assert host.calls == [("echo", params)]
    assert result.ok
    assert result.objects == [{"Script": "echo", **as_data(params)}]


async def test_values_round_trip_identically(session: PSRPSession) -> None:
    result = await session.invoke("values")
    assert result.objects == [VALUES]
    # ...which is exactly what hvtui.remote.plain makes of the same psrpcore objects.
    assert result.objects[0] == to_plain(from_plain(VALUES))
    when = result.objects[0]["When"]
    assert isinstance(when, dt.datetime) and when.tzinfo is not None


async def test_errors_and_warnings_arrive_with_their_details(session: PSRPSession) -> None:
    result = await session.invoke("streams")
    assert result.objects == [{"Name": "vm1"}]
    assert result.errors == ERRORS  # message, category, FQID, target, activity, reason
    assert result.warnings == ["low disk ⚠"]
    assert not result.had_errors  # non-terminating errors do not fail the pipeline
    assert not result.ok


async def test_terminating_error_fails_the_pipeline(session: PSRPSession) -> None:
    result = await session.invoke("fail")
    assert result.had_errors
    assert result.errors == ERRORS  # the terminating one (last) arrives with the state


async def test_host_exception_becomes_a_failed_pipeline(session: PSRPSession) -> None:
    result = await session.invoke("raise")
    assert result.had_errors
    assert [e.message for e in result.errors] == ["the host's disk is on fire"]


async def test_progress_is_reported_while_the_script_runs(
    session: PSRPSession, host: ScriptedHost
) -> None:
    seen: list[ProgressRecord] = []

    def on_progress(record: ProgressRecord) -> None:
        seen.append(record)
        host.progress_seen.set()

    result = await session.invoke("progress", timeout=20, on_progress=on_progress)
    expected = [ProgressRecord("Exporting", "copying disk 1 of 2", 50),
                ProgressRecord("Exporting", "done", 100)]
    assert seen == expected
    assert result.progress == expected
    assert result.objects == [{"Done": True}]


async def test_one_pool_serves_every_call(session: PSRPSession, server: WSManServer) -> None:
    for n in range(3):
        assert (await session.invoke("echo", {"N": n})).objects[0]["N"] == n
    counts = server.operation_counts(HOST)
    assert counts["Create"] == 1
    assert counts["Command"] == 3


async def test_calls_on_one_session_run_concurrently(
    session: PSRPSession, server: WSManServer
) -> None:
    first, second = await asyncio.wait_for(
        asyncio.gather(session.invoke("gate", {"N": 1}), session.invoke("gate", {"N": 2})), 20
    )
    assert first.objects == [{"Gate": 1}] and second.objects == [{"Gate": 2}]
    assert server.operation_counts(HOST)["Create"] == 1


async def test_large_input_and_output_cross_in_fragments(
    session: PSRPSession, server: WSManServer
) -> None:
    big = "日本語-" * 60_000  # ~420 kB of UTF-8: more than one WS-Man envelope
    result = await session.invoke("echo", {"Blob": big})
    assert result.objects[0]["Blob"] == big
    assert server.operation_counts(HOST)["Send"] >= 1  # CreatePipeline continued via Send
    before = server.operation_counts(HOST)["Receive"]
    many = await session.invoke("many", {"Count": 1000})
    assert [o["Index"] for o in many.objects] == list(range(1000))
    # ~1.1 MB of CLIXML cannot fit in fewer than three 512 kB envelopes.
    assert server.operation_counts(HOST)["Receive"] - before >= 3


async def test_close_deletes_the_shell(
    port: int, certificate: tls.LabCertificate, server: WSManServer
) -> None:
    client = make_session(port, certificate)
    await client.invoke("echo")
    assert server.open_shells(HOST) == 1
    await client.close()
    assert server.open_shells(HOST) == 0
    assert server.operation_counts(HOST)["Delete"] == 1
    # A closed session reconnects when used again.
    assert (await client.invoke("echo")).ok
    await client.close()


# -- cancellation and timeouts ----------------------------------------------------------


async def test_cancelling_the_call_stops_the_remote_pipeline(
    session: PSRPSession, host: ScriptedHost, server: WSManServer
) -> None:
    task = asyncio.create_task(session.invoke("sleep"))
    await asyncio.wait_for(host.started.wait(), 20)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert host.cancelled.is_set()  # the host's invoke was really cancelled
    assert server.operation_counts(HOST)["Signal"] >= 1
    assert (await session.invoke("echo", {"After": True})).objects[0]["After"] is True
    assert server.operation_counts(HOST)["Create"] == 1


async def test_timeout_stops_the_pipeline_and_names_host_and_seconds(
    session: PSRPSession, host: ScriptedHost
) -> None:
    with pytest.raises(RemoteTimeout) as caught:
        await session.invoke("sleep", timeout=0.5)
    assert caught.value.host == HOST
    assert "0.5 s" in caught.value.cause
    assert HOST in str(caught.value)
    assert host.cancelled.is_set()
    assert (await session.invoke("echo")).ok


async def test_waiting_for_a_free_slot_counts_against_the_timeout(
    session: PSRPSession, host: ScriptedHost
) -> None:
    busy = [asyncio.create_task(session.invoke("sleep")) for _ in range(4)]
    async with asyncio.timeout(20):
        while len(host.calls) < 4:
            await asyncio.sleep(0.01)
    with pytest.raises(RemoteTimeout):
        await session.invoke("echo", timeout=0.3)
    assert len(host.calls) == 4  # the fifth call never reached the host
    for task in busy:
        task.cancel()
    await asyncio.gather(*busy, return_exceptions=True)
    assert (await session.invoke("echo", timeout=20)).ok


async def test_a_slow_host_times_out(session: PSRPSession, server: WSManServer) -> None:
    await session.invoke("echo")
    server.set_fault(HOST, FaultPlan(delay=0.4))
    with pytest.raises(RemoteTimeout):
        await session.invoke("echo", timeout=0.1)
    server.set_fault(HOST, None)
    assert (await session.invoke("echo", timeout=20)).ok


# -- failures map to hvtui's errors ------------------------------------------------------


async def test_wrong_password_is_an_auth_error(port: int, certificate: tls.LabCertificate) -> None:
    client = make_session(port, certificate, password="wrong-" + PASSWORD)
    with pytest.raises(AuthError) as caught:
        await client.invoke("echo")
    assert caught.value.host == HOST
    assert "password is never shown" in (caught.value.hint or "")
    assert_error_secret_free(caught.value)
    assert "wrong-" not in str(caught.value)
    await client.close()


async def test_an_authentication_the_host_does_not_offer_is_named(
    host: ScriptedHost, certificate: tls.LabCertificate
) -> None:
    basic_only = WSManServer({HOST: host}, username=USER, password=PASSWORD,
                             certificate=certificate, auth=("basic",))
    client = make_session(await basic_only.listen(HOST), certificate, auth="ntlm")
    with pytest.raises(AuthError, match="does not offer ntlm"):
        await client.invoke("echo")
    await client.close()
    await basic_only.close()


async def test_unknown_ca_is_refused(port: int, tmp_path: Path) -> None:
    stranger = tls.create(tmp_path / "other-ca")
    client = make_session(port, stranger)  # trusts a different certificate
    with pytest.raises(ConnectError) as caught:
        await client.invoke("echo")
    assert "not trusted" in caught.value.cause
    assert "ca_bundle" in (caught.value.hint or "")
    assert "thumbprint" in (caught.value.hint or "")
    await client.close()


async def test_system_store_does_not_trust_the_lab(
    port: int, certificate: tls.LabCertificate
) -> None:
    client = make_session(port, certificate, ca_bundle=None)
    with pytest.raises(ConnectError, match="not trusted"):
        await client.invoke("echo")
    await client.close()


async def test_thumbprint_pinning(port: int, certificate: tls.LabCertificate) -> None:
    spelled = ":".join(certificate.thumbprint[i:i + 2] for i in range(0, 64, 2)).upper()
    pinned = make_session(port, certificate, ca_bundle=None, cert_thumbprint=spelled)
    assert (await pinned.invoke("echo")).ok
    await pinned.close()

    wrong = "0" * 64 if certificate.thumbprint != "0" * 64 else "1" * 64
    mismatch = make_session(port, certificate, ca_bundle=None, cert_thumbprint=wrong)
    with pytest.raises(ConnectError) as caught:
        await mismatch.invoke("echo")
    assert "pinned thumbprint" in caught.value.cause
    await mismatch.close()


async def test_refused_port_is_a_connect_error(certificate: tls.LabCertificate) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    client = make_session(free, certificate)
    with pytest.raises(ConnectError) as caught:
        await client.invoke("echo")
    assert "refused" in caught.value.cause
    assert f"port {free}" in (caught.value.hint or "")
    assert "winrm quickconfig" in (caught.value.hint or "")
    await client.close()


async def test_drop_mid_reply_loses_the_session_then_it_reconnects(
    session: PSRPSession, server: WSManServer
) -> None:
    await session.invoke("echo")
    server.set_fault(HOST, FaultPlan(drop_after_bytes=200))
    with pytest.raises(SessionLost) as caught:
        await session.invoke("echo")
    assert caught.value.host == HOST
    server.set_fault(HOST, None)
    assert (await session.invoke("echo", {"Again": 1})).objects[0]["Again"] == 1
    assert server.operation_counts(HOST)["Create"] == 2  # the broken pool was replaced


async def test_drop_before_any_byte_is_session_lost(
    session: PSRPSession, server: WSManServer
) -> None:
    server.set_fault(HOST, FaultPlan(drop_after_bytes=0))
    with pytest.raises(SessionLost):
        await session.invoke("echo")
    server.set_fault(HOST, None)
    assert (await session.invoke("echo")).ok


async def test_garbage_is_a_protocol_error_then_it_recovers(
    session: PSRPSession, server: WSManServer
) -> None:
    await session.invoke("echo")
    server.set_fault(HOST, FaultPlan(garbage=True))
    with pytest.raises(ProtocolError) as caught:
        await session.invoke("echo")
    assert caught.value.host == HOST
    server.set_fault(HOST, None)
    assert (await session.invoke("echo")).ok


async def test_host_forgetting_the_shell_is_session_lost(
    session: PSRPSession, server: WSManServer, port: int, certificate: tls.LabCertificate
) -> None:
    await session.invoke("echo")
    await server.close()  # the host restarts: every shell is gone
    again = await server.listen(HOST, port=port)
    assert again == port
    with pytest.raises(SessionLost):
        await session.invoke("echo")
    assert (await session.invoke("echo")).ok


# -- security policy --------------------------------------------------------------------


def test_basic_over_http_to_another_machine_is_refused_before_connecting() -> None:
    with pytest.raises(ConfigError) as caught:
        PSRPSession("far", address="10.20.30.40", port=5985, scheme="http", auth="basic",
                    username=USER, password=PASSWORD)
    assert "clear text" in caught.value.cause
    assert "HTTPS" in (caught.value.hint or "")
    assert_error_secret_free(caught.value)


def test_http_with_message_encryption_is_allowed() -> None:
    for auth in ("ntlm", "kerberos", "negotiate", "credssp"):
        far = PSRPSession("far", address="10.20.30.40", port=5985, scheme="http", auth=auth,
                          username=USER, password=PASSWORD)
        # Allowed because every message will be encrypted (the wire tests show it is).
        assert far._encrypted, auth


async def test_basic_over_http_on_loopback_works_where_unencrypted_is_allowed(
    host: ScriptedHost
) -> None:
    server = WSManServer({HOST: host}, username=USER, password=PASSWORD,
                         allow_unencrypted=True)
    http_port = await server.listen(HOST, scheme="http")
    client = PSRPSession(HOST, address="127.0.0.1", port=http_port, scheme="http", auth="basic",
                         username=USER, password=PASSWORD, operation_timeout=5)
    assert (await client.invoke("echo", {"Plain": "http"})).objects[0]["Plain"] == "http"
    await client.close()
    await server.close()


async def test_basic_over_http_to_a_host_that_requires_encryption_says_so(
    server: WSManServer
) -> None:
    http_port = await server.listen(HOST, scheme="http")  # WinRM's default: no plain text
    client = PSRPSession(HOST, address="127.0.0.1", port=http_port, scheme="http", auth="basic",
                         username=USER, password=PASSWORD, operation_timeout=5)
    with pytest.raises(AuthError) as caught:
        await client.invoke("echo")
    message = caught.value.user_message()
    assert "\n" not in message and HOST in message
    assert "does not accept Basic authentication over plain HTTP" in message
    assert "offers: Negotiate, CredSSP" in message
    assert "https" in message and "negotiate" in message  # the fix
    assert_error_secret_free(caught.value)
    await client.close()


async def test_the_password_never_shows(
    port: int, certificate: tls.LabCertificate, server: WSManServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    client = make_session(port, certificate)
    assert_secret_free(client, vars(client))
    errors: list[HvtuiError] = []
    await client.invoke("echo")
    for plan in (FaultPlan(drop_after_bytes=10), FaultPlan(garbage=True)):
        server.set_fault(HOST, plan)
        with pytest.raises(HvtuiError) as caught:
            await client.invoke("echo")
        errors.append(caught.value)
    server.set_fault(HOST, None)
    for bad in (make_session(port, certificate, password=PASSWORD + "x"),
                make_session(port, certificate, ca_bundle=None)):
        with pytest.raises(HvtuiError) as caught:
            await bad.invoke("echo")
        errors.append(caught.value)
        assert_secret_free(bad)
        await bad.close()
    for error in errors:
        assert_error_secret_free(error)
    await client.close()
    assert all(PASSWORD not in record.getMessage() for record in caplog.records)
