"""Processor compatibility mode: only while the VM is off (R-LM-3), end to end on the lab."""

from __future__ import annotations

import pytest

from hvtui.cli import main
from hvtui.connect import lab_pool
from hvtui.hyperv.inventory import fetch_inventory
from hvtui.hyperv.operations import PlanRunner
from hvtui.hyperv.plans import Outcome, ProcessorCompatRequest, VmRef
from hvtui.hyperv.preflight import build_plan


def test_running_vm_is_refused_with_the_fix(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--lab-speed", "inf", "processor-compat", "LEGACY-SQL", "on", "--yes"])
    out = capsys.readouterr().out
    assert code == 2
    assert "only while a VM is off" in out and "hvtui vm stop LEGACY-SQL" in out


async def test_off_vm_gets_compatibility_mode_and_the_host_reports_it() -> None:
    pool = lab_pool(speed=float("inf"))
    try:
        plan = await build_plan(pool, ProcessorCompatRequest((VmRef("BUILD01"),), True))
        assert not plan.refused
        assert [c.outcome for c in plan.checks] == [Outcome.PASS]
        assert plan.steps[0].command.endswith("-CompatibilityForMigrationEnabled:$true")
        result = await PlanRunner(pool).run(plan)
        assert result.ok
        inventory = await fetch_inventory(pool, "HV-LEGACY")
        build01 = next(vm for vm in inventory.vms if vm.name == "BUILD01")
        assert build01.processor_compatibility
        again = await build_plan(pool, ProcessorCompatRequest((VmRef("BUILD01"),), True))
        assert again.nothing_to_do and "already on" in again.checks[0].detail
    finally:
        await pool.close()
