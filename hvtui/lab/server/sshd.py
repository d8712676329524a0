"""The lab's SSH endpoint: a real asyncssh server on 127.0.0.1, one port per lab host.

It receives exactly what :class:`hvtui.remote.ssh.SSHSession` sends to a Windows
host and answers the way ``powershell.exe`` running the bootstrap would on one:

* the exec request must be one of the two command lines the client uses
  (``powershell.exe`` or ``pwsh`` with the shipped bootstrap as
  ``-EncodedCommand``); anything else gets a PowerShell-style CLIXML error on
  stderr and exit status 1, as a host fails a bad command. Each accepted exec
  channel is one long-lived process (counted in ``process_starts``);
* each stdin line is handled as the bootstrap's loop handles it: ``call <id>
  <payload>`` decodes the base64 CLIXML payload and the host's
  :class:`hvtui.remote.base.Session` runs the script, several calls at once (the
  bootstrap's runspace pool); ``stop <id>`` stops that call; other lines are ignored;
* stdout carries ``hvtui <id> progress|result <base64 CLIXML>`` frames: progress
  records while a script runs, then one list of objects and marker objects.

End of input ends the process; closing the channel stops its scripts.
:meth:`SSHLabServer.set_fault` makes one host slow, drop the connection mid-reply,
or answer garbage.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import hmac
import logging
import os
from collections.abc import Mapping
from pathlib import Path

import asyncssh
from psrpcore.types import ProgressRecord as PSProgressRecord

from hvtui.errors import HvtuiError, ProtocolError
from hvtui.lab.server.faults import FaultPlan
from hvtui.lab.session import runspace_of
from hvtui.remote.base import ProgressRecord, PSResult, PSValue, Session
from hvtui.remote.clixml import HEADER, Stream, dumps, excerpt
from hvtui.remote.ssh import (
    END_MARKER,
    MAX_PAYLOAD,
    command_line,
    decode_payload,
    error_marker,
    frame,
    host_pattern,
    warning_marker,
)

log = logging.getLogger(__name__)

_NEWLINE = "\r\n"  # what PowerShell's WriteLine writes on Windows
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def _load_host_key(path: Path | None) -> asyncssh.SSHKey:
    """The server's ed25519 host key: loaded from ``path``, or generated (and saved)."""
    if path is not None and path.is_file():
        return asyncssh.read_private_key(path)
    key = asyncssh.generate_private_key("ssh-ed25519")
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(key.export_private_key("openssh"))
    return key


def _load_authorized_keys(path: Path | None) -> set[bytes]:
    """Public key blobs from an OpenSSH authorized_keys file."""
    if path is None:
        return set()
    blobs: set[bytes] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            blobs.add(asyncssh.import_public_key(line.strip()).public_data)
    return blobs


def _reply_values(result: PSResult) -> list[PSValue]:
    """What the bootstrap writes for a result: objects, warnings, errors, end."""
    values: list[PSValue] = list(result.objects)
    values += [warning_marker(text) for text in result.warnings]
    last = len(result.errors) - 1
    for index, record in enumerate(result.errors):
        values.append(error_marker(record, terminating=result.had_errors and index == last))
    if result.had_errors and not result.errors:
        values.append({"__hvtui": "terminating", "Message": "The pipeline failed."})
    values.append(END_MARKER)
    return values


