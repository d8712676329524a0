"""Hyper-V Replica failover as a person meets it: for one copy of a replicated VM, which
failover step may come next (R-REP-4), and how far a pair is behind its frequency.

The host enforces the same state machine (its text for a step out of turn: "The operation
cannot be performed while the virtual machine '{0}' is in the current replication state.");
this is what the console offers and the planner checks before asking it.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable

from hvtui.model.enums import ReplicationMode, ReplicationState
from hvtui.model.replication import Replication
from hvtui.model.vm import VM


class FailoverAction(enum.Enum):
    """Each failover step, by its command-line name (``hvtui replica NAME VM``)."""

    TEST = "test-failover"
    STOP_TEST = "stop-test"
    PLANNED = "planned-failover"
    FAILOVER = "failover"
    COMPLETE = "complete"
    CANCEL = "cancel"
    REVERSE = "reverse"
    RESYNC = "resync"
    REMOVE = "remove"

    @property
    def words(self) -> str:
        return _WORDS[self]

    @property
    def short(self) -> str:
        """One word for a table cell: ``test``, ``planned``, ``failover``..."""
        return self.value.removesuffix("-failover") or self.value


_WORDS = {
    FailoverAction.TEST: "test failover",
    FailoverAction.STOP_TEST: "stop the test failover",
    FailoverAction.PLANNED: "planned failover",
    FailoverAction.FAILOVER: "failover (unplanned)",
    FailoverAction.COMPLETE: "complete the failover",
    FailoverAction.CANCEL: "cancel the failover",
    FailoverAction.REVERSE: "reverse replication",
    FailoverAction.RESYNC: "resynchronise",
    FailoverAction.REMOVE: "remove replication",
}

_RECEIVING = (ReplicationMode.Replica, ReplicationMode.ExtendedReplica)
_HAS_RECOVERY_POINT = (ReplicationState.Replicating, ReplicationState.Suspended,
                       ReplicationState.Error, ReplicationState.WaitingForStartResynchronize,
                       ReplicationState.ResynchronizeSuspended)
"""States in which a replica holds a recovery point to fail over to: not before its
initial replication, not once failed over."""
_NEEDS_RESYNC = (ReplicationState.WaitingForStartResynchronize,
                 ReplicationState.ResynchronizeSuspended)


def own_relationship(vm: VM) -> Replication | None:
    """The relationship a failover of this copy acts on: a primary's or a replica's simple
    one, an extended replica's extended one; None for a VM that does not replicate (a test
    replica included)."""
    for rep in (vm.replication, vm.extended_replication):
        if rep is not None and rep.mode is ReplicationMode.ExtendedReplica:
            return rep
    rep = vm.replication
    if rep is not None and rep.mode in (ReplicationMode.Primary, ReplicationMode.Replica):
        return rep
    return None


def next_actions(vm: VM, has_test_vm: bool = False) -> tuple[FailoverAction, ...]:
    """What may come next for this copy, in the order a person would consider them.

    ``has_test_vm``: a test failover of this replica is running (its "<name> - Test" VM
    exists on the host)."""
    rep = own_relationship(vm)
    if rep is None:
        return ()
    state = rep.state
    if rep.mode is ReplicationMode.Primary:
        if state is ReplicationState.PreparedForFailover:
            return (FailoverAction.CANCEL,)
        if state is ReplicationState.Replicating:
            return (FailoverAction.PLANNED, FailoverAction.REMOVE)
        if state in _NEEDS_RESYNC:
            return (FailoverAction.RESYNC, FailoverAction.REMOVE)
        return (FailoverAction.REMOVE,)
    reversible = rep.mode is ReplicationMode.Replica
    if state is ReplicationState.FailedOverWaitingCompletion:
        return (FailoverAction.COMPLETE, FailoverAction.CANCEL) + (
            (FailoverAction.REVERSE,) if reversible else ())
    if state is ReplicationState.FailedOver:
        return ((FailoverAction.REVERSE,) if reversible else ()) + (FailoverAction.REMOVE,)
    if has_test_vm:
        return (FailoverAction.STOP_TEST,) + (
            (FailoverAction.FAILOVER,) if state in _HAS_RECOVERY_POINT else ())
    if state in _HAS_RECOVERY_POINT:
        return (FailoverAction.TEST, FailoverAction.FAILOVER, FailoverAction.REMOVE)
    return (FailoverAction.REMOVE,)


def is_receiving(vm: VM) -> bool:
    rep = own_relationship(vm)
    return rep is not None and rep.mode in _RECEIVING


def test_vm_name(vm: VM) -> str:
    """The name Start-VMFailover -AsTest gives the test VM of this replica."""
    return f"{vm.name} - Test"


def find_test_vm(vm: VM, on_its_host: Iterable[VM]) -> VM | None:
    """The test VM of a test failover of ``vm`` among the VMs of its host: named
    ``"<name> - Test"`` and not replicating itself (a TestReplica reports no relationship)."""
    name = test_vm_name(vm).casefold()
    for other in on_its_host:
        rep = other.replication
        if other.name.casefold() == name and other.host.casefold() == vm.host.casefold() and (
                rep is None or rep.mode is ReplicationMode.TestReplica):
            return other
    return None


def next_words(vm: VM, has_test_vm: bool = False) -> str:
    """``"test, failover, remove"``: :func:`next_actions` for a table cell."""
    return ", ".join(a.short for a in next_actions(vm, has_test_vm))


def achieved_rpo(rep: Replication, now: dt.datetime) -> dt.timedelta | None:
    """The recovery point objective the pair achieves now: the changes a failover at this
    moment would lose, at most the time since the last replication; None when it never
    replicated."""
    return rep.lag(now)


def rpo_words(rep: Replication, now: dt.datetime) -> str:
    """``"42 s of 30 s"``: the achieved RPO against the frequency, for a table cell."""
    rpo = achieved_rpo(rep, now)
    if rpo is None:
        return "never replicated"
    goal = f" of {_duration(rep.frequency_sec)}" if rep.frequency_sec else ""
    return f"{_duration(max(0, int(rpo.total_seconds())))}{goal}"


def rpo_met(rep: Replication, now: dt.datetime) -> bool | None:
    """Whether the last replication is within one cycle (plus its own run) of now."""
    rpo = achieved_rpo(rep, now)
    if rpo is None or not rep.frequency_sec:
        return None
    return rpo.total_seconds() <= 2 * rep.frequency_sec


def _duration(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"
