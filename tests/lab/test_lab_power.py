"""Power state machine (R-STATE-1..3, R-STATE-5), VM not found (R-ERR-1), start rules and
checkpoints."""

from __future__ import annotations

import pytest
from test_lab_support import (
    chosen_checkpoint,
    default_lab,
    estate_vm,
    inventory,
    kinds,
    only_error,
    run,
    service_id,
    vm_record,
)

from hvtui.lab import pwsh
from hvtui.lab.failures import (
    ALREADY_IN_STATE,
    INVALID_STATE,
    REPLICATION_WRONG_STATE,
    SNAPSHOT_NOT_FOUND,
    START_PAUSED_WARNING,
    VM_NOT_FOUND,
)
from hvtui.lab.power import GUEST_SHUTDOWN_SECONDS
from hvtui.lab.runtime import HostRuntime

# (host, VM) in each base state of the default estate.
RUNNING = ("HV-NODE1", "DC01")
OFF = ("HV-NODE2", "PRINT01")
SAVED = ("HV-NODE2", "Cost$Center`App;01")
PAUSED = ("HV-NODE2", "RHEL-DB01")


async def state_after(script: str, where: tuple[str, str]) -> tuple[str, list[str]]:
    lab = default_lab()
    result = await run(lab, where[0], script, Name=where[1])
    assert result.ok, result.errors
    assert kinds(result, "VMState")[0]["Name"] == where[1]
    return kinds(result, "VMState")[0]["State"], result.warnings


@pytest.mark.parametrize(
    ("script", "where", "expected"),
    [
        ("vm-start", OFF, "Running"),
        ("vm-start", SAVED, "Running"),
        ("vm-turn-off", RUNNING, "Off"),
        ("vm-turn-off", PAUSED, "Off"),
        ("vm-turn-off", SAVED, "Off"),
        ("vm-save", RUNNING, "Saved"),
        ("vm-save", PAUSED, "Saved"),
        ("vm-suspend", RUNNING, "Paused"),
        ("vm-resume", PAUSED, "Running"),
        ("vm-restart", RUNNING, "Running"),
        ("vm-stop", RUNNING, "Off"),
    ],
)
async def test_allowed_transitions(script: str, where: tuple[str, str], expected: str) -> None:
    """R-STATE-1: each action from each state its table allows."""
    state, warnings = await state_after(script, where)
    assert (state, warnings) == (expected, [])


async def test_start_resumes_a_paused_vm_with_a_warning() -> None:
    """Start-VM resumes a paused VM, and warns that Resume-VM is the cmdlet for it
    (StartPausedVMWarning, neonSDK HyperVWmiDriver Commands/StartVM.cs, the module binary
    hyperv-rules.md quotes)."""
    state, warnings = await state_after("vm-start", PAUSED)
    assert (state, warnings) == ("Running", [START_PAUSED_WARNING.format(PAUSED[1])])
    assert warnings[0] == (
        'The virtual machine "RHEL-DB01" was paused. Use the Resume-VM cmdlet to return a '
        "paused virtual machine to a running state."
    )


@pytest.mark.parametrize(
    ("script", "where", "state"),
    [
        ("vm-start", RUNNING, "Running"),
        ("vm-turn-off", OFF, "Off"),
        ("vm-stop", OFF, "Off"),
        ("vm-save", SAVED, "Saved"),
        ("vm-suspend", PAUSED, "Paused"),
        ("vm-resume", RUNNING, "Running"),
    ],
)
async def test_already_in_state_is_a_warning_not_an_error(
    script: str, where: tuple[str, str], state: str
) -> None:
    """R-STATE-2: the target state already holds: a warning, and the VM is unchanged."""
    after, warnings = await state_after(script, where)
    assert (after, warnings) == (state, [ALREADY_IN_STATE])
    assert ALREADY_IN_STATE == "The virtual machine is already in the specified state."


@pytest.mark.parametrize(
    ("script", "where", "cmdlet"),
    [
        ("vm-suspend", OFF, "SuspendVM"),
        ("vm-resume", OFF, "ResumeVM"),
        ("vm-save", OFF, "SaveVM"),
        ("vm-restart", OFF, "RestartVM"),
        ("vm-restart", PAUSED, "RestartVM"),
        ("vm-suspend", SAVED, "SuspendVM"),
    ],
)
async def test_not_allowed_from_the_current_state(
    script: str, where: tuple[str, str], cmdlet: str
) -> None:
    """R-STATE-2: an action its table does not allow from the current state fails."""
    lab = default_lab()
    before = (await vm_record(lab, *where) or {})["State"]
    error = only_error(await run(lab, where[0], script, Name=where[1]))
    assert error.message == INVALID_STATE
    assert error.message == (
        "The operation cannot be performed while the virtual machine is in its current state."
    )
    assert error.category == "InvalidOperation"
    assert error.error_id == f"InvalidState,Microsoft.HyperV.PowerShell.Commands.{cmdlet}"
    assert (await vm_record(lab, *where) or {})["State"] == before


