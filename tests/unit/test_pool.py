"""SessionPool: one session per host, bounded concurrency, timeouts, backoff, reconnects."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping

import pytest
from scripted_session import Behaviour, ScriptedSession

from hvtui.errors import ConnectError, RemoteTimeout, SessionLost
from hvtui.remote.base import ParamValue, ProgressCallback, PSResult
from hvtui.remote.pool import SessionPool


def make_pool(n: int, behaviour: Behaviour, **kw: object) -> SessionPool:
    def factory(name: str) -> Callable[[], ScriptedSession]:
        return lambda: ScriptedSession(name, behaviour)

    return SessionPool({f"h{i}": factory(f"h{i}") for i in range(n)}, **kw)  # type: ignore[arg-type]


async def test_one_session_per_host_reused() -> None:
    ScriptedSession.opened = 0
    pool = make_pool(3, Behaviour())
    for _ in range(3):
        await asyncio.gather(*(pool.invoke(h, "x") for h in pool.hosts))
    assert ScriptedSession.opened == 3


async def test_concurrency_is_bounded() -> None:
    behaviour = Behaviour(delay=0.01)
    pool = make_pool(20, behaviour, max_concurrency=4)
    await asyncio.gather(*(pool.invoke(h, "x") for h in pool.hosts))
    assert behaviour.peak == 4


async def test_timeout_names_host_and_discards_session() -> None:
    behaviour = Behaviour(delay=5)
    pool = make_pool(1, behaviour, grace=0.05)  # the scripted session ignores its timeout
    with pytest.raises(RemoteTimeout) as err:
        await pool.invoke("h0", "x", timeout=0.05)
    assert err.value.host == "h0" and "0.05 s" in err.value.user_message()
    assert pool.backoff_remaining("h0") > 0


async def test_dropped_session_reconnects_after_backoff() -> None:
    now = [100.0]
    ScriptedSession.opened = 0
    behaviour = Behaviour(fail=SessionLost("dropped", host="h0"))
    pool = make_pool(1, behaviour, clock=lambda: now[0], backoff_base=2.0)
    with pytest.raises(SessionLost):
        await pool.invoke("h0", "x")
    # While backing off, the pool answers with the last error without connecting.
    with pytest.raises(SessionLost):
        await pool.invoke("h0", "x")
    assert ScriptedSession.opened == 1
    now[0] += 2.5
    result = await pool.invoke("h0", "x")
    assert result.objects[0]["Host"] == "h0" and ScriptedSession.opened == 2
    assert pool.backoff_remaining("h0") == 0


async def test_unknown_host_is_a_clear_error() -> None:
    pool = make_pool(1, Behaviour())
    with pytest.raises(ConnectError) as err:
        await pool.invoke("nope", "x")
    assert "nope" in str(err.value) and "h0" in str(err.value)


async def test_slow_host_does_not_block_others() -> None:
    fast = Behaviour()
    slow = Behaviour(delay=10)
    pool = SessionPool({"slow": lambda: ScriptedSession("slow", slow),
                        "fast": lambda: ScriptedSession("fast", fast)})
    slow_task = asyncio.create_task(pool.invoke("slow", "x"))
    result = await asyncio.wait_for(pool.invoke("fast", "x"), 2)
    assert result.objects[0]["Host"] == "fast"
    slow_task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await slow_task


async def test_each_host_keeps_its_own_timeout() -> None:
    quick = Behaviour(delay=30)
    patient = Behaviour(delay=0.3)
    pool = SessionPool({"quick": lambda: ScriptedSession("quick", quick),
                        "patient": lambda: ScriptedSession("patient", patient)},
                       timeouts={"quick": 0.1, "patient": 30}, grace=0.05)
    assert pool.timeout_for("quick") == 0.1 and pool.timeout_for("patient") == 30
    # The frozen host times out at its own 0.1 s, not at the largest timeout of the pool...
    with pytest.raises(RemoteTimeout, match="0.1 s"):
        await pool.invoke("quick", "x")
    # ...and the slower host is not held to the quick host's timeout.
    assert (await pool.invoke("patient", "x")).objects[0]["Host"] == "patient"
    # A call may still ask for its own timeout.
    with pytest.raises(RemoteTimeout, match="0.05 s"):
        await pool.invoke("patient", "x", timeout=0.05)
    await pool.close()


class StubbornSession(ScriptedSession):
    """A transport that ignores its timeout and swallows the first cancellation."""

    async def invoke(self, script: str, parameters: Mapping[str, ParamValue] | None = None, *,
                     timeout: float | None = None, on_progress: ProgressCallback | None = None
                     ) -> PSResult:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            await asyncio.sleep(3600)  # cancelled again by pool.close()
        raise AssertionError("unreachable")


async def test_a_transport_that_never_gives_up_is_reported_at_timeout_plus_grace() -> None:
    pool = SessionPool({"h0": lambda: StubbornSession("h0")},
                       timeouts={"h0": 0.2}, grace=0.2, close_wait=0.2)
    with pytest.raises(RemoteTimeout) as err:
        # The session would hold the call for an hour; 60 s only guards against a hang.
        await asyncio.wait_for(pool.invoke("h0", "x"), 60)
    assert err.value.host == "h0" and "0.2 s" in err.value.cause
    assert pool.backoff_remaining("h0") > 0
    await pool.close()  # cancels the call still running behind


async def test_closing_a_session_does_not_hold_up_the_caller() -> None:
    closing = asyncio.Event()
    release = asyncio.Event()

    class SlowToClose(ScriptedSession):
        async def close(self) -> None:
            closing.set()
            await release.wait()

    dropped = Behaviour(fail=SessionLost("x", host="h0"))
    pool = SessionPool({"h0": lambda: SlowToClose("h0", dropped)}, timeouts={"h0": 5})
    with pytest.raises(SessionLost):
        await asyncio.wait_for(pool.invoke("h0", "x"), 5)
    await asyncio.wait_for(closing.wait(), 5)  # closing started, behind the caller's back
    release.set()
    await pool.close()
