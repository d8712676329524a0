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
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Literal, cast

import asyncssh
from psrpcore.types import PSCustomObject, PSString

from hvtui.errors import (
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
from hvtui.remote.known_hosts import host_pattern, known_hosts_line
from hvtui.remote.ssh_config import JumpHost, SSHEndpoint
from hvtui.remote.ssh_connect import SSHConnector

log = logging.getLogger(__name__)

Shell = Literal["powershell", "pwsh"]

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
    """The bootstrap as sent: ``bootstrap.ps1`` without comments, blank lines or indentation."""
    text = (resources.files("hvtui.remote") / "bootstrap.ps1").read_text(encoding="utf-8")
    lines = [line.strip() for line in text.replace("\r\n", "\n").split("\n")]
    return "\n".join(line for line in lines if line and not line.startswith("#"))


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


# ------------------------------------------------------------------ session


class SSHSession:
    """A :class:`hvtui.remote.base.Session` running catalog scripts over SSH.

    One SSH connection per session, opened on first use and reopened after a drop;
    one channel (one PowerShell process) per call. ``endpoint`` says where and how
    to log in (see :mod:`hvtui.remote.ssh_config`); ``connector`` is shared by the
    sessions of one pool so that jump hosts are shared and setup is paced (see
    :mod:`hvtui.remote.ssh_connect`); without one the session has its own.

    ``shell`` picks Windows PowerShell (``powershell.exe``) or PowerShell 7 (``pwsh``).
    The password is kept only for asyncssh and never appears in a repr, a log line
    or an error.
    """

    def __init__(
        self,
        host: str,
        endpoint: SSHEndpoint,
        *,
        shell: Shell = "powershell",
        connector: SSHConnector | None = None,
    ) -> None:
        self.host = host
        """The inventory name of the host."""
        self.endpoint = endpoint
        self.shell: Shell = shell
        self._command = command_line(shell)
        self._owns_connector = connector is None
        self._connector = connector or SSHConnector()
        self._conn: asyncssh.SSHClientConnection | None = None
        self._lock = asyncio.Lock()

    @property
    def address(self) -> str:
        return self.endpoint.address

    @property
    def port(self) -> int:
        return self.endpoint.port

    @property
    def username(self) -> str:
        return self.endpoint.user

    def __repr__(self) -> str:
        via = f", via={self.endpoint.jump.label!r}" if self.endpoint.jump else ""
        return (
            f"SSHSession(host={self.host!r}, address={self.address!r}, port={self.port}, "
            f"username={self.endpoint.username!r}, shell={self.shell!r}{via})"
        )

    # -- connection

    async def _connection(self) -> asyncssh.SSHClientConnection:
        async with self._lock:
            if self._conn is not None and not self._conn.is_closed():
                return self._conn
            self._drop()
            self._conn = await self._connector.connect(self.endpoint, host=self.host,
                                                       user_id=id(self))
            return self._conn

    def _drop(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._conn = None

    async def close(self) -> None:
        async with self._lock:
            conn = self._conn
            self._drop()
            if conn is not None:
                await conn.wait_closed()
            await self._connector.release(id(self))
            if self._owns_connector:
                await self._connector.close()

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
                self._drop()

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
    "SSHEndpoint",
    "SSHSession",
    "bootstrap_script",
    "command_line",
    "decode_payload",
    "encode_payload",
    "error_marker",
    "host_pattern",
    "known_hosts_line",
    "warning_marker",
]