async def test_restart_resets_uptime() -> None:
    lab = default_lab()
    before = (await vm_record(lab, *RUNNING) or {})["UptimeSeconds"]
    assert (await run(lab, RUNNING[0], "vm-restart", Name=RUNNING[1])).ok
    after = (await vm_record(lab, *RUNNING) or {})["UptimeSeconds"]
    assert before > 86400 and after < 60


async def test_stop_shuts_the_guest_down_through_the_shutdown_service() -> None:
    """R-STATE-3: with the Shutdown service working, Stop-VM waits for the guest to shut down."""
    lab = default_lab()
    before = lab.clock.elapsed()
    result = await run(lab, *RUNNING[:1], "vm-stop", Name=RUNNING[1])
    assert result.ok and kinds(result, "VMState")[0]["State"] == "Off"
    # The guest took its time (lab time sums the engine's wait chunks as floats).
    assert lab.clock.elapsed() - before >= GUEST_SHUTDOWN_SECONDS - 1e-9
    assert GUEST_SHUTDOWN_SECONDS == 8
    # Stop-VM reports the shutdown's progress as the module does (TaskDescriptions.ShutdownVM).
    assert {p.activity for p in result.progress} == {"Shut down a virtual machine"}
    assert (result.progress[0].percent, result.progress[-1].percent) == (0, 100)


async def test_stop_force_turns_off_when_the_shutdown_service_is_unavailable() -> None:
    """R-STATE-3: -Force answers the prompt: the VM is turned off at once."""
    lab = default_lab()
    disabled = await run(
        lab,
        RUNNING[0],
        "vm-integration-service",
        VMName=RUNNING[1],
        ServiceId=service_id("Shutdown"),
        Enabled=False,
    )
    assert disabled.ok and kinds(disabled, "IntegrationService")[0]["Enabled"] is False
    before = lab.clock.elapsed()
    result = await run(lab, RUNNING[0], "vm-stop", Name=RUNNING[1])
    assert result.ok and kinds(result, "VMState")[0]["State"] == "Off"
    assert lab.clock.elapsed() - before < 1


@pytest.mark.parametrize(
    ("script", "cmdlet"),
    [
        ("vm-start", "StartVM"),
        ("vm-stop", "StopVM"),
        ("vm-turn-off", "StopVM"),
        ("vm-save", "SaveVM"),
        ("vm-suspend", "SuspendVM"),
        ("vm-resume", "ResumeVM"),
        ("vm-restart", "RestartVM"),
        ("checkpoint-new", "CheckpointVM"),
    ],
)
async def test_vm_not_found(script: str, cmdlet: str) -> None:
    """R-ERR-1: exact text, ObjectNotFound, FQID naming the cmdlet class."""
    error = only_error(await run(default_lab(), "HV-NODE1", script, Name="NO-SUCH-VM"))
    assert error.message == 'Hyper-V was unable to find a virtual machine with name "NO-SUCH-VM".'
    assert error.message == VM_NOT_FOUND.format("NO-SUCH-VM")
    assert error.category == "ObjectNotFound"
    assert error.error_id == f"ObjectNotFound,Microsoft.HyperV.PowerShell.Commands.{cmdlet}"


async def test_vm_names_are_matched_on_this_host_only() -> None:
    error = only_error(await run(default_lab(), "HV-NODE2", "vm-start", Name="DC01"))
    assert error.message == VM_NOT_FOUND.format("DC01")


async def test_start_fails_on_a_host_without_the_vms_configuration_version() -> None:
    """R-VER-2: LEGACY-BIZ (7.0, left by an in-place upgrade) cannot start on 2022."""
    lab = default_lab()
    error = only_error(await run(lab, "HV-2022", "vm-start", Name="LEGACY-BIZ"))
    assert error.message.startswith("'LEGACY-BIZ' failed to start. Its configuration version 7.0")
    assert "(supported: 8.0, 8.1, 8.2, 8.3, 9.0, 9.1, 9.2, 9.3, 10.0)" in error.message
    assert error.error_id == "Unspecified,Microsoft.HyperV.PowerShell.Commands.StartVM"
    assert (await vm_record(lab, "HV-2022", "LEGACY-BIZ") or {})["State"] == "Off"


async def test_a_replica_vm_does_not_start_before_failover() -> None:
    error = only_error(await run(default_lab(), "HV-DR1", "vm-start", Name="SQL01"))
    assert error.message == REPLICATION_WRONG_STATE.format("SQL01")
    assert error.message == (
        "The operation cannot be performed while the virtual machine 'SQL01' is in the current "
        "replication state."
    )


