"""Every started change ends with an outcome in the audit log; no audit, no change.

In-process runs on the embedded lab: a job cancelled or the runner stopped mid-migration,
a crash in a listener, the log's folder unwritable, the disk full before or after the
change. (tests/wire/test_trust_cli.py does the same to a real ``hvtui`` process with signals.)
"""

from __future__ import annotations

import asyncio
import json
import os
import pwd
from pathlib import Path

import pytest

from hvtui.connect import lab_pool
from hvtui.errors import AuditError
from hvtui.hyperv.audit import AuditLog
from hvtui.hyperv.jobs import JobManager
from hvtui.hyperv.lookup import fresh_estate
from hvtui.hyperv.operations import PlanRunner, RunEvent, StepOutcome
from hvtui.hyperv.plans import MigrateRequest, Plan, VmAction, VmActionRequest, VmRef
from hvtui.hyperv.preflight import build_plan
from hvtui.remote.pool import SessionPool

MIGRATE = MigrateRequest((VmRef("LEGACY-SQL"),), "HV-DR1", True, "E:\\VMs\\LEGACY-SQL")


def lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


async def host_of(pool: SessionPool, name: str) -> str:
    estate = await fresh_estate(pool)
    return estate.find_vms(name)[0].host


async def migration_under_way(pool: SessionPool, audit: AuditLog, jobs: JobManager
                              ) -> tuple[asyncio.Task[object], Plan]:
    """Start the LEGACY-SQL migration on a slow lab; return once the host reports progress."""
    plan = await build_plan(pool, MIGRATE)
    moving = asyncio.Event()

    def watch(event: RunEvent) -> None:
        if event.kind == "job" and event.job is not None and event.job.status not in (
                "", "started"):
            moving.set()  # the host reported its own progress: the move is under way

    runner = PlanRunner(pool, audit=audit, jobs=jobs)
    task: asyncio.Task[object] = asyncio.create_task(runner.run(plan, watch))
    await asyncio.wait_for(moving.wait(), 60)
    return task, plan


