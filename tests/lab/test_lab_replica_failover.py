"""The failover state machine (R-REP-4, R-REP-5) walked through the catalog's scripts:
planned failover (prepare, fail over, reverse), unplanned failover (fail over, complete or
cancel, reverse, resynchronise), test failover, and removing replication, each end of the
link reading its own state, with the host's text for each step out of turn."""

from __future__ import annotations

from lab_console import replication
from test_lab_support import default_lab, estate_vm, only_error, run

from hvtui.lab.failures import INVALID_STATE, REPLICATION_NOT_ENABLED, REPLICATION_WRONG_STATE
from hvtui.lab.lab import Lab


def state(lab: Lab, host: str, vm: str) -> tuple[str, str]:
    """(ReplicationMode, ReplicationState) of the VM's simple relationship on ``host``."""
    record = replication(lab, host, vm)["Simple"]
    return record["ReplicationMode"], record["ReplicationState"]


async def ok(lab: Lab, host: str, script: str, **params: object) -> None:
    result = await run(lab, host, script, **params)
    assert result.ok, result.errors


async def wrong_state(lab: Lab, host: str, script: str, vm: str) -> None:
    error = only_error(await run(lab, host, script, VMName=vm))
    assert error.message == REPLICATION_WRONG_STATE.format(vm), (script, error.message)


async def test_planned_failover_prepares_fails_over_and_reverses() -> None:
    lab = default_lab()
    await ok(lab, "HV-NODE1", "vm-stop", Name="FS01")
    await ok(lab, "HV-NODE1", "replica-failover", VMName="FS01", Prepare=True)
    assert state(lab, "HV-NODE1", "FS01") == ("Primary", "PreparedForFailover")
    assert state(lab, "HV-DR1", "FS01") == ("Replica", "Replicating")  # each end its own
    await ok(lab, "HV-DR1", "replica-failover", VMName="FS01")
    assert state(lab, "HV-DR1", "FS01") == ("Replica", "FailedOverWaitingCompletion")
    assert state(lab, "HV-NODE1", "FS01") == ("Primary", "PreparedForFailover")
    # The replica's failover is cancelled first, not the primary's preparation.
    await wrong_state(lab, "HV-NODE1", "replica-failover-stop", "FS01")
    await ok(lab, "HV-DR1", "replication-reverse", VMName="FS01")
    # DR1 now sends to NODE1; nothing was lost, so replication goes on at once.
    assert state(lab, "HV-DR1", "FS01") == ("Primary", "Replicating")
    assert state(lab, "HV-NODE1", "FS01") == ("Replica", "Replicating")
    record = replication(lab, "HV-DR1", "FS01")["Simple"]
    assert record["PrimaryServerName"] == lab.estate.server_name("HV-DR1")
    assert record["ReplicaServerName"] == lab.estate.server_name("HV-NODE1")  # its broker
    await ok(lab, "HV-DR1", "vm-start", Name="FS01")
    error = only_error(await run(lab, "HV-NODE1", "vm-start", Name="FS01"))
    assert error.message == REPLICATION_WRONG_STATE.format("FS01")  # the old primary waits


async def test_a_prepared_planned_failover_is_cancelled_on_the_primary() -> None:
    lab = default_lab()
    await ok(lab, "HV-NODE1", "vm-stop", Name="FS01")
    await ok(lab, "HV-NODE1", "replica-failover", VMName="FS01", Prepare=True)
    await wrong_state(lab, "HV-NODE1", "replica-failover", "FS01")  # prepared already
    await ok(lab, "HV-NODE1", "replica-failover-stop", VMName="FS01")
    assert state(lab, "HV-NODE1", "FS01") == ("Primary", "Replicating")
    assert state(lab, "HV-DR1", "FS01") == ("Replica", "Replicating")
    await ok(lab, "HV-NODE1", "vm-start", Name="FS01")


