"""The lab's WinRM endpoint: WS-Management over HTTP(S), PSRP inside, on 127.0.0.1.

An unmodified WinRM client (pypsrp, and so hvtui's PSRP transport) connects to it
exactly as to a Windows host: Basic, Negotiate (NTLM) or CredSSP authentication
(see ``wsman_auth``), with message encryption over HTTP (``wsman_crypt``), a Create
carrying the runspace pool's creationXml, then Command / Send / Receive / Signal per
pipeline and Delete at the end. Each lab host gets its own port; a pipeline's
script runs as that host's :class:`~hvtui.remote.base.Session.invoke`.

Over HTTP the endpoint refuses unencrypted messages, as WinRM does by default
(``AllowUnencrypted`` false): Basic is then not offered, and a message that a
Negotiate client did not seal is answered with HTTP 500 (what clients report from
real hosts, e.g. pywinrm issue #129, winrm4j issue #151).

    server = WSManServer(sessions, username="lab", password=secret,
                         certificate=tls.load_or_create(state_dir))
    port = await server.listen("hv01")             # HTTPS on 127.0.0.1
    server.set_fault("hv01", FaultPlan(delay=3))  # make hv01 slow
    await server.close()

Faults (:class:`~hvtui.lab.server.faults.FaultPlan`) are per host: ``delay`` waits
before handling each request, ``drop_after_bytes`` handles the request and closes
the connection after that many bytes of its reply, ``garbage`` answers every
request with an HTTP 200 whose body is not XML (as if another service owned the
port), without handling it.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import collections
import contextlib
import functools
import logging
import ssl
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from typing import Literal

from psrpcore import PSRPCoreError

from hvtui.errors import ConfigError
from hvtui.lab.server import wsman_crypt
from hvtui.lab.server import wsman_soap as soap
from hvtui.lab.server.faults import FaultPlan
from hvtui.lab.server.tls import LabCertificate
from hvtui.lab.server.wsman_auth import METHODS, Authenticator, ConnectionAuth, channel_binding
from hvtui.lab.server.wsman_http import (
    MAX_HEADER_BYTES,
    HttpError,
    HttpRequest,
    read_request,
    render_response,
)
from hvtui.lab.server.wsman_shell import FRAGMENT_BYTES, LabShell
from hvtui.lab.session import runspace_of
from hvtui.remote.base import Session

log = logging.getLogger(__name__)

__all__ = ["FaultPlan", "WSManServer"]

_CONFIGURATION = "Microsoft.PowerShell"
_DEFAULT_ENVELOPE = 153600
_MAX_RECEIVE_WAIT = 300.0
GARBAGE = b"\x15\x03\x03\x00\x02\x02\x50 HVTUI-LAB noise: this is not WS-Management \xff\xfe\x00"
"""What a port under a ``garbage`` fault answers (a TLS alert, then noise)."""


class WSManServer:
    """WinRM listeners for the lab's hosts, one port per host, loopback only."""

    def __init__(
        self,
        sessions: Mapping[str, Session],
        *,
        username: str,
        password: str,
        certificate: LabCertificate | None = None,
        domain: str = "HVLAB",
        upn_suffix: str = "hvlab.test",
        auth: tuple[str, ...] = METHODS,
        allow_unencrypted: bool = False,
        idle_timeout: float = 7200.0,
        keepalive_timeout: float = 120.0,
    ) -> None:
        if not username or not password:
            raise ConfigError("the lab's WinRM endpoint needs a user name and a password",
                              hint="pass username= and password= to WSManServer")
        self._sessions = sessions
        binding = None
        if certificate is not None:
            der = ssl.PEM_cert_to_DER_cert(certificate.cert_path.read_text(encoding="ascii"))
            binding = channel_binding(der)
        try:
            self._auth = Authenticator(username, password, domain=domain, upn_suffix=upn_suffix,
                                       methods=auth, allow_unencrypted=allow_unencrypted,
                                       channel_binding=binding)
        except ValueError as exc:
            raise ConfigError(str(exc), hint=f"use some of {', '.join(METHODS)}") from None
        self.certificate = certificate
        """The TLS certificate HTTPS listeners present (None: HTTP only)."""
        self.idle_timeout = idle_timeout
        """Seconds after which a shell nobody used is deleted, as WinRM's IdleTimeOut."""
        self._keepalive = keepalive_timeout
        self._listeners: list[tuple[str, asyncio.Server]] = []
        self._ports: dict[str, list[tuple[str, int]]] = collections.defaultdict(list)
        self._shells: dict[str, dict[str, LabShell]] = collections.defaultdict(dict)
        self._faults: dict[str, FaultPlan] = {}
        self._counts: dict[str, collections.Counter[str]] = collections.defaultdict(
            collections.Counter
        )
        self._connections: set[asyncio.Task[None]] = set()
        self._reaper: asyncio.Task[None] | None = None

    def __repr__(self) -> str:
        return f"WSManServer(hosts={sorted(self._ports)!r})"

    # -- public API ------------------------------------------------------------

    async def listen(
        self, host: str, port: int = 0, *, scheme: Literal["https", "http"] = "https"
    ) -> int:
        """Serve ``host``'s WinRM endpoint on 127.0.0.1; return the port (0 picks one)."""
        if host not in self._sessions:
            raise ConfigError(f"the lab has no host named {host!r}",
                              hint=f"known hosts: {', '.join(sorted(self._sessions)) or 'none'}")
        if scheme == "https":
            if self.certificate is None:
                raise ConfigError("an HTTPS listener needs a certificate",
                                  hint="pass certificate=tls.load_or_create(directory)")
            context = self.certificate.server_context()
        elif scheme == "http":
            context = None
        else:
            raise ConfigError(f"unknown scheme {scheme!r}", hint="use 'https' or 'http'")
        handler = functools.partial(self._on_connection, host)
        try:
            server = await asyncio.start_server(
                handler, host="127.0.0.1", port=port, ssl=context, limit=MAX_HEADER_BYTES
            )
        except OSError as exc:
            raise ConfigError(f"cannot listen on 127.0.0.1:{port} for {host}: {exc.strerror}",
                              hint="pick another port or stop what is using it") from None
        bound = int(server.sockets[0].getsockname()[1])
        self._listeners.append((host, server))
        self._ports[host].append((scheme, bound))
        if self._reaper is None:
            self._reaper = asyncio.get_running_loop().create_task(self._reap_idle_shells())
        log.info("lab WinRM for %s listening on %s://127.0.0.1:%d/wsman", host, scheme, bound)
        return bound

    def set_fault(self, host: str, plan: FaultPlan | None) -> None:
        """Make ``host``'s endpoint misbehave as ``plan`` says (None or FaultPlan(): behave)."""
        if plan is None or not plan.active:
            self._faults.pop(host, None)
        else:
            self._faults[host] = plan

    def fault(self, host: str) -> FaultPlan:
        """The fault plan in force for ``host``."""
        return self._faults.get(host, FaultPlan())

    def operation_counts(self, host: str) -> dict[str, int]:
        """How many authenticated WS-Management operations of each kind ``host`` served."""
        return dict(self._counts[host])

    def open_shells(self, host: str) -> int:
        """How many runspace pools are open on ``host``."""
        return len(self._shells[host])

    async def close(self) -> None:
        """Stop listening, drop every connection, cancel every running script."""
        for _host, server in self._listeners:
            server.close()
        if self._reaper is not None:
            self._reaper.cancel()
        for task in list(self._connections):
            task.cancel()
        scripts: list[asyncio.Task[None]] = []
        for shells in self._shells.values():
            for shell in shells.values():
                scripts += shell.close()
            shells.clear()
        pending = [*self._connections, *scripts, *([self._reaper] if self._reaper else [])]
        if pending:
            await asyncio.wait(pending, timeout=5)
        for _host, server in self._listeners:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), timeout=5)
        self._listeners.clear()
        self._reaper = None
        self._auth.close()

    async def __aenter__(self) -> WSManServer:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # -- connections -------------------------------------------------------------

    async def _on_connection(
        self, host: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._connections.add(task)
        peer = writer.get_extra_info("peername")
        client_ip = str(peer[0]) if peer else "127.0.0.1"
        https = writer.get_extra_info("sslcontext") is not None
        closing = False
        try:
            await self._serve(host, client_ip, https, reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, TimeoutError):
            pass  # the client went away; nothing to answer
        except asyncio.CancelledError:
            closing = True  # the server is shutting down
        except Exception:  # noqa: BLE001 - one broken connection must not stop the listener
            log.exception("lab WinRM for %s: connection from %s failed", host, client_ip)
        finally:
            if task is not None:
                self._connections.discard(task)
            if closing:
                # An idle kept-alive client would never answer a TLS close_notify.
                writer.transport.abort()
            else:
                writer.close()
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(writer.wait_closed(), timeout=1)

    async def _serve(
        self, host: str, client_ip: str, https: bool, reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        security = ConnectionAuth()  # Negotiate and CredSSP authenticate the connection
        while True:
            try:
                async with asyncio.timeout(self._keepalive):
                    request = await read_request(reader)
            except HttpError as exc:
                writer.write(render_response(exc.status, str(exc).encode(), close=True,
                                             content_type="text/plain"))
                await writer.drain()
                return
            if request is None:
                return
            plan = self.fault(host)
            if plan.delay > 0:
                await asyncio.sleep(plan.delay)
            plan = self.fault(host)
            if plan.garbage:
                writer.write(render_response(200, GARBAGE))
                await writer.drain()
                continue
            status, body, headers = await self._respond(host, client_ip, https, security,
                                                        request, reader.at_eof)
            data = render_response(status, body, extra_headers=headers,
                                   close=not request.keep_alive)
            plan = self.fault(host)
            if plan.drop_after_bytes is not None and len(data) > plan.drop_after_bytes:
                writer.write(data[: plan.drop_after_bytes])
                await writer.drain()
                log.info("lab WinRM for %s: dropped the connection mid-reply (fault)", host)
                return
            writer.write(data)
            await writer.drain()
            if not request.keep_alive:
                return

    async def _respond(
        self, host: str, client_ip: str, https: bool, security: ConnectionAuth,
        request: HttpRequest, client_gone: Callable[[], bool],
    ) -> tuple[int, bytes, dict[str, str | list[str]]]:
        path = request.target.split("?", 1)[0].rstrip("/").lower()
        if path != "/wsman":
            return 404, b"", {}
        if request.method != "POST":
            return 405, b"", {"Allow": "POST"}
        verdict = self._auth.check(request.headers.get("authorization", ""), security, https)
        challenge: dict[str, str | list[str]] = (
            {"WWW-Authenticate": verdict.challenge} if verdict.challenge else {})
        if verdict.user is None:
            return 401, b"", challenge
        content_type = request.headers.get("content-type", "")
        sealing = ""
        body = request.body
        if wsman_crypt.is_encrypted(content_type):
            sealing = wsman_crypt.protocol_of(content_type)
            if not security.sealing or sealing.lower() != security.sealing.lower():
                # Only a Negotiate/CredSSP context of this connection can have sealed it.
                return 400, b"", challenge
            try:
                body = wsman_crypt.unwrap(body, content_type, security.context)
            except wsman_crypt.EncryptionError as exc:
                log.info("lab WinRM for %s: unreadable encrypted request: %s", host, exc)
                security.reset()
                return 400, b"", {}
        elif body and not https and not self._auth.allow_unencrypted:
            log.info("lab WinRM for %s: refused an unencrypted message over HTTP", host)
            return 500, b"", challenge
        if not body:
            return 200, b"", challenge  # an authentication round trip with nothing to do
        status, reply = await self._soap(host, verdict.user, client_ip, body, client_gone)
        if not sealing:
            return status, reply, challenge
        kind, sealed = wsman_crypt.wrap(reply, security.sealing, security.context)
        return status, sealed, {**challenge, "Content-Type": kind}

    async def _soap(
        self, host: str, user: str, client_ip: str, body: bytes, client_gone: Callable[[], bool]
    ) -> tuple[int, bytes]:
        """Handle one WS-Management message: (HTTP status, SOAP reply)."""
        relates_to: str | None = None
        try:
            parsed = soap.parse_request(body)
            relates_to = parsed.message_id
            self._counts[host][parsed.operation or "Unsupported"] += 1
            children = await self._dispatch(host, user, client_ip, parsed, client_gone)
            assert parsed.operation is not None
            action = soap.RESPONSE_ACTIONS[parsed.operation]
            return 200, soap.envelope(action, parsed.message_id, children)
        except soap.SoapFault as refused:
            return 500, soap.fault_envelope(refused, relates_to, host)
        except ConnectionError:
            raise  # the client left while its Receive waited: nobody to answer
        except (PSRPCoreError, ValueError, binascii.Error) as exc:
            invalid = soap.invalid_request(f"The PowerShell Remoting data is not valid: {exc}")
            return 500, soap.fault_envelope(invalid, relates_to, host)
        except Exception as exc:  # noqa: BLE001 - report as WinRM does, keep serving
            log.exception("lab WinRM for %s: request failed", host)
            internal = soap.SoapFault(0x80004005, "w:InternalError",
                                      f"The WS-Management service failed: {exc}", sender=False)
            return 500, soap.fault_envelope(internal, relates_to, host)

    # -- WS-Management operations ---------------------------------------------------

    async def _dispatch(
        self, host: str, user: str, client_ip: str, request: soap.Request,
        client_gone: Callable[[], bool],
    ) -> list[ET.Element]:
        operation = request.operation
        if operation == "Create":
            return self._create(host, user, client_ip, request)
        if operation is None:
            raise soap.not_supported(
                f"The action {request.action} is not supported by this endpoint."
            )
        if operation == "Get" and request.resource_uri == soap.SHELL_RESOURCE:
            return [self._shell_element(self._shell(host, request))]
        if not request.resource_uri.startswith(soap.POWERSHELL_RESOURCE_PREFIX):
            raise soap.not_supported(
                f"The resource {request.resource_uri} is not served by this endpoint."
            )
        shell = self._shell(host, request)
        if operation == "Receive":
            return await self._receive(shell, request, client_gone)
        if operation == "Command":
            return self._command(shell, request)
        if operation == "Send":
            return self._send(shell, request)
        if operation == "Signal":
            return await self._signal(shell, request)
        if operation == "Delete":
            self._shells[host].pop(shell.id, None)
            shell.close()
            return []
        raise soap.not_supported(f"{operation} is not supported on a PowerShell shell.")

    def _shell(self, host: str, request: soap.Request) -> LabShell:
        shell_id = request.selectors.get("ShellId", "").upper()
        shell = self._shells[host].get(shell_id)
        if shell is None:
            raise soap.shell_not_found(shell_id or "(none)")
        return shell

    def _body(self, request: soap.Request, path: str) -> ET.Element:
        element = request.body.find(path, soap.NS) if request.body is not None else None
        if element is None:
            raise soap.invalid_request(f"The request body has no {path} element.")
        return element

    def _create(
        self, host: str, user: str, client_ip: str, request: soap.Request
    ) -> list[ET.Element]:
        prefix = soap.POWERSHELL_RESOURCE_PREFIX
        if not request.resource_uri.startswith(prefix):
            raise soap.not_supported(
                f"The resource {request.resource_uri} cannot be created by this endpoint; only "
                "PowerShell sessions are served."
            )
        configuration = request.resource_uri[len(prefix):]
        if configuration.casefold() != _CONFIGURATION.casefold():
            raise soap.SoapFault(
                0x80338012, "w:InvalidResourceURI",
                "The WS-Management service cannot process the request. Cannot find the "
                f"{configuration} session configuration in the WSMan: drive on the {host} "
                "computer.",
            )
        shell_xml = self._body(request, "rsp:Shell")
        creation = shell_xml.find("pwsh:creationXml", soap.NS)
        if creation is None or not (creation.text or "").strip():
            raise soap.invalid_request("The Shell has no creationXml: this is not a PSRP client.")
        shell_id = (shell_xml.get("ShellId") or str(uuid.uuid4())).upper()
        if shell_id in self._shells[host]:
            raise soap.invalid_request(f"A shell with ShellId {shell_id} already exists.")
        shell = LabShell(
            shell_id, host=host, session=runspace_of(self._sessions[host]), owner=user,
            client_ip=client_ip, resource_uri=request.resource_uri,
        )
        shell.open(base64.b64decode(creation.text or "", validate=True))
        self._shells[host][shell_id] = shell
        log.debug("lab WinRM for %s: shell %s opened by %s", host, shell_id, user)

        created = ET.Element(soap.q("wst", "ResourceCreated"))
        ET.SubElement(created, soap.q("wsa", "Address")).text = "http://127.0.0.1/wsman"
        reference = ET.SubElement(created, soap.q("wsa", "ReferenceParameters"))
        ET.SubElement(reference, soap.q("wsman", "ResourceURI")).text = request.resource_uri
        selectors = ET.SubElement(reference, soap.q("wsman", "SelectorSet"))
        ET.SubElement(selectors, soap.q("wsman", "Selector"), {"Name": "ShellId"}).text = shell_id
        return [created, self._shell_element(shell)]

    def _shell_element(self, shell: LabShell) -> ET.Element:
        element = ET.Element(soap.q("rsp", "Shell"))
        now = time.monotonic()
        fields = {
            "ShellId": shell.id,
            "Name": f"WinRM{len(self._shells[shell.host])}",
            "ResourceUri": shell.resource_uri,
            "Owner": shell.owner,
            "ClientIP": shell.client_ip,
            "IdleTimeOut": f"PT{self.idle_timeout:.3f}S",
            "InputStreams": "stdin pr",
            "OutputStreams": "stdout",
            "State": "Connected",
            "ShellRunTime": f"PT{now - shell.created:.3f}S",
            "ShellInactivity": f"PT{now - shell.last_used:.3f}S",
        }
        for name, value in fields.items():
            ET.SubElement(element, soap.q("rsp", name)).text = value
        return element

    async def _receive(
        self, shell: LabShell, request: soap.Request, client_gone: Callable[[], bool]
    ) -> list[ET.Element]:
        desired = self._body(request, "rsp:Receive/rsp:DesiredStream")
        command_id = (desired.get("CommandId") or "").upper() or None
        if command_id is not None and command_id not in shell.commands:
            raise soap.invalid_request(
                f"The command {command_id} does not exist in shell {shell.id}."
            )
        timeout = min(request.operation_timeout or 60.0, _MAX_RECEIVE_WAIT)
        envelope_size = request.max_envelope_size or _DEFAULT_ENVELOPE
        max_bytes = max(FRAGMENT_BYTES, (envelope_size - 8192) * 3 // 4)
        try:
            chunks, done = await shell.receive(command_id, timeout=timeout, max_bytes=max_bytes,
                                               client_gone=client_gone)
        except TimeoutError:
            raise soap.operation_timed_out() from None
        except KeyError:
            if shell.closed:
                raise soap.shell_not_found(shell.id) from None
            raise soap.invalid_request(f"The command {command_id} was terminated.") from None
        response = ET.Element(soap.q("rsp", "ReceiveResponse"))
        attributes = {"Name": "stdout"}
        if command_id is not None:
            attributes["CommandId"] = command_id
        for chunk in chunks:
            stream = ET.SubElement(response, soap.q("rsp", "Stream"), attributes)
            stream.text = base64.b64encode(chunk).decode("ascii")
        if command_id is not None:
            state = soap.COMMAND_STATE_DONE if done else soap.COMMAND_STATE_RUNNING
            ET.SubElement(response, soap.q("rsp", "CommandState"),
                          {"CommandId": command_id, "State": state})
        return [response]

    def _command(self, shell: LabShell, request: soap.Request) -> list[ET.Element]:
        line = self._body(request, "rsp:CommandLine")
        command_id = (line.get("CommandId") or str(uuid.uuid4())).upper()
        arguments = line.find("rsp:Arguments", soap.NS)
        if arguments is None or not (arguments.text or "").strip():
            raise soap.invalid_request("The CommandLine carries no PSRP data in Arguments.")
        shell.create_command(command_id, base64.b64decode(arguments.text or "", validate=True))
        response = ET.Element(soap.q("rsp", "CommandResponse"))
        ET.SubElement(response, soap.q("rsp", "CommandId")).text = command_id
        return [response]

    def _send(self, shell: LabShell, request: soap.Request) -> list[ET.Element]:
        streams = self._body(request, "rsp:Send").findall("rsp:Stream", soap.NS)
        for stream in streams:
            command_id = (stream.get("CommandId") or "").upper() or None
            if command_id is not None and command_id not in shell.commands:
                raise soap.invalid_request(f"The command {command_id} does not exist.")
            data = base64.b64decode(stream.text or "", validate=True)
            if data:
                shell.feed(data, command_id)
        return [ET.Element(soap.q("rsp", "SendResponse"))]

    async def _signal(self, shell: LabShell, request: soap.Request) -> list[ET.Element]:
        signal = self._body(request, "rsp:Signal")
        command_id = (signal.get("CommandId") or "").upper()
        code_element = signal.find("rsp:Code", soap.NS)
        code = (code_element.text or "").strip() if code_element is not None else ""
        if code == soap.SIGNAL_TERMINATE:
            await shell.signal(command_id, terminate=True)
        elif code == soap.SIGNAL_PS_CTRL_C or code.endswith("/signal/ctrl_c"):
            await shell.signal(command_id, terminate=False)
        else:
            raise soap.not_supported(f"The signal {code!r} is not supported.")
        return [ET.Element(soap.q("rsp", "SignalResponse"))]

    async def _reap_idle_shells(self) -> None:
        interval = max(0.05, min(60.0, self.idle_timeout / 2))
        while True:
            await asyncio.sleep(interval)
            now = time.monotonic()
            for host, shells in self._shells.items():
                for shell_id, shell in list(shells.items()):
                    if now - shell.last_used > self.idle_timeout and not shell.busy:
                        log.info("lab WinRM for %s: shell %s idle, deleted", host, shell_id)
                        shells.pop(shell_id, None)
                        shell.close()