async def test_lines_name_the_os_account_not_the_environment_and_the_remote_account(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USER", "mallory")
    monkeypatch.setenv("LOGNAME", "mallory")
    audit = AuditLog(tmp_path / "audit.jsonl", accounts={"hv-legacy": "CONTOSO\\hvadmin"})
    pool = lab_pool(speed=float("inf"))
    plan = await build_plan(pool, VmActionRequest(VmAction.SAVE, (VmRef("LEGACY-SQL"),)))
    result = await PlanRunner(pool, audit=audit).run(plan)
    assert result.ok, result.summary()
    started, done = lines(audit.path)
    me = pwd.getpwuid(os.getuid()).pw_name
    for line in (started, done):
        assert line["user"] == me != "mallory"
        assert line["uid"] == os.getuid()
        assert line["remote_user"] == "CONTOSO\\hvadmin"
    assert (started["outcome"], done["outcome"]) == ("started", "succeeded")
    assert started["change"] and started["change"] == done["change"]


async def test_a_cancelled_job_ends_interrupted_with_how_to_check(tmp_path: Path) -> None:
    pool = lab_pool(speed=1.0)
    audit, jobs = AuditLog(tmp_path / "audit.jsonl"), JobManager()
    task, _plan = await migration_under_way(pool, audit, jobs)
    running = [j for j in jobs.jobs if not j.state.finished]
    assert jobs.cancel(running[0].id)
    result = await asyncio.wait_for(task, 30)
    assert [r.outcome for r in result.results] == [StepOutcome.INTERRUPTED]  # type: ignore[attr-defined]
    last = lines(audit.path)[-1]
    assert last["outcome"] == "interrupted"
    assert "job cancelled in hvtui" in str(last["message"])
    assert "state unknown: check with `hvtui get vms --host HV-LEGACY`" in str(last["message"])
    await pool.close()


async def test_stopping_the_runner_mid_migration_writes_interrupted(tmp_path: Path) -> None:
    pool = lab_pool(speed=1.0)
    audit = AuditLog(tmp_path / "audit.jsonl")
    task, _plan = await migration_under_way(pool, audit, JobManager())
    task.cancel("SIGTERM")
    with pytest.raises(asyncio.CancelledError):
        await task
    started, last = lines(audit.path)
    assert (started["outcome"], last["outcome"]) == ("started", "interrupted")
    assert started["change"] == last["change"]
    assert "interrupted (SIGTERM), state unknown" in str(last["message"])
    assert await host_of(pool, "LEGACY-SQL") == "HV-LEGACY"  # the lab never committed it
    await pool.close()


async def test_a_crash_while_the_host_works_still_records_the_step(tmp_path: Path) -> None:
    pool = lab_pool(speed=1.0)
    audit = AuditLog(tmp_path / "audit.jsonl")
    plan = await build_plan(pool, MIGRATE)

    def broken_listener(event: RunEvent) -> None:
        if event.kind == "job" and event.job is not None and event.job.status not in (
                "", "started"):
            raise RuntimeError("a bug in a progress listener")

    with pytest.raises(RuntimeError):
        await PlanRunner(pool, audit=audit).run(plan, broken_listener)
    last = lines(audit.path)[-1]
    assert last["outcome"] == "interrupted"
    assert "unexpected error: RuntimeError: a bug in a progress listener" in str(last["message"])
    await pool.close()


# --- no audit, no change ------------------------------------------------------------------

async def _save_plan(pool: SessionPool) -> Plan:
    return await build_plan(pool, VmActionRequest(VmAction.SAVE, (VmRef("LEGACY-SQL"),)))


async def _state(pool: SessionPool) -> str:
    estate = await fresh_estate(pool, ["HV-LEGACY"])
    return estate.find_vms("LEGACY-SQL")[0].state.name


async def test_a_folder_that_cannot_be_made_refuses_before_any_change(tmp_path: Path) -> None:
    (tmp_path / "not-a-folder").write_text("a file where the state folder should be")
    audit = AuditLog(tmp_path / "not-a-folder" / "hvtui" / "audit.jsonl")
    pool = lab_pool(speed=float("inf"))
    plan = await _save_plan(pool)
    with pytest.raises(AuditError) as caught:
        await PlanRunner(pool, audit=audit).run(plan)
    assert "Not a directory" in caught.value.user_message()
    assert "no change it cannot record" in caught.value.user_message()
    assert await _state(pool) == "Running"


async def test_a_full_disk_refuses_before_any_change(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    log.symlink_to("/dev/full")  # every write: ENOSPC, as on a full disk
    pool = lab_pool(speed=float("inf"))
    plan = await _save_plan(pool)
    with pytest.raises(AuditError) as caught:
        await PlanRunner(pool, audit=AuditLog(log)).run(plan)
    assert "No space left on device" in caught.value.user_message()
    assert await _state(pool) == "Running"


async def test_a_log_failing_after_the_change_keeps_the_real_outcome(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    pool = lab_pool(speed=float("inf"))
    plan = await _save_plan(pool)

    def disk_fills_up(event: RunEvent) -> None:
        if event.kind == "step-started":  # the 'started' line is written; then the disk fills
            log.rename(tmp_path / "kept.jsonl")
            log.symlink_to("/dev/full")

    result = await PlanRunner(pool, audit=AuditLog(log)).run(plan, disk_fills_up)
    assert result.ok and result.results[0].outcome is StepOutcome.SUCCEEDED
    assert result.audit_problems and "No space left on device" in result.audit_problems[0]
    assert "not recorded: succeeded vm-save on HV-LEGACY" in result.audit_problems[0]
    assert await _state(pool) == "Saved"
    assert [e["outcome"] for e in lines(tmp_path / "kept.jsonl")] == ["started"]


def test_reader_keeps_old_lines_and_ignores_unknown_fields(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    old = {"time": "2024-01-01T00:00:00+00:00", "user": "u", "host": "h", "operation": "o",
           "parameters": {}, "outcome": "succeeded", "message": ""}
    log.write_text(json.dumps(old) + "\n" + json.dumps(old | {"future": 1}) + "\nnot json\n")
    assert [e.outcome for e in AuditLog(log).entries()] == ["succeeded", "succeeded"]


def test_control_characters_in_the_log_are_json_escapes(tmp_path: Path) -> None:
    audit = AuditLog(tmp_path / "audit.jsonl")
    name = "evil\x1b]52;c;SGk=\x07\u202e\x9b\x00"
    audit.record("h", "vm-start", {"Name": name}, "started")
    raw = audit.path.read_bytes()
    for bad in (b"\x1b", b"\x07", "\u202e".encode(), "\x9b".encode(), b"\x00"):
        assert bad not in raw
    assert audit.entries()[0].parameters["Name"] == name
