"""Plans checked and run end to end on the embedded lab (which enforces Hyper-V's rules)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from hvtui.connect import lab_pool
from hvtui.errors import PlanRefused, SessionLost
from hvtui.hyperv.audit import AuditLog
from hvtui.hyperv.jobs import JobManager
from hvtui.hyperv.lookup import fresh_estate
from hvtui.hyperv.operations import PlanRunner, RunEvent, StepOutcome
from hvtui.hyperv.plans import (
    CopyFileRequest,
    DrainOnShutdownRequest,
    EnhancedSessionRequest,
    ExportRequest,
    GuestServicesRequest,
    MigrateRequest,
    NodePauseRequest,
    Outcome,
    Plan,
    ReplicaFrequencyRequest,
    ReplicationPauseRequest,
    Request,
    ResizeRequest,
    RoleMoveRequest,
    VmAction,
    VmActionRequest,
    VmRef,
)
from hvtui.hyperv.preflight import build_plan
from hvtui.hyperv.sizes import SizeError
from hvtui.lab import Lab
from hvtui.model import VM, Estate
from hvtui.remote.base import ParamValue, ProgressCallback, PSResult, Session
from hvtui.remote.pool import SessionPool

GiB = 1024**3
AGENT = "C:\\Tools\\hvtui-agent.msi"  # a file the default scenario puts on every host


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


def entries(audit: AuditLog) -> list[dict[str, object]]:
    return [json.loads(line) for line in audit.path.read_text().splitlines()]


async def vm_now(pool: SessionPool, name: str, host: str | None = None) -> VM | None:
    estate = await fresh_estate(pool)
    found = estate.find_vms(name, host)
    return found[0] if found else None


def failing(plan: Plan) -> str:
    return " | ".join(f"{c.label}: {c.detail}" for c in plan.failures)


async def plan_and_run(runner: PlanRunner, request: Request):  # type: ignore[no-untyped-def]
    plan = await build_plan(runner.pool, request)
    return plan, await runner.run(plan)


# --- cross-version live migration ---------------------------------------------------------

async def test_2012_to_2012r2_migrates_and_never_back(pool: SessionPool, runner: PlanRunner,
                                                      audit: AuditLog) -> None:
    request = MigrateRequest((VmRef("LEGACY-SQL"),), "HV-DR1", True, "E:\\VMs\\LEGACY-SQL")
    plan, result = await plan_and_run(runner, request)
    assert not plan.refused, failing(plan)
    assert any("4.0 becomes 5.0" in c.detail for c in plan.checks)
    assert plan.steps[0].command == (
        "Move-VM -Name 'LEGACY-SQL' -DestinationHost 'HV-DR1' -IncludeStorage "
        "-DestinationStoragePath 'E:\\VMs\\LEGACY-SQL'")
    assert result.ok, result.summary()
    moved = await vm_now(pool, "LEGACY-SQL")
    assert moved is not None and moved.host == "HV-DR1" and moved.version == "5.0"

    back, result = await plan_and_run(runner, MigrateRequest((VmRef("LEGACY-SQL"),), "HV-LEGACY",
                                                             True, "D:\\VMs\\LEGACY-SQL"))
    version = next(c for c in back.failures if c.name == "Configuration version")
    assert "never goes from a newer release (2012 R2) to an older one (2012)" in version.detail
    assert result.refused and not result.results
    assert (await vm_now(pool, "LEGACY-SQL")).host == "HV-DR1"  # type: ignore[union-attr]
    outcomes = [(e["operation"], e["outcome"]) for e in entries(audit)]
    assert outcomes == [("vm-move", "started"), ("vm-move", "succeeded"), ("migrate", "refused")]


async def test_storage_to_the_destinations_default_folder_passes_its_own_checks(
        pool: SessionPool, runner: PlanRunner) -> None:
    """No folder given: the plan names the destination's default folder, and its storage
    check, the host's Compare-VM and the move agree on it (Move-VM alone would keep the
    disk's D: path, which HV-DR1 does not have)."""
    default = "C:\\ProgramData\\Microsoft\\Windows\\Hyper-V\\CENTOS-MON"
    plan, result = await plan_and_run(runner, MigrateRequest((VmRef("CENTOS-MON"),), "HV-DR1",
                                                             True))
    assert not plan.refused, failing(plan)
    storage = next(c for c in plan.checks if c.name == "Storage")
    assert f"HV-DR1's default folder '{default}'" in storage.detail
    assert any(c.name == "Compare-VM" and c.outcome.name == "PASS" for c in plan.checks)
    assert plan.steps[0].command.endswith(f"-IncludeStorage -DestinationStoragePath '{default}'")
    assert result.ok, result.summary()
    moved = await vm_now(pool, "CENTOS-MON")
    assert moved is not None and moved.host == "HV-DR1"
    assert moved.disks[0].path.startswith(default + "\\Virtual Hard Disks\\")


