"""PowerShell over SSH: the :class:`SSHSession` transport (asyncssh).

Wire format (the lab's sshd, :mod:`hvtui.lab.server.sshd`, speaks the same):

* The command line is constant: ``powershell.exe -NoProfile -NonInteractive
  -OutputFormat XML -EncodedCommand <bootstrap>`` (``pwsh`` for PowerShell 7), where
  the bootstrap is ``bootstrap.ps1`` in UTF-16LE base64. It is small, so Windows'
  command-line limit (8191 characters through ``cmd.exe``, sshd's default shell)
  never bites, and no value ever reaches a command line.
* stdin carries the script and its parameters as data: base64 of the UTF-8 CLIXML
  of ``{Script; Parameters}``, then EOF. base64 keeps stdin ASCII, so the host's
  console code page (437, 932, ...) cannot corrupt a Japanese VM name. The host's
  console reads stdin into ``$input`` because the bootstrap uses it.
* stdout is the CLIXML ``-OutputFormat XML`` writes (possibly several documents):
  the script's objects plus marker objects ``{'__hvtui' = 'error' | 'warning' |
  'terminating' | 'end', ...}``: the bootstrap merges the error and warning streams
  into output (``2>&1 3>&1``) so errors arrive structured and in order.
* stderr is CLIXML too: with ``-OutputFormat XML`` PowerShell's console host
  serialises host-UI streams there, notably ``Write-Progress`` records
  (``S="progress"``, a ``{SourceId; Record}`` object) and host error lines
  (``S="Error"``, e.g. a PowerShell that fails before the bootstrap runs). Progress
  cannot be redirected into output (no ``n>&1`` for it in any version), so this is
  where it comes from; the host buffers CLIXML (an XmlWriter), so on real hosts
  progress arrives in bursts, often only when the process ends.

Cancelling an invoke (or its timeout) closes the channel. The lab then cancels the
script; a real Win32-OpenSSH server closes the pipes, but has been reported to leave
a non-pty child running (PowerShell/Win32-OpenSSH#1751), so a long operation may
finish on the host even though hvtui stopped waiting.
"""

from __future__ import annotations

import asyncio
import base64
import codecs
import logging
import os
import socket
from collections.abc import Mapping
from dataclasses import KW_ONLY, dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal, cast

import asyncssh
from psrpcore.types import PSCustomObject, PSString

from hvtui.errors import (
    AuthError,
    ConnectError,
    ProtocolError,
    RemoteError,
    RemoteTimeout,
    SessionLost,
)
from hvtui.ps import clixml
from hvtui.ps.clixml import Stream
from hvtui.ps.plain import from_plain
from hvtui.remote.base import (
    ErrorRecord,
    ParamValue,
    ProgressCallback,
    ProgressRecord,
    PSObjectData,
    PSResult,
    PSValue,
)

log = logging.getLogger(__name__)

Shell = Literal["powershell", "pwsh"]
HostKeyPolicy = Literal["strict", "accept-new"]

EXECUTABLES: dict[str, str] = {"powershell": "powershell.exe", "pwsh": "pwsh"}
"""What each shell choice runs on the host."""

MARKER = "__hvtui"
"""The property that tags the bootstrap's marker objects."""

MAX_PAYLOAD = 16 * 1024 * 1024
"""The most stdin the lab accepts for one call (scripts are a few KiB)."""

_LINE = 76  # base64 line length on stdin; the host reads stdin line by line
_STDERR_KEPT = 64 * 1024


# --------------------------------------------------------------------------- wire


@cache
def bootstrap_script() -> str:
    """The bootstrap as sent: ``bootstrap.ps1`` without comment-only or blank lines."""
    text = (resources.files("hvtui.remote") / "bootstrap.ps1").read_text(encoding="utf-8")
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    return "\n".join(line for line in lines if line.strip() and not line.lstrip().startswith("#"))


def command_line(shell: Shell) -> str:
    """The exact command line the client executes on the host for ``shell``."""
    if shell not in EXECUTABLES:
        raise ValueError(f"shell must be 'powershell' or 'pwsh', not {shell!r}")
    encoded = base64.b64encode(bootstrap_script().encode("utf-16-le")).decode("ascii")
    return (
        f"{EXECUTABLES[shell]} -NoProfile -NonInteractive -OutputFormat XML "
        f"-EncodedCommand {encoded}"
    )


