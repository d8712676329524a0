"""Long operations: migrations, exports, drains."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace

from hvtui.model.enums import JobState


@dataclass(frozen=True, slots=True)
class Job:
    id: int
    host: str
    operation: str
    """Human title, e.g. ``Live-migrate web01 to HV-NODE2``."""
    target: str
    started: dt.datetime
    state: JobState = JobState.Queued
    percent: int = 0
    status: str = ""
    """The latest progress or outcome message."""
    finished: dt.datetime | None = None

    def progressed(self, percent: int, status: str) -> Job:
        return replace(self, state=JobState.Running, percent=max(0, min(100, percent)),
                       status=status)

    def ended(self, state: JobState, status: str, when: dt.datetime) -> Job:
        percent = 100 if state is JobState.Completed else self.percent
        return replace(self, state=state, status=status, finished=when, percent=percent)

    @property
    def duration(self) -> dt.timedelta | None:
        return None if self.finished is None else self.finished - self.started

    @property
    def news(self) -> str:
        """The host's latest words, without a bare percentage: a host that reports progress
        as ``40%`` alone (the module's PercentCompleteTemplate) says nothing the percent
        does not already show."""
        return "" if _BARE_PERCENT.fullmatch(self.status.strip()) else self.status

    def elapsed(self, now: dt.datetime) -> float:
        """Seconds since the job started (until it finished, once it has)."""
        end = self.finished or now
        return max(0.0, (end - self.started).total_seconds())

    def remaining(self, now: dt.datetime) -> float | None:
        """Seconds left at the pace so far; None before any progress or once finished."""
        if self.finished is not None or not 0 < self.percent < 100:
            return None
        return self.elapsed(now) * (100 - self.percent) / self.percent


_BARE_PERCENT = re.compile(r"\d{1,3}(?:[.,]\d+)?\s*%")
