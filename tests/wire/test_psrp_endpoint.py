"""The lab's WinRM endpoint on its own: HTTP, authentication, TLS, WS-Man faults, idle shells.

These talk to WSManServer with plain requests and with raw pypsrp (no hvtui client),
so the endpoint is checked against what any WinRM client expects.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import ssl
import stat
from collections.abc import AsyncIterator, Callable, Mapping

import pytest
import requests
from psrpcore import PSRPPayload, StreamType
from pypsrp.complex_objects import PSInvocationState
from pypsrp.exceptions import WSManFaultError
from pypsrp.powershell import PowerShell, RunspacePool
from pypsrp.wsman import WSMan
from scripted_session import ScriptedSession

from hvtui.errors import ConfigError, SessionLost
from hvtui.lab.server import tls
from hvtui.lab.server.wsman import WSManServer
from hvtui.lab.server.wsman_soap import parse_duration
from hvtui.remote.base import ParamValue, ProgressCallback, PSResult, Session
from hvtui.remote.psrp import PSRPSession

USER = "lab"
PASSWORD = "lab-password-ü"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tls.LabCertificate:
    return tls.create(tmp_path_factory.mktemp("endpoint-tls"))


@pytest.fixture
async def server(certificate: tls.LabCertificate) -> AsyncIterator[WSManServer]:
    sessions: dict[str, Session] = {"hv02": ScriptedSession("hv02")}
    lab = WSManServer(sessions, username=USER, password=PASSWORD, certificate=certificate)
    yield lab
    await lab.close()


def url(port: int, path: str = "wsman") -> str:
    return f"https://127.0.0.1:{port}/{path}"


# -- TLS -------------------------------------------------------------------------------


async def test_certificate_is_its_own_strictly_valid_trust_anchor(
    certificate: tls.LabCertificate,
) -> None:
    context = ssl.create_default_context(cafile=str(certificate.cert_path))
    context.verify_flags |= ssl.VERIFY_X509_STRICT  # what Python 3.13+ does by default

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    listener = await asyncio.start_server(answer, "127.0.0.1", 0,
                                          ssl=certificate.server_context())
    port = listener.sockets[0].getsockname()[1]
    for name in ("127.0.0.1", "localhost"):
        _reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=context,
                                                        server_hostname=name)
        der = writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
        writer.transport.abort()
        assert hashlib.sha256(der).hexdigest() == certificate.thumbprint
    listener.close()


def test_certificate_is_reused_and_its_key_private(tmp_path: os.PathLike[str]) -> None:
    first = tls.load_or_create(tmp_path)
    again = tls.load_or_create(tmp_path)
    assert again.thumbprint == first.thumbprint
    assert stat.S_IMODE(os.stat(first.key_path).st_mode) == 0o600
    first.cert_path.write_text("not a certificate")
    assert tls.load_or_create(tmp_path).thumbprint != first.thumbprint


# -- HTTP and authentication ---------------------------------------------------------------


async def test_wrong_credentials_get_401_with_the_offered_methods(
    server: WSManServer, certificate: tls.LabCertificate
) -> None:
    port = await server.listen("hv02")

    def post(auth: tuple[str, str] | None) -> requests.Response:
        return requests.post(url(port), data=b"<x/>", auth=auth,
                             verify=str(certificate.cert_path), timeout=10)

    for auth in (None, (USER, "nope"), ("someone", PASSWORD)):
        response = await asyncio.to_thread(post, auth)
        assert response.status_code == 401
        # One header per method, as WinRM sends them (requests joins them).
        assert response.headers["WWW-Authenticate"] == 'Negotiate, CredSSP, Basic realm="WSMAN"'
    assert server.operation_counts("hv02") == {}  # nothing was served
    assert server.operation_counts("hv02") == {}  # nothing was served
    # Right credentials, bad SOAP: a WS-Management fault, not a 401.
    response = await asyncio.to_thread(post, (USER.upper(), PASSWORD))
    assert response.status_code == 500
    assert b"WSManFault" in response.content


async def test_only_post_to_wsman_is_served(
    server: WSManServer, certificate: tls.LabCertificate
) -> None:
    port = await server.listen("hv02")
    auth = (USER, PASSWORD)
    verify = str(certificate.cert_path)
    wrong_path = await asyncio.to_thread(requests.post, url(port, "other"), data=b"", auth=auth,
                                         verify=verify, timeout=10)
    assert wrong_path.status_code == 404
    wrong_method = await asyncio.to_thread(requests.get, url(port), auth=auth, verify=verify,
                                           timeout=10)
    assert wrong_method.status_code == 405


async def test_listen_refuses_unknown_hosts_and_https_without_a_certificate() -> None:
    lab = WSManServer({"hv02": ScriptedSession("hv02")}, username=USER, password=PASSWORD)
    with pytest.raises(ConfigError):
        await lab.listen("nope")
    with pytest.raises(ConfigError, match="certificate"):
        await lab.listen("hv02")
    port = await lab.listen("hv02", scheme="http")
    assert port > 0
    await lab.close()


# -- PSRP rules the endpoint enforces -------------------------------------------------------


def _raw_pool(port: int, certificate: tls.LabCertificate, **pool_options: object) -> RunspacePool:
    wsman = WSMan("127.0.0.1", port=port, username=USER, password=PASSWORD, ssl=True,
                  auth="basic", operation_timeout=5,
                  cert_validation=str(certificate.cert_path))  # type: ignore[arg-type]
    return RunspacePool(wsman, **pool_options)  # type: ignore[arg-type]


async def test_only_scripts_with_named_parameters_run(
    server: WSManServer, certificate: tls.LabCertificate
) -> None:
    port = await server.listen("hv02")

    def run() -> list[tuple[int, str]]:
        outcomes = []
        with _raw_pool(port, certificate) as pool:
            builds: tuple[Callable[[PowerShell], object], ...] = (
                lambda ps: ps.add_cmdlet("Get-VM").add_parameter("Name", "x"),
                lambda ps: ps.add_script("param($a) $a").add_argument("positional"),
                lambda ps: ps.add_script("s").add_parameter("Name", 1).add_parameter("name", 2),
                lambda ps: ps.add_script("s").add_parameter("Name", "ok"),
            )
            for build in builds:
                ps = PowerShell(pool)
                build(ps)
                ps.invoke()
                outcomes.append((ps.state, " ".join(str(e) for e in ps.streams.error)))
        return outcomes

    cmdlet, positional, duplicate, script = await asyncio.to_thread(run)
    assert cmdlet[0] == PSInvocationState.FAILED and "AddScript" in cmdlet[1]
    assert positional[0] == PSInvocationState.FAILED and "named parameter" in positional[1]
    assert duplicate[0] == PSInvocationState.FAILED and "more than once" in duplicate[1]
    assert script == (PSInvocationState.COMPLETED, "")


async def test_unknown_session_configuration_is_a_wsman_fault(
    server: WSManServer, certificate: tls.LabCertificate
) -> None:
    port = await server.listen("hv02")

    def run() -> None:
        _raw_pool(port, certificate, configuration_name="JEA.Operators").open()

    with pytest.raises(WSManFaultError) as caught:
        await asyncio.to_thread(run)
    assert "JEA.Operators" in str(caught.value)


async def test_idle_shells_are_deleted_and_the_client_reconnects(
    certificate: tls.LabCertificate,
) -> None:
    server = WSManServer({"hv02": ScriptedSession("hv02")}, username=USER, password=PASSWORD,
                         certificate=certificate, idle_timeout=0.5)
    port = await server.listen("hv02")
    client = PSRPSession("hv02", address="127.0.0.1", port=port, auth="basic", username=USER,
                         password=PASSWORD, ca_bundle=str(certificate.cert_path))
    await client.invoke("one")
    async with asyncio.timeout(20):
        while server.open_shells("hv02"):
            await asyncio.sleep(0.05)
    with pytest.raises(SessionLost, match="no longer has"):
        await client.invoke("two")
    assert (await client.invoke("three")).objects == [{"Host": "hv02", "Script": "three"}]
    await client.close()
    await server.close()


def test_wsman_durations() -> None:
    assert parse_duration("PT20S") == 20
    assert parse_duration("PT1M30.5S") == 90.5
    assert parse_duration("P1DT1H") == 90000


async def test_a_receive_whose_client_hung_up_leaves_the_output_for_the_retry() -> None:
    from psrpcore import ClientPowerShell, ClientRunspacePool

    from hvtui.lab.server.wsman_shell import LabShell

    gate = asyncio.Event()

    class Gated(ScriptedSession):
        async def invoke(self, script: str, parameters: Mapping[str, ParamValue] | None = None,
                         *, timeout: float | None = None,
                         on_progress: ProgressCallback | None = None) -> PSResult:
            await gate.wait()
            return PSResult(objects=[{"Script": script}])

    client = ClientRunspacePool()
    client.open()
    shell = LabShell("S1", host="hv02", session=Gated("hv02"), owner=USER, client_ip="127.0.0.1",
                     resource_uri="http://schemas.microsoft.com/powershell/Microsoft.PowerShell")
    opening = client.data_to_send()
    assert opening is not None
    shell.open(opening.data)
    ps = ClientPowerShell(client)
    ps.add_script("gated")
    ps.start()
    creation = client.data_to_send()
    assert creation is not None
    command_id = str(ps.pipeline_id).upper()
    shell.create_command(command_id, creation.data)
    await shell.receive(command_id, timeout=5, max_bytes=10**6)  # the Running state

    def receive(gone: bool) -> asyncio.Task[tuple[list[bytes], bool]]:
        return asyncio.create_task(shell.receive(command_id, timeout=5, max_bytes=10**6,
                                                 client_gone=lambda: gone))

    dead, retry = receive(True), receive(False)
    await asyncio.sleep(0)
    gate.set()
    with pytest.raises(ConnectionResetError):
        await dead
    chunks, done = await retry
    assert done and chunks
    for chunk in chunks:
        client.receive_data(PSRPPayload(chunk, StreamType.default, ps.pipeline_id))
    events = []
    while (event := client.next_event()) is not None:
        events.append(type(event).__name__)
    assert "PipelineOutputEvent" in events and "PipelineStateEvent" in events
