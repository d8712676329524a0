"""Hyper-V Replica: frequency (R-REP-1/2), suspend/resume and state errors (R-REP-5) and
failover (R-REP-4).

The catalog's scripts drive the cmdlets; what the cmdlets did is read back with
Get-VMReplication's own properties (``lab_console.replication``), because the scripts'
records on branch lab-runs read ``Mode``, ``FrequencySec``, ``PrimaryServer`` and
``ReplicaServer``, which are only column labels of the default table, not properties of
VMReplication (object-shapes.md): those fields read empty until the scripts are fixed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from lab_console import console, output, replication
from test_lab_support import default_lab, kinds, only_error, run, vm_record

from hvtui.lab.failures import (
    EXTENDED_FREQUENCY_NOT_ALLOWED,
    EXTENDED_FREQUENCY_TOO_LOW,
    INVALID_STATE,
    REPLICA_SETTINGS_REFUSED,
    REPLICATION_NOT_ENABLED,
    REPLICATION_WRONG_STATE,
)
from hvtui.lab.power import power_off
from hvtui.ps import catalog
from hvtui.remote.base import PSResult

PREPARE_AND_TEST = (
    "Give either Prepare (planned failover, on the primary) or AsTest (test failover, on the "
    "replica), not both."
)
"""replica-failover.ps1's own refusal (a script-level throw, not the lab's)."""


def by_relationship(result: PSResult) -> dict[str, dict[str, Any]]:
    return {r["Relationship"]: r for r in kinds(result, "Replication")}


async def test_primary_frequency_accepts_30_300_900() -> None:
    lab = default_lab()
    for frequency in (900, 300, 30):
        result = await run(
            lab, "HV-NODE1", "replication-frequency", VMName="SQL01", FrequencySec=frequency
        )
        assert result.ok, result.errors
        assert replication(lab, "HV-NODE1", "SQL01")["Simple"]["ReplicationFrequencySec"] == (
            frequency
        )


async def test_other_frequencies_are_refused() -> None:
    lab = default_lab()
    error = only_error(
        await run(lab, "HV-NODE1", "replication-frequency", VMName="SQL01", FrequencySec=60)
    )
    assert error.message == (
        "The replication frequency 60 seconds is not valid. Use 30, 300 or 900 seconds."
    )
    error = only_error(
        await run(lab, "HV-NODE1", "replication-frequency", VMName="SQL01", FrequencySec=1000)
    )
    assert error.message == (
        "Cannot validate argument on parameter 'ReplicationFrequencySec'. The 1000 argument is "
        "greater than the maximum allowed range of 900. Supply an argument that is less than or "
        "equal to 900 and then try the command again."
    )
    assert error.error_id == (
        "ParameterArgumentValidationError,Microsoft.HyperV.PowerShell.Commands.SetVMReplication"
    )


async def test_2012_replicates_every_five_minutes_only() -> None:
    """R-REP-1: -ReplicationFrequencySec arrived with 2012 R2."""
    error = only_error(
        await run(
            default_lab(), "HV-LEGACY", "replication-frequency", VMName="ERP-APP", FrequencySec=300
        )
    )
    assert error.message == (
        "A parameter cannot be found that matches parameter name 'ReplicationFrequencySec'."
    )
    assert error.error_id.startswith("NamedParameterNotFound,")


async def test_extended_replication_cannot_use_30_seconds() -> None:
    """R-REP-2: set on the replica VM, the frequency is the extended link's."""
    error = only_error(
        await run(
            default_lab(), "HV-DR1", "replication-frequency", VMName="EXCH01", FrequencySec=30
        )
    )
    assert error.message == EXTENDED_FREQUENCY_NOT_ALLOWED.format(30)
    assert error.message == "Replication frequency for extended replication cannot be 30 seconds."


async def test_extended_frequency_may_not_be_below_the_primary() -> None:
    lab = default_lab()
    assert (
        await run(lab, "HV-NODE1", "replication-frequency", VMName="SQL01", FrequencySec=900)
    ).ok
    error = only_error(
        await run(lab, "HV-DR1", "replication-frequency", VMName="SQL01", FrequencySec=300)
    )
    assert error.message == EXTENDED_FREQUENCY_TOO_LOW
    assert error.message.startswith(
        "The frequency at which changes will be sent for extended replication should be greater"
    )
    result = await run(lab, "HV-DR1", "replication-frequency", VMName="SQL01", FrequencySec=900)
    assert result.ok, result.errors
    extended = replication(lab, "HV-DR1", "SQL01")["Extended"]
    assert extended["ReplicationFrequencySec"] == 900 and extended["ReplicationMode"] == "Primary"


async def test_settings_cannot_change_on_a_replica() -> None:
    lab = default_lab()
    for host, name in (("HV-DR1", "FS01"), ("HV-DR2", "SQL01")):
        error = only_error(
            await run(lab, host, "replication-frequency", VMName=name, FrequencySec=300)
        )
        assert error.message == REPLICA_SETTINGS_REFUSED.format(name)
    assert REPLICA_SETTINGS_REFUSED.format("FS01") == (
        "Replication settings cannot be modified on the replica virtual machine 'FS01'. You can "
        "modify them on the primary virtual machine."
    )


