"""The server side of one PSRP runspace pool (a WinRM "shell") for the lab.

psrpcore does the protocol: fragments, CLIXML, the runspace pool and pipeline
state machines (output records are written by :mod:`hvtui.remote.clixml_write`: the
CLIXML psrpcore would write, only faster and without psrpcore's mistakes). This
module connects it to WS-Management and to a lab host's
:class:`~hvtui.remote.base.Session`:

- a Command's CreatePipeline message carries one script (``AddScript``) and its
  named parameters; the script runs as ``Session.invoke`` in an asyncio task;
- progress goes out as it happens, the rest of the streams when the script ends,
  then the pipeline state (Completed, or Failed with the terminating error);
- the PSRP stop signal cancels that task and reports the pipeline Stopped.

Outgoing data waits in a queue per target (the pool, or one command) until a
WS-Management Receive for that target collects it, as WinRM does.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from psrpcore import (
    CreatePipelineEvent,
    GetAvailableRunspacesEvent,
    GetCommandMetadataEvent,
    PSRPCoreError,
    PSRPEvent,
    PSRPPayload,
    ResetRunspaceStateEvent,
    ServerPipeline,
    ServerRunspacePool,
    SetMaxRunspacesEvent,
    SetMinRunspacesEvent,
    StreamType,
)
from psrpcore._payload import PSRPMessage, create_message
from psrpcore._pipeline import PowerShell as PipelineSpec
from psrpcore.types import (
    ErrorCategory,
    ErrorCategoryInfo,
    NETException,
    PSInvocationState,
    PSRPMessageType,
    PSString,
    RunspacePoolState,
)
from psrpcore.types import ErrorRecord as PSErrorRecord

from hvtui.remote import clixml_write
from hvtui.remote.base import ErrorRecord, ParamValue, ProgressRecord, PSResult, Session
from hvtui.remote.plain import to_plain

log = logging.getLogger(__name__)

FRAGMENT_BYTES = 32 * 1024
"""Largest PSRP payload queued at once; a Receive reply carries whole payloads only."""
STOP_GRACE = 10.0
"""Seconds a stopped script gets to unwind before its pipeline is reported Stopped."""
UNCLAIMED_TTL = 300.0
"""Seconds a finished command whose output nobody collects is kept before it is dropped."""
OUTPUT_BATCH = 50
"""Output objects serialised between two yields to the event loop."""

_TERMINAL = (PSInvocationState.Completed, PSInvocationState.Failed, PSInvocationState.Stopped)


class PipelineRefused(Exception):
    """The CreatePipeline message asks for something the lab does not run."""

    def __init__(self, record: ErrorRecord) -> None:
        super().__init__(record.message)
        self.record = record


def script_call(spec: PipelineSpec) -> tuple[str, dict[str, ParamValue]]:
    """The script text and named parameters of a pipeline built with AddScript/AddParameter."""
    if len(spec.commands) != 1 or not spec.commands[0].is_script:
        names = ", ".join(str(c.command_text)[:40] for c in spec.commands) or "nothing"
        raise PipelineRefused(ErrorRecord(
            f"This endpoint runs exactly one script per pipeline (AddScript); received: {names}.",
            category="NotImplemented", error_id="hvtuiLabScriptOnly",
            reason="NotSupportedException",
        ))
    command = spec.commands[0]
    parameters: dict[str, ParamValue] = {}
    for name, value in command.parameters:
        if not name:
            raise PipelineRefused(ErrorRecord(
                "Positional arguments are not supported; pass every value as a named parameter.",
                category="InvalidArgument", error_id="hvtuiLabNamedParametersOnly",
                reason="ParameterBindingException",
            ))
        key = str(name)
        if any(key.casefold() == known.casefold() for known in parameters):
            raise PipelineRefused(ErrorRecord(
                f"Cannot bind parameter because parameter '{key}' is specified more than once.",
                category="InvalidArgument", error_id="ParameterAlreadyBound",
                activity=key, reason="ParameterBindingException",
            ))
        parameters[key] = to_plain(value)  # type: ignore[assignment]  # scalars and lists only
    return str(command.command_text), parameters


def ps_error_record(record: ErrorRecord) -> PSErrorRecord:
    """An hvtui ErrorRecord as the psrpcore ErrorRecord PowerShell would send."""
    try:
        category = ErrorCategory[record.category]
    except KeyError:
        category = ErrorCategory.NotSpecified
    return PSErrorRecord(
        Exception=NETException(Message=record.message),
        CategoryInfo=ErrorCategoryInfo(
            Category=category,
            Activity=record.activity or None,
            Reason=record.reason or None,
            TargetName=record.target or None,
        ),
        TargetObject=PSString(record.target) if record.target else None,
        FullyQualifiedErrorId=record.error_id or None,
    )


class LabRunspacePool(ServerRunspacePool):
    """psrpcore's server pool, able to queue output that is already CLIXML."""

    def write_clixml_output(self, pipeline: ServerPipeline, clixml: bytes) -> None:
        """``pipeline.write_output`` for an object serialised by :mod:`hvtui.remote.clixml_write`.

        Mirrors psrpcore's ``prepare_message`` after its serialisation step: psrpcore
        still numbers, frames and fragments the message.
        """
        if pipeline.state != PSInvocationState.Running:
            raise PSRPCoreError("write pipeline output: the pipeline is not running")
        message_type = PSRPMessageType.PipelineOutput
        data = create_message(False, message_type, clixml, self.runspace_pool_id,
                              pipeline.pipeline_id)
        self._send_buffer.append(PSRPMessage(
            message_type, bytearray(data), self.runspace_pool_id, pipeline.pipeline_id,
            self._fragment_counter, StreamType.default,
        ))


