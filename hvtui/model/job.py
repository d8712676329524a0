"""Long operations: migrations, exports, drains."""

from __future__ import annotations

import datetime as dt
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