async def test_an_off_critical_vm_cannot_start() -> None:
    lab = default_lab()
    error = only_error(await run(lab, "HV-LEGACY", "vm-start", Name="OLD-FAX"))
    assert error.message.startswith("'OLD-FAX' failed to start.")
    assert (await vm_record(lab, "HV-LEGACY", "OLD-FAX") or {})["State"] == "OffCritical"


# --- checkpoints ----------------------------------------------------------------------------


async def test_new_checkpoint_becomes_the_child_of_the_current_one() -> None:
    lab = default_lab()
    result = await run(
        lab, "HV-2019", "checkpoint-new", Name="WIN2019-WEB", CheckpointName="Before patch Tuesday"
    )
    assert result.ok
    taken = kinds(result, "Checkpoint")[0]
    checkpoints = {c["Name"]: c for c in (await inventory(lab, "HV-2019"))["Checkpoint"]}
    assert taken["ParentId"] == checkpoints["After IIS update"]["Id"]
    assert taken["Id"] == checkpoints["Before patch Tuesday"]["Id"]
    assert abs((lab.clock.now() - taken["CreationTime"]).total_seconds()) < 5


async def test_unnamed_checkpoint_gets_hyperv_default_name() -> None:
    lab = default_lab()
    result = await run(lab, "HV-NODE1", "checkpoint-new", Name="DC01")
    name = kinds(result, "Checkpoint")[0]["Name"]
    assert name.startswith("DC01 - (") and name.endswith(("AM)", "PM)"))


async def test_restore_of_a_running_vm_restarts_it() -> None:
    """R-STATE-5: a running VM is saved, the checkpoint applied, and the VM started again."""
    lab = default_lab()
    result = await run(
        lab,
        "HV-2019",
        "checkpoint-restore",
        **chosen_checkpoint(lab, "HV-2019", "WIN2019-WEB", "Before IIS update"),
    )
    assert result.ok and kinds(result, "VMState")[0]["State"] == "Running"


async def test_restore_of_a_checkpoint_without_memory_leaves_a_running_vm_off() -> None:
    """R-STATE-5 restarts the VM only when the applied checkpoint left it saved: applying
    one without memory (Baseline, taken off) turns it off and it stays off
    (RestoreVMSnapshot.cs: Start only if the state is Saved and was Running)."""
    lab = default_lab()
    result = await run(
        lab, "HV-2019", "checkpoint-restore",
        **chosen_checkpoint(lab, "HV-2019", "WIN2019-WEB", "Baseline")
    )
    assert result.ok and kinds(result, "VMState")[0]["State"] == "Off"


async def test_restore_of_a_paused_vm_leaves_it_saved() -> None:
    """R-STATE-5: a paused VM is not restarted: it stays saved."""
    lab = default_lab()
    assert (
        await run(
            lab, "HV-NODE2", "checkpoint-new", Name="RHEL-DB01", CheckpointName="paused-point"
        )
    ).ok
    result = await run(
        lab, "HV-NODE2", "checkpoint-restore",
        **chosen_checkpoint(lab, "HV-NODE2", "RHEL-DB01", "paused-point")
    )
    assert result.ok and kinds(result, "VMState")[0]["State"] == "Saved"


async def test_restore_of_an_off_checkpoint_leaves_an_off_vm_off() -> None:
    lab = default_lab()
    assert (await run(lab, "HV-2019", "vm-turn-off", Name="WIN2019-WEB")).ok
    result = await run(
        lab, "HV-2019", "checkpoint-restore",
        **chosen_checkpoint(lab, "HV-2019", "WIN2019-WEB", "Test branch")
    )
    assert kinds(result, "VMState")[0]["State"] == "Off"


async def test_restore_of_a_standard_checkpoint_with_memory_leaves_an_off_vm_saved() -> None:
    lab = default_lab()
    assert (await run(lab, "HV-2019", "vm-turn-off", Name="WIN2019-WEB")).ok
    result = await run(
        lab,
        "HV-2019",
        "checkpoint-restore",
        **chosen_checkpoint(lab, "HV-2019", "WIN2019-WEB", "Before IIS update"),
    )
    assert kinds(result, "VMState")[0]["State"] == "Saved"


async def test_checkpoint_not_found() -> None:
    """A checkpoint deleted since it was chosen: Get-VMSnapshot -Id says so and nothing runs."""
    lab = default_lab()
    vm = estate_vm(lab, "HV-2019", "WIN2019-WEB")
    gone = "0badc0de-0000-4000-8000-000000000000"
    for script in ("checkpoint-restore", "checkpoint-remove"):
        error = only_error(await run(lab, "HV-2019", script, VMId=vm.id, CheckpointId=gone))
        assert error.message == SNAPSHOT_NOT_FOUND
        assert error.message == "Unable to find a snapshot matching the given criteria."
        assert error.error_id == "ObjectNotFound,Microsoft.HyperV.PowerShell.Commands.GetVMSnapshot"
    assert vm.state == "Running" and len(vm.checkpoints) == 4


