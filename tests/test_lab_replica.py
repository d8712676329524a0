"""Hyper-V Replica: frequency (R-REP-1/2), suspend/resume and state errors (R-REP-5) and
failover (R-REP-4)."""

from __future__ import annotations

import datetime as dt

from test_lab_support import default_lab, inventory, kinds, only_error, run, vm_record

from hvtui.lab.failures import (
    EXTENDED_FREQUENCY_NOT_ALLOWED,
    EXTENDED_FREQUENCY_TOO_LOW,
    INVALID_STATE,
    REPLICA_SETTINGS_REFUSED,
    REPLICATION_NOT_ENABLED,
    REPLICATION_WRONG_STATE,
)
from hvtui.lab.replica import PREPARE_AND_TEST


def by_relationship(result) -> dict:  # type: ignore[no-untyped-def]
    return {r["Relationship"]: r for r in kinds(result, "Replication")}


async def test_primary_frequency_accepts_30_300_900() -> None:
    lab = default_lab()
    for frequency in (900, 300, 30):
        result = await run(
            lab, "HV-NODE1", "replication-frequency", VMName="SQL01", FrequencySec=frequency
        )
        assert by_relationship(result)["Simple"]["FrequencySec"] == frequency


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
    records = by_relationship(result)
    assert records["Extended"]["FrequencySec"] == 900 and records["Extended"]["Mode"] == "Primary"


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
    record = next(
        r for r in (await inventory(lab, "HV-NODE1"))["Replication"] if r["FrequencySec"] == 30
    )
    assert record["LastReplicationTime"] == frozen
    again = only_error(await run(lab, "HV-NODE1", "replication-suspend", VMName="SQL01"))
    assert again.message == REPLICATION_WRONG_STATE.format("SQL01")
    resumed = by_relationship(await run(lab, "HV-NODE1", "replication-resume", VMName="SQL01"))
    assert (resumed["Simple"]["State"], resumed["Simple"]["Health"]) == ("Replicating", "Normal")
    assert lab.clock.now() - resumed["Simple"]["LastReplicationTime"] < dt.timedelta(seconds=30)
    error = only_error(await run(lab, "HV-NODE1", "replication-resume", VMName="SQL01"))
    assert error.message == REPLICATION_WRONG_STATE.format("SQL01")


async def test_resume_recovers_a_failed_link() -> None:
    result = await run(default_lab(), "HV-LEGACY", "replication-resume", VMName="ERP-APP")
    record = by_relationship(result)["Simple"]
    assert (record["State"], record["Health"]) == ("Replicating", "Normal")


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