async def test_native_2012r2_vm_is_refused_on_2012(runner: PlanRunner) -> None:
    plan = await build_plan(runner.pool, MigrateRequest((VmRef("DR-DC02"),), "HV-LEGACY", True,
                                                        "D:\\VMs\\DR-DC02"))
    assert plan.refused
    assert "supports configuration version(s) 4.0; DR-DC02 is version 5.0" in failing(plan)


async def test_clustered_vm_moves_as_a_cluster_role(pool: SessionPool,
                                                    runner: PlanRunner) -> None:
    plan, result = await plan_and_run(runner, MigrateRequest((VmRef("SQL01", "HV-NODE1"),),
                                                             "HV-NODE2"))
    assert [s.script for s in plan.steps] == ["cluster-role-move"]
    assert result.ok, result.summary()
    assert (await vm_now(pool, "SQL01", "HV-NODE2")) is not None
    outside = await build_plan(pool, MigrateRequest((VmRef("FS01", "HV-NODE1"),), "HV-DR1"))
    assert "not supported on a clustered virtual machine" in failing(outside)


async def test_local_disks_must_move_and_compare_vm_has_the_last_word(
        pool: SessionPool) -> None:
    stay = await build_plan(pool, MigrateRequest((VmRef("DC01"),), "HV-DR1"))
    assert "cannot reach" in failing(stay)
    # Kerberos without delegation: the lab's Compare-VM answers with the host's text.
    kerberos = await build_plan(pool, MigrateRequest((VmRef("DC01"),), "HV-DR1", True,
                                                     "E:\\VMs\\DC01"))
    assert any(c.name == "Compare-VM" for c in kerberos.checks)


async def test_several_vms_queue_within_the_hosts_limit(audit: AuditLog) -> None:
    pool = lab_pool(speed=5000.0)  # moves take a little while, so they overlap
    jobs = JobManager()
    running: dict[int, bool] = {}
    peak = 0

    def watch(job: object) -> None:
        nonlocal peak
        running[job.id] = job.state.name == "Running"  # type: ignore[attr-defined]
        peak = max(peak, sum(running.values()))

    jobs.subscribe(watch)
    request = MigrateRequest(tuple(VmRef(n, "HV-LEGACY") for n in
                                   ("LEGACY-SQL", "ERP-APP", "CENTOS-MON")), "HV-NODE1", True,
                             "D:\\VMs")
    plan = await build_plan(pool, request)
    assert not plan.refused, failing(plan)
    assert dict(plan.limits) == {"HV-LEGACY": 2, "HV-NODE1": 2}
    assert {s.parameters["DestinationStoragePath"] for s in plan.steps} == {
        "D:\\VMs\\LEGACY-SQL", "D:\\VMs\\ERP-APP", "D:\\VMs\\CENTOS-MON"}
    result = await PlanRunner(pool, audit=audit, jobs=jobs).run(plan)
    assert result.ok, result.summary()
    assert 1 <= peak <= 2, peak


# --- online VHDX resize -------------------------------------------------------------------

async def test_running_vms_scsi_vhdx_grows_online_but_its_ide_vhd_cannot(
        pool: SessionPool, runner: PlanRunner) -> None:
    vm = VmRef("O'Brien-APP")
    ide = await build_plan(pool, ResizeRequest(vm, "IDE 0:0", "+20G"))
    assert "only VHDX can be resized while the VM runs" in failing(ide)
    assert "IDE controller" in failing(ide)
    plan, result = await plan_and_run(runner, ResizeRequest(vm, "SCSI 0:0", "120 GiB"))
    assert not plan.refused, failing(plan)
    assert "100.0 GiB" in plan.checks[0].detail and "120.0 GiB" in plan.checks[0].detail
    assert any("extend the partition" in n for n in plan.notes)
    assert result.ok, result.summary()
    disk = next(d for d in (await vm_now(pool, "O'Brien-APP")).disks  # type: ignore[union-attr]
                if d.location == "SCSI 0:0")
    assert disk.size == 120 * GiB


