"""Running a plan: re-check, audit, run each step, report what did and did not happen.

:class:`PlanRunner` is the one path every change takes, from a wizard or the command line:

1. the plan is checked again against the hosts' state right now (a wizard may have sat open
   for minutes); a failed check, or steps that no longer match what the person confirmed,
   refuse it before anything runs;
2. each step is recorded in the audit log as ``started``, run through the session pool
   (long steps as :class:`~hvtui.hyperv.jobs.JobManager` jobs with the host's progress),
   and recorded again with its outcome and the host's own message;
3. a failure stops the plan: steps not yet started are recorded and reported as not run,
   so nothing half-done goes unreported.

Steps of a plan with ``limits`` (several VMs' live migrations) run concurrently, each
holding a slot on every host it involves, within each host's simultaneous-migration limit.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from hvtui.errors import HvtuiError, PlanRefused, RemoteError
from hvtui.hyperv.audit import AuditLog
from hvtui.hyperv.inventory import raise_for_errors
from hvtui.hyperv.jobs import JobManager
from hvtui.hyperv.plans import Plan, Step
from hvtui.hyperv.preflight import build_plan
from hvtui.model import Job
from hvtui.ps import catalog
from hvtui.remote.base import ProgressRecord, PSObjectData, PSResult
from hvtui.remote.pool import SessionPool


class StepOutcome(enum.Enum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    NOT_RUN = "not run"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class StepResult:
    step: Step
    outcome: StepOutcome
    message: str = ""
    """The host's own message on failure; why it did not run otherwise."""
    warnings: tuple[str, ...] = ()
    """Warnings the host wrote (e.g. 'The virtual machine is already in the specified state.')."""
    objects: tuple[PSObjectData, ...] = ()
    """What the script reported afterwards."""
    job_id: int | None = None


@dataclass(frozen=True, slots=True)
class PlanResult:
    plan: Plan
    """The plan that ran: the re-checked one when the runner re-checked."""
    results: tuple[StepResult, ...] = ()
    refused: bool = False
    refusal: str = ""

    @property
    def ok(self) -> bool:
        return not self.refused and all(r.outcome is StepOutcome.SUCCEEDED for r in self.results)

    def of(self, outcome: StepOutcome) -> list[StepResult]:
        return [r for r in self.results if r.outcome is outcome]

    def summary(self) -> str:
        """One line: what happened to the plan as a whole."""
        if self.refused:
            return f"Refused, nothing was changed: {self.refusal}"
        if not self.results:
            return "Nothing to do: everything is already as asked."
        done = len(self.of(StepOutcome.SUCCEEDED))
        total = len(self.results)
        if done == total:
            return f"Done: {total} of {total} step(s) succeeded."
        failed = self.of(StepOutcome.FAILED)
        not_run = self.of(StepOutcome.NOT_RUN)
        parts = [f"{done} of {total} step(s) succeeded"]
        if failed:
            parts.append(f"{len(failed)} failed")
        if not_run:
            parts.append(f"{len(not_run)} not run")
        return "Stopped: " + ", ".join(parts) + "."


@dataclass(frozen=True, slots=True)
class RunEvent:
    """What a watcher (wizard progress page, command line) hears while a plan runs."""

    kind: str
    """``step-started``, ``step-finished`` or ``job`` (a job snapshot moved)."""
    step: Step | None = None
    result: StepResult | None = None
    job: Job | None = None


RunListener = Callable[[RunEvent], None]

LONG_STEP_TIMEOUT = 24 * 3600.0
"""Long steps wait for the host as long as it works: a big migration may take hours."""


class ReadOnlyError(PlanRefused):
    title = "Read-only mode"


