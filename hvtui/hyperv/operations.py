"""Running a plan: re-check, audit, run each step, report what did and did not happen.

:class:`PlanRunner` is the one path every change takes, from a wizard or the command line:

1. the plan is checked again against the hosts' state right now (a wizard may have sat open
   for minutes); a failed check, or steps that no longer match what the person confirmed,
   refuse it before anything runs;
2. each step is recorded in the audit log as ``started`` *before* anything reaches the host
   (no audit, no change: when that line cannot be written the step is not run), run through
   the session pool (long steps as :class:`~hvtui.hyperv.jobs.JobManager` jobs with the
   host's progress), and recorded again with its outcome and the host's own message, whatever
   ends it: a host failure, a cancelled job, Ctrl+C or a signal (``interrupted``: the host's
   state is then unknown, and the line says how to check it), or a crash;
3. a failure stops the plan: steps not yet started are recorded and reported as not run,
   so nothing half-done goes unreported.

A plan that touches a read-only host (its steps' hosts *and* their peers: a migration's
destination, the node a role moves to, the replica server) is refused, in the console and
on the command line alike.

Steps of a plan with ``limits`` (several VMs' live migrations) run concurrently, each
holding a slot on every host it involves, within each host's simultaneous-migration limit.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from hvtui.errors import AuditError, HvtuiError, PlanRefused, RemoteError
from hvtui.hyperv.audit import AuditLog, new_change_id
from hvtui.hyperv.inventory import raise_for_errors
from hvtui.hyperv.jobs import JobManager
from hvtui.hyperv.plans import Plan, Step, refuse_read_only_hosts
from hvtui.hyperv.preflight import build_plan
from hvtui.model import Job
from hvtui.ps import catalog
from hvtui.remote.base import ProgressRecord, PSObjectData, PSResult
from hvtui.remote.pool import SessionPool


class StepOutcome(enum.Enum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    INTERRUPTED = "interrupted"
    """Stopped while the host worked on it (a cancelled job): its state is unknown."""
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
    audit_problems: tuple[str, ...] = ()
    """Audit lines that could not be written (the changes happened; their record did not)."""

    @property
    def ok(self) -> bool:
        return not self.refused and all(r.outcome is StepOutcome.SUCCEEDED for r in self.results)

    @property
    def changed_anything(self) -> bool:
        """Whether any step reached a host (succeeded, failed or was interrupted there)."""
        return any(r.outcome is not StepOutcome.NOT_RUN for r in self.results)

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
        interrupted = self.of(StepOutcome.INTERRUPTED)
        not_run = self.of(StepOutcome.NOT_RUN)
        parts = [f"{done} of {total} step(s) succeeded"]
        if failed:
            parts.append(f"{len(failed)} failed")
        if interrupted:
            parts.append(f"{len(interrupted)} interrupted (state unknown)")
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


_CHECK_WITH = (("vhd-", "disks"), ("cluster-", "clusters"), ("replica", "replicas"),
               ("host-", "hosts"))


def check_command(step: Step) -> str:
    """The read-only command that shows what a step may have changed."""
    what = next((pane for prefix, pane in _CHECK_WITH if step.script.startswith(prefix)), "vms")
    if what == "clusters":
        return "hvtui get clusters"
    return f"hvtui get {what} --host {step.host}"


def interrupted_message(step: Step, why: str) -> str:
    """What an interrupted step's audit line and result say."""
    return (f"interrupted ({why}), state unknown: check with `{check_command(step)}`; the host "
            f"may have finished {step.target or 'the change'}, or stopped part-way")


