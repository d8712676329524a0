"""The settings cmdlets on the lab, per release and VM state (R-SET-1, R-STATE-6, R-VER-4),
through the real catalog script vm-settings.ps1 as a client sends it, and straight through
the lab's engine where the client's own checks would stop a request first."""

from __future__ import annotations

from lab_console import console
from test_lab_support import default_lab, estate_vm, inventory, kinds, only_error, run

from hvtui.lab.failures import INVALID_STATE, MEMORY_NEEDS_DYNAMIC

GB = 1024**3


async def test_an_off_vm_takes_every_setting_and_the_inventory_reports_them() -> None:
    lab = default_lab()
    result = await run(lab, "HV-2019", "vm-settings", VMName="RHEL8-APP",
                       DynamicMemoryEnabled=True, MemoryStartupBytes=2 * GB,
                       MemoryMinimumBytes=1 * GB, MemoryMaximumBytes=6 * GB, MemoryBuffer=30,
                       MemoryWeight=80, ProcessorCount=3, ProcessorCompatibility=True,
                       ProcessorReserve=10, ProcessorLimit=90, ProcessorWeight=200,
                       AutomaticStartAction="Nothing", AutomaticStartDelay=30,
                       AutomaticStopAction="ShutDown", CheckpointType="ProductionOnly",
                       SnapshotFileLocation="E:\\Checkpoints", Notes="it's $x; `y 経理")
    assert result.ok, result.errors
    [settings] = kinds(result, "Settings")
    expected = {"DynamicMemoryEnabled": True, "MemoryStartup": 2 * GB, "MemoryMinimum": GB,
                "MemoryMaximum": 6 * GB, "MemoryBuffer": 30, "MemoryWeight": 80,
                "ProcessorCount": 3, "ProcessorCompatibility": True, "ProcessorReserve": 10,
                "ProcessorLimit": 90, "ProcessorWeight": 200, "AutomaticStartAction": "Nothing",
                "AutomaticStartDelay": 30, "AutomaticStopAction": "ShutDown",
                "CheckpointType": "ProductionOnly", "SnapshotFileLocation": "E:\\Checkpoints",
                "Notes": "it's $x; `y 経理"}
    assert {k: settings[k] for k in expected} == expected
    reported = next(r for r in (await inventory(lab, "HV-2019"))["Settings"]
                    if r["VMId"] == settings["VMId"])
    assert {k: reported[k] for k in expected} == expected


async def test_only_the_settings_given_change() -> None:
    lab = default_lab()
    before = estate_vm(lab, "HV-2019", "RHEL8-APP")
    cpus, startup = before.cpus, before.memory_startup
    result = await run(lab, "HV-2019", "vm-settings", VMName="RHEL8-APP", Notes="")
    assert result.ok, result.errors
    after = estate_vm(lab, "HV-2019", "RHEL8-APP")
    assert (after.cpus, after.memory_startup, after.notes) == (cpus, startup, "")


async def test_checkpoint_type_is_refused_before_2016_by_the_binder() -> None:
    """2012 R2's Set-VM has no -CheckpointType: the script's guard throws its own text, and
    the cmdlet itself, called anyway, fails to bind (a non-terminating error here, with no
    'Stop' preference)."""
    lab = default_lab()
    result = await run(lab, "HV-DR2", "vm-settings", VMName="UBU-LAB", CheckpointType="Standard")
    assert "Checkpoint types are new in Windows Server 2016" in only_error(result).message
    outcome = console(lab, "HV-DR2", "Set-VM -Name 'UBU-LAB' -CheckpointType 'Standard'")
    assert outcome.errors
    assert "A parameter cannot be found that matches parameter name 'CheckpointType'" in \
        outcome.errors[0].message
    assert (await inventory(lab, "HV-DR2"))["Settings"][0]["CheckpointType"] == ""


async def test_processor_count_is_refused_on_a_running_vm() -> None:
    lab = default_lab()
    before = estate_vm(lab, "HV-2022", "WIN2022-DC").cpus
    result = await run(lab, "HV-2022", "vm-settings", VMName="WIN2022-DC",
                       ProcessorCount=before + 2)
    assert only_error(result).message == INVALID_STATE
    assert estate_vm(lab, "HV-2022", "WIN2022-DC").cpus == before
    # Reserve, limit and weight change while it runs.
    result = await run(lab, "HV-2022", "vm-settings", VMName="WIN2022-DC", ProcessorReserve=5,
                       ProcessorLimit=50, ProcessorWeight=300)
    assert result.ok, result.errors