class LabCommand:
    """One pipeline (a WinRM command) in a lab shell."""

    def __init__(self, shell: LabShell, command_id: str) -> None:
        self.shell = shell
        self.id = command_id
        self.pipeline = ServerPipeline(shell.pool, uuid.UUID(command_id))
        self.outbox: collections.deque[bytes] = collections.deque()
        self.ready = asyncio.Event()
        """Set when there is output to collect or the command reached its end."""
        self.task: asyncio.Task[None] | None = None
        self.dropped = False
        """True once the shell forgot this command (terminated, collected or expired)."""

    @property
    def finished(self) -> bool:
        return self.pipeline.state in _TERMINAL

    def start(self, spec: PipelineSpec) -> None:
        self.pipeline.start()
        try:
            script, parameters = script_call(spec)
        except PipelineRefused as refused:
            self._fail(refused.record)
            return
        self.task = asyncio.get_running_loop().create_task(
            self._run(script, parameters), name=f"lab-psrp-{self.shell.host}-{self.id}"
        )

    def refuse(self, record: ErrorRecord) -> None:
        self.pipeline.start()
        self._fail(record)

    async def _run(self, script: str, parameters: Mapping[str, ParamValue]) -> None:
        try:
            result = await self.shell.session.invoke(script, parameters, on_progress=self._progress)
        except asyncio.CancelledError:
            if self.pipeline.state == PSInvocationState.Running:
                # Cancelled by something other than a stop signal (the lab shutting down):
                # tell the client the pipeline stopped rather than leave it waiting.
                self.pipeline.stop()
                self._finished()
            raise
        except Exception as exc:  # noqa: BLE001 - a failing session fails the pipeline, as a host would
            log.warning("lab host %s: script failed with %r", self.shell.host, exc)
            message = str(getattr(exc, "cause", "") or exc or type(exc).__name__)
            self._fail(ErrorRecord(message, error_id=type(exc).__name__, reason=type(exc).__name__))
        else:
            await self._finish(result)
        finally:
            self.shell.flush()

    def _progress(self, record: ProgressRecord) -> None:
        if self.pipeline.state != PSInvocationState.Running:
            return
        self.pipeline.write_progress(
            record.activity, 0, record.status, percent_complete=record.percent
        )
        self.shell.flush()

    async def _finish(self, result: PSResult) -> None:
        try:
            for index, item in enumerate(result.objects, 1):
                if self.pipeline.state != PSInvocationState.Running:
                    return  # stopped while the script was still unwinding
                # TypeError/ValueError: a value PowerShell cannot carry (see below).
                clixml = clixml_write.write_element(item).encode("utf-8")
                self.shell.pool.write_clixml_output(self.pipeline, clixml)
                if index % OUTPUT_BATCH == 0:
                    # Serialising is CPU work: let the client collect what is ready and let
                    # the rest of the event loop (the lab's other hosts, the UI) run.
                    self.shell.flush()
                    await asyncio.sleep(0)
        except (TypeError, ValueError) as exc:
            self._fail(ErrorRecord(
                f"Cannot serialize the output: {exc}", category="InvalidData",
                error_id="hvtuiLabSerialization", reason="SerializationException",
            ))
            return
        if self.pipeline.state != PSInvocationState.Running:
            return
        for warning in result.warnings:
            self.pipeline.write_warning(warning)
        errors = list(result.errors)
        terminating = errors.pop() if result.had_errors and errors else None
        for error in errors:
            record = ps_error_record(error)
            self.pipeline.write_error(
                record.Exception, record.CategoryInfo, record.TargetObject,
                record.FullyQualifiedErrorId,
            )
        if result.had_errors:
            self._fail(terminating or ErrorRecord("The script failed.", error_id="ScriptFailed"))
        else:
            self.pipeline.complete()
            self._finished()

    def _fail(self, record: ErrorRecord) -> None:
        # psrpcore's ServerPipeline has no public "fail": Failed is reached through the
        # state change that also emits the PipelineState message with the error record.
        self.pipeline._change_state(PSInvocationState.Failed, ps_error_record(record))
        self._finished()

    def _finished(self) -> None:
        self.ready.set()
        asyncio.get_running_loop().call_later(UNCLAIMED_TTL, self.shell.drop_command, self.id)

    async def stop(self) -> None:
        """Cancel the running script and report the pipeline Stopped."""
        if self.task is not None and not self.task.done():
            self.task.cancel()
            await asyncio.wait({self.task}, timeout=STOP_GRACE)
        if self.pipeline.state in (PSInvocationState.Running, PSInvocationState.Stopping):
            self.pipeline.stop()
            self._finished()
        self.shell.flush()

    def abandon(self) -> asyncio.Task[None] | None:
        """Cancel the script without waiting (the shell forgets the command); its task."""
        self.dropped = True
        self.ready.set()
        if self.task is not None and not self.task.done():
            self.task.cancel()
            return self.task
        return None


