"""The lab's clock: simulated time that runs ``speed`` times faster than real time.

Everything alive in the estate (CPU load, memory demand, uptime, replication times) is a
function of this clock, and long operations (Move-VM, Export-VM, drain) wait on it. With
``speed = inf`` (``instant=True``) waiting does not sleep: it moves simulated time forward
by the waited amount at once, so a migration completes immediately yet reports the same
progress and leaves the same traces (uptime, last replication) as a slow one.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import math
import threading
import time


class LabClock:
    """Simulated UTC time shared by every session of one lab. Safe to read from any thread."""

    def __init__(
        self, speed: float = 1.0, *, instant: bool = False, start: dt.datetime | None = None
    ) -> None:
        if instant:
            speed = math.inf
        if not speed > 0:
            raise ValueError(f"lab clock speed must be greater than 0 (got {speed!r})")
        self._speed = float(speed)
        base = start or dt.datetime.now(dt.UTC)
        if base.tzinfo is None:
            base = base.replace(tzinfo=dt.UTC)
        self._start = base.astimezone(dt.UTC).replace(microsecond=0)
        self._real_start = time.monotonic()
        self._offset = 0.0
        self._lock = threading.Lock()

    @property
    def speed(self) -> float:
        """Simulated seconds per real second (``inf``: instant)."""
        return self._speed

    @property
    def instant(self) -> bool:
        return math.isinf(self._speed)

    @property
    def start(self) -> dt.datetime:
        """Simulated time when the lab was built (elapsed() counts from here)."""
        return self._start

    def elapsed(self) -> float:
        """Simulated seconds since :attr:`start`."""
        with self._lock:
            offset = self._offset
        if self.instant:
            return offset
        return offset + (time.monotonic() - self._real_start) * self._speed

    def now(self) -> dt.datetime:
        """The simulated current time (timezone-aware UTC)."""
        return self.at(self.elapsed())

    def at(self, elapsed: float) -> dt.datetime:
        """The simulated time ``elapsed`` seconds after :attr:`start`."""
        return self._start + dt.timedelta(seconds=elapsed)

    def advance(self, seconds: float) -> None:
        """Move simulated time forward (what an instant wait does; also a demo's time travel)."""
        if seconds < 0:
            raise ValueError("the lab clock never runs backwards")
        with self._lock:
            self._offset += seconds

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` of simulated time."""
        if seconds <= 0:
            await asyncio.sleep(0)
        elif self.instant:
            self.advance(seconds)
            await asyncio.sleep(0)
        else:
            await asyncio.sleep(seconds / self._speed)
