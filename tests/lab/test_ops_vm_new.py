"""The New VM plan against the lab's hosts as they are: each refusal, and a plan that runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from hvtui.connect import lab_pool
from hvtui.hyperv.audit import AuditLog
from hvtui.hyperv.jobs import JobManager
from hvtui.hyperv.lookup import fresh_estate
from hvtui.hyperv.operations import PlanRunner
from hvtui.hyperv.plans import Outcome, Plan
from hvtui.hyperv.preflight import build_plan
from hvtui.hyperv.vm_create import NewVmRequest
from hvtui.remote.pool import SessionPool


@pytest.fixture
def pool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SessionPool:
    monkeypatch.setenv("HVTUI_STATE_DIR", str(tmp_path))
    return lab_pool(speed=float("inf"))


def failures(plan: Plan) -> dict[str, str]:
    return {c.name: c.detail for c in plan.failures}


async def test_a_name_the_host_has_in_any_case_is_refused(pool: SessionPool) -> None:
    plan = await build_plan(pool, NewVmRequest("hv-node1", "sql01"))
    assert "HV-NODE1 already has a VM called 'SQL01'" in failures(plan)["Name"]
    assert plan.steps == ()
    # the same name on another host is fine
    assert not (await build_plan(pool, NewVmRequest("HV-2019", "sql01"))).refused


async def test_generation_2_is_refused_on_2012_and_the_default_is_1_there(
        pool: SessionPool) -> None:
    plan = await build_plan(pool, NewVmRequest("HV-LEGACY", "g2", generation=2))
    assert "generation 1 VMs only" in failures(plan)["Generation"]
    plan = await build_plan(pool, NewVmRequest("HV-LEGACY", "g1"))
    assert not plan.refused and plan.steps[0].parameters["Generation"] == 1
    assert "Version" not in plan.steps[0].parameters  # 2012's New-VM has no -Version


async def test_versions_are_the_hosts_own(pool: SessionPool) -> None:
    plan = await build_plan(pool, NewVmRequest("HV-2022", "v", version="5.0"))
    assert "does not run configuration version 5.0" in failures(plan)["Configuration version"]
    plan = await build_plan(pool, NewVmRequest("HV-NODE1", "v", version="4.0"))
    assert plan.refused
    plan = await build_plan(pool, NewVmRequest("HV-2019", "v"))
    assert plan.steps[0].parameters["Version"] == "9.0"  # the host's default


async def test_not_enough_memory_and_too_many_processors(pool: SessionPool) -> None:
    plan = await build_plan(pool, NewVmRequest("HV-2016", "big", memory="4TB", processors=999))
    found = failures(plan)
    assert "the VM could never start there" in found["Startup memory"]
    assert "999 virtual processors" in found["Processors"]
    plan = await build_plan(pool, NewVmRequest("HV-2016", "odd", memory="1001MB"))
    assert "2 MB blocks" in failures(plan)["Startup memory"]


async def test_disks_switches_and_secure_boot(pool: SessionPool) -> None:
    used = "C:\\ClusterStorage\\Volume1\\SQL01\\Virtual Hard Disks\\SQL01-Logs.vhdx"
    plan = await build_plan(pool, NewVmRequest("HV-NODE1", "n", existing_disk=used.upper()))
    assert "attached to SQL01" in failures(plan)["Disk"]
    plan = await build_plan(pool, NewVmRequest("HV-2016", "n", disk_size="900TB"))
    assert "more than the format allows" in failures(plan)["New disk"]
    plan = await build_plan(pool, NewVmRequest("HV-2016", "n", disk_size="200GB", fixed=True))
    assert "which has" in failures(plan)["New disk"]  # C: has less than 200 GB free
    plan = await build_plan(pool, NewVmRequest("HV-2016", "n", switch="nope"))
    assert "no virtual switch 'nope'" in failures(plan)["Switch"]
    plan = await build_plan(pool, NewVmRequest("HV-NODE1", "n", linux=True))
    assert "needs Windows Server 2016" in failures(plan)["Secure Boot"]
    plan = await build_plan(pool, NewVmRequest("HV-NODE1", "n", linux=True, secure_boot=False))
    assert not plan.refused
    plan = await build_plan(pool, NewVmRequest("HV-NODE1", "n"))
    assert any(c.name == "High availability" and c.outcome is Outcome.WARN for c in plan.checks)


async def test_a_passing_plan_runs_and_the_vm_is_in_the_next_inventory(
        pool: SessionPool) -> None:
    request = NewVmRequest("hv-2016", "Lin'ux $(x)", memory="4GB", processors=2,
                           switch="external-lan", disk_size="40GB", linux=True)
    plan = await build_plan(pool, request)
    assert not plan.refused, plan.failures
    [step] = plan.steps
    assert step.script == "vm-new"
    assert "Set-VMFirmware -VMName 'Lin''ux $(x)' -EnableSecureBoot 'On' -SecureBootTemplate " \
           "'MicrosoftUEFICertificateAuthority'" in step.command
    result = await PlanRunner(pool, audit=AuditLog(), jobs=JobManager()).run(plan)
    assert result.ok, result.results
    estate = await fresh_estate(pool, ["HV-2016"])
    [vm] = [v for v in estate.vms() if v.name == "Lin'ux $(x)"]
    assert (vm.generation, vm.version, vm.state.name) == (2, "8.0", "Off")
    assert [d.path for d in vm.disks] == [
        "C:\\Users\\Public\\Documents\\Hyper-V\\Virtual Hard Disks\\Lin'ux $(x).vhdx"]
    again = await build_plan(pool, request)
    assert "already has a VM" in failures(again)["Name"]
