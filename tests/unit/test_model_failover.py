"""hvtui.model.failover: what each copy of a replicated VM allows next (R-REP-4), and the
RPO a pair achieves against its frequency."""

from __future__ import annotations

import datetime as dt

import pytest

from hvtui.model import VM, Replication, ReplicationHealth, ReplicationMode, ReplicationState
from hvtui.model import VMState as V
from hvtui.model.failover import FailoverAction as A
from hvtui.model.failover import find_test_vm, next_actions, next_words, rpo_met, rpo_words

NOW = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)


def rep(mode: str, state: str, *, last_s: float | None = 10, frequency: int = 300
        ) -> Replication:
    return Replication(
        vm_id="1", mode=ReplicationMode.parse(mode), state=ReplicationState.parse(state),
        health=ReplicationHealth.Normal, primary_server="HV1", replica_server="HV2",
        frequency_sec=frequency,
        last_replication=None if last_s is None else NOW - dt.timedelta(seconds=last_s))


def vm(mode: str, state: str, name: str = "web01", host: str = "HV2") -> VM:
    return VM(id="1", name=name, host=host, state=V.Off, replication=rep(mode, state))


@pytest.mark.parametrize(("mode", "state", "allowed"), [
    ("Primary", "Replicating", (A.PLANNED, A.REMOVE)),
    ("Primary", "PreparedForFailover", (A.CANCEL,)),
    ("Primary", "WaitingForStartResynchronize", (A.RESYNC, A.REMOVE)),
    ("Primary", "Suspended", (A.REMOVE,)),
    ("Replica", "Replicating", (A.TEST, A.FAILOVER, A.REMOVE)),
    ("Replica", "Error", (A.TEST, A.FAILOVER, A.REMOVE)),
    ("Replica", "WaitingForInitialReplication", (A.REMOVE,)),  # no recovery point yet
    ("Replica", "FailedOverWaitingCompletion", (A.COMPLETE, A.CANCEL, A.REVERSE)),
    ("Replica", "FailedOver", (A.REVERSE, A.REMOVE)),  # R-REP-4: no cancel after completion
    ("ExtendedReplica", "FailedOverWaitingCompletion", (A.COMPLETE, A.CANCEL)),
])
def test_next_actions_follow_the_state_machine(mode: str, state: str,
                                               allowed: tuple[A, ...]) -> None:
    assert next_actions(vm(mode, state)) == allowed


def test_a_running_test_failover_is_stopped_first() -> None:
    replica = vm("Replica", "Replicating")
    test = VM(id="2", name="WEB01 - test", host="hv2", state=V.Running)
    assert find_test_vm(replica, [replica, test]) is test
    assert next_actions(replica, has_test_vm=True) == (A.STOP_TEST, A.FAILOVER)
    assert next_words(replica, True) == "stop-test, failover"
    elsewhere = VM(id="3", name="web01 - Test", host="HV3", state=V.Off)
    assert find_test_vm(replica, [elsewhere]) is None


def test_a_vm_without_replication_allows_nothing() -> None:
    assert next_actions(VM(id="1", name="a", host="h", state=V.Off)) == ()


def test_rpo_against_frequency() -> None:
    assert rpo_words(rep("Primary", "Replicating", last_s=42, frequency=30), NOW) == \
        "42 s of 30 s"
    assert rpo_met(rep("Primary", "Replicating", last_s=42, frequency=30), NOW)
    assert not rpo_met(rep("Primary", "Replicating", last_s=1500, frequency=300), NOW)
    assert rpo_words(rep("Primary", "Replicating", last_s=None), NOW) == "never replicated"
