"""Long operations run as jobs: watched from the jobs view, surviving navigation.

A job wraps one coroutine (a migration, an export, a drain). Its progress comes
from the host's progress records; its end state from the result. Listeners get
every new :class:`~hvtui.model.Job` snapshot (frozen), so the UI only swaps values.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from collections.abc import Awaitable, Callable
from typing import TypeVar

from hvtui.errors import HvtuiError
from hvtui.model import Job, JobState
from hvtui.remote.base import ProgressRecord

T = TypeVar("T")
JobListener = Callable[[Job], None]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class JobManager:
    def __init__(self) -> None:
        self._jobs: dict[int, Job] = {}
        self._tasks: dict[int, asyncio.Task[object]] = {}
        self._listeners: list[JobListener] = []
        self._ids = itertools.count(1)

    def subscribe(self, listener: JobListener) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: JobListener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    @property
    def jobs(self) -> list[Job]:
        """All jobs, newest first."""
        return sorted(self._jobs.values(), key=lambda j: j.id, reverse=True)

    def _publish(self, job: Job) -> None:
        self._jobs[job.id] = job
        for listener in list(self._listeners):
            listener(job)

    def start(
        self,
        host: str,
        operation: str,
        target: str,
        work: Callable[[Callable[[ProgressRecord], None]], Awaitable[T]],
    ) -> tuple[Job, asyncio.Task[T]]:
        """Run ``work(progress_callback)`` as a job; return the job and its task."""
        job = Job(id=next(self._ids), host=host, operation=operation, target=target,
                  started=_now())
        self._publish(job)

        def progress(record: ProgressRecord) -> None:
            current = self._jobs[job.id]
            if not current.state.finished:
                self._publish(current.progressed(record.percent if record.percent >= 0
                                                 else current.percent, record.status))

        async def run() -> T:
            self._publish(self._jobs[job.id].progressed(0, "started"))
            try:
                result = await work(progress)
            except asyncio.CancelledError:
                self._publish(self._jobs[job.id].ended(JobState.Cancelled, "cancelled", _now()))
                raise
            except HvtuiError as exc:
                self._publish(self._jobs[job.id].ended(JobState.Failed, exc.user_message(),
                                                       _now()))
                raise
            except Exception as exc:
                self._publish(self._jobs[job.id].ended(
                    JobState.Failed, f"unexpected {type(exc).__name__}: {exc}", _now()))
                raise
            self._publish(self._jobs[job.id].ended(JobState.Completed, "done", _now()))
            return result

        task: asyncio.Task[T] = asyncio.create_task(run(), name=f"job {job.id}: {operation}")
        self._tasks[job.id] = task
        return job, task

    @property
    def running(self) -> list[Job]:
        """Jobs not finished yet, oldest first."""
        return sorted((j for j in self._jobs.values() if not j.state.finished),
                      key=lambda j: j.id)

    def cancel(self, job_id: int, reason: str = "") -> bool:
        """Stop waiting for a job: its call to the host is cancelled (the transport tells the
        host to stop the pipeline). The plan runner records the step as interrupted, giving
        ``reason``. False when the job has already ended."""
        task = self._tasks.get(job_id)
        if task is None or task.done():
            return False
        task.cancel(reason or None)
        return True

    def cancel_all(self, reason: str) -> int:
        """Cancel every running job (hvtui is quitting); returns how many."""
        return sum(self.cancel(job.id, reason) for job in self.running)