@dataclass
class PlanRunner:
    """Runs plans through one pool, recording each change in the audit log."""

    pool: SessionPool
    audit: AuditLog = field(default_factory=AuditLog)
    jobs: JobManager = field(default_factory=JobManager)
    read_only: bool = False
    """Refuse every plan (the console's and the command line's ``--read-only``)."""
    read_only_hosts: frozenset[str] = frozenset()
    """Hosts the inventory marks read-only: a plan touching any of them is refused."""
    recheck: bool = True
    """Re-run the pre-flight checks right before running (always, outside tests of it)."""
    timeout: float | None = None
    """Per-step timeout for short steps; long steps (jobs) wait as long as the host works."""

    def __post_init__(self) -> None:
        self._audit_problems: list[str] = []
        self._no_audit: AuditError | None = None

    async def run(self, plan: Plan, on_event: RunListener | None = None) -> PlanResult:
        """Re-check and run ``plan``. Raises :class:`ReadOnlyError` in read-only mode and
        :class:`~hvtui.errors.AuditError` when the audit log cannot be written before any
        step ran (nothing was changed then)."""
        emit = on_event or (lambda _e: None)
        self._audit_problems = []
        self._no_audit = None
        if self.read_only:
            self._audit_refusal(plan, "read-only mode")
            raise ReadOnlyError(f"{plan.title}: hvtui runs read-only here, so nothing is changed",
                                hint="start hvtui without --read-only (and check the "
                                     "inventory's read_only setting) to make changes")
        self.audit.ensure_writable()
        if self.recheck:
            checked = await self._rechecked(plan)
            if isinstance(checked, PlanResult):
                return checked
            plan = checked
        plan = refuse_read_only_hosts(plan, self.read_only_hosts)
        if plan.refused:
            self._audit_refusal(plan, plan.refusal())
            return self._result(plan, refused=True, refusal=plan.refusal())
        if plan.limits and len(plan.steps) > 1:
            results = await self._run_queued(plan, emit)
        else:
            results = await self._run_in_order(plan.steps, emit)
        result = self._result(plan, results=tuple(results))
        if self._no_audit is not None and not result.changed_anything:
            raise self._no_audit
        return result

    def _result(self, plan: Plan, results: tuple[StepResult, ...] = (), refused: bool = False,
                refusal: str = "") -> PlanResult:
        return PlanResult(plan, results, refused, refusal, tuple(self._audit_problems))

    def _note(self, host: str, operation: str, parameters: dict[str, object], outcome: str,
              message: str, change: str = "") -> None:
        """Record a line whose failure must not hide what happened: it becomes a warning."""
        try:
            self.audit.record(host, operation, parameters, outcome, message, change=change)
        except AuditError as exc:
            self._audit_problems.append(
                f"not recorded: {outcome} {operation} on {host or 'no host'} ({exc.cause})")

    async def _rechecked(self, plan: Plan) -> Plan | PlanResult:
        try:
            fresh = await build_plan(self.pool, plan.request)
        except HvtuiError as exc:
            self._audit_refusal(plan, exc.user_message())
            return self._result(plan, refused=True, refusal=exc.user_message())
        if fresh.refused:
            self._audit_refusal(fresh, fresh.refusal())
            return self._result(fresh, refused=True, refusal=fresh.refusal())
        if [s.identity for s in fresh.steps] != [s.identity for s in plan.steps]:
            why = ("the hosts changed since this plan was checked, so it would no longer do what "
                   "you confirmed; review the new plan and confirm again")
            self._audit_refusal(fresh, why)
            return self._result(fresh, refused=True, refusal=why)
        return fresh

    def _audit_refusal(self, plan: Plan, why: str) -> None:
        hosts = plan.hosts or ("",)
        for host in hosts:
            self._note(host, plan.operation, plan.request.audit_parameters(), "refused", why)

    async def _run_in_order(self, steps: Sequence[Step], emit: RunListener) -> list[StepResult]:
        results: list[StepResult] = []
        for i, step in enumerate(steps):
            result = await self._run_step(step, emit)
            results.append(result)
            if result.outcome is not StepOutcome.SUCCEEDED:
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
                if result.outcome is not StepOutcome.SUCCEEDED and not stop.is_set():
                    failed_step.append(step)
                    stop.set()
                return result
            finally:
                for sem in held:
                    sem.release()

        return list(await asyncio.gather(*(one(s) for s in plan.steps)))

    def _not_run(self, steps: Sequence[Step], failed: Step, emit: RunListener
                 ) -> list[StepResult]:
        if self._no_audit is not None:
            why = f"not run: the audit log could not be written ({self._no_audit.cause})"
        else:
            why = f"not run: '{failed.description}' did not succeed first"
        out = []
        for step in steps:
            if self._no_audit is None:
                self._note(step.host, step.script, dict(step.parameters), "cancelled", why)
            result = StepResult(step, StepOutcome.NOT_RUN, why)
            emit(RunEvent("step-finished", step=step, result=result))
            out.append(result)
        return out

    async def _run_step(self, step: Step, emit: RunListener) -> StepResult:
        params = dict(step.parameters)
        change = new_change_id()
        try:
            self.audit.record(step.host, step.script, params, "started", step.command,
                              change=change)
        except AuditError as exc:  # no audit, no change: the host never hears of this step
            self._no_audit = exc
            skipped = StepResult(step, StepOutcome.NOT_RUN,
                                 f"not run: the audit log could not be written ({exc.cause})")
            emit(RunEvent("step-finished", step=step, result=skipped))
            return skipped
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
                       f"may or may not have happened on {step.host}: check with "
                       f"`{check_command(step)}` before trying again")
            return self._finish(step, StepOutcome.FAILED, message, (), (), job_id, emit, change)
        except HvtuiError as exc:
            return self._finish(step, StepOutcome.FAILED, step.advise(exc.user_message()), (),
                                (), job_id, emit, change)
        except asyncio.CancelledError as exc:
            current = asyncio.current_task()
            if job_id is not None and current is not None and not current.cancelling():
                # Only the job was cancelled (from the Jobs pane, or hvtui quitting): the plan
                # stops here.
                message = interrupted_message(step, str(exc) or "job cancelled in hvtui")
                return self._finish(step, StepOutcome.INTERRUPTED, message, (), (), job_id,
                                    emit, change)
            self._interrupted(step, change, str(exc) or "hvtui was stopped")
            raise
        except BaseException as exc:  # Ctrl+C, exit, or a bug: the line still gets written
            self._interrupted(step, change, _why_stopped(exc))
            raise
        return self._finish(step, StepOutcome.SUCCEEDED, "; ".join(result.warnings),
                            tuple(result.warnings), tuple(result.objects), job_id, emit, change)

    def _interrupted(self, step: Step, change: str, why: str) -> None:
        self._note(step.host, step.script, dict(step.parameters), "interrupted",
                   interrupted_message(step, why), change)

    async def _invoke(self, step: Step,
                      progress: Callable[[ProgressRecord], None] | None) -> PSResult:
        script = catalog.get(step.script)
        timeout = LONG_STEP_TIMEOUT if step.long else self.timeout
        result = await self.pool.invoke(step.host, script.text, dict(step.parameters),
                                        timeout=timeout, on_progress=progress)
        raise_for_errors(step.host, step.description, result)
        return result

    def _finish(self, step: Step, outcome: StepOutcome, message: str, warnings: tuple[str, ...],
                objects: tuple[PSObjectData, ...], job_id: int | None, emit: RunListener,
                change: str) -> StepResult:
        self._note(step.host, step.script, dict(step.parameters), outcome.value, message,
                   change)
        result = StepResult(step, outcome, message, warnings, objects, job_id)
        emit(RunEvent("step-finished", step=step, result=result))
        return result



def _why_stopped(exc: BaseException) -> str:
    if isinstance(exc, KeyboardInterrupt):
        return "Ctrl+C"
    if isinstance(exc, SystemExit):
        return "hvtui exited"
    return f"hvtui stopped on an unexpected error: {type(exc).__name__}: {exc}"