async def test_a_name_that_selects_other_checkpoints_too_is_refused_before_anything_runs() -> None:
    """Restore-/Remove-VMSnapshot -Name read the name as a pattern, ignoring case: two
    checkpoints called alike, or 'a*' beside 'ab', would both be selected. The scripts act on
    the chosen id only when its name selects that checkpoint alone."""
    lab = default_lab()
    for name in ("twin", "TWIN", "a*", "ab"):
        assert (await run(lab, "HV-NODE1", "checkpoint-new", Name="DC01", CheckpointName=name)).ok
    for name in ("twin", "a*"):
        for script in ("checkpoint-restore", "checkpoint-remove"):
            error = only_error(await run(lab, "HV-NODE1", script,
                                         **chosen_checkpoint(lab, "HV-NODE1", "DC01", name)))
            assert f'The name of the checkpoint "{name}" of "DC01" selects 2 checkpoints' in \
                error.message, error.message
            assert "Rename it (Rename-VMSnapshot)" in error.message
    left = [c.name for c in estate_vm(lab, "HV-NODE1", "DC01").checkpoints]
    assert {"twin", "TWIN", "a*", "ab"} <= set(left)
    # 'ab' alone answers to its own name: it goes, and 'a*' stays
    removed = await run(lab, "HV-NODE1", "checkpoint-remove",
                        **chosen_checkpoint(lab, "HV-NODE1", "DC01", "ab"))
    assert removed.ok, removed.errors
    left = [c.name for c in estate_vm(lab, "HV-NODE1", "DC01").checkpoints]
    assert "ab" not in left and "a*" in left


async def test_a_checkpoint_of_another_vm_is_refused() -> None:
    lab = default_lab()
    other = chosen_checkpoint(lab, "HV-2019", "WIN2019-WEB", "Baseline")["CheckpointId"]
    vm = estate_vm(lab, "HV-2019", "WIN2019-WEB")
    host = lab.estate.host("HV-2019")
    assert host is not None
    sibling = next(v for v in host.vms.values() if v is not vm)
    error = only_error(await run(lab, "HV-2019", "checkpoint-remove", VMId=sibling.id,
                                 CheckpointId=other))
    assert 'belongs to the virtual machine "WIN2019-WEB"' in error.message
    assert any(c.id == other for c in vm.checkpoints)


async def test_remove_checkpoint_moves_children_up_or_removes_the_subtree() -> None:
    lab = default_lab()
    result = await run(
        lab,
        "HV-2019",
        "checkpoint-remove",
        **chosen_checkpoint(lab, "HV-2019", "WIN2019-WEB", "Before IIS update"),
    )
    vm = estate_vm(lab, "HV-2019", "WIN2019-WEB")
    assert [(o["Kind"], o["VMId"], o["VMName"], o["Name"]) for o in result.objects] == [
        ("CheckpointRemoved", vm.id, "WIN2019-WEB", "Before IIS update")]
    left = {c["Name"]: c for c in (await inventory(lab, "HV-2019"))["Checkpoint"]}
    assert set(left) == {"Baseline", "Test branch", "After IIS update"}
    assert left["After IIS update"]["ParentId"] == left["Baseline"]["Id"]
    assert (
        await run(
            lab,
            "HV-2019",
            "checkpoint-remove",
            **chosen_checkpoint(lab, "HV-2019", "WIN2019-WEB", "Baseline"),
            IncludeChildren=True,
        )
    ).ok
    assert "Checkpoint" not in await inventory(lab, "HV-2019")


def test_remove_vmsnapshot_itself_says_nothing_when_its_pattern_matches_nothing() -> None:
    """Remove-VMSnapshot removes whatever matches its -Name patterns; when nothing does, it
    does nothing and writes no error (RemoveVMSnapshot.cs has no not-found check, unlike
    Restore-VMSnapshot). checkpoint-remove.ps1 used to report CheckpointRemoved then; it now
    finds the checkpoint by its id first (test_checkpoint_not_found)."""
    lab = default_lab()
    host = lab.estate.host("HV-2019")
    assert host is not None
    before = list(estate_vm(lab, "HV-2019", "WIN2019-WEB").checkpoints)
    outcome = pwsh.run("Remove-VMSnapshot -VMName 'WIN2019-WEB' -Name 'Nope' -Confirm:$false; "
                       "'ran'", {}, HostRuntime(lab.estate, host, host.software))
    assert outcome.errors == [] and outcome.output == ["ran"]
    assert estate_vm(lab, "HV-2019", "WIN2019-WEB").checkpoints == before

