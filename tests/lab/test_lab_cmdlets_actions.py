"""The power, checkpoint, guest and host-settings cmdlets as a script sees them, beyond what
the catalog scripts reach today: non-terminating per-VM errors, wildcards, prompts, -Passthru,
parameters a release lacks, objects passed back, localised integration-service names.

These run PowerShell text straight through the lab's engine on one host's runtime (the lab's
front door only takes catalog scripts; the cmdlets are the same either way).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lab_console import console
from test_lab_support import SMALL, default_lab, kinds, run, write_scenario

from hvtui.lab import Lab, pwsh
from hvtui.lab.failures import (
    IC_NOT_FOUND,
    RESTART_PROMPT,
    SAVE_AND_TURN_OFF,
    SET_VMHOST_NOTHING,
    SHUTDOWN_UNAVAILABLE_PROMPT,
    SNAPSHOT_NOT_FOUND,
    VM_NOT_FOUND,
)

PROMPT_FAILED = "A command that prompts the user failed because the host program"


def plain(outcome: pwsh.Outcome) -> list[Any]:
    return [pwsh.to_plain(value) for value in outcome.output]


def state(lab: Lab, host_name: str, vm_name: str) -> str:
    outcome = console(lab, host_name, f"[string](Get-VM -Name '{vm_name}').State")
    assert not outcome.failed, outcome.errors
    return str(outcome.output[0])


# --- power ---------------------------------------------------------------------------------


def test_a_vm_that_fails_does_not_stop_the_others() -> None:
    """Per-VM errors are non-terminating (VirtualizationCmdlet.ProcessOperands): without
    'Stop' the cmdlet writes the error and goes on with the next name."""
    lab = default_lab()
    outcome = console(lab, "HV-NODE2", "Start-VM -Name 'NO-SUCH-VM', 'PRINT01'; 'after'")
    assert not outcome.failed and plain(outcome) == ["after"]
    assert [e.message for e in outcome.errors] == [VM_NOT_FOUND.format("NO-SUCH-VM")]
    assert state(lab, "HV-NODE2", "PRINT01") == "Running"


def test_wildcard_names_act_on_every_match_and_a_miss_is_no_error() -> None:
    lab = default_lab()
    outcome = console(lab, "HV-NODE2", "Start-VM -Name 'PRINT*', 'NOTHING*' -Passthru")
    assert not outcome.failed and outcome.errors == []
    assert [o["Name"] for o in plain(outcome)] == ["PRINT01"]
    assert plain(outcome)[0]["State"] == "Running"


def test_action_cmdlets_write_nothing_without_passthru() -> None:
    lab = default_lab()
    outcome = console(lab, "HV-NODE1", "Suspend-VM -Name 'DC01'; Checkpoint-VM -Name 'DC01'")
    assert not outcome.failed and outcome.output == []
    assert state(lab, "HV-NODE1", "DC01") == "Paused"


def test_save_vm_passthru_is_2016s() -> None:
    """Save-VM -Passthru first appears in the 2016 documentation: the 2012 R2 binder refuses
    it; a 2019 host writes the VirtualMachine."""
    lab = default_lab()
    refused = console(lab, "HV-NODE1", "Save-VM -Name 'DC01' -Passthru")
    assert refused.errors[0].message == (
        "A parameter cannot be found that matches parameter name 'Passthru'.")
    assert state(lab, "HV-NODE1", "DC01") == "Running"
    written = console(lab, "HV-2019", "Save-VM -Name 'WIN2019-WEB' -Passthru")
    assert not written.failed
    assert plain(written)[0]["State"] == "Saved" and plain(written)[0]["Name"] == "WIN2019-WEB"


def test_stop_vm_save_and_turnoff_are_mutually_exclusive() -> None:
    lab = default_lab()
    outcome = console(lab, "HV-NODE1", "Stop-VM -Name 'DC01' -Save -TurnOff")
    assert [(e.message, e.category) for e in outcome.errors] == [
        (SAVE_AND_TURN_OFF, "InvalidArgument")]
    assert outcome.errors[0].fqid == "InvalidParameter,Microsoft.HyperV.PowerShell.Commands.StopVM"
    assert state(lab, "HV-NODE1", "DC01") == "Running"


def test_stop_vm_save_saves() -> None:
    lab = default_lab()
    assert not console(lab, "HV-NODE1", "Stop-VM -Name 'DC01' -Save").failed
    assert state(lab, "HV-NODE1", "DC01") == "Saved"


def test_stop_vm_without_force_asks_and_a_remote_session_cannot_answer() -> None:
    """R-STATE-3: with the Shutdown service unavailable Hyper-V asks whether to turn the VM
    off; only -Force answers that in a session without a user."""
    lab = default_lab()
    text = ("Disable-VMIntegrationService -VMName 'DC01' -Name 'Shutdown'; "
            "Stop-VM -Name 'DC01'")
    outcome = console(lab, "HV-NODE1", text)
    assert outcome.errors[-1].message.startswith(PROMPT_FAILED)
    assert SHUTDOWN_UNAVAILABLE_PROMPT.format("DC01") in outcome.errors[-1].message
    assert state(lab, "HV-NODE1", "DC01") == "Running"


def test_restart_vm_without_force_asks() -> None:
    """R-STATE-4: 'Are you sure you want to restart...' unless -Force."""
    lab = default_lab()
    outcome = console(lab, "HV-NODE1", "Restart-VM -Name 'DC01'")
    assert outcome.errors[-1].message.endswith(RESTART_PROMPT.format("DC01"))


def test_unmodelled_parameters_are_refused_not_ignored() -> None:
    lab = default_lab()
    outcome = console(lab, "HV-NODE1", "Start-VM -Name 'DC01' -AsJob")
    assert outcome.errors[0].message.startswith("The hvtui lab does not emulate Start-VM -AsJob")
    assert outcome.errors[0].category == "NotImplemented"


def test_vm_objects_passed_back_are_acted_on() -> None:
    lab = default_lab()
    outcome = console(lab, "HV-NODE2", "Start-VM -VM (Get-VM -Name 'PRINT01') -Passthru")
    assert not outcome.failed and plain(outcome)[0]["State"] == "Running"


# --- checkpoints ---------------------------------------------------------------------------


def test_restore_asks_first_without_confirm_false() -> None:
    """R-STATE-5: Restore-VMSnapshot's ConfirmImpact is High, so it prompts by default."""
    lab = default_lab()
    outcome = console(lab, "HV-2019",
                      "Restore-VMSnapshot -VMName 'WIN2019-WEB' -Name 'Baseline'")
    assert outcome.errors[-1].message.startswith(PROMPT_FAILED)
    assert state(lab, "HV-2019", "WIN2019-WEB") == "Running"