class SSHLabServer:
    """SSH endpoints for lab hosts, all on 127.0.0.1, sharing one host key."""

    def __init__(
        self,
        sessions: Mapping[str, Session],
        *,
        users: Mapping[str, str],
        authorized_keys: str | Path | None = None,
        host_key_path: str | Path | None = None,
        allow_forwarding: bool = True,
    ) -> None:
        self.sessions = sessions
        """Lab host name -> the Session that runs its scripts (looked up per call)."""
        self._users = dict(users)
        self._authorized = _load_authorized_keys(Path(authorized_keys) if authorized_keys else None)
        self.host_key = _load_host_key(Path(host_key_path) if host_key_path else None)
        self.allow_forwarding = allow_forwarding
        """Allow direct-tcpip to loopback, so one lab host can serve as a jump host."""
        self._commands = {command_line("powershell"), command_line("pwsh")}
        self._acceptors: dict[str, asyncssh.SSHAcceptor] = {}
        self._ports: dict[str, int] = {}
        self._faults: dict[str, FaultPlan] = {}
        self._connections: set[asyncssh.SSHServerConnection] = set()
        self.process_starts: dict[str, int] = {}
        """PowerShell processes started per lab host (one per exec channel), for measuring."""
        self._processes: set[_BootstrapSession] = set()
        """PowerShell processes started per lab host (one per exec channel), for measuring."""

    def __repr__(self) -> str:
        return f"SSHLabServer(hosts={sorted(self._ports)}, users={sorted(self._users)})"

    # -- identity

    @property
    def fingerprint(self) -> str:
        """The host key's SHA256 fingerprint, as ssh-keygen -l prints it."""
        return self.host_key.get_fingerprint("sha256")

    def port(self, host_name: str) -> int:
        return self._ports[host_name]

    def known_hosts_line(self, host_name: str, name: str = "127.0.0.1") -> str:
        """The known_hosts line that trusts this server for ``host_name``'s port, when
        a client reaches it by ``name`` (an address or a DNS name)."""
        public = self.host_key.export_public_key("openssh").decode("ascii").split()
        pattern = host_pattern(name, self._ports[host_name])
        return f"{pattern} {public[0]} {public[1]}"

    # -- faults

    def set_fault(
        self,
        host_name: str,
        plan: FaultPlan | None = None,
        *,
        delay: float = 0.0,
        drop_after_bytes: int | None = None,
        garbage: bool = False,
    ) -> None:
        """Make ``host_name`` misbehave from its next call on (``plan`` or the fields)."""
        self._faults[host_name] = plan or FaultPlan(
            delay=delay, drop_after_bytes=drop_after_bytes, garbage=garbage
        )

    def clear_fault(self, host_name: str) -> None:
        self._faults.pop(host_name, None)

    def end_processes(self, host_name: str) -> int:
        """End ``host_name``'s PowerShell processes, as Stop-Process or a crash would;
        the SSH connections stay up. Returns how many there were."""
        ended = [p for p in self._processes if p.host_name == host_name]
        for process in ended:
            process.end()
        return len(ended)

    def fault(self, host_name: str) -> FaultPlan:
        return self._faults.get(host_name, FaultPlan())

    # -- lifecycle

    async def listen(self, host_name: str, port: int = 0, address: str = "127.0.0.1") -> int:
        """Serve ``host_name`` on ``address``:``port`` (0: any free port); return the port.

        ``address`` is a loopback address (127.0.0.1 or ::1): the lab never listens
        beyond this machine."""
        if host_name not in self.sessions:
            raise KeyError(f"the lab has no host named {host_name!r} to serve over SSH")
        if host_name in self._acceptors:
            raise ValueError(f"{host_name!r} is already served on port {self._ports[host_name]}")
        if address not in _LOOPBACK:
            raise ValueError(f"the lab listens on loopback only, not {address!r}")
        acceptor = await asyncssh.listen(
            address,
            port,
            server_host_keys=[self.host_key],
            server_factory=lambda: _LabServer(self, host_name),
            encoding=None,
            config=None,
            allow_scp=False,
            agent_forwarding=False,
            x11_forwarding=False,
            login_timeout=30,
        )
        self._acceptors[host_name] = acceptor
        self._ports[host_name] = acceptor.get_port()
        log.info("lab sshd for %s on %s port %d", host_name, address, self._ports[host_name])
        return self._ports[host_name]

    async def close(self) -> None:
        acceptors = list(self._acceptors.values())
        self._acceptors.clear()
        for acceptor in acceptors:
            acceptor.close()
        for conn in list(self._connections):
            conn.abort()
        for acceptor in acceptors:
            await acceptor.wait_closed()

    async def __aenter__(self) -> SSHLabServer:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    # -- used by the connection objects

    def check_password(self, username: str, password: str) -> bool:
        expected = self._users.get(username)
        return expected is not None and hmac.compare_digest(
            expected.encode("utf-8"), password.encode("utf-8")
        )

    def check_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        return username in self._users and key.public_data in self._authorized

    def accepts(self, command: str) -> bool:
        return command in self._commands