async def test_shrinking_below_the_minimum_is_refused(pool: SessionPool,
                                                      runner: PlanRunner) -> None:
    below = await build_plan(pool, ResizeRequest(VmRef("O'Brien-APP"), "SCSI 0:0", "30 GiB"))
    assert "below the disk's minimum" in failing(below)
    _, result = await plan_and_run(runner, ResizeRequest(VmRef("O'Brien-APP"), "SCSI 0:0",
                                                         "to minimum"))
    assert result.ok, result.summary()
    disk = next(d for d in (await vm_now(pool, "O'Brien-APP")).disks  # type: ignore[union-attr]
                if d.location == "SCSI 0:0")
    assert disk.size == disk.min_size == 40 * GiB


async def test_unparsable_size_is_refused_before_any_host_is_read(pool: SessionPool) -> None:
    with pytest.raises(SizeError, match="not a size"):
        await build_plan(pool, ResizeRequest(VmRef("DC01"), "0", "twenty gigs"))


# --- online export ------------------------------------------------------------------------

async def test_online_export_on_2012r2_and_refused_for_running_vm_on_2012(
        runner: PlanRunner) -> None:
    plan, result = await plan_and_run(runner, ExportRequest((VmRef("JUMP01"),), "E:\\Exports"))
    assert result.ok, result.summary()
    assert any("keeps running while it is exported" in c.detail for c in plan.checks)
    old, refused = await plan_and_run(runner, ExportRequest((VmRef("ERP-APP", "HV-LEGACY"),),
                                                           "D:\\Exports"))
    assert "Exporting a running VM needs Windows Server 2012 R2 or later" in failing(old)
    assert refused.refused
    _, off = await plan_and_run(runner, ExportRequest((VmRef("BUILD01"),), "D:\\Exports"))
    assert off.ok, off.summary()


# --- guest services and Copy-VMFile -------------------------------------------------------

async def test_copy_file_refused_until_guest_services_are_on(runner: PlanRunner,
                                                             audit: AuditLog) -> None:
    copy = CopyFileRequest(VmRef("DR-DC02"), AGENT, "C:\\Install\\hvtui-agent.msi")
    refused, result = await plan_and_run(runner, copy)
    assert "Guest Service Interface is off" in failing(refused)
    assert result.refused
    _, enabled = await plan_and_run(runner, GuestServicesRequest((VmRef("DR-DC02"),), True))
    assert enabled.ok, enabled.summary()
    plan, copied = await plan_and_run(runner, copy)
    assert copied.ok, copied.summary()
    assert plan.steps[0].command.endswith("-FileSource 'Host' -CreateFullPath")
    assert ("vm-copy-file", "succeeded") in [(e["operation"], e["outcome"])
                                             for e in entries(audit)]


async def test_guest_services_show_who_gets_it_and_who_cannot(pool: SessionPool) -> None:
    plan = await build_plan(pool, GuestServicesRequest(
        (VmRef("DR-DC02"), VmRef("LEGACY-SQL"), VmRef("O'Brien-APP")), True))
    assert not plan.refused
    skipped = {c.subject: c.detail for c in plan.warnings}
    assert "new in Windows Server 2012 R2" in skipped["LEGACY-SQL"]  # a 2012 host
    assert "2008 R2 or older" in skipped["O'Brien-APP"]  # a 2008 R2 guest
    assert [s.target for s in plan.steps] == ["DR-DC02"]


async def test_enhanced_session_policy_and_per_vm_availability(runner: PlanRunner) -> None:
    plan, result = await plan_and_run(runner, EnhancedSessionRequest(("HV-DR1", "HV-LEGACY"),
                                                                     True))
    assert result.ok, result.summary()
    assert [s.host for s in plan.steps] == ["HV-DR1"]
    legacy = next(c for c in plan.checks if c.subject == "HV-LEGACY")
    assert "needs Windows Server 2012 R2" in legacy.detail
    assert any(c.subject == "DR-DC02" and c.detail == "available" for c in plan.checks)
    estate = await fresh_estate(runner.pool, ["HV-DR1"])
    assert estate.host("HV-DR1").enhanced_session_mode  # type: ignore[union-attr]


# --- everyday actions ---------------------------------------------------------------------