def test_checkpoint_names_are_wildcard_patterns() -> None:
    lab = default_lab()
    outcome = console(lab, "HV-2019", "Remove-VMSnapshot -VMName 'WIN2019-WEB' -Name '*IIS*' "
                                      "-Passthru -Confirm:$false")
    assert sorted(o["Name"] for o in plain(outcome)) == ["After IIS update", "Before IIS update"]
    left = console(lab, "HV-2019", "(Get-VMSnapshot -VMName 'WIN2019-WEB').Name")
    assert sorted(plain(left)) == ["Baseline", "Test branch"]


def test_a_checkpoint_named_like_a_pattern_is_not_found_by_its_own_name() -> None:
    """'[weekly] backup' read as a pattern matches 'w', 'e', 'k'... then ' backup', never
    itself: Restore-VMSnapshot finds nothing, Remove-VMSnapshot silently removes nothing.
    (A script must pick checkpoints by Id or by a Where-Object -eq, not by -Name.)"""
    lab = default_lab()
    text = ("Checkpoint-VM -Name 'DC01' -SnapshotName '[weekly] backup'; "
            "Restore-VMSnapshot -VMName 'DC01' -Name '[weekly] backup' -Confirm:$false; "
            "Remove-VMSnapshot -VMName 'DC01' -Name '[weekly] backup' -Confirm:$false; "
            "(Get-VMSnapshot -VMName 'DC01').Name")
    outcome = console(lab, "HV-NODE1", text)
    assert [e.message for e in outcome.errors] == [SNAPSHOT_NOT_FOUND]
    assert "[weekly] backup" in plain(outcome)


def test_checkpoint_passthru_and_objects_passed_back() -> None:
    lab = default_lab()
    text = ("$s = Checkpoint-VM -Name 'DC01' -SnapshotName 'piped' -Passthru; "
            "Remove-VMSnapshot -VMSnapshot $s -Confirm:$false; "
            "@(Get-VMSnapshot -VMName 'DC01' -Name 'piped').Count")
    outcome = console(lab, "HV-NODE1", text)
    assert not outcome.failed, outcome.errors
    assert plain(outcome)[-1] == 0


# --- integration services ------------------------------------------------------------------


def test_integration_services_by_pattern_and_by_object() -> None:
    lab = default_lab()
    outcome = console(lab, "HV-NODE1",
                      "Enable-VMIntegrationService -VMName 'DC01' -Name 'Guest*' -Passthru")
    assert [(o["Name"], o["Enabled"]) for o in plain(outcome)] == [
        ("Guest Service Interface", True)]
    piped = console(lab, "HV-NODE1",
                    "Get-VMIntegrationService -VMName 'DC01' -Name 'Heartbeat' | "
                    "Disable-VMIntegrationService -Passthru")
    assert [(o["Name"], o["Enabled"]) for o in plain(piped)] == [("Heartbeat", False)]