class _LabServer(asyncssh.SSHServer):
    """One SSH connection to one lab host."""

    def __init__(self, lab: SSHLabServer, host_name: str) -> None:
        self._lab, self._host_name = lab, host_name
        self._conn: asyncssh.SSHServerConnection | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._conn = conn
        self._lab._connections.add(conn)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._conn is not None:
            self._lab._connections.discard(self._conn)

    def begin_auth(self, username: str) -> bool:
        return True  # always authenticate

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return self._lab.check_password(username, password)

    def public_key_auth_supported(self) -> bool:
        return bool(self._lab._authorized)

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        return self._lab.check_key(username, key)

    def connection_requested(
        self, dest_host: str, dest_port: int, orig_host: str, orig_port: int
    ) -> bool:
        # Forward only to loopback: the lab must never become an open proxy.
        if self._lab.allow_forwarding and dest_host in _LOOPBACK:
            return True
        if not self._lab.allow_forwarding:
            raise asyncssh.ChannelOpenError(asyncssh.OPEN_ADMINISTRATIVELY_PROHIBITED,
                                            "TCP forwarding is disabled on this host")
        raise asyncssh.ChannelOpenError(
            asyncssh.OPEN_ADMINISTRATIVELY_PROHIBITED,
            f"the lab forwards only to loopback, not {dest_host}:{dest_port}",
        )

    def session_requested(self) -> _BootstrapSession:
        return _BootstrapSession(self._lab, self._host_name)


