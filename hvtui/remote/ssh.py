"""PowerShell over SSH: the :class:`SSHSession` transport (asyncssh).

Wire format (the lab's sshd, :mod:`hvtui.lab.server.sshd`, speaks the same):

* The command line is constant: ``powershell.exe -NoProfile -NonInteractive
  -OutputFormat XML -EncodedCommand <bootstrap>`` (``pwsh`` for PowerShell 7), where
  the bootstrap is ``bootstrap.ps1`` in UTF-16LE base64. It is small (a test keeps
  it under the 8191 characters ``cmd.exe``, sshd's default shell, allows), and no
  value ever reaches a command line.
* One long-lived PowerShell process per host serves every call: the session opens
  one exec channel and keeps it. Requests are lines on stdin: ``call <id> <base64
  of the UTF-8 CLIXML of {Script; Parameters}>`` and ``stop <id>``. base64 keeps
  stdin ASCII, so the host's console code page (437, 932, ...) cannot corrupt a
  Japanese VM name. The bootstrap runs each call in a runspace pool (several at
  once) and answers with lines on stdout: ``hvtui <id> progress <base64 CLIXML of
  a ProgressRecord>`` while it runs and ``hvtui <id> result <base64 CLIXML of a
  list>`` at the end; the list holds the script's objects plus marker objects
  ``{'__hvtui' = 'error' | 'warning' | 'terminating' | 'end', ...}`` (the error and
  warning streams are merged into output, ``2>&1 3>&1``, so errors arrive
  structured and in order). Lines that are not frames are ignored.
* stderr is CLIXML (``-OutputFormat XML``): host error lines (``S="Error"``) from a
  PowerShell that fails before the bootstrap runs, kept to explain the failure.

Cancelling an invoke (or its timeout) sends ``stop <id>``: that pipeline stops and
the process goes on serving other calls. When the process or the connection dies,
the calls in flight fail (the script may or may not have run) and the next call
starts a new process transparently. Closing the session closes stdin: the process
exits.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import codecs
import contextlib
import functools
import logging
import re
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Literal, cast

import asyncssh
from psrpcore.types import PSCustomObject, PSString

from hvtui.errors import (
    ConnectError,
    ProtocolError,
    RemoteError,
    RemoteTimeout,
    SessionLost,
)
from hvtui.remote import clixml
from hvtui.remote.base import (
    ErrorRecord,
    ParamValue,
    ProgressCallback,
    ProgressRecord,
    PSObjectData,
    PSResult,
    PSValue,
)
from hvtui.remote.clixml import Stream
from hvtui.remote.cpu_turns import cpu_turn
from hvtui.remote.known_hosts import host_pattern, known_hosts_line
from hvtui.remote.plain import from_plain
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
    """One call's payload: base64 (one line, ASCII) of the UTF-8 CLIXML of {Script; Parameters}."""
    if not parameters:
        return _script_only_payload(script)  # the inventory, every refresh of every host
    return _payload(script, parameters)


@functools.lru_cache(maxsize=32)
def _script_only_payload(script: str) -> bytes:
    return _payload(script, None)


_SCRIPT_SLOT = "hvtui-script-slot"


def _payload(script: str, parameters: Mapping[str, ParamValue] | None) -> bytes:
    items = (parameters or {}).items()
    table = {str(name): from_plain(cast(PSValue, value)) for name, value in items}
    # The script, the long part, is escaped once per text (psrpcore escapes it a character
    # at a time, most of a small call's CPU); the rest is written around a placeholder.
    # Script is the object's first property: its element is the first that holds the slot.
    payload = PSCustomObject(Script=PSString(_SCRIPT_SLOT), Parameters=table)
    head, slot, tail = clixml.dumps([payload]).partition(f">{_SCRIPT_SLOT}</S>")
    if not slot:
        raise AssertionError("the payload's Script element was not written as expected")
    return base64.b64encode(f"{head}>{_escaped_script(script)}</S>{tail}".encode())


@functools.lru_cache(maxsize=32)
def _escaped_script(script: str) -> str:
    """The script as the text of its ``<S>`` element."""
    element = clixml.dumps([PSString(script)])
    start = element.index("<S>") + len("<S>")
    return element[start:element.rindex("</S>")]


