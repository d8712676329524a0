"""Domain authentication over WinRM, end to end: NTLM, Negotiate and CredSSP.

The client is hvtui's PSRP transport on pypsrp (and requests-credssp), unmodified;
the accepting side of every handshake is pyspnego's acceptor, behind the lab's
WinRM endpoint. Over plain HTTP every message is sealed by the connection's
security context ([MS-WSMV] 2.2.9.1): a relay between the two checks that not one
byte of the script's parameters crosses the wire in clear text.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import ssl
import time
from collections.abc import AsyncIterator, Mapping

import pytest
import requests
import spnego
from pypsrp.exceptions import WinRMTransportError
from pypsrp.wsman import WSMan
from scripted_session import ScriptedSession
from spnego.channel_bindings import GssChannelBindings

from hvtui.errors import AuthError, ConfigError
from hvtui.lab.server import tls
from hvtui.lab.server.wsman import WSManServer
from hvtui.lab.server.wsman_auth import channel_binding
from hvtui.remote.base import ParamValue, ProgressCallback, PSResult
from hvtui.remote.psrp import PSRPSession

HOST = "hv-dc01"
USER = "labadmin"
PASSWORD = "Dömäin-パスワード-S3cret!"
MARKER = "UNMISTAKABLE-マーカー-7f3a9c"
BIG = "経理-DB01 " * 5000  # ~60 kB: several CredSSP parts and several PSRP fragments


class Relay:
    """A TCP relay that records every byte both ways (what a network observer sees)."""

    def __init__(self, target: int) -> None:
        self.target = target
        self.seen = bytearray()
        self._server: asyncio.Server | None = None

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    async def _relay(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        server_r, server_w = await asyncio.open_connection("127.0.0.1", self.target)

        async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                while data := await reader.read(65536):
                    self.seen += data
                    writer.write(data)
                    await writer.drain()
            except ConnectionError:
                pass
            finally:
                writer.close()

        await asyncio.gather(pipe(client_r, server_w), pipe(server_r, client_w))

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tls.LabCertificate:
    return tls.create(tmp_path_factory.mktemp("domain-tls"))


@pytest.fixture
async def server(certificate: tls.LabCertificate) -> AsyncIterator[WSManServer]:
    lab = WSManServer({HOST: ScriptedSession(HOST)}, username=USER, password=PASSWORD,
                      certificate=certificate, domain="HVLAB", upn_suffix="hvlab.test")
    yield lab
    await lab.close()


def session(port: int, scheme: str, auth: str, user: str = USER, password: str = PASSWORD,
            certificate: tls.LabCertificate | None = None) -> PSRPSession:
    return PSRPSession(HOST, address="127.0.0.1", port=port, scheme=scheme,  # type: ignore[arg-type]
                       auth=auth,  # type: ignore[arg-type]
                       username=user, password=password, operation_timeout=5,
                       ca_bundle=str(certificate.cert_path) if certificate else None)


@pytest.mark.parametrize(("auth", "user"), [
    ("ntlm", USER),
    ("negotiate", f"HVLAB\\{USER}"),
    ("ntlm", f"{USER}@hvlab.test"),
    ("credssp", f"HVLAB\\{USER}"),
])
async def test_http_with_message_encryption_end_to_end(
    server: WSManServer, auth: str, user: str
) -> None:
    relay = Relay(await server.listen(HOST, scheme="http"))
    client = session(await relay.start(), "http", auth, user)
    try:
        result = await client.invoke("echo", {"Secret": MARKER, "Big": BIG}, timeout=60)
        assert result.objects == [{"Host": HOST, "Script": "echo", "Secret": MARKER, "Big": BIG}]
        again = await client.invoke("echo", {"N": 2}, timeout=60)  # the context goes on
        assert again.objects[0]["N"] == 2
        assert server.operation_counts(HOST)["Create"] == 1
    finally:
        await client.close()
        await relay.close()
    wire = bytes(relay.seen)
    assert b"multipart/" in wire and b"encrypted" in wire
    for clear in (MARKER, "経理-DB01", "echo", "Envelope", "creationXml"):
        assert clear.encode("utf-8") not in wire, f"{clear!r} crossed the wire in clear text"
        assert base64.b64encode(clear.encode("utf-8"))[:12] not in wire


@pytest.mark.parametrize("auth", ["ntlm", "credssp"])
async def test_https_with_domain_authentication(
    server: WSManServer, certificate: tls.LabCertificate, auth: str
) -> None:
    # NTLM over HTTPS also binds the TLS channel (RFC 5929), which the lab checks.
    client = session(await server.listen(HOST), "https", auth, f"{USER}@hvlab.test",
                     certificate=certificate)
    result = await client.invoke("echo", {"Secret": MARKER}, timeout=60)
    assert result.objects[0]["Secret"] == MARKER
    await client.close()


@pytest.mark.parametrize("auth", ["ntlm", "negotiate", "credssp"])
@pytest.mark.parametrize(("user", "password"), [
    (USER, "wrong-" + PASSWORD),
    ("HVLAB\\nobody", PASSWORD),
    (f"OTHERDOM\\{USER}", PASSWORD),
])
async def test_wrong_password_or_unknown_user_is_one_clear_line(
    server: WSManServer, auth: str, user: str, password: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = session(await server.listen(HOST, scheme="http"), "http", auth, user, password)
    with pytest.raises(AuthError) as caught:
        await client.invoke("echo", timeout=60)
    message = caught.value.user_message()
    assert "\n" not in message
    assert HOST in message and repr(user) in message
    assert "DOMAIN\\user" in message and "password" in message  # what to check
    assert server.operation_counts(HOST) == {}  # nothing ran
    await client.close()
    for secret in (PASSWORD, password):
        assert secret not in message
        assert all(secret not in record.getMessage() for record in caplog.records)


async def test_kerberos_without_its_library_is_a_clear_configuration_error(
    server: WSManServer
) -> None:
    try:
        import gssapi  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("python-gssapi is installed: there is no KDC here to test against")
    client = session(await server.listen(HOST, scheme="http"), "http", "kerberos",
                     f"{USER}@HVLAB.TEST")
    with pytest.raises(ConfigError) as caught:
        await client.invoke("echo", timeout=60)
    assert "gssapi" in caught.value.user_message() and HOST in caught.value.user_message()
    await client.close()


async def test_the_lab_refuses_messages_a_negotiate_client_did_not_seal(
    server: WSManServer
) -> None:
    port = await server.listen(HOST, scheme="http")

    def identify() -> None:
        wsman = WSMan("127.0.0.1", port=port, ssl=False, auth="ntlm", username=USER,
                      password=PASSWORD, encryption="never", operation_timeout=5)
        wsman.get_server_config()

    with pytest.raises(WinRMTransportError) as caught:
        await asyncio.to_thread(identify)
    assert caught.value.code == 500


async def test_ntlm_over_https_with_another_channel_binding_is_refused(
    server: WSManServer, certificate: tls.LabCertificate, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A relayed handshake (bound to another TLS certificate) does not authenticate."""
    port = await server.listen(HOST)
    other = tls.create(tmp_path_factory.mktemp("other-tls"))

    def handshake(bound_to: tls.LabCertificate) -> int:
        der = ssl.PEM_cert_to_DER_cert(bound_to.cert_path.read_text(encoding="ascii"))
        context = spnego.client(USER, PASSWORD, protocol="ntlm", channel_bindings=(
            GssChannelBindings(application_data=channel_binding(der))))
        with requests.Session() as http:
            verify = str(certificate.cert_path)  # per request: the environment would win
            url = f"https://127.0.0.1:{port}/wsman"
            token = context.step()
            assert token is not None
            answer = http.post(url, data=b"", timeout=10, verify=verify, headers={
                "Authorization": "Negotiate " + base64.b64encode(token).decode()})
            assert answer.status_code == 401
            challenge = answer.headers["WWW-Authenticate"].split(" ", 1)[1]
            token = context.step(base64.b64decode(challenge))
            assert token is not None
            final = http.post(url, data=b"", timeout=10, verify=verify, headers={
                "Authorization": "Negotiate " + base64.b64encode(token).decode()})
            return final.status_code

    assert await asyncio.to_thread(handshake, certificate) == 200  # the real channel
    assert await asyncio.to_thread(handshake, other) == 401