def encode_payload(script: str, parameters: Mapping[str, ParamValue] | None) -> bytes:
    """stdin for one call: base64 (in lines) of the UTF-8 CLIXML of {Script; Parameters}."""
    items = (parameters or {}).items()
    table = {str(name): from_plain(cast(PSValue, value)) for name, value in items}
    payload = PSCustomObject(Script=PSString(script), Parameters=table)
    xml = clixml.dumps([payload]).encode("utf-8")
    encoded = base64.b64encode(xml)
    lines = [encoded[i : i + _LINE] for i in range(0, len(encoded), _LINE)]
    return b"\r\n".join(lines) + b"\r\n"


def decode_payload(data: bytes) -> tuple[str, dict[str, PSValue]]:
    """The script and parameters from a call's stdin (what the bootstrap does)."""
    try:
        xml = base64.b64decode(b"".join(data.split()), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ProtocolError(f"stdin is not the base64 hvtui payload: {exc}") from exc
    values = clixml.parse_documents(xml)
    if len(values) != 1 or not isinstance(values[0][0], dict):
        raise ProtocolError("stdin does not hold exactly one {Script; Parameters} object")
    payload = values[0][0]
    script, parameters = payload.get("Script"), payload.get("Parameters") or {}
    if not isinstance(script, str) or not isinstance(parameters, dict):
        raise ProtocolError("stdin's payload lacks a Script text or a Parameters table")
    return script, parameters


def error_marker(record: ErrorRecord, *, terminating: bool = False) -> PSObjectData:
    """The marker the bootstrap writes for an ErrorRecord."""
    return {
        MARKER: "terminating" if terminating else "error",
        "Message": record.message,
        "Category": record.category,
        "ErrorId": record.error_id,
        "TargetName": record.target,
        "Activity": record.activity,
        "Reason": record.reason,
    }


def warning_marker(message: str) -> PSObjectData:
    return {MARKER: "warning", "Message": message}


END_MARKER: PSObjectData = {MARKER: "end"}


# ------------------------------------------------------------------ host keys


def known_hosts_pattern(address: str, port: int) -> str:
    """How OpenSSH names a host in known_hosts: ``[addr]:port`` unless port 22."""
    return address if port == 22 else f"[{address}]:{port}"


def known_hosts_line(address: str, port: int, key: asyncssh.SSHKey) -> str:
    """The known_hosts line that trusts ``key`` for ``address:port``."""
    algorithm, blob = key.export_public_key("openssh").decode("ascii").split()[:2]
    return f"{known_hosts_pattern(address, port)} {algorithm} {blob}"


class _HostKeyCheck:
    """Host key verification for one connection attempt, remembering what it saw."""

    def __init__(self, path: Path, policy: HostKeyPolicy, address: str, port: int) -> None:
        self.path, self.policy, self.address, self.port = path, policy, address, port
        text = path.read_text(encoding="utf-8") if path.is_file() else ""
        self.known_hosts = asyncssh.import_known_hosts(text)
        self.presented: asyncssh.SSHKey | None = None
        self.host_known = self._has_entry(address, address)

    def _has_entry(self, host: str, addr: str) -> bool:
        port = self.port if self.port != 22 else None
        trusted, cas, *_ = asyncssh.match_known_hosts(self.known_hosts, host, addr, port)
        return bool(trusted or cas)

    def validate(self, host: str, addr: str, key: asyncssh.SSHKey) -> bool:
        """Called by asyncssh for a key known_hosts does not trust."""
        self.presented = key
        self.host_known = self.host_known or self._has_entry(host, addr)
        if self.host_known or self.policy != "accept-new":
            return False
        self._record(key)
        return True

    def _record(self, key: asyncssh.SSHKey) -> None:
        line = known_hosts_line(self.address, self.port, key)
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        existing = self.path.read_bytes() if self.path.is_file() else b""
        descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(descriptor, "a", encoding="utf-8") as stream:
            if existing and not existing.endswith(b"\n"):
                stream.write("\n")
            stream.write(line + "\n")
        log.info("recorded new host key for %s in %s", self.address, self.path)

    def refusal(self, host: str) -> AuthError:
        where = f"{self.address}:{self.port}"
        if self.presented is None:
            return AuthError(
                f"the host key of {where} could not be verified against {self.path}",
                host=host,
                hint="check the known_hosts entry for this host",
            )
        key = self.presented
        fingerprint = key.get_fingerprint("sha256")
        line = known_hosts_line(self.address, self.port, key)
        if self.host_known:
            return AuthError(
                f"the host key of {where} has CHANGED: {self.path} holds a different key, "
                f"and the host now presents {key.get_algorithm()} {fingerprint}. Someone may be "
                "intercepting the connection (man-in-the-middle), or the host was reinstalled",
                host=host,
                hint=(
                    "do not connect until you know why; if the change is expected, remove the "
                    f"old entry (ssh-keygen -R '{known_hosts_pattern(self.address, self.port)}' "
                    f"-f {self.path}) and add: {line}"
                ),
            )
        return AuthError(
            f"the host key of {where} is unknown ({key.get_algorithm()} {fingerprint}) "
            f"and {self.path} has no entry for it",
            host=host,
            hint=(
                "compare the fingerprint with the host's (on the host: ssh-keygen -lf "
                "$env:ProgramData\\ssh\\ssh_host_ed25519_key.pub); if it matches, add this line "
                f"to {self.path}: {line} (or set host_key_policy = 'accept-new')"
            ),
        )


class _Client(asyncssh.SSHClient):
    def __init__(self, check: _HostKeyCheck) -> None:
        self._check = check

    def validate_host_public_key(
        self, host: str, addr: str, port: int, key: asyncssh.SSHKey
    ) -> bool:
        return self._check.validate(host, addr, key)


# ------------------------------------------------------------------ session


@dataclass(frozen=True, slots=True)
class JumpHost:
    """An SSH server hvtui connects through (OpenSSH's ProxyJump)."""

    address: str
    _: KW_ONLY
    username: str
    port: int = 22
    keys: tuple[str, ...] | None = None
    """Private key files; None: the default ~/.ssh keys (and the agent)."""
    password: str | None = field(default=None, repr=False)
    agent: bool = True
    known_hosts: str | None = None
    """known_hosts file for the jump host; None: the session's."""


_SSHD_HINT = (
    "is sshd running on the host and the port open? Windows Server 2019 and later: "
    "Add-WindowsCapability -Online -Name OpenSSH.Server~~~~0.0.1.0; Start-Service sshd "
    "(older versions: install Win32-OpenSSH)"
)


class SSHSession:
    """A :class:`hvtui.remote.base.Session` running catalog scripts over SSH.

    One SSH connection per session, opened on first use and reopened after a drop;
    one channel (one PowerShell process) per call.

    ``shell`` picks Windows PowerShell (``powershell.exe``) or PowerShell 7 (``pwsh``).
    ``client_keys``: private key files; None tries the default ``~/.ssh/id_*`` keys,
    ``[]`` disables key authentication. ``agent`` uses ``$SSH_AUTH_SOCK``. Host keys
    are checked against ``known_hosts`` (default ``~/.ssh/known_hosts``):
    ``'strict'`` refuses an unknown key, ``'accept-new'`` records it (OpenSSH's
    StrictHostKeyChecking=accept-new); a changed key is always refused. The password
    is kept only for asyncssh and never appears in a repr, a log line or an error.
    """

    def __init__(
        self,
        host: str,
        *,
        address: str,
        port: int = 22,
        username: str,
        shell: Shell = "powershell",
        client_keys: list[str] | None = None,
        password: str | None = None,
        agent: bool = True,
        known_hosts: str | None = None,
        host_key_policy: HostKeyPolicy = "strict",
        jump_host: JumpHost | None = None,
        connect_timeout: float = 15.0,
    ) -> None:
        if host_key_policy not in ("strict", "accept-new"):
            raise ValueError(
                f"host_key_policy must be 'strict' or 'accept-new', not {host_key_policy!r}"
            )
        self.host = host
        """The inventory name of the host."""
        self.address = address
        self.port = port
        self.username = username
        self.shell: Shell = shell
        self.jump_host = jump_host
        self.host_key_policy: HostKeyPolicy = host_key_policy
        self.known_hosts = Path(known_hosts or "~/.ssh/known_hosts").expanduser()
        self.connect_timeout = connect_timeout
        self._command = command_line(shell)
        self._client_keys = client_keys
        self._password = password
        self._agent = agent
        self._conn: asyncssh.SSHClientConnection | None = None
        self._jump_conn: asyncssh.SSHClientConnection | None = None
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        via = f", via={self.jump_host.address!r}" if self.jump_host else ""
        return (
            f"SSHSession(host={self.host!r}, address={self.address!r}, port={self.port}, "
            f"username={self.username!r}, shell={self.shell!r}{via})"
        )

    # -- connection

    async def _connection(self) -> asyncssh.SSHClientConnection:
        async with self._lock:
            if self._conn is not None and not self._conn.is_closed():
                return self._conn
            await self._drop()
            tunnel = None
            jump = self.jump_host
            if jump is not None:
                tunnel = await self._open(
                    jump.address, jump.port, jump.username, list(jump.keys) if jump.keys is not None
                    else None, jump.password, jump.agent, None, "jump host ",
                    Path(jump.known_hosts).expanduser() if jump.known_hosts else None,
                )
            try:
                self._conn = await self._open(
                    self.address, self.port, self.username, self._client_keys, self._password,
                    self._agent, tunnel, "",
                )
            except BaseException:
                if tunnel is not None:
                    tunnel.close()
                raise
            self._jump_conn = tunnel
            return self._conn

    async def _open(
        self,
        address: str,
        port: int,
        username: str,
        keys: list[str] | None,
        password: str | None,
        agent: bool,
        tunnel: asyncssh.SSHClientConnection | None,
        role: str,
        known_hosts: Path | None = None,
    ) -> asyncssh.SSHClientConnection:
        known = known_hosts or self.known_hosts
        check = _HostKeyCheck(known, self.host_key_policy, address, port)
        where = f"{role}{address}:{port}"
        options: dict[str, Any] = {
            "port": port,
            "username": username,
            "password": password,
            "client_keys": () if keys is None else (keys or None),
            "agent_path": () if agent else None,
            "known_hosts": check.known_hosts,
            "client_factory": lambda: _Client(check),
            "connect_timeout": self.connect_timeout,
            "keepalive_interval": 15,
            "keepalive_count_max": 3,
            "config": None,  # the inventory is the configuration, not ~/.ssh/config
        }
        if tunnel is not None:
            options["tunnel"] = tunnel
        try:
            return await asyncssh.connect(address, **options)
        except asyncssh.HostKeyNotVerifiable:
            raise check.refusal(self.host) from None
        except asyncssh.PermissionDenied:
            raise AuthError(
                f"{where} refused user '{username}' (wrong password or key)",
                host=self.host,
                hint="check the user name and credentials in the inventory",
            ) from None
        except asyncssh.KeyExchangeFailed as exc:
            if check.host_known:
                raise AuthError(
                    f"{where} offers no host key of the type {known} holds for it "
                    f"({exc.reason}); its host key may have changed",
                    host=self.host,
                    hint="find out why before removing the old known_hosts entry",
                ) from None
            raise ConnectError(f"{where}: {exc.reason}", host=self.host) from None
        except asyncssh.ChannelOpenError as exc:
            raise ConnectError(
                f"the jump host could not reach {where}: {exc.reason}",
                host=self.host,
                hint="check the address and port as seen from the jump host",
            ) from None
        except asyncssh.DisconnectError as exc:
            raise ConnectError(
                f"{where} closed the connection: {exc.reason}", host=self.host
            ) from None
        except TimeoutError:
            raise ConnectError(
                f"no answer from {where} within {self.connect_timeout:g} s",
                host=self.host,
                hint="is the host up and the port reachable from here?",
            ) from None
        except ConnectionRefusedError:
            raise ConnectError(
                f"{where} refused the connection", host=self.host, hint=_SSHD_HINT
            ) from None
        except socket.gaierror as exc:
            raise ConnectError(
                f"cannot resolve {address!r}: {exc.strerror}", host=self.host,
                hint="check the address in the inventory",
            ) from None
        except OSError as exc:
            raise ConnectError(
                f"{where}: {exc.strerror or exc}", host=self.host, hint=_SSHD_HINT
            ) from None

    async def _drop(self) -> None:
        for conn in (self._conn, self._jump_conn):
            if conn is not None:
                conn.close()
        self._conn = self._jump_conn = None

    async def close(self) -> None:
        async with self._lock:
            conns = [c for c in (self._conn, self._jump_conn) if c is not None]
            await self._drop()
            for conn in conns:
                await conn.wait_closed()

    # -- calls

    async def invoke(
        self,
        script: str,
        parameters: Mapping[str, ParamValue] | None = None,
        *,
        timeout: float | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> PSResult:
        """Run ``script`` on the host with ``parameters`` sent as data on stdin."""
        payload = encode_payload(script, parameters)
        try:
            async with asyncio.timeout(timeout):
                return await self._call(payload, on_progress)
        except TimeoutError:
            if timeout is None:
                raise
            raise RemoteTimeout(
                f"no complete answer within {timeout:g} s; hvtui closed the SSH channel",
                host=self.host,
                hint="the operation may still finish on the host: refresh before retrying, "
                "or raise the timeout",
            ) from None

    async def _call(self, payload: bytes, on_progress: ProgressCallback | None) -> PSResult:
        for attempt in (1, 2):
            conn = await self._connection()
            try:
                process = await conn.create_process(self._command, encoding=None)
            except (asyncssh.ChannelOpenError, asyncssh.DisconnectError, OSError) as exc:
                # Nothing ran yet: a connection that died while idle is reopened once.
                await self._forget(conn)
                if attempt == 2:
                    raise SessionLost(
                        f"cannot open a channel to {self.address}:{self.port}: {_reason(exc)}",
                        host=self.host,
                    ) from None
                continue
            return await self._exchange(conn, process, payload, on_progress)
        raise AssertionError("unreachable")

    async def _forget(self, conn: asyncssh.SSHClientConnection) -> None:
        async with self._lock:
            if self._conn is conn:
                await self._drop()

    async def _exchange(
        self,
        conn: asyncssh.SSHClientConnection,
        process: asyncssh.SSHClientProcess[bytes],
        payload: bytes,
        on_progress: ProgressCallback | None,
    ) -> PSResult:
        reply = _Reply(on_progress)
        stderr = asyncio.ensure_future(reply.read_stderr(process.stderr))
        try:
            process.stdin.write(payload)
            process.stdin.write_eof()
            stdout = await process.stdout.read()
            await stderr
            await process.wait_closed()
        except (asyncssh.DisconnectError, asyncssh.ChannelOpenError, BrokenPipeError,
                ConnectionError) as exc:
            await self._forget(conn)
            raise SessionLost(
                f"{self.address}:{self.port} stopped answering mid-call: {_reason(exc)}",
                host=self.host,
                hint="the script may or may not have run; refresh before retrying a change",
            ) from None
        finally:
            stderr.cancel()
            process.close()  # on cancellation or timeout this closes the channel
        try:
            return reply.result(stdout, process.exit_status, process.exit_signal, self)
        except ProtocolError as exc:
            raise ProtocolError(exc.cause, host=self.host, hint=exc.hint) from None


def _reason(exc: BaseException) -> str:
    return str(getattr(exc, "reason", "") or exc or type(exc).__name__)


class _Reply:
    """Collects one call's stdout and stderr and turns them into a PSResult."""

    def __init__(self, on_progress: ProgressCallback | None) -> None:
        self.on_progress = on_progress
        self.objects: list[PSObjectData] = []
        self.errors: list[ErrorRecord] = []
        self.warnings: list[str] = []
        self.progress: list[ProgressRecord] = []
        self.host_errors: list[ErrorRecord] = []
        self.stderr_text = ""
        self.terminated = False
        self.ended = False

    async def read_stderr(self, reader: asyncssh.SSHReader[bytes]) -> None:
        """Read stderr as it arrives, reporting progress from each complete document."""
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        pending, clixml_ok = "", True
        while chunk := await reader.read(65536):
            text = decoder.decode(chunk)
            if len(self.stderr_text) < _STDERR_KEPT:  # enough to explain a failure
                self.stderr_text += text
            if clixml_ok:
                try:
                    documents, pending = clixml.split_documents(pending + text, final=False)
                    for document in documents:
                        self._take(clixml.parse_document(document))
                except ProtocolError:
                    clixml_ok = False  # not CLIXML (cmd.exe's own message, say): keep as text

    def _take(self, items: list[tuple[PSValue, Stream]]) -> None:
        for value, stream in items:
            if stream is Stream.OUTPUT and isinstance(value, dict) and MARKER in value:
                self._marker(value)
            elif stream is Stream.OUTPUT:
                self.objects.append(cast(PSObjectData, value))
            elif stream is Stream.PROGRESS:
                record = clixml.progress_record(value)
                if record is not None:
                    self.progress.append(record)
                    if self.on_progress is not None:
                        self.on_progress(record)
            elif stream is Stream.WARNING:
                self.warnings.append(str(value).rstrip("\r\n"))
            elif stream is Stream.ERROR:
                self.host_errors.append(clixml.error_record(value))
            # verbose, debug and information are not part of a PSResult

    def _marker(self, value: dict[str, PSValue]) -> None:
        kind = value.get(MARKER)
        if kind == "end":
            self.ended = True
        elif kind == "warning":
            self.warnings.append(str(value.get("Message") or ""))
        elif kind in ("error", "terminating"):
            self.errors.append(clixml.error_record(value))
            self.terminated = self.terminated or kind == "terminating"

    def result(
        self,
        stdout: bytes,
        exit_status: int | None,
        exit_signal: tuple[str, bool, str, str] | None,
        session: SSHSession,
    ) -> PSResult:
        text = _decode_stdout(stdout)
        self._take(clixml.parse_documents(text))
        if not self.ended:
            raise self._failure(exit_status, exit_signal, session)
        return PSResult(
            objects=self.objects,
            errors=self.errors + self.host_errors,
            warnings=self.warnings,
            progress=self.progress,
            had_errors=self.terminated,
        )

    def _failure(
        self,
        exit_status: int | None,
        exit_signal: tuple[str, bool, str, str] | None,
        session: SSHSession,
    ) -> RemoteError:
        executable = EXECUTABLES[session.shell]
        if exit_status is None:
            signal = f" (signal {exit_signal[0]})" if exit_signal else ""
            return SessionLost(
                f"the PowerShell process on {session.address} ended without a status{signal}",
                host=session.host,
                hint="the script may or may not have run; refresh before retrying a change",
            )
        said = "; ".join(e.message.strip() for e in self.host_errors if e.message.strip())
        if not said and not self.stderr_text.lstrip().startswith(clixml.HEADER):
            said = " ".join(self.stderr_text.split())[:300]
        if session.shell == "pwsh":
            hint = "is PowerShell 7 (pwsh) installed and on the PATH? If not, use 'powershell'"
        else:
            hint = f"check that '{executable} -NoProfile' runs for {session.username} on the host"
        cause = f"{executable} ended (exit status {exit_status}) before the script finished"
        return RemoteError(f"{cause}: {said}" if said else cause, host=session.host, hint=hint)


_BOM = "\ufeff"


def _decode_stdout(data: bytes) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError(
            f"the host's output is not UTF-8 (byte {exc.start}: {data[exc.start:exc.start + 8]!r})",
            hint="the host's console code page could not be switched to UTF-8",
        ) from None
    return text.removeprefix(_BOM)


__all__ = [
    "END_MARKER",
    "EXECUTABLES",
    "MARKER",
    "JumpHost",
    "SSHSession",
    "bootstrap_script",
    "command_line",
    "decode_payload",
    "encode_payload",
    "error_marker",
    "known_hosts_line",
    "known_hosts_pattern",
    "warning_marker",
]