class _BootstrapSession(asyncssh.SSHServerSession[bytes]):
    """One exec channel: one long-lived powershell.exe running the bootstrap."""

    def __init__(self, lab: SSHLabServer, host_name: str) -> None:
        self._lab, self.host_name = lab, host_name
        self._host_name = host_name
        self._chan: asyncssh.SSHServerChannel[bytes] | None = None
        self._command = ""
        self._pending = bytearray()
        self._refused = False
        self._calls: dict[str, asyncio.Task[None]] = {}
        self._shared: Session | None = None
        self._runspace: Session | None = None

    def _session(self) -> Session | None:
        """The host's session as this PowerShell process sees it: with a global scope of
        its own, which outlives each call as the bootstrap's runspaces do."""
        shared = self._lab.sessions.get(self._host_name)
        if shared is None:
            return None
        if shared is not self._shared:
            self._shared, self._runspace = shared, runspace_of(shared)
        return self._runspace

    def connection_made(self, chan: asyncssh.SSHServerChannel[bytes]) -> None:
        self._chan = chan

    def exec_requested(self, command: str) -> bool:
        self._command = command
        return True

    def session_started(self) -> None:
        if not self._lab.accepts(self._command):
            self._refuse(
                "The hvtui lab runs only the hvtui bootstrap (powershell.exe or pwsh "
                "-NoProfile -NonInteractive -OutputFormat XML -EncodedCommand <bootstrap>); "
                f"it refused the command line {excerpt(self._command)}."
            )
            return
        self._lab.process_starts[self._host_name] = (
            self._lab.process_starts.get(self._host_name, 0) + 1)
        self._lab._processes.add(self)

    def end(self) -> None:
        """The process dies: its calls die with it, the channel closes with exit status 1."""
        for task in self._calls.values():
            task.cancel()
        self._calls.clear()
        self._refused = True
        if self._chan is not None and not self._chan.is_closing():
            self._chan.exit(1)

    def data_received(self, data: bytes, datatype: int | None) -> None:
        if self._refused:
            return
        self._pending += data
        while (end := self._pending.find(b"\n")) >= 0:
            line = bytes(self._pending[:end]).rstrip(b"\r")
            del self._pending[:end + 1]
            self._request(line.decode("ascii", "replace").split(" "))
        if len(self._pending) > MAX_PAYLOAD:
            self._refuse(f"The input line is longer than {MAX_PAYLOAD} bytes.")

    def _request(self, words: list[str]) -> None:
        """What the bootstrap's loop does with one stdin line."""
        call_id = words[1] if len(words) > 1 else ""
        if words[0] == "stop" and call_id in self._calls:
            self._calls[call_id].cancel()  # PowerShell.BeginStop: the pipeline stops
        elif words[0] == "call":
            payload = words[2].encode("ascii") if len(words) > 2 else b""
            task = asyncio.create_task(self._serve(call_id, payload))
            self._calls[call_id] = task
            task.add_done_callback(functools.partial(self._forget, call_id))
        # anything else: the bootstrap's loop ignores it

    def _forget(self, call_id: str, _: object) -> None:
        self._calls.pop(call_id, None)

    def eof_received(self) -> bool:
        # The client closed stdin: the bootstrap's loop ends and the process exits.
        for task in self._calls.values():
            task.cancel()
        if self._chan is not None and not self._refused:
            self._chan.exit(0)
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        # The channel or the connection closed: the process goes with it.
        self._lab._processes.discard(self)
        for task in self._calls.values():
            task.cancel()

    # -- replies

    def _refuse(self, message: str) -> None:
        """Fail the way PowerShell does before running anything: CLIXML on stderr, exit 1."""
        self._refused = True
        assert self._chan is not None
        text = HEADER + _NEWLINE + dumps([message + _NEWLINE], Stream.ERROR)
        self._chan.write_stderr(text.encode("utf-8"))
        self._chan.exit(1)

    def _send(self, call_id: str, kind: str, values: object) -> None:
        if self._chan is not None and not self._chan.is_closing():
            self._chan.write(frame(call_id, kind, values))

    def _progress(self, call_id: str, record: ProgressRecord) -> None:
        self._send(call_id, "progress", PSProgressRecord(
            Activity=record.activity,
            ActivityId=0,
            StatusDescription=record.status,
            PercentComplete=record.percent,
        ))

    async def _serve(self, call_id: str, payload: bytes) -> None:
        chan = self._chan
        assert chan is not None
        plan = self._lab.fault(self._host_name)
        try:
            if plan.delay > 0:
                await asyncio.sleep(plan.delay)
            if plan.garbage:
                half = base64.b64encode(b"<Objs Version='1.1.0.1'><Obj RefId='0'><MS><S")
                chan.write(f"hvtui {call_id} result ".encode() + half + b"\r\n")
                return
            values = await self._run(call_id, payload)
            reply = frame(call_id, "result", values)
            if plan.drop_after_bytes is not None:
                chan.write(reply[: plan.drop_after_bytes])
                await asyncio.sleep(0)  # let the partial reply reach the transport
                chan.get_connection().abort()
                return
            chan.write(reply)
        except asyncio.CancelledError:
            log.info("lab sshd: call %s on %s stopped by the client", call_id, self._host_name)
            self._send(call_id, "result", [_terminating("The pipeline has been stopped."),
                                           END_MARKER])
            raise
        except Exception:  # a lab bug: fail like a crashing PowerShell, not silently
            log.exception("lab sshd: call on %s failed", self._host_name)
            if not chan.is_closing():
                self._refuse("The lab failed while running the script; see the lab's log.")

    async def _run(self, call_id: str, payload: bytes) -> list[PSValue]:
        """Decode the payload and run it; failures become a 'terminating' marker."""
        try:
            script, parameters = decode_payload(payload)
        except ProtocolError as exc:
            return [_terminating(f'Exception calling "Deserialize": {exc.cause}'), END_MARKER]
        session = self._session()
        if session is None:
            return [_terminating(f"The lab host {self._host_name} no longer exists."), END_MARKER]
        try:
            result = await session.invoke(
                script,
                parameters,  # type: ignore[arg-type]  # plain data decoded from CLIXML
                on_progress=lambda record: self._progress(call_id, record),
            )
        except HvtuiError as exc:
            return [_terminating(exc.cause), END_MARKER]
        return _reply_values(result)


def _terminating(message: str) -> PSValue:
    return {"__hvtui": "terminating", "Message": message, "Category": "NotSpecified"}
