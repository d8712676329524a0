"""``hvtui replica ...`` failover commands: each a plan (pre-flight, the exact PowerShell in
the order it runs, a confirmation, a job per step, the audit log), as every action command.

    hvtui replica test-failover VM      Start-VMFailover -AsTest on the replica
                                        (+ Connect-VMNetworkAdapter with --switch)
    hvtui replica stop-test VM          Stop-VMFailover on the replica (deletes the test VM)
    hvtui replica planned-failover VM   Stop-VM, Start-VMFailover -Prepare (primary), then
                                        Start-VMFailover, Set-VMReplication -Reverse,
                                        Start-VM (replica)
    hvtui replica failover VM           Start-VMFailover (+ Start-VM) on the replica;
                                        --recovery-point: Start-VMFailover -VMRecoverySnapshot
    hvtui replica complete VM           Complete-VMFailover
    hvtui replica cancel VM             Stop-VMFailover
    hvtui replica reverse VM            Set-VMReplication -Reverse
    hvtui replica resync VM             Resume-VMReplication -Resynchronize
    hvtui replica remove VM             Remove-VMReplication on each copy
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from hvtui.hyperv.plans import Request, VmRef
from hvtui.hyperv.replica_failover import FailoverRequest
from hvtui.model.failover import FailoverAction

HELP: dict[FailoverAction, tuple[str, str]] = {
    FailoverAction.TEST: (
        "test failover: a test VM from the replica's latest recovery point "
        "(Start-VMFailover -AsTest)",
        "Creates '<VM> - Test' on the replica's host from its latest recovery point, "
        "connected to no network, or with --switch to that switch "
        "(Connect-VMNetworkAdapter); the replica goes on receiving changes. Stop it with "
        "`hvtui replica stop-test`."),
    FailoverAction.STOP_TEST: (
        "end a test failover: delete the test VM (Stop-VMFailover)",
        "Turns the test VM off and deletes it with its disks."),
    FailoverAction.PLANNED: (
        "planned failover to the replica, no data lost (Stop-VM, Start-VMFailover -Prepare, "
        "Start-VMFailover, Set-VMReplication -Reverse, Start-VM)",
        "In this order: shut the primary down; prepare it (it sends its last changes); fail "
        "the replica over; reverse replication (the replica becomes the primary); start it. "
        "Needs both hosts to answer."),
    FailoverAction.FAILOVER: (
        "unplanned failover of the replica to its latest recovery point (Start-VMFailover, "
        "Start-VM)",
        "For a lost primary: the replica starts from its latest recovery point; changes "
        "after it are lost. Then keep it (`complete`) or go back (`cancel`)."),
    FailoverAction.COMPLETE: (
        "keep a failover: delete the other recovery points (Complete-VMFailover)",
        "Commits the failover; it can no longer be cancelled."),
    FailoverAction.CANCEL: (
        "cancel a failover not yet completed, or a prepared planned failover "
        "(Stop-VMFailover)",
        "On the replica: turns it off and waits for changes again. On a prepared primary: "
        "replication resumes and it may start again."),
    FailoverAction.REVERSE: (
        "reverse replication after a failover: the replica becomes the primary "
        "(Set-VMReplication -Reverse)",
        "The old primary must be off; it becomes the replica."),
    FailoverAction.RESYNC: (
        "resynchronise a pair that needs it (Resume-VMReplication -Resynchronize)",
        "Compares both copies and sends what differs."),
    FailoverAction.REMOVE: (
        "stop replicating a VM, on every copy (Remove-VMReplication)",
        "Removes replication on the primary and each replica (with --host: that copy "
        "only); the VMs themselves stay."),
}


def _maker(action: FailoverAction) -> Callable[[argparse.Namespace], Request]:
    def make(a: argparse.Namespace) -> Request:
        return FailoverRequest(action, VmRef(a.vm, a.host), start=not a.no_start,
                               switch=getattr(a, "switch", None) or "",
                               recovery_point=getattr(a, "recovery_point", None) or "")
    return make


def register(rsub: Any, common: Callable[[argparse.ArgumentParser], None],
             handler: Callable[[Callable[[argparse.Namespace], Request]], dict[str, Any]]
             ) -> None:
    """Add the failover commands to ``hvtui replica``'s sub-parsers."""
    for action in FailoverAction:
        short, long = HELP[action]
        p = rsub.add_parser(action.value, help=short, description=f"{short[0].upper()}"
                                                                   f"{short[1:]}. {long}")
        p.add_argument("vm", metavar="VM")
        p.add_argument("--no-start", action="store_true",
                       help="planned-failover, failover: leave the VM that takes over off"
                       if action in (FailoverAction.PLANNED, FailoverAction.FAILOVER)
                       else argparse.SUPPRESS)
        if action is FailoverAction.FAILOVER:
            p.add_argument("--recovery-point", metavar="POINT",
                           help="go back to this recovery point instead of the latest: its "
                                "time (YYYY-MM-DD HH:MM) or the start of its Id; a wrong one "
                                "lists them (Get-VMSnapshot -SnapshotType Replica, "
                                "Start-VMFailover -VMRecoverySnapshot)")
        if action is FailoverAction.TEST:
            p.add_argument("--switch", metavar="SWITCH",
                           help="connect the test VM to this virtual switch of the replica's "
                                "host (Connect-VMNetworkAdapter; default: no network)")
        common(p)
        p.set_defaults(**handler(_maker(action)))