def request_line(call_id: int, script: str, parameters: Mapping[str, ParamValue] | None
                 ) -> bytes:
    """The stdin line that asks the host's process to run one call."""
    return b"call %d " % call_id + encode_payload(script, parameters) + b"\n"


def decode_payload(data: bytes) -> tuple[str, dict[str, PSValue]]:
    """The script and parameters from a call's payload (what the bootstrap does)."""
    try:
        xml = base64.b64decode(b"".join(data.split()), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ProtocolError(f"the payload is not the base64 hvtui payload: {exc}") from exc
    values = clixml.parse_documents(xml)
    if len(values) != 1 or not isinstance(values[0][0], dict):
        raise ProtocolError("the payload is not exactly one {Script; Parameters} object")
    payload = values[0][0]
    script, parameters = payload.get("Script"), payload.get("Parameters") or {}
    if not isinstance(script, str) or not isinstance(parameters, dict):
        raise ProtocolError("the payload lacks a Script text or a Parameters table")
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


def frame(call_id: str | int, kind: str, values: object) -> bytes:
    """One stdout line of the bootstrap: ``hvtui <id> progress|result <base64 CLIXML>``."""
    xml = clixml.dumps([values]).encode("utf-8")
    return f"hvtui {call_id} {kind} ".encode("ascii") + base64.b64encode(xml) + b"\r\n"


def warning_marker(message: str) -> PSObjectData:
    return {MARKER: "warning", "Message": message}


END_MARKER: PSObjectData = {MARKER: "end"}


# ------------------------------------------------------------------ session


class SSHSession:
    """A :class:`hvtui.remote.base.Session` running catalog scripts over SSH.

    One SSH connection per session, opened on first use and reopened after a drop,
    and one PowerShell process on it serving every call (see the module docstring).
    ``endpoint`` says where and how to log in (see :mod:`hvtui.remote.ssh_config`);
    ``connector`` is shared by the sessions of one pool so that jump hosts are
    shared and setup is paced (see :mod:`hvtui.remote.ssh_connect`); without one the
    session has its own.

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
        self._shell: _Shell | None = None
        self._shell_lock = asyncio.Lock()
        self._next_id = 0
        self.shells_started = 0
        """PowerShell processes this session started on the host (one unless one died)."""

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
        async with self._shell_lock:
            shell, self._shell = self._shell, None
        if shell is not None:
            await shell.close()
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
        self._next_id += 1
        call_id = self._next_id
        request = request_line(call_id, script, parameters)
        shell: _Shell | None = None
        try:
            async with asyncio.timeout(timeout):
                shell = await self._shell_for_call()
                return await self._call(shell, call_id, request, on_progress)
        except TimeoutError:
            if timeout is None:
                raise
            if shell is None:  # still connecting: nothing was sent, nothing ran there
                endpoint = self.endpoint
                raise ConnectError(
                    f"no answer from {endpoint.label} while connecting, within the call's "
                    f"{timeout:g} s", host=self.host,
                    hint=f"nothing ran on the host; is {endpoint.address} up and port "
                         f"{endpoint.port} answering SSH? Or raise the host's timeout",
                ) from None
            raise RemoteTimeout(
                f"no complete answer within {timeout:g} s; hvtui stopped the call",
                host=self.host,
                hint="the operation may still finish on the host: refresh before retrying, "
                "or raise the timeout",
            ) from None

    async def _call(self, shell: _Shell, call_id: int, request: bytes,
                    on_progress: ProgressCallback | None) -> PSResult:
        waiter = shell.send(call_id, request, on_progress)
        try:
            return await waiter
        except asyncio.CancelledError:
            shell.stop(call_id)  # that pipeline only; the process serves the next call
            raise

    async def _shell_for_call(self) -> _Shell:
        """The host's PowerShell process, started (or restarted) when there is none."""
        async with self._shell_lock:
            if self._shell is not None and self._shell.alive:
                return self._shell
            for attempt in (1, 2):
                conn = await self._connection()
                try:
                    process = await conn.create_process(self._command, encoding=None)
                except (asyncssh.ChannelOpenError, asyncssh.DisconnectError, OSError) as exc:
                    # Nothing ran yet: a connection that died while idle is reopened once.
                    await self._forget(conn)
                    if attempt == 2:
                        raise SessionLost(
                            f"cannot open a channel to {self.endpoint.label}: {_reason(exc)}",
                            host=self.host,
                        ) from None
                    continue
                self.shells_started += 1
                self._shell = _Shell(self, conn, process)
                return self._shell
            raise AssertionError("unreachable")

    async def _forget(self, conn: asyncssh.SSHClientConnection) -> None:
        async with self._lock:
            if self._conn is conn:
                self._drop()


def _reason(exc: BaseException) -> str:
    return str(getattr(exc, "reason", "") or exc or type(exc).__name__)


_FRAME = re.compile(rb"hvtui (\d+) (progress|result) ")


def _split_frame(line: bytes) -> tuple[int, bytes, bytes] | None:
    """(call id, kind, base64 payload) of a frame line, None for any other line. The payload
    (hundreds of kilobytes for a large host) is checked by the base64 decoder, not a regex."""
    head = _FRAME.match(line)
    if head is None:
        return None
    return int(head[1]), head[2], line[head.end():].rstrip(b"\r\n")


class _Shell:
    """One long-lived PowerShell process on the host and the calls it is serving."""

    def __init__(self, session: SSHSession, conn: asyncssh.SSHClientConnection,
                 process: asyncssh.SSHClientProcess[bytes]) -> None:
        self.session, self.conn, self.process = session, conn, process
        self.calls: dict[int, _Reply] = {}
        self.alive = True
        self.answered = False
        self.stderr = _StderrText()
        self._reader = asyncio.ensure_future(self._read())
        self._errors = asyncio.ensure_future(self.stderr.read(process.stderr))

    def send(self, call_id: int, request: bytes, on_progress: ProgressCallback | None
             ) -> asyncio.Future[PSResult]:
        reply = _Reply(on_progress, asyncio.get_running_loop().create_future())
        self.calls[call_id] = reply
        try:
            self.process.stdin.write(request)
        except (asyncssh.Error, OSError) as exc:
            self._fail(exc)
        return reply.done

    def stop(self, call_id: int) -> None:
        if self.calls.pop(call_id, None) is not None and self.alive:
            with contextlib.suppress(asyncssh.Error, OSError):
                self.process.stdin.write(b"stop %d\n" % call_id)

    async def _read(self) -> None:
        reason: BaseException | None = None
        try:
            while line := await self.process.stdout.readline():
                if not line.endswith(b"\n"):
                    break  # cut off: the process or the connection ended mid-frame
                frame = _split_frame(line)
                if frame is None:
                    continue  # the console host's own output, if any
                call_id, kind, payload = frame
                reply = self.calls.get(call_id)
                if reply is None:
                    continue  # a call hvtui stopped waiting for
                try:
                    # In this loop's CPU turn: fifty hosts answering at once are decoded one
                    # after another, the loop running in between (see cpu_turns).
                    async with cpu_turn():
                        values = _frame_values(payload)
                except ProtocolError as exc:
                    self.calls.pop(call_id, None)
                    reply.fail(ProtocolError(exc.cause, host=self.session.host, hint=exc.hint))
                    continue
                if kind == b"progress":
                    reply.progress_frame(values)
                else:
                    self.answered = True
                    self.calls.pop(call_id, None)
                    reply.finish(values, self.session)
            await self._errors
            await self.process.wait_closed()
        except (asyncssh.Error, OSError) as exc:
            reason = exc
        self._fail(reason)

    def _fail(self, reason: BaseException | None) -> None:
        """The process or the connection ended: fail the calls in flight."""
        self.alive = False
        if reason is not None:
            self.conn.close()
        calls, self.calls = self.calls, {}
        for reply in calls.values():
            reply.fail(self._lost(reason))
        self.process.close()

    def _lost(self, reason: BaseException | None) -> RemoteError:
        session = self.session
        status = self.process.exit_status
        said = self.stderr.summary()
        if reason is None and status not in (None, 0) and not self.answered:
            executable = EXECUTABLES[session.shell]
            if session.shell == "pwsh":
                hint = "is PowerShell 7 (pwsh) installed and on the PATH? If not, use 'powershell'"
            else:
                hint = (f"check that '{executable} -NoProfile' runs for {session.username} "
                        "on the host")
            cause = f"{executable} ended (exit status {status}) before the script finished"
            return RemoteError(f"{cause}: {said}" if said else cause, host=session.host,
                               hint=hint)
        if reason is not None:
            why = _reason(reason)
        elif status is None:
            why = "the connection closed mid-reply"
        else:
            why = f"the PowerShell process ended (exit status {status})"
            why += f": {said}" if said else ""
        return SessionLost(f"{session.endpoint.label} stopped answering mid-call: {why}",
                           host=session.host,
                           hint="the script may or may not have run; refresh before "
                           "retrying a change")

    async def close(self) -> None:
        self.alive = False
        with contextlib.suppress(asyncssh.Error, OSError):
            self.process.stdin.write_eof()
        self.process.close()
        self._reader.cancel()
        self._errors.cancel()
        with contextlib.suppress(asyncio.CancelledError, asyncssh.Error, OSError):
            await self.process.wait_closed()


def _frame_values(data: bytes) -> list[PSValue]:
    try:
        # binascii's strict mode checks the alphabet in C (b64decode's validate=True runs a
        # regex over the whole payload: twenty times slower for a large host).
        text = binascii.a2b_base64(data, strict_mode=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ProtocolError(f"a reply frame is not base64 UTF-8: {exc}") from None
    values = clixml.parse_documents(text.removeprefix(_BOM))
    if len(values) == 1 and isinstance(values[0][0], list):
        return values[0][0]
    return [value for value, _ in values]


class _StderrText:
    """The process's stderr, kept to explain a failure (host errors are CLIXML)."""

    def __init__(self) -> None:
        self.text = ""
        self.errors: list[ErrorRecord] = []

    async def read(self, reader: asyncssh.SSHReader[bytes]) -> None:
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        pending = ""
        while chunk := await reader.read(65536):
            text = decoder.decode(chunk)
            if len(self.text) < _STDERR_KEPT:
                self.text += text
            with contextlib.suppress(ProtocolError):
                documents, pending = clixml.split_documents(pending + text, final=False)
                for document in documents:
                    self.errors += [clixml.error_record(v) for v, stream in
                                    clixml.parse_document(document) if stream is Stream.ERROR]

    def summary(self) -> str:
        said = "; ".join(e.message.strip() for e in self.errors if e.message.strip())
        if not said and not self.text.lstrip().startswith(clixml.HEADER):
            said = " ".join(self.text.split())[:300]
        return said


class _Reply:
    """One call's frames, turned into a PSResult."""

    def __init__(self, on_progress: ProgressCallback | None,
                 done: asyncio.Future[PSResult]) -> None:
        self.on_progress = on_progress
        self.done = done
        self.progress: list[ProgressRecord] = []

    def progress_frame(self, values: list[PSValue]) -> None:
        for value in values:
            record = clixml.progress_record(value)
            if record is not None:
                self.progress.append(record)
                if self.on_progress is not None:
                    self.on_progress(record)

    def fail(self, error: BaseException) -> None:
        if not self.done.done():
            self.done.set_exception(error)

    def finish(self, values: list[PSValue], session: SSHSession) -> None:
        objects: list[PSObjectData] = []
        errors: list[ErrorRecord] = []
        warnings: list[str] = []
        terminated = ended = False
        for value in values:
            kind = value.get(MARKER) if isinstance(value, dict) else None
            if kind is None:
                objects.append(cast(PSObjectData, value))
            elif kind == "end":
                ended = True
            elif kind == "warning":
                warnings.append(str(cast(dict[str, PSValue], value).get("Message") or ""))
            elif kind in ("error", "terminating"):
                errors.append(clixml.error_record(value))
                terminated = terminated or kind == "terminating"
        if not ended:
            self.fail(ProtocolError("the host's reply has no end marker", host=session.host,
                                    hint="the bootstrap on the host may be damaged"))
            return
        if not self.done.done():
            self.done.set_result(PSResult(objects=objects, errors=errors, warnings=warnings,
                                          progress=self.progress, had_errors=terminated))


_BOM = "\ufeff"


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
    "frame",
    "host_pattern",
    "known_hosts_line",
    "request_line",
    "warning_marker",
]