async def test_unplanned_failover_completes_and_then_cannot_be_cancelled() -> None:
    lab = default_lab()
    await wrong_state(lab, "HV-DR1", "replica-failover-complete", "FS01")  # not failed over
    await ok(lab, "HV-DR1", "replica-failover", VMName="FS01")
    await ok(lab, "HV-DR1", "vm-start", Name="FS01")
    await wrong_state(lab, "HV-NODE1", "replica-failover-complete", "FS01")  # the primary
    await ok(lab, "HV-DR1", "replica-failover-complete", VMName="FS01")
    assert state(lab, "HV-DR1", "FS01") == ("Replica", "FailedOver")
    await wrong_state(lab, "HV-DR1", "replica-failover-stop", "FS01")  # R-REP-4: final
    await wrong_state(lab, "HV-DR1", "replica-failover-complete", "FS01")


async def test_unplanned_failover_is_cancelled_before_completion() -> None:
    lab = default_lab()
    await ok(lab, "HV-DR1", "replica-failover", VMName="FS01")
    await ok(lab, "HV-DR1", "vm-start", Name="FS01")
    await ok(lab, "HV-DR1", "replica-failover-stop", VMName="FS01")
    assert estate_vm(lab, "HV-DR1", "FS01").state == "Off"
    assert state(lab, "HV-DR1", "FS01") == ("Replica", "Replicating")


async def test_reverse_after_an_unplanned_failover_waits_for_resynchronisation() -> None:
    lab = default_lab()
    await wrong_state(lab, "HV-DR1", "replication-reverse", "FS01")  # not failed over
    await ok(lab, "HV-DR1", "replica-failover", VMName="FS01")
    await ok(lab, "HV-DR1", "replica-failover-complete", VMName="FS01")
    # The old primary still runs: two running copies would both be FS01.
    running = only_error(await run(lab, "HV-DR1", "replication-reverse", VMName="FS01"))
    assert running.message == INVALID_STATE
    await ok(lab, "HV-NODE1", "vm-turn-off", Name="FS01")
    await ok(lab, "HV-DR1", "replication-reverse", VMName="FS01")
    assert state(lab, "HV-DR1", "FS01") == ("Primary", "WaitingForStartResynchronize")
    await wrong_state(lab, "HV-DR1", "replication-resume", "FS01")  # resume is not resync
    await ok(lab, "HV-DR1", "replication-resync", VMName="FS01")
    assert state(lab, "HV-DR1", "FS01") == ("Primary", "Replicating")
    assert state(lab, "HV-NODE1", "FS01") == ("Replica", "Replicating")
    await wrong_state(lab, "HV-DR1", "replication-resync", "FS01")  # nothing to resync


async def test_test_failover_then_stop_removes_the_test_vm() -> None:
    lab = default_lab()
    await ok(lab, "HV-DR1", "replica-failover", VMName="FS01", AsTest=True)
    assert estate_vm(lab, "HV-DR1", "FS01 - Test").replication_mode == "TestReplica"
    await wrong_state(lab, "HV-DR1", "replication-reverse", "FS01")
    await ok(lab, "HV-DR1", "replica-failover-stop", VMName="FS01")
    host = lab.estate.host("HV-DR1")
    assert host is not None and not host.find_vms("FS01 - Test")
    assert state(lab, "HV-DR1", "FS01") == ("Replica", "Replicating")


async def test_failover_on_2012_works_without_the_relationship_parameter() -> None:
    """ERP-APP replicates from the 2012 host; its link has failed (Error), and the replica
    still fails over to the last changes it received."""
    lab = default_lab()
    await ok(lab, "HV-DR1", "replica-failover", VMName="ERP-APP")
    await ok(lab, "HV-DR1", "replica-failover-complete", VMName="ERP-APP")
    assert state(lab, "HV-DR1", "ERP-APP") == ("Replica", "FailedOver")


async def test_remove_replication_on_each_end() -> None:
    lab = default_lab()
    await ok(lab, "HV-NODE1", "replication-remove", VMName="FS01")
    assert estate_vm(lab, "HV-NODE1", "FS01").replication_mode == "None"
    assert state(lab, "HV-DR1", "FS01")[0] == "Replica"  # the other end keeps its side
    error = only_error(await run(lab, "HV-NODE1", "replication-remove", VMName="FS01"))
    assert error.message == REPLICATION_NOT_ENABLED.format("FS01")
    await ok(lab, "HV-DR1", "replication-remove", VMName="FS01")
    assert estate_vm(lab, "HV-DR1", "FS01").replication_mode == "None"
    assert estate_vm(lab, "HV-DR1", "FS01").id not in lab.estate.replications