@dataclass
class PlanRunner:
    """Runs plans through one pool, recording each change in the audit log."""

    pool: SessionPool
    audit: AuditLog = field(default_factory=AuditLog)
    jobs: JobManager = field(default_factory=JobManager)
    read_only: bool = False
    """Refuse every plan (the console's and the command line's ``--read-only``)."""
    recheck: bool = True
    """Re-run the pre-flight checks right before running (always, outside tests of it)."""
    timeout: float | None = None
    """Per-step timeout for short steps; long steps (jobs) wait as long as the host works."""

    async def run(self, plan: Plan, on_event: RunListener | None = None) -> PlanResult:
        emit = on_event or (lambda _e: None)
        if self.read_only:
            self._audit_refusal(plan, "read-only mode")
            raise ReadOnlyError(f"{plan.title}: hvtui runs read-only here, so nothing is changed",
                                hint="start hvtui without --read-only (and check the "
                                     "inventory's read_only setting) to make changes")
        if self.recheck:
            checked = await self._rechecked(plan)
            if isinstance(checked, PlanResult):
                return checked
            plan = checked
        if plan.refused:
            self._audit_refusal(plan, plan.refusal())
            return PlanResult(plan, refused=True, refusal=plan.refusal())
        if plan.limits and len(plan.steps) > 1:
            results = await self._run_queued(plan, emit)
        else:
            results = await self._run_in_order(plan.steps, emit)
        return PlanResult(plan, tuple(results))

    async def _rechecked(self, plan: Plan) -> Plan | PlanResult:
        try:
            fresh = await build_plan(self.pool, plan.request)
        except HvtuiError as exc:
            self._audit_refusal(plan, exc.user_message())
            return PlanResult(plan, refused=True, refusal=exc.user_message())
        if fresh.refused:
            self._audit_refusal(fresh, fresh.refusal())
            return PlanResult(fresh, refused=True, refusal=fresh.refusal())
        if [s.identity for s in fresh.steps] != [s.identity for s in plan.steps]:
            why = ("the hosts changed since this plan was checked, so it would no longer do what "
                   "you confirmed; review the new plan and confirm again")
            self._audit_refusal(fresh, why)
            return PlanResult(fresh, refused=True, refusal=why)
        return fresh

    def _audit_refusal(self, plan: Plan, why: str) -> None:
        hosts = plan.hosts or ("",)
        for host in hosts:
            self.audit.record(host, plan.operation, plan.request.audit_parameters(), "refused",
                              why)

    async def _run_in_order(self, steps: Sequence[Step], emit: RunListener) -> list[StepResult]:
        results: list[StepResult] = []
        for i, step in enumerate(steps):
            result = await self._run_step(step, emit)
            results.append(result)
            if result.outcome is StepOutcome.FAILED:
                results += self._not_run(steps[i + 1:], step, emit)
                break
        return results

    async def _run_queued(self, plan: Plan, emit: RunListener) -> list[StepResult]:
        """Run steps concurrently; each holds one slot on each host it involves."""
        slots = {host.lower(): asyncio.Semaphore(limit) for host, limit in plan.limits}
        stop = asyncio.Event()
        failed_step: list[Step] = []

        async def one(step: Step) -> StepResult:
            hosts = sorted({h.lower() for h in (step.host, *step.peers)})
            held: list[asyncio.Semaphore] = []
            try:
                for host in hosts:  # always in the same order: two steps never deadlock
                    sem = slots.get(host)
                    if sem is not None:
                        await sem.acquire()
                        held.append(sem)
                if stop.is_set():
                    return self._not_run([step], failed_step[0], emit)[0]
                result = await self._run_step(step, emit)
                if result.outcome is StepOutcome.FAILED and not stop.is_set():
                    failed_step.append(step)
                    stop.set()
                return result
            finally:
                for sem in held:
                    sem.release()

        return list(await asyncio.gather(*(one(s) for s in plan.steps)))

    def _not_run(self, steps: Sequence[Step], failed: Step, emit: RunListener
                 ) -> list[StepResult]:
        why = f"not run: '{failed.description}' failed first"
        out = []
        for step in steps:
            self.audit.record(step.host, step.script, dict(step.parameters), "cancelled", why)
            result = StepResult(step, StepOutcome.NOT_RUN, why)
            emit(RunEvent("step-finished", step=step, result=result))
            out.append(result)
        return out

    async def _run_step(self, step: Step, emit: RunListener) -> StepResult:
        params = dict(step.parameters)
        self.audit.record(step.host, step.script, params, "started", step.command)
        emit(RunEvent("step-started", step=step))
        job_id: int | None = None
        try:
            if step.long:
                def watch(job: Job) -> None:
                    if job.id == job_id:
                        emit(RunEvent("job", step=step, job=job))

                self.jobs.subscribe(watch)
                try:
                    job, task = self.jobs.start(step.host, step.description, step.target,
                                                lambda progress: self._invoke(step, progress))
                    job_id = job.id
                    emit(RunEvent("job", step=step, job=job))
                    result = await task
                finally:
                    self.jobs.unsubscribe(watch)
            else:
                result = await self._invoke(step, None)
        except RemoteError as exc:
            message = (f"{exc.user_message()}. The connection dropped while the step ran, so it "
                       f"may or may not have happened on {step.host}: refresh and check "
                       f"{step.target or step.host} before trying again")
            return self._finish(step, StepOutcome.FAILED, message, (), (), job_id, emit)
        except HvtuiError as exc:
            return self._finish(step, StepOutcome.FAILED, exc.user_message(), (), (), job_id,
                                emit)
        return self._finish(step, StepOutcome.SUCCEEDED, "; ".join(result.warnings),
                            tuple(result.warnings), tuple(result.objects), job_id, emit)

    async def _invoke(self, step: Step,
                      progress: Callable[[ProgressRecord], None] | None) -> PSResult:
        script = catalog.get(step.script)
        timeout = LONG_STEP_TIMEOUT if step.long else self.timeout
        result = await self.pool.invoke(step.host, script.text, dict(step.parameters),
                                        timeout=timeout, on_progress=progress)
        raise_for_errors(step.host, step.description, result)
        return result

    def _finish(self, step: Step, outcome: StepOutcome, message: str, warnings: tuple[str, ...],
                objects: tuple[PSObjectData, ...], job_id: int | None, emit: RunListener
                ) -> StepResult:
        self.audit.record(step.host, step.script, dict(step.parameters), outcome.value,
                          message)
        result = StepResult(step, outcome, message, warnings, objects, job_id)
        emit(RunEvent("step-finished", step=step, result=result))
        return result