async def test_a_german_host_knows_its_services_by_their_german_names(tmp_path: Path) -> None:
    """On a host in another display language -Name matches the localised name, so the
    English name is not found there; vm-integration-service.ps1 acts by the service's ID
    and so works in any language."""
    text = SMALL.replace('switches = ["LAN"]\n', 'switches = ["LAN"]\nlanguage = "de-DE"\n', 1)
    lab = Lab.from_scenario(write_scenario(tmp_path, text), instant=True)
    english = console(lab, "SRC", "$ErrorActionPreference = 'Stop'\n"
                      "Enable-VMIntegrationService -VMName 'VM1' -Name 'Guest Service Interface'")
    assert english.failed and english.errors[-1].message == IC_NOT_FOUND
    assert english.errors[-1].category == "InvalidArgument"
    german = await run(lab, "SRC", "vm-integration-service", VMName="VM1",
                       ServiceId="6C09BB55-D683-4DA0-8931-C9BF705F6480", Enabled=True)
    assert german.ok, german.errors
    assert [(r["Name"], r["Enabled"]) for r in kinds(german, "IntegrationService")] == [
        ("Gastdienstschnittstelle", True)]


# --- host settings -------------------------------------------------------------------------


def test_set_vmhost_migration_settings_and_passthru() -> None:
    lab = default_lab()
    outcome = console(lab, "HV-DR1", (
        "Set-VMHost -VirtualMachineMigrationAuthenticationType Kerberos "
        "-VirtualMachineMigrationPerformanceOption SMB -MaximumVirtualMachineMigrations 4 "
        "-UseAnyNetworkForMigration $true -Passthru"))
    assert not outcome.failed, outcome.errors
    shown = plain(outcome)[0]
    assert (shown["VirtualMachineMigrationAuthenticationType"],
            shown["VirtualMachineMigrationPerformanceOption"],
            shown["MaximumVirtualMachineMigrations"], shown["UseAnyNetworkForMigration"]) == (
        "Kerberos", "SMB", 4, True)


def test_set_vmhost_needs_something_to_set_and_refuses_what_the_lab_does_not_model() -> None:
    lab = default_lab()
    nothing = console(lab, "HV-DR1", "Set-VMHost")
    assert [(e.message, e.category) for e in nothing.errors] == [
        (SET_VMHOST_NOTHING, "InvalidOperation")]
    mac = console(lab, "HV-DR1", "Set-VMHost -MacAddressMinimum '00155D000000'")
    assert "does not emulate Set-VMHost -MacAddressMinimum" in (
        mac.errors[0].message)


async def test_migration_can_be_turned_off_and_on() -> None:
    lab = default_lab()
    off = await run(lab, "HV-DR1", "host-migration", Enabled=False)
    assert off.objects == [{"Kind": "HostSetting", "MigrationEnabled": False}]
    on = console(lab, "HV-DR1", "Enable-VMMigration -Passthru")
    assert plain(on)[0]["VirtualMachineMigrationEnabled"] is True


def test_processor_compatibility_by_processor_object_only_while_off() -> None:
    lab = default_lab()
    running = console(lab, "HV-NODE1", (
        "Set-VMProcessor -VMProcessor (Get-VMProcessor -VMName 'DC01') "
        "-CompatibilityForMigrationEnabled $true"))
    assert [e.fqid for e in running.errors] == [
        "InvalidState,Microsoft.HyperV.PowerShell.Commands.SetVMProcessor"]
    off = console(lab, "HV-NODE2", (
        "Set-VMProcessor -VMName 'PRINT01' -CompatibilityForMigrationEnabled $true -Passthru"))
    assert plain(off)[0]["CompatibilityForMigrationEnabled"] is True


def test_under_pwsh_7_on_2016_objects_cannot_be_passed_back(tmp_path: Path) -> None:
    """pwsh 7 loads Hyper-V on 2016 through the compatibility layer: what a cmdlet writes
    comes back deserialized and cannot be handed to another cmdlet (PowerShell#14738);
    names still work."""
    text = SMALL.replace('os = "2012R2"', 'os = "2016"', 1).replace(
        'switches = ["LAN"]\n', 'switches = ["LAN"]\npowershell = "7.4"\n', 1)
    lab = Lab.from_scenario(write_scenario(tmp_path, text), instant=True)
    by_object = console(lab, "SRC", "Stop-VM -VM (Get-VM -Name 'VM1') -TurnOff")
    assert by_object.errors and "Cannot convert" in by_object.errors[0].message
    assert state(lab, "SRC", "VM1") == "Running"
    by_name = console(lab, "SRC", "Stop-VM -Name 'VM1' -TurnOff -Passthru")
    assert by_name.output[0].type_name == "Deserialized.Microsoft.HyperV.PowerShell.VirtualMachine"
    assert plain(by_name)[0]["State"] == "Off"