async def test_power_cycle_and_checkpoints(pool: SessionPool, runner: PlanRunner) -> None:
    vm = (VmRef("WIN2019-WEB"),)
    for action, state in ((VmAction.PAUSE, "Paused"), (VmAction.RESUME, "Running"),
                          (VmAction.SAVE, "Saved"), (VmAction.START, "Running"),
                          (VmAction.TURN_OFF, "Off")):
        plan, result = await plan_and_run(runner, VmActionRequest(action, vm))
        assert result.ok, (action, result.summary())
        assert (await vm_now(pool, "WIN2019-WEB")).state.name == state  # type: ignore[union-attr]
    again = await build_plan(pool, VmActionRequest(VmAction.TURN_OFF, vm))
    assert again.nothing_to_do
    paused = await build_plan(pool, VmActionRequest(VmAction.PAUSE, vm))
    assert "The operation cannot be performed while the virtual machine is in its current " \
           "state." in failing(paused)
    apply = await build_plan(pool, VmActionRequest(VmAction.APPLY_CHECKPOINT, vm, "Baseline"))
    assert apply.destructive and not apply.refused
    chosen = await vm_now(pool, "WIN2019-WEB")
    assert chosen is not None
    baseline = next(c for c in chosen.checkpoints if c.name == "Baseline")
    # the script is given the ids; the plan shows the names the host's cmdlet is called with
    assert apply.steps[0].parameters == {"VMId": chosen.id, "CheckpointId": baseline.id}
    assert apply.steps[0].command == \
        "Restore-VMSnapshot -VMName 'WIN2019-WEB' -Name 'Baseline' -Confirm:$false"
    assert (await runner.run(apply)).ok
    _, made = await plan_and_run(runner, VmActionRequest(VmAction.CHECKPOINT, vm, "hvtui test"))
    assert made.ok
    _, deleted = await plan_and_run(runner, VmActionRequest(VmAction.DELETE_CHECKPOINT, vm,
                                                            "hvtui test"))
    assert deleted.ok
    names = [c.name for c in (await vm_now(pool, "WIN2019-WEB")).checkpoints]  # type: ignore[union-attr]
    assert "Baseline" in names and "hvtui test" not in names


async def test_bulk_actions_skip_what_cannot_and_name_it(pool: SessionPool) -> None:
    plan = await build_plan(pool, VmActionRequest(VmAction.PAUSE, (
        VmRef("DC01"), VmRef("BUILD01"), VmRef("OLD-FAX"))))
    assert [s.target for s in plan.steps] == ["DC01"]
    assert {c.subject for c in plan.warnings} == {"BUILD01", "OLD-FAX"}
    assert all(c.detail.startswith("skipped:") for c in plan.warnings)


async def test_a_replica_shares_its_primarys_name(pool: SessionPool) -> None:
    with pytest.raises(PlanRefused, match="--host"):
        await build_plan(pool, ReplicaFrequencyRequest((VmRef("EXCH01"),), 30))


async def test_replica_frequency_and_pause(pool: SessionPool, runner: PlanRunner) -> None:
    on_replica = await build_plan(pool, ReplicaFrequencyRequest((VmRef("EXCH01", "HV-DR1"),),
                                                                30))
    assert "cannot be modified on the replica virtual machine" in failing(on_replica)
    plan, result = await plan_and_run(runner, ReplicaFrequencyRequest(
        (VmRef("EXCH01", "HV-NODE2"),), 30))
    assert result.ok, result.summary()
    rep = (await vm_now(pool, "EXCH01", "HV-NODE2")).replication  # type: ignore[union-attr]
    assert rep is not None and rep.frequency_sec == 30
    legacy = await build_plan(pool, ReplicaFrequencyRequest((VmRef("ERP-APP", "HV-LEGACY"),),
                                                            30))
    assert "replicates every 5 minutes, fixed" in failing(legacy) and not legacy.steps
    _, paused = await plan_and_run(runner, ReplicationPauseRequest(
        (VmRef("EXCH01", "HV-NODE2"),), True))
    assert paused.ok, paused.summary()
    _, resumed = await plan_and_run(runner, ReplicationPauseRequest(
        (VmRef("EXCH01", "HV-NODE2"),), False))
    assert resumed.ok, resumed.summary()


