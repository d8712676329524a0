"""Failover plans on the embedded lab (hvtui.hyperv.replica_failover): which copy each step
runs on, in which order, the checks that refuse a step out of turn, and the account left
when a host drops mid-failover."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from hvtui.connect import lab_pool
from hvtui.errors import SessionLost
from hvtui.hyperv.audit import AuditLog
from hvtui.hyperv.jobs import JobManager
from hvtui.hyperv.lookup import fresh_estate
from hvtui.hyperv.operations import PlanResult, PlanRunner, StepOutcome
from hvtui.hyperv.plans import Plan, VmAction, VmActionRequest, VmRef
from hvtui.hyperv.preflight import build_plan
from hvtui.hyperv.replica_failover import FailoverRequest
from hvtui.lab import Lab
from hvtui.model import VM
from hvtui.model.failover import FailoverAction as A
from hvtui.model.failover import next_actions
from hvtui.remote.base import ParamValue, ProgressCallback, PSResult, Session
from hvtui.remote.pool import SessionPool


@pytest.fixture
def audit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AuditLog:
    monkeypatch.setenv("HVTUI_STATE_DIR", str(tmp_path))
    return AuditLog()


@pytest.fixture
def pool() -> SessionPool:
    return lab_pool(speed=float("inf"))


@pytest.fixture
def runner(pool: SessionPool, audit: AuditLog) -> PlanRunner:
    return PlanRunner(pool, audit=audit, jobs=JobManager())


def request(action: A, vm: str, host: str | None = None, start: bool = True) -> FailoverRequest:
    return FailoverRequest(action, VmRef(vm, host), start=start)


async def run(runner: PlanRunner, req: FailoverRequest) -> tuple[Plan, PlanResult]:
    plan = await build_plan(runner.pool, req)
    assert not plan.refused, plan.refusal()
    result = await runner.run(plan)
    assert result.ok, result.summary()
    return plan, result


async def copy(pool: SessionPool, vm: str, host: str) -> VM:
    found = (await fresh_estate(pool)).find_vms(vm, host)
    assert len(found) == 1
    return found[0]


def order(plan: Plan) -> list[tuple[str, str]]:
    return [(s.host, s.command) for s in plan.steps]


async def test_planned_failover_runs_five_steps_in_order(pool: SessionPool,
                                                        runner: PlanRunner) -> None:
    plan, _ = await run(runner, request(A.PLANNED, "FS01"))
    assert order(plan) == [
        ("HV-NODE1", "Stop-VM -Name 'FS01' -Force"),
        ("HV-NODE1", "Start-VMFailover -VMName 'FS01' -Prepare -Confirm:$false"),
        ("HV-DR1", "Start-VMFailover -VMName 'FS01' -Confirm:$false"),
        ("HV-DR1", "Set-VMReplication -VMName 'FS01' -Reverse"),
        ("HV-DR1", "Start-VM -Name 'FS01'"),
    ]
    assert plan.destructive
    new_primary = await copy(pool, "FS01", "HV-DR1")
    assert new_primary.state.name == "Running"
    assert next_actions(new_primary) == (A.PLANNED, A.REMOVE)  # and back again, later
    old_primary = await copy(pool, "FS01", "HV-NODE1")
    assert next_actions(old_primary) == (A.TEST, A.FAILOVER, A.REMOVE)


async def test_planned_failover_needs_the_test_failover_stopped_first(
        pool: SessionPool, runner: PlanRunner) -> None:
    await run(runner, request(A.TEST, "FS01"))
    refused = await build_plan(pool, request(A.PLANNED, "FS01"))
    assert refused.refused and "stop-test FS01" in " ".join(c.fix for c in refused.failures)
    plan, _ = await run(runner, request(A.STOP_TEST, "FS01"))
    assert order(plan) == [("HV-DR1", "Stop-VMFailover -VMName 'FS01'")]
    assert not (await fresh_estate(pool)).find_vms("FS01 - Test")


async def test_unplanned_failover_then_complete_then_reverse(pool: SessionPool,
                                                            runner: PlanRunner) -> None:
    plan, _ = await run(runner, request(A.FAILOVER, "FS01"))
    assert order(plan) == [("HV-DR1", "Start-VMFailover -VMName 'FS01' -Confirm:$false"),
                           ("HV-DR1", "Start-VM -Name 'FS01'")]
    assert any(c.name == "Data loss" for c in plan.warnings)
    assert any(c.name == "Primary" and "still runs" in c.detail for c in plan.warnings)
    replica = await copy(pool, "FS01", "HV-DR1")
    assert next_actions(replica) == (A.COMPLETE, A.CANCEL, A.REVERSE)
    await run(runner, request(A.COMPLETE, "FS01"))
    cancel = await build_plan(pool, request(A.CANCEL, "FS01"))
    assert cancel.refused and "current replication state" in cancel.refusal()
    assert "allowed now: reverse replication, remove replication" in cancel.failures[0].fix
    running = await build_plan(pool, request(A.REVERSE, "FS01"))
    assert running.refused and "hvtui vm turn-off FS01 --host HV-NODE1" in \
        running.failures[0].fix
    off = await build_plan(pool, VmActionRequest(VmAction.TURN_OFF, (VmRef("FS01", "HV-NODE1"),)))
    assert (await runner.run(off)).ok
    plan, _ = await run(runner, request(A.REVERSE, "FS01"))
    assert order(plan) == [("HV-DR1", "Set-VMReplication -VMName 'FS01' -Reverse")]
    assert "hvtui replica resync FS01 --host HV-DR1" in plan.notes[0]  # not prepared
    assert next_actions(await copy(pool, "FS01", "HV-DR1")) == (A.RESYNC, A.REMOVE)
    await run(runner, request(A.RESYNC, "FS01"))
    assert next_actions(await copy(pool, "FS01", "HV-DR1")) == (A.PLANNED, A.REMOVE)


async def test_cancel_finds_the_copy_in_a_failover(pool: SessionPool, runner: PlanRunner
                                                   ) -> None:
    await run(runner, request(A.FAILOVER, "FS01", start=False))
    plan, _ = await run(runner, request(A.CANCEL, "FS01"))
    assert order(plan) == [("HV-DR1", "Stop-VMFailover -VMName 'FS01'")]
    assert next_actions(await copy(pool, "FS01", "HV-DR1"))[0] is A.TEST


async def test_remove_runs_on_every_copy_of_an_extended_chain(pool: SessionPool,
                                                            runner: PlanRunner) -> None:
    plan = await build_plan(pool, request(A.REMOVE, "SQL01"))
    assert [s.host for s in plan.steps] == ["HV-NODE1", "HV-DR1", "HV-DR2"]
    assert all(s.command == "Remove-VMReplication -VMName 'SQL01'" for s in plan.steps)


async def test_a_step_out_of_turn_is_refused_with_the_hosts_words(pool: SessionPool) -> None:
    plan = await build_plan(pool, request(A.COMPLETE, "FS01"))
    assert plan.refused and not plan.steps
    assert plan.failures[0].detail.startswith(
        "The operation cannot be performed while the virtual machine 'FS01' is in the current "
        "replication state.")
    assert plan.failures[0].fix == ("allowed now: test failover, failover (unplanned), "
                                    "remove replication")


class _DropsOn:
    """A lab session whose host drops the connection when a script runs ``cmdlet``."""

    def __init__(self, inner: Session, cmdlet: str) -> None:
        self.inner, self.cmdlet = inner, cmdlet
        self.host = inner.host

    async def invoke(self, script: str, parameters: Mapping[str, ParamValue] | None = None, *,
                     timeout: float | None = None,
                     on_progress: ProgressCallback | None = None) -> PSResult:
        if f"{self.cmdlet} -VMName $VMName -Reverse" in script:
            raise SessionLost("the connection was reset", host=self.host)
        return await self.inner.invoke(script, parameters, timeout=timeout,
                                       on_progress=on_progress)

    async def close(self) -> None:
        await self.inner.close()


async def test_a_host_dropping_mid_failover_leaves_an_account_of_each_step(
        audit: AuditLog) -> None:
    lab = Lab.from_scenario(None, speed=float("inf"))

    def factory(host: str) -> Callable[[], Session]:
        if host == "HV-DR1":
            return lambda: _DropsOn(lab.session(host), "Set-VMReplication")
        return lambda: lab.session(host)

    pool = SessionPool({h: factory(h) for h in lab.host_names})
    plan = await build_plan(pool, request(A.PLANNED, "FS01"))
    result = await PlanRunner(pool, audit=audit).run(plan)
    assert [r.outcome for r in result.results] == [
        StepOutcome.SUCCEEDED, StepOutcome.SUCCEEDED, StepOutcome.SUCCEEDED,
        StepOutcome.FAILED, StepOutcome.NOT_RUN]
    assert result.summary() == "Stopped: 3 of 5 step(s) succeeded, 1 failed, 1 not run."
    lines = [json.loads(line) for line in audit.path.read_text().splitlines()]
    assert [(e["host"], e["operation"], e["outcome"]) for e in lines] == [
        ("HV-NODE1", "vm-stop", "started"), ("HV-NODE1", "vm-stop", "succeeded"),
        ("HV-NODE1", "replica-failover", "started"),
        ("HV-NODE1", "replica-failover", "succeeded"),
        ("HV-DR1", "replica-failover", "started"), ("HV-DR1", "replica-failover", "succeeded"),
        ("HV-DR1", "replication-reverse", "started"), ("HV-DR1", "replication-reverse", "failed"),
        ("HV-DR1", "vm-start", "cancelled")]
    # What the hosts say now (a new connection), and what may come next: the replica
    # waits, failed over.
    again = SessionPool({h: functools.partial(lab.session, h) for h in lab.host_names})
    replica = await copy(again, "FS01", "HV-DR1")
    assert next_actions(replica) == (A.COMPLETE, A.CANCEL, A.REVERSE)