async def test_replication_not_enabled() -> None:
    for script in ("replication-suspend", "replication-resume", "replica-failover"):
        error = only_error(await run(default_lab(), "HV-NODE1", script, VMName="DC01"))
        assert error.message == "Replication is not enabled for virtual machine with name 'DC01'."
        assert error.message == REPLICATION_NOT_ENABLED.format("DC01")


async def test_suspend_and_resume() -> None:
    lab = default_lab()
    suspended = by_relationship(await run(lab, "HV-NODE1", "replication-suspend", VMName="SQL01"))
    assert (suspended["Simple"]["State"], suspended["Simple"]["Health"]) == ("Suspended", "Warning")
    frozen = suspended["Simple"]["LastReplicationTime"]
    lab.clock.advance(600)
    assert replication(lab, "HV-NODE1", "SQL01")["Simple"]["LastReplicationTime"] == frozen
    again = only_error(await run(lab, "HV-NODE1", "replication-suspend", VMName="SQL01"))
    assert again.message == REPLICATION_WRONG_STATE.format("SQL01")
    resumed = by_relationship(await run(lab, "HV-NODE1", "replication-resume", VMName="SQL01"))
    assert (resumed["Simple"]["State"], resumed["Simple"]["Health"]) == ("Replicating", "Normal")
    assert lab.clock.now() - resumed["Simple"]["LastReplicationTime"] < dt.timedelta(seconds=30)
    error = only_error(await run(lab, "HV-NODE1", "replication-resume", VMName="SQL01"))
    assert error.message == REPLICATION_WRONG_STATE.format("SQL01")


async def test_resume_recovers_a_failed_link() -> None:
    """On 2012 (HV-LEGACY). The script's read-back passes -ReplicationRelationshipType,
    which 2012 lacks, so on branch lab-runs it fails after the resume was made (issue 8):
    the link is read here with Get-VMReplication as 2012 has it."""
    lab = default_lab()
    await run(lab, "HV-LEGACY", "replication-resume", VMName="ERP-APP")
    record = replication(lab, "HV-LEGACY", "ERP-APP")["Simple"]
    assert (record["ReplicationState"], record["ReplicationHealth"]) == ("Replicating", "Normal")
    assert "ReplicationRelationshipType" not in record


async def test_test_failover_creates_one_test_vm() -> None:
    lab = default_lab()
    result = await run(lab, "HV-DR1", "replica-failover", VMName="SQL01", AsTest=True)
    assert by_relationship(result)["Simple"]["State"] == "Replicating"  # replica untouched
    test = await vm_record(lab, "HV-DR1", "SQL01 - Test")
    assert test and (test["State"], test["ReplicationMode"]) == ("Off", "TestReplica")
    error = only_error(await run(lab, "HV-DR1", "replica-failover", VMName="SQL01", AsTest=True))
    assert error.message == REPLICATION_WRONG_STATE.format("SQL01")


async def test_planned_failover() -> None:
    """R-REP-4: prepare on the shut-down primary, then fail over on the replica and start it."""
    lab = default_lab()
    running = only_error(
        await run(lab, "HV-NODE1", "replica-failover", VMName="SQL01", Prepare=True)
    )
    assert running.message == INVALID_STATE
    assert (await run(lab, "HV-NODE1", "vm-stop", Name="SQL01")).ok
    prepared = await run(lab, "HV-NODE1", "replica-failover", VMName="SQL01", Prepare=True)
    assert by_relationship(prepared)["Simple"]["State"] == "PreparedForFailover"
    failed_over = await run(lab, "HV-DR1", "replica-failover", VMName="SQL01")
    assert by_relationship(failed_over)["Simple"]["State"] == "FailedOverWaitingCompletion"
    started = await run(lab, "HV-DR1", "vm-start", Name="SQL01")
    assert started.ok and kinds(started, "VMState")[0]["State"] == "Running"


async def test_failover_on_the_primary_needs_prepare() -> None:
    error = only_error(await run(default_lab(), "HV-NODE1", "replica-failover", VMName="SQL01"))
    assert error.message == REPLICATION_WRONG_STATE.format("SQL01")


async def test_prepare_and_test_together_is_the_scripts_own_error() -> None:
    assert PREPARE_AND_TEST in catalog.get("replica-failover").text
    error = only_error(
        await run(
            default_lab(), "HV-DR1", "replica-failover", VMName="SQL01", Prepare=True, AsTest=True
        )
    )
    assert error.message == PREPARE_AND_TEST


async def test_unplanned_failover_on_the_replica() -> None:
    lab = default_lab()
    result = await run(lab, "HV-DR1", "replica-failover", VMName="EXCH01")
    assert by_relationship(result)["Simple"]["State"] == "FailedOverWaitingCompletion"
    error = only_error(await run(lab, "HV-DR1", "replica-failover", VMName="EXCH01"))
    assert error.message == REPLICATION_WRONG_STATE.format("EXCH01")


