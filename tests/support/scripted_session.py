"""One scripted Session for the tests of what carries a call, not of what runs it (no tests here).

The pool (tests/unit/test_pool.py), the SSH transport (tests/wire/test_ssh_transport.py) and
the lab's WinRM endpoint (tests/wire/test_psrp_endpoint.py, test_psrp_domain_auth.py) need a
host whose answers the test chooses. A call's ``Mode`` parameter picks the answer (an echo of
the call when there is none); a :class:`Behaviour`, which several sessions may share, adds a
delay and a failure and counts the calls in flight across them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hvtui.remote.base import ErrorRecord, ParamValue, ProgressCallback, ProgressRecord, PSResult

NASTY = "it's \"quoted\" ‘single’ “double” `tick` $env:PATH; Remove-Item C:\\ -Recurse # 'x'"
JAPANESE = "仮想マシン「テスト」・ボリューム"

ROUND_TRIP: dict[str, Any] = {
    "Nasty": NASTY,
    "Japanese": JAPANESE,
    "Controls": "line1\r\nline2\ttab _x000D_ literal",
    "Int32": 2147483647,
    "Int64": 2**40,
    "Negative": -42,
    "True": True,
    "False": False,
    "Float": 1.5,
    "When": dt.datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=dt.UTC),
    "Span": dt.timedelta(days=1, hours=2, seconds=3, microseconds=500),
    "List": ["a", NASTY, 3],
    "Nothing": None,
    "Nested": {"Inner": {"Deep": JAPANESE, "N": 7}, "Tags": ["p", "q"]},
    # What psrpcore's writer got wrong: 10 s written as PT1S, an empty record read back
    # as text, U+FFFE written raw (invalid XML).
    "TenSeconds": dt.timedelta(seconds=10),
    "Empty": {},
    "Astral": "🖥 𠮷 \x7f\ufffe",
    "Bytes": b"\x00\xffhv",
}
"""What ``Mode = values`` returns: every kind of value a host's object may carry."""

HYPERV_ERROR = ErrorRecord(
    message="Hyper-V was unable to find a virtual machine with name \"vm'1\".",
    category="InvalidArgument",
    error_id="InvalidParameter,Microsoft.HyperV.PowerShell.Commands.GetVM",
    target="vm'1",
    activity="Get-VM",
    reason="VirtualizationException",
)


@dataclass
class Behaviour:
    """What every call of the sessions sharing it does first, and how many ran at once."""

    delay: float = 0.0
    """Seconds each call waits, whatever its timeout (a host that is slow or frozen)."""
    fail: BaseException | None = None
    """Raised by the next call, once (a host that dropped the connection)."""
    active: int = 0
    peak: int = 0


class ScriptedSession:
    """A test Session: what a call answers is chosen by its ``Mode`` parameter."""

    opened = 0
    """Sessions made since a test set it to 0 (how often the pool connected)."""

    def __init__(self, host: str, behaviour: Behaviour | None = None) -> None:
        self.host = host
        self.behaviour = Behaviour() if behaviour is None else behaviour
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.started = asyncio.Event()
        self.cancelled = asyncio.Event()
        self.release = asyncio.Event()
        ScriptedSession.opened += 1

    async def invoke(
        self,
        script: str,
        parameters: Mapping[str, ParamValue] | None = None,
        *,
        timeout: float | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> PSResult:
        params: dict[str, Any] = dict(parameters or {})
        self.calls.append((script, params))
        shared = self.behaviour
        shared.active += 1
        shared.peak = max(shared.peak, shared.active)
        try:
            await asyncio.sleep(shared.delay)
            fail, shared.fail = shared.fail, None
            if fail is not None:
                raise fail
            return await self._answer(script, params, on_progress)
        finally:
            shared.active -= 1

    async def _answer(self, script: str, params: dict[str, Any],
                      on_progress: ProgressCallback | None) -> PSResult:
        mode = params.get("Mode", "echo")
        if mode == "echo":
            return PSResult(objects=[{"Host": self.host, "Script": script, **params}])
        if mode == "values":
            return PSResult(objects=[dict(ROUND_TRIP)])
        if mode == "many":
            return PSResult(objects=[{"Index": i, "Name": f"vm-{i}"} for i in range(10)])
        if mode == "errors":
            return PSResult(
                objects=[{"Name": "before"}],
                errors=[HYPERV_ERROR],
                warnings=["The VM's checkpoint is old; ‘careful’"],
            )
        if mode == "terminating":
            stop = ErrorRecord("Stop here", category="OperationStopped", error_id="Stop")
            return PSResult(errors=[HYPERV_ERROR, stop], had_errors=True)
        if mode == "progress":
            for percent in (0, 50, 100):
                assert on_progress is not None
                on_progress(ProgressRecord("Moving vm1", f"{percent}% done", percent))
                await asyncio.sleep(0)
            return PSResult(objects=[{"Done": True}])
        if mode == "progress_then_wait":
            assert on_progress is not None
            on_progress(ProgressRecord("Exporting vm1", "copying disks", 10))
            await self.release.wait()  # released by whoever saw the progress record
            return PSResult(objects=[{"Done": True}])
        if mode == "sleep":
            self.started.set()
            try:
                await asyncio.sleep(float(params.get("Seconds") or 30))
            except asyncio.CancelledError:
                self.cancelled.set()
                raise
            return PSResult()
        raise AssertionError(f"unknown mode {mode!r}")

    async def close(self) -> None:
        return None
