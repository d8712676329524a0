"""CPU-bound work on the event loop, one piece at a time, in short slices.

Decoding a reply runs on the loop in slices (a worker thread would not keep it off the
loop: the GIL). Slicing alone is not enough: when fifty hosts answer in the same moment,
fifty decoders each taking a 4 ms slice in one loop iteration freeze the loop for 200 ms,
since asyncio runs every ready callback before it looks at timers and input again. So
CPU-bound work takes turns: one holder at a time per loop (first come, first served), and
the holder hands the loop back whenever its slice is spent.

    async with cpu_turn() as turn:
        for item in work:
            handle(item)
            await turn.pause()
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

SLICE = 0.004
"""Seconds of CPU work before the event loop gets a turn."""

_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary())


class Turn:
    """The right to use the loop's CPU, held by one task at a time."""

    def __init__(self, budget: float) -> None:
        self.budget = budget
        self.deadline = time.perf_counter() + budget
        self.pauses = 0
        """How many times the holder handed the loop back."""

    async def pause(self) -> None:
        """Hand the loop back if this slice is spent (the turn is kept)."""
        if time.perf_counter() >= self.deadline:
            self.pauses += 1
            await asyncio.sleep(0)
            self.deadline = time.perf_counter() + self.budget


@asynccontextmanager
async def cpu_turn(budget: float = SLICE) -> AsyncIterator[Turn]:
    """Wait for this loop's CPU turn, then hold it for the block."""
    loop = asyncio.get_running_loop()
    lock = _locks.get(loop)
    if lock is None:
        lock = _locks[loop] = asyncio.Lock()
    async with lock:
        yield Turn(budget)