async def test_the_acceptor_does_not_leave_its_account_file_in_the_environment(
    server: WSManServer
) -> None:
    before = os.environ.get("NTLM_USER_FILE")
    client = session(await server.listen(HOST, scheme="http"), "http", "ntlm")
    assert (await client.invoke("echo", timeout=60)).ok
    await client.close()
    assert os.environ.get("NTLM_USER_FILE") == before


class _BusyHost(ScriptedSession):
    """A host too busy to answer anything for a while once a call starts (as a loaded host,
    or the lab compiling its first script, holds its WinRM service): the server's loop is
    blocked, so even the 2 s long poll of an encrypted session is answered late."""

    async def invoke(self, script: str, parameters: Mapping[str, ParamValue] | None = None,
                     *, timeout: float | None = None,
                     on_progress: ProgressCallback | None = None) -> PSResult:
        time.sleep(6.0)  # blocks the server's loop, not just this call
        return await super().invoke(script, parameters, timeout=timeout,
                                    on_progress=on_progress)


async def test_a_long_poll_answered_late_by_a_busy_host_is_waited_for(
        certificate: tls.LabCertificate) -> None:
    """pypsrp waits OperationTimeout + 2 s for a Receive, 4 s on an encrypted session's 2 s
    poll; a busy host answering after 6 s is slow, not gone, and the call succeeds."""
    busy = WSManServer({HOST: _BusyHost(HOST)}, username=USER, password=PASSWORD,
                       certificate=certificate, domain="HVLAB", upn_suffix="hvlab.test")
    client = session(await busy.listen(HOST, scheme="http"), "http", "ntlm")
    try:
        result = await client.invoke("echo", {"N": 1}, timeout=60)
        assert result.objects == [{"Host": HOST, "Script": "echo", "N": 1}]
    finally:
        await client.close()
        await busy.close()