class LabShell:
    """A runspace pool opened by one client on one lab host."""

    def __init__(
        self,
        shell_id: str,
        *,
        host: str,
        session: Session,
        owner: str,
        client_ip: str,
        resource_uri: str,
    ) -> None:
        self.id = shell_id
        self.host = host
        self.session = session
        self.owner = owner
        self.client_ip = client_ip
        self.resource_uri = resource_uri
        self.created = time.monotonic()
        self.last_used = self.created
        self.pool = LabRunspacePool()
        self.commands: dict[str, LabCommand] = {}
        self.outbox: collections.deque[bytes] = collections.deque()
        self.ready = asyncio.Event()
        self.closed = False
        self.receiving = 0
        """Receives waiting right now (a shell with one is in use, not idle)."""

    # -- input ---------------------------------------------------------------

    def open(self, creation_data: bytes) -> None:
        """Feed the creationXml fragments (SessionCapability, InitRunspacePool)."""
        self.feed(creation_data, None)
        if self.pool.state != RunspacePoolState.Opened:
            raise PSRPCoreError("the creationXml did not open the runspace pool")

    def create_command(self, command_id: str, data: bytes) -> LabCommand:
        if command_id in self.commands:
            raise PSRPCoreError(f"a command with id {command_id} already exists")
        command = LabCommand(self, command_id)
        self.commands[command_id] = command
        try:
            self.feed(data, command_id)
        except Exception:
            self.commands.pop(command_id, None)
            self.pool.pipeline_table.pop(command.pipeline.pipeline_id, None)
            raise
        return command

    def feed(self, data: bytes, command_id: str | None) -> None:
        """Give fragments from the client to psrpcore and act on complete messages."""
        self.last_used = time.monotonic()
        pipeline_id = uuid.UUID(command_id) if command_id else None
        self.pool.receive_data(PSRPPayload(data, StreamType.default, pipeline_id))
        while True:
            event = self.pool.next_event()
            if event is None:
                break
            self._on_event(event)
        self.flush()

    def _on_event(self, event: PSRPEvent[Any, Any]) -> None:
        if isinstance(event, CreatePipelineEvent):
            command = self._command_for(event.pipeline_id)
            command.start(event.pipeline)
        elif isinstance(event, GetCommandMetadataEvent):
            self._command_for(event.pipeline_id).refuse(ErrorRecord(
                "Command metadata queries are not supported by this endpoint.",
                category="NotImplemented", error_id="hvtuiLabNoMetadata",
                reason="NotSupportedException",
            ))
        elif isinstance(event, GetAvailableRunspacesEvent):
            busy = sum(1 for c in self.commands.values() if not c.finished)
            free = max(0, self.pool.max_runspaces - busy)
            self.pool.runspace_availability_response(event.ci, free)
        elif isinstance(
            event, SetMaxRunspacesEvent | SetMinRunspacesEvent | ResetRunspaceStateEvent
        ):
            self.pool.runspace_availability_response(event.ci, True)
        # Everything else (session capability, init, pipeline input, key exchange) is
        # handled inside psrpcore or needs no action from a host without input.

    def _command_for(self, pipeline_id: uuid.UUID | None) -> LabCommand:
        for command in self.commands.values():
            if command.pipeline.pipeline_id == pipeline_id:
                return command
        raise PSRPCoreError(f"no command for pipeline {pipeline_id}")

    # -- output --------------------------------------------------------------

    def flush(self) -> None:
        """Move psrpcore's outgoing messages to the queue of the target they are for."""
        while True:
            payload = self.pool.data_to_send(FRAGMENT_BYTES)
            if payload is None:
                return
            target: LabCommand | LabShell = self
            if payload.pipeline_id is not None:
                for command in self.commands.values():
                    if command.pipeline.pipeline_id == payload.pipeline_id:
                        target = command
                        break
                else:
                    continue  # the command was already dropped; nobody will collect this
            target.outbox.append(payload.data)
            target.ready.set()

    async def receive(
        self,
        command_id: str | None,
        *,
        timeout: float,
        max_bytes: int,
        client_gone: Callable[[], bool] = lambda: False,
    ) -> tuple[list[bytes], bool]:
        """Wait for output of the pool or a command: (payloads, command done).

        Raises TimeoutError when nothing arrives in ``timeout`` seconds, KeyError
        when the command does not exist, and ConnectionResetError (taking nothing)
        when the client hung up while waiting, so a retried Receive gets the data.
        """
        self.last_used = time.monotonic()
        target: LabCommand | LabShell = self if command_id is None else self.commands[command_id]
        self.receiving += 1
        try:
            async with asyncio.timeout(timeout):
                while not target.outbox and not self.closed:
                    if isinstance(target, LabCommand) and (target.finished or target.dropped):
                        break
                    target.ready.clear()
                    await target.ready.wait()
        finally:
            self.receiving -= 1
        if self.closed or (isinstance(target, LabCommand) and target.dropped and not target.outbox):
            raise KeyError(command_id or self.id)
        if client_gone():
            raise ConnectionResetError("the client closed the connection during Receive")
        chunks: list[bytes] = []
        size = 0
        while target.outbox and (not chunks or size + len(target.outbox[0]) <= max_bytes):
            chunk = target.outbox.popleft()
            chunks.append(chunk)
            size += len(chunk)
        done = isinstance(target, LabCommand) and target.finished and not target.outbox
        if done:
            self.drop_command(target.id)
        self.last_used = time.monotonic()
        return chunks, done

    # -- control -------------------------------------------------------------

    async def signal(self, command_id: str, *, terminate: bool) -> None:
        command = self.commands.get(command_id)
        if command is None:
            return  # already finished and collected: stopping it again is a no-op
        await command.stop()
        if terminate:
            self.drop_command(command_id)

    @property
    def busy(self) -> bool:
        """A script runs or a client waits for output."""
        return self.receiving > 0 or any(not c.finished for c in self.commands.values())

    def drop_command(self, command_id: str) -> asyncio.Task[None] | None:
        command = self.commands.pop(command_id, None)
        if command is None:
            return None
        self.pool.pipeline_table.pop(command.pipeline.pipeline_id, None)
        return command.abandon()

    def close(self) -> list[asyncio.Task[None]]:
        """Cancel every running script and wake every waiting Receive; the cancelled tasks."""
        self.closed = True
        cancelled = [self.drop_command(command_id) for command_id in list(self.commands)]
        self.ready.set()
        return [task for task in cancelled if task is not None]
