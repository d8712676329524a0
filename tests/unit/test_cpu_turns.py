"""CPU-bound work takes turns on the event loop: one holder at a time, slices between."""

from __future__ import annotations

import asyncio

from hvtui.remote.cpu_turns import cpu_turn


async def test_holders_never_interleave_and_the_loop_runs_between_slices() -> None:
    trace: list[str] = []
    ticks = 0

    async def other_work() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    async def decoder(name: str) -> int:
        async with cpu_turn(budget=0.0) as turn:
            for step in range(5):
                trace.append(f"{name}{step}")
                await turn.pause()
            return turn.pauses

    other = asyncio.create_task(other_work())
    await asyncio.sleep(0)
    before = ticks
    pauses = await asyncio.gather(decoder("a"), decoder("b"), decoder("c"))
    other.cancel()
    # First come, first served, each to the end: never a slice of one between two of another.
    assert trace == [f"{n}{s}" for n in "abc" for s in range(5)]
    assert list(pauses) == [5, 5, 5]
    assert ticks - before >= 15  # the loop had a turn after every slice


async def test_a_turn_is_released_when_its_holder_fails() -> None:
    async def failing() -> None:
        async with cpu_turn():
            raise ValueError("bad reply")

    results = await asyncio.gather(failing(), return_exceptions=True)
    assert isinstance(results[0], ValueError)
    async with asyncio.timeout(1):
        async with cpu_turn() as turn:
            assert turn.pauses == 0


def test_each_event_loop_has_its_own_turn() -> None:
    async def hold() -> int:
        async with cpu_turn() as turn:
            await turn.pause()
            return turn.pauses

    assert asyncio.run(hold()) in (0, 1)
    assert asyncio.run(hold()) in (0, 1)  # a lock bound to the first loop would fail here