# --- the cmdlets beyond what the scripts reach -------------------------------------------------


def test_a_wildcard_suspends_every_replicated_vm_it_matches_and_errors_on_the_others() -> None:
    """Per-VM failures are non-terminating: the cmdlet goes on with the next VM."""
    lab = default_lab()
    outcome = console(lab, "HV-NODE1", "Suspend-VMReplication -VMName '*'; 'after'")
    assert outcome.output == ["after"]
    assert REPLICATION_NOT_ENABLED.format("DC01") in [e.message for e in outcome.errors]
    assert replication(lab, "HV-NODE1", "SQL01")["Simple"]["ReplicationState"] == "Suspended"
    missing = console(lab, "HV-NODE1", "Suspend-VMReplication -VMName 'NOPE'")
    assert [e.message for e in missing.errors] == [
        'Hyper-V was unable to find a virtual machine with name "NOPE".']


def test_passthru_writes_the_vmreplication_and_without_it_nothing() -> None:
    lab = default_lab()
    assert output(console(lab, "HV-NODE1", "Suspend-VMReplication -VMName SQL01")) == []
    resumed = output(console(lab, "HV-NODE1", "Resume-VMReplication -VMName SQL01 -Passthru"))
    assert [(o["VMName"], o["ReplicationState"], o["ReplicationRelationshipType"])
            for o in resumed] == [("SQL01", "Replicating", "Simple")]


def test_relationship_type_picks_the_link_on_2012r2_and_does_not_exist_on_2012() -> None:
    lab = default_lab()
    output(console(lab, "HV-DR1", "Suspend-VMReplication -VMName SQL01 "
                                  "-ReplicationRelationshipType Simple"))
    links = replication(lab, "HV-DR1", "SQL01")
    assert (links["Simple"]["ReplicationState"], links["Extended"]["ReplicationState"]) == (
        "Suspended", "Replicating")
    old = console(lab, "HV-LEGACY", "Suspend-VMReplication -VMName ERP-APP "
                                    "-ReplicationRelationshipType Simple")
    assert [e.message for e in old.errors] == [(
        "A parameter cannot be found that matches parameter name 'ReplicationRelationshipType'.")]


def test_failover_asks_for_confirmation_and_whatif_changes_nothing() -> None:
    """ConfirmImpact High: without -Confirm:$false a remote session cannot answer the prompt."""
    lab = default_lab()
    prompted = console(lab, "HV-DR1", "Start-VMFailover -VMName EXCH01")
    assert len(prompted.errors) == 1
    assert prompted.errors[0].fqid.startswith("HostFunctionNotImplemented,")
    output(console(lab, "HV-DR1", "Start-VMFailover -VMName EXCH01 -WhatIf"))
    assert replication(lab, "HV-DR1", "EXCH01")["Simple"]["ReplicationState"] == "Replicating"


def test_stop_failover_deletes_the_test_vm_and_cancels_a_prepared_failover() -> None:
    lab = default_lab()
    output(console(lab, "HV-DR1", "Start-VMFailover -VMName SQL01 -AsTest -Confirm:$false"))
    names = [vm.name for vm in lab.estate.host("HV-DR1").vms.values()]  # type: ignore[union-attr]
    assert "SQL01 - Test" in names
    output(console(lab, "HV-DR1", "Stop-VMFailover -VMName SQL01"))
    names = [vm.name for vm in lab.estate.host("HV-DR1").vms.values()]  # type: ignore[union-attr]
    assert "SQL01 - Test" not in names
    again = console(lab, "HV-DR1", "Stop-VMFailover -VMName SQL01")
    assert [e.message for e in again.errors] == [REPLICATION_WRONG_STATE.format("SQL01")]
    # A planned failover prepared on the (shut down) primary is cancelled the same way.
    host = lab.estate.host("HV-NODE1")
    assert host is not None
    fs01 = next(vm for vm in host.vms.values() if vm.name == "FS01")
    with lab.estate.lock:
        power_off(fs01)  # what Stop-VM -TurnOff does (the power family's cmdlet)
    output(console(lab, "HV-NODE1", "Start-VMFailover -VMName FS01 -Prepare -Confirm:$false"))
    assert replication(lab, "HV-NODE1", "FS01")["Simple"]["ReplicationState"] == (
        "PreparedForFailover")
    output(console(lab, "HV-NODE1", "Stop-VMFailover -VMName FS01"))
    assert replication(lab, "HV-NODE1", "FS01")["Simple"]["ReplicationState"] == "Replicating"


def test_parameters_the_lab_does_not_model_are_refused_not_ignored() -> None:
    outcome = console(default_lab(), "HV-NODE1",
                      "Set-VMReplication -VMName SQL01 -RecoveryHistory 4")
    assert len(outcome.errors) == 1
    assert outcome.errors[0].message.startswith(
        "The hvtui lab does not emulate Set-VMReplication -RecoveryHistory")