async def test_drain_and_resume_a_node(pool: SessionPool, runner: PlanRunner) -> None:
    plan, result = await plan_and_run(runner, NodePauseRequest("HV-NODE2", True))
    assert plan.destructive and result.ok, result.summary()
    assert any("quick-migrated" in c.detail for c in plan.warnings)  # Low-priority roles
    estate: Estate = await fresh_estate(pool)
    cluster = estate.clusters()[0]
    assert cluster.node("HV-NODE2").state.name == "Paused"  # type: ignore[union-attr]
    assert all(r.owner_node != "HV-NODE2" for r in cluster.roles)
    _, resumed = await plan_and_run(runner, NodePauseRequest("HV-NODE2", False,
                                                             failback="Immediate"))
    assert resumed.ok, resumed.summary()
    _, dos = await plan_and_run(runner, DrainOnShutdownRequest("HVC01", False))
    assert dos.ok, dos.summary()
    assert not (await fresh_estate(pool)).clusters()[0].drain_on_shutdown


async def test_role_move_to_a_paused_node_is_refused(pool: SessionPool) -> None:
    plan = await build_plan(pool, RoleMoveRequest(VmRef("FS01", "HV-NODE1"), "HV-NODE3"))
    assert "HV-NODE3 is Paused" in failing(plan)


# --- the runner ---------------------------------------------------------------------------

class _DropsMidCall:
    """A lab session whose host drops the connection after the script has started."""

    def __init__(self, inner: Session) -> None:
        self.inner = inner
        self.host = inner.host

    async def invoke(self, script: str, parameters: Mapping[str, ParamValue] | None = None, *,
                     timeout: float | None = None,
                     on_progress: ProgressCallback | None = None) -> PSResult:
        if "Start-VM" in script:
            raise SessionLost("the connection was reset", host=self.host)
        return await self.inner.invoke(script, parameters, timeout=timeout,
                                       on_progress=on_progress)

    async def close(self) -> None:
        await self.inner.close()


async def test_a_failure_stops_the_plan_and_reports_what_did_not_run(audit: AuditLog) -> None:
    lab = Lab.from_scenario(None, speed=float("inf"))
    def factory(host: str) -> Callable[[], Session]:
        if host == "HV-LEGACY":
            return lambda: _DropsMidCall(lab.session(host))
        return lambda: lab.session(host)

    factories = {h: factory(h) for h in lab.host_names}
    pool = SessionPool(factories)
    plan = await build_plan(pool, VmActionRequest(VmAction.START, (
        VmRef("BUILD01"), VmRef("UBU-LAB"))))
    events: list[RunEvent] = []
    result = await PlanRunner(pool, audit=audit).run(plan, events.append)
    assert [r.outcome for r in result.results] == [StepOutcome.FAILED, StepOutcome.NOT_RUN]
    assert "may or may not have happened on HV-LEGACY" in result.results[0].message
    assert result.summary() == "Stopped: 0 of 2 step(s) succeeded, 1 failed, 1 not run."
    outcomes = [(e["host"], e["outcome"]) for e in entries(audit)]
    assert outcomes == [("HV-LEGACY", "started"), ("HV-LEGACY", "failed"),
                        ("HV-DR2", "cancelled")]
    assert [e.kind for e in events] == ["step-started", "step-finished", "step-finished"]


async def test_the_runner_rechecks_and_refuses_a_plan_the_estate_outgrew(
        pool: SessionPool, runner: PlanRunner) -> None:
    stale = await build_plan(pool, VmActionRequest(VmAction.PAUSE, (VmRef("DC01"),)))
    _, paused = await plan_and_run(runner, VmActionRequest(VmAction.PAUSE, (VmRef("DC01"),)))
    assert paused.ok
    again = await runner.run(stale)  # DC01 is paused now: the stale plan has nothing to do
    assert again.refused and "changed since this plan was checked" in again.refusal


async def test_read_only_refuses_every_plan(pool: SessionPool, audit: AuditLog) -> None:
    plan = await build_plan(pool, VmActionRequest(VmAction.START, (VmRef("BUILD01"),)))
    with pytest.raises(PlanRefused, match="read-only"):
        await PlanRunner(pool, audit=audit, read_only=True).run(plan)
    assert entries(audit)[-1]["outcome"] == "refused"


def test_every_check_outcome_has_a_fix_when_it_is_not_a_pass() -> None:
    assert {o.value for o in Outcome} == {"pass", "warn", "fail"}