async def test_dynamic_memory_and_stop_action_need_the_vm_off() -> None:
    lab = default_lab()
    dynamic = estate_vm(lab, "HV-2019", "WIN2019-WEB").dynamic_memory
    for params in ({"DynamicMemoryEnabled": not dynamic}, {"AutomaticStopAction": "TurnOff"}):
        result = await run(lab, "HV-2019", "vm-settings", VMName="WIN2019-WEB", **params)
        assert only_error(result).message == INVALID_STATE, params
    result = await run(lab, "HV-2019", "vm-settings", VMName="WIN2019-WEB",
                       AutomaticStartAction="Start", AutomaticStartDelay=120, Notes="web")
    assert result.ok, result.errors


async def test_running_static_memory_resizes_on_2016_and_later_only() -> None:
    """Runtime memory resize: 2016+, configuration version 6.2+, no dynamic memory."""
    lab = default_lab()
    result = await run(lab, "HV-2016", "vm-settings", VMName="MÜN-FS01",
                       MemoryStartupBytes=12 * GB)
    assert result.ok, result.errors
    assert estate_vm(lab, "HV-2016", "MÜN-FS01").memory_startup == 12 * GB
    # Version 5.0 on 2016: no hot add.
    result = await run(lab, "HV-2016", "vm-settings", VMName="MÜN-DC02",
                       MemoryStartupBytes=6 * GB)
    assert only_error(result).message == INVALID_STATE
    # 2012: never while running.
    result = await run(lab, "HV-LEGACY", "vm-settings", VMName="LEGACY-SQL",
                       MemoryStartupBytes=16 * GB)
    assert only_error(result).message == INVALID_STATE


async def test_dynamic_memory_grows_its_maximum_and_shrinks_its_minimum_while_running() -> None:
    lab = default_lab()
    vm = estate_vm(lab, "HV-2025", "WIN2025-APP01")
    assert vm.dynamic_memory and vm.state == "Running"
    maximum = vm.memory_maximum
    ok = await run(lab, "HV-2025", "vm-settings", VMName="WIN2025-APP01",
                   MemoryMaximumBytes=maximum + 8 * GB, MemoryMinimumBytes=256 * 1024**2,
                   MemoryBuffer=25)
    assert ok.ok, ok.errors
    shrink = await run(lab, "HV-2025", "vm-settings", VMName="WIN2025-APP01",
                       MemoryMaximumBytes=maximum)
    assert only_error(shrink).message == INVALID_STATE
    startup = await run(lab, "HV-2025", "vm-settings", VMName="WIN2025-APP01",
                        MemoryStartupBytes=vm.memory_startup + 2 * GB)
    assert only_error(startup).message == INVALID_STATE


def test_minimum_maximum_and_buffer_need_dynamic_memory() -> None:
    """The module's own check (SetVMMemory.cs), before and per VM."""
    lab = default_lab()
    outcome = console(lab, "HV-2019", "Set-VMMemory -VMName 'RHEL8-APP' -MinimumBytes 1GB")
    assert [e.message for e in outcome.errors] == [MEMORY_NEEDS_DYNAMIC]
    outcome = console(lab, "HV-2019", "Set-VMMemory -VMName 'RHEL8-APP' "
                                      "-DynamicMemoryEnabled $false -Buffer 10")
    assert [e.message for e in outcome.errors] == [MEMORY_NEEDS_DYNAMIC]
    outcome = console(lab, "HV-2019", "Set-VMMemory -VMName 'RHEL8-APP' "
                                      "-DynamicMemoryEnabled $true -MinimumBytes 1GB -Passthru")
    assert not outcome.errors and outcome.output


def test_a_parameter_the_lab_does_not_model_is_refused_not_ignored() -> None:
    lab = default_lab()
    outcome = console(lab, "HV-2019", "Set-VM -Name 'RHEL8-APP' -LockOnDisconnect 'On'")
    assert outcome.errors and "LockOnDisconnect" in outcome.errors[0].message
