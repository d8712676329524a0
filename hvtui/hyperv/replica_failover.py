"""Hyper-V Replica failover: test, planned and unplanned failover, complete or cancel,
reverse, resynchronise and remove replication, each a checked plan (R-REP-4, R-REP-5).

A replicated VM has a copy on each server of its chain, all with one id: the primary, its
replica and perhaps an extended replica. A request names the VM; the plan finds its copies
and runs each step on the host that must run it, in the order Hyper-V needs them. Planned
failover, for instance, is five steps on two hosts::

    1. shut the primary down            (Stop-VM, on the primary's host)
    2. prepare it: it sends its last changes, so nothing is lost
                                        (Start-VMFailover -Prepare, primary's host)
    3. fail the replica over             (Start-VMFailover, replica's host)
    4. reverse replication: the replica becomes the primary
                                        (Set-VMReplication -Reverse, replica's host)
    5. start it                          (Start-VM, replica's host)

The runner stops at the first step that fails and records each step in the audit log, so
a host dropping mid-failover leaves an account of which steps ran; the plan's notes say
what each state allows next (``hvtui.model.failover.next_actions``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from hvtui.errors import PlanRefused
from hvtui.hyperv import lookup
from hvtui.hyperv.plans import (
    Check,
    Plan,
    Request,
    Step,
    VmRef,
    failed,
    make_step,
    passed,
    warned,
)
from hvtui.hyperv.recovery_points import RecoveryPoint, pick_point, recovery_points
from hvtui.hyperv.replica_cluster import replication_peers
from hvtui.model import VM, Estate, ReplicationMode, ReplicationState, VMState
from hvtui.model.failover import (
    FailoverAction,
    find_test_vm,
    next_actions,
    own_relationship,
    rpo_words,
    test_vm_name,
)
from hvtui.remote.pool import SessionPool

WRONG_STATE = ("The operation cannot be performed while the virtual machine '{0}' is in the "
               "current replication state.")
"""R-REP-5: what the host says to a failover step out of turn."""


@dataclass(frozen=True, slots=True)
class FailoverRequest(Request):
    kind: ClassVar[str] = "replica-failover"
    action: FailoverAction
    vm: VmRef
    start: bool = True
    """Start the VM that takes over (planned: the new primary; unplanned: the replica)."""
    switch: str = ""
    """Test failover: the virtual switch the test VM is connected to ('': none)."""
    recovery_point: str = ""
    """Unplanned failover: the recovery point to go back to, by its Id (or the first
    characters of it) or its time ``YYYY-MM-DD HH:MM``; '' or ``latest``: the latest."""


@dataclass(slots=True)
class _Copies:
    """The copies of one replicated VM, by their part in the chain."""

    chosen: VM
    primary: VM | None
    replica: VM | None
    extended: VM | None
    test_vm: VM | None
    tested: VM | None
    """The replica copy ``test_vm`` would be (or is) a test failover of."""

    def all(self) -> list[VM]:
        return [v for v in (self.primary, self.replica, self.extended) if v is not None]


_ON_THE_PRIMARY = (FailoverAction.PLANNED, FailoverAction.RESYNC)


def _copies(estate: Estate, request: FailoverRequest) -> _Copies:
    ref = request.vm
    if ref.host or ref.id:
        picked = lookup.vm(estate, ref)
    else:
        found = estate.find_vms(ref.name)
        if not found:
            picked = lookup.vm(estate, ref)  # refuses with the usual words
        else:
            ids = {v.id for v in found}
            if len(ids) > 1:
                hosts = sorted({v.host for v in found})
                raise PlanRefused(f'"{ref.name}" names different VMs on {", ".join(hosts)}',
                                  hint="say which one with --host " + hosts[0])
            picked = found[0]
    copies = [v for v in estate.vms() if v.id == picked.id]

    def mode(vm: VM) -> ReplicationMode | None:
        rep = own_relationship(vm)
        return rep.mode if rep is not None else None

    def one(wanted: ReplicationMode) -> VM | None:
        return next((v for v in copies if mode(v) is wanted), None)

    primary, replica = one(ReplicationMode.Primary), one(ReplicationMode.Replica)
    extended = one(ReplicationMode.ExtendedReplica)
    chosen = picked
    if not ref.host and not ref.id:
        # By name alone: the copy this action runs on.
        if request.action in _ON_THE_PRIMARY:
            chosen = primary or picked
        elif request.action is FailoverAction.CANCEL:
            prepared = primary is not None and _state(primary) is \
                ReplicationState.PreparedForFailover
            failed_over = replica is not None and _state(replica) is \
                ReplicationState.FailedOverWaitingCompletion
            chosen = (replica if failed_over else primary if prepared else replica) or picked
        elif request.action is not FailoverAction.REMOVE:
            chosen = replica or extended or picked
    # A test failover runs on a replica's host, next to the replica it was made from.
    tested = replica if chosen is primary or chosen is replica else chosen
    test = None if tested is None else find_test_vm(tested, estate.find_vms(
        test_vm_name(tested), tested.host))
    return _Copies(chosen, primary, replica, extended, test, tested)


def _state(vm: VM) -> ReplicationState | None:
    rep = own_relationship(vm)
    return rep.state if rep is not None else None


def allowed_words(vm: VM, has_test_vm: bool) -> str:
    allowed = next_actions(vm, has_test_vm)
    return ", ".join(a.words for a in allowed) if allowed else "nothing (it does not replicate)"


def _when(vm: VM) -> str:
    rep = own_relationship(vm)
    last = rep.last_replication if rep is not None else None
    return last.strftime("%Y-%m-%d %H:%M:%S") if last else "never"


class _Planning:
    """Checks and steps of one failover plan."""

    def __init__(self, estate: Estate, copies: _Copies,
                 point: RecoveryPoint | None = None) -> None:
        self.estate = estate
        self.copies = copies
        self.point = point
        """The recovery point an unplanned failover goes back to (None: the latest)."""
        self.checks: list[Check] = []
        self.steps: list[Step] = []
        self.notes: list[str] = []

    def step(self, vm: VM, script: str, params: dict[str, str | bool], description: str,
             *, destructive: bool = False) -> None:
        host = lookup.host(self.estate, vm.host)
        self.steps.append(make_step(host, script, params, description, target=vm.name,
                                    destructive=destructive, peers=replication_peers(vm)))

    def allowed(self, vm: VM, action: FailoverAction) -> bool:
        """Whether ``action`` may come next for ``vm``; a failed check when not."""
        has_test = self.copies.test_vm is not None and vm is self.copies.tested
        rep = own_relationship(vm)
        if rep is None:
            self.checks.append(failed(
                "Replication", f"Replication is not enabled for virtual machine with name "
                               f"'{vm.name}'.", "enable replication first", vm.name))
            return False
        if action in next_actions(vm, has_test):
            self.checks.append(passed(
                "Replication state", f"{rep.mode} on {vm.host}, {rep.state.name}", vm.name))
            return True
        self.checks.append(failed(
            "Replication state", f"{WRONG_STATE.format(vm.name)} ({rep.mode} on {vm.host}: "
                                 f"{rep.state.name})",
            f"allowed now: {allowed_words(vm, has_test)}", vm.name))
        return False


Planner = Callable[[_Planning, FailoverRequest], None]


def _test(p: _Planning, request: FailoverRequest) -> None:
    vm = p.copies.chosen
    if not p.allowed(vm, FailoverAction.TEST):
        return
    p.checks.append(passed("Test VM", f"'{test_vm_name(vm)}' is created on {vm.host} from the "
                                      f"latest recovery point ({_when(vm)}); the replica "
                                      "goes on receiving changes", vm.name))
    params: dict[str, str | bool] = {"VMName": vm.name, "AsTest": True}
    switch = _test_switch(p, vm, request.switch)
    if switch is None:
        return
    if switch:
        params["SwitchName"] = switch
        p.checks.append(warned("Network", f"'{test_vm_name(vm)}' is connected to {switch}: "
                                          "it answers to the primary's name and addresses",
                               f"make sure {switch} is isolated from the primary's network",
                               vm.name))
    p.step(vm, "replica-failover", params,
           f"Test failover of {vm.name} on {vm.host}: create '{test_vm_name(vm)}'" +
           (f" on {switch}" if switch else ""))
    if not switch:
        p.notes.append(f"'{test_vm_name(vm)}' is not connected to any network: connect it to "
                       "an isolated switch before starting it, so it cannot clash with the "
                       "primary")
    p.notes.append(f"when the test is done: hvtui replica stop-test {vm.name} --host {vm.host}")


def _test_switch(p: _Planning, vm: VM, wanted: str) -> str | None:
    """The replica host's spelling of the switch the test VM goes on ('' for none); None
    (and a failed check) when the host has no such switch."""
    if not wanted.strip():
        return ""
    switches = lookup.host(p.estate, vm.host).switches
    found = next((s for s in switches if s.casefold() == wanted.strip().casefold()), None)
    if found is None:
        p.checks.append(failed("Network", f"{vm.host} has no virtual switch called "
                                          f"'{wanted}'",
                               "choose one of " + (", ".join(switches) or "(none: create an "
                                                   "isolated switch first)"), vm.name))
    return found


def _stop_test(p: _Planning, request: FailoverRequest) -> None:
    vm = p.copies.chosen
    if not p.allowed(vm, FailoverAction.STOP_TEST):
        return
    p.checks.append(warned("Test VM", f"'{test_vm_name(vm)}' is turned off and deleted with "
                                      "its disks; what was done inside it is lost", "",
                           vm.name))
    p.step(vm, "replica-failover-stop", {"VMName": vm.name},
           f"Stop the test failover of {vm.name} on {vm.host}: delete '{test_vm_name(vm)}'",
           destructive=True)


def _planned(p: _Planning, request: FailoverRequest) -> None:
    primary, replica = p.copies.primary, p.copies.replica
    vm = p.copies.chosen
    if primary is None:
        p.checks.append(failed("Primary", f"no host in the inventory answered with the primary "
                                          f"of {vm.name}",
                               "a planned failover needs the primary; when it is lost, fail "
                               f"over the replica: hvtui replica failover {vm.name}", vm.name))
        return
    if replica is None:
        p.checks.append(failed("Replica", f"no host in the inventory answered with the replica "
                                          f"of {primary.name}",
                               "add the replica server to the inventory", primary.name))
        return
    ok = p.allowed(primary, FailoverAction.PLANNED)
    ok = p.allowed(replica, FailoverAction.FAILOVER) and ok
    if p.copies.test_vm is not None:
        ok = False
        p.checks.append(failed("Test failover", f"'{p.copies.test_vm.name}' exists on "
                                                f"{replica.host}",
                               f"stop the test first: hvtui replica stop-test {replica.name}",
                               replica.name))
    stop_first = primary.state is not VMState.Off
    if primary.state not in (VMState.Off, VMState.Running):
        ok = False
        p.checks.append(failed("Primary", f"{primary.name} is {primary.state.name} on "
                                          f"{primary.host}",
                               "start it or turn it off first, then retry", primary.name))
    if not ok:
        return
    p.checks.append(passed("Data loss", "none: the primary sends its last changes to the "
                                        "replica when it is prepared", primary.name))
    if stop_first:
        p.checks.append(warned("Downtime", f"{primary.name} is shut down on {primary.host} "
                                           f"and is down until it starts on {replica.host}",
                               "plan it in a maintenance window", primary.name))
        p.step(primary, "vm-stop", {"Name": primary.name},
               f"1. Shut down the primary {primary.name} on {primary.host}", destructive=True)
    n = 2 if stop_first else 1
    p.step(primary, "replica-failover", {"VMName": primary.name, "Prepare": True},
           f"{n}. Prepare the primary on {primary.host}: send its last changes")
    p.step(replica, "replica-failover", {"VMName": replica.name},
           f"{n + 1}. Fail over the replica on {replica.host}", destructive=True)
    p.step(replica, "replication-reverse", {"VMName": replica.name},
           f"{n + 2}. Reverse replication: {replica.host} becomes the primary, "
           f"{primary.host} its replica")
    if request.start:
        p.step(replica, "vm-start", {"Name": replica.name},
               f"{n + 3}. Start {replica.name} on {replica.host}")
    p.notes.append(f"{replica.name} now runs on {replica.host} and replicates to "
                   f"{primary.host}; to go back, run a planned failover again")


def _failover(p: _Planning, request: FailoverRequest) -> None:
    vm, primary = p.copies.chosen, p.copies.primary
    if not p.allowed(vm, FailoverAction.FAILOVER):
        return
    rep = own_relationship(vm)
    assert rep is not None
    now = dt.datetime.now(dt.UTC)
    point = p.point
    if point is not None:
        p.checks.append(warned("Data loss", f"changes after the recovery point "
                                            f"{point.when_text} are lost ({point.name})",
                               "choose a later point, or the latest (leave out "
                               "--recovery-point), to lose less", vm.name))
    else:
        p.checks.append(warned("Data loss", f"changes after the latest recovery point "
                                            f"({_when(vm)}) are lost: the pair's RPO now is "
                                            f"{rpo_words(rep, now)}", "when the primary still "
                                            "answers, a planned failover loses nothing",
                               vm.name))
    if primary is not None and primary.state is VMState.Running:
        p.checks.append(warned("Primary", f"{primary.name} still runs on {primary.host}: two "
                                          "copies would serve the same name and addresses",
                               "turn the primary off first, or use a planned failover",
                               primary.name))
    if point is not None:
        p.step(vm, "replica-failover-point", {"VMName": vm.name, "RecoveryPointId": point.id},
               f"1. Fail {vm.name} over on {vm.host} to its recovery point of "
               f"{point.when_text}", destructive=True)
    else:
        p.step(vm, "replica-failover", {"VMName": vm.name},
               f"1. Fail {vm.name} over on {vm.host} to the latest recovery point",
               destructive=True)
    if request.start:
        p.step(vm, "vm-start", {"Name": vm.name}, f"2. Start {vm.name} on {vm.host}")
    p.notes.append(f"check {vm.name}, then keep it (hvtui replica complete {vm.name} --host "
                   f"{vm.host}) or go back (hvtui replica cancel {vm.name} --host {vm.host})")


def _complete(p: _Planning, request: FailoverRequest) -> None:
    vm = p.copies.chosen
    if not p.allowed(vm, FailoverAction.COMPLETE):
        return
    p.checks.append(warned("Recovery points", "the other recovery points are deleted and the "
                                              "failover can no longer be cancelled", "",
                           vm.name))
    p.step(vm, "replica-failover-complete", {"VMName": vm.name},
           f"Complete the failover of {vm.name} on {vm.host}", destructive=True)
    p.notes.append(f"to protect it again: hvtui replica reverse {vm.name} --host {vm.host}")


def _cancel(p: _Planning, request: FailoverRequest) -> None:
    vm = p.copies.chosen
    if not p.allowed(vm, FailoverAction.CANCEL):
        return
    rep = own_relationship(vm)
    if rep is not None and rep.mode is ReplicationMode.Primary:
        p.checks.append(passed("Primary", "the prepared failover is cancelled: replication "
                                          "resumes and the primary may start again", vm.name))
        p.step(vm, "replica-failover-stop", {"VMName": vm.name},
               f"Cancel the planned failover of {vm.name} on {vm.host}")
        return
    p.checks.append(warned("Replica", f"{vm.name} is turned off on {vm.host}; what changed in "
                                      "it since the failover is lost", "", vm.name))
    p.step(vm, "replica-failover-stop", {"VMName": vm.name},
           f"Cancel the failover of {vm.name} on {vm.host}", destructive=True)


def _reverse(p: _Planning, request: FailoverRequest) -> None:
    vm, primary = p.copies.chosen, p.copies.primary
    if not p.allowed(vm, FailoverAction.REVERSE):
        return
    if primary is None:
        p.checks.append(warned("Old primary", "no host in the inventory answered with the old "
                                              "primary", "it must be reachable and off for "
                                              "the reversed replication to reach it", vm.name))
    elif primary.state is not VMState.Off:
        p.checks.append(failed("Old primary", f"{primary.name} is {primary.state.name} on "
                                              f"{primary.host}; it must be off",
                               f"turn it off: hvtui vm turn-off {primary.name} --host "
                               f"{primary.host}", primary.name))
        return
    prepared = primary is not None and _state(primary) is ReplicationState.PreparedForFailover
    p.checks.append(passed("Direction", f"{vm.host} becomes the primary and replicates to "
                                        f"{primary.host if primary else 'the old primary'}",
                           vm.name))
    p.step(vm, "replication-reverse", {"VMName": vm.name},
           f"Reverse replication of {vm.name}: {vm.host} becomes the primary")
    if not prepared:
        p.notes.append(f"the old primary was not prepared, so replication waits for a "
                       f"resynchronisation: hvtui replica resync {vm.name} --host {vm.host}")


def _resync(p: _Planning, request: FailoverRequest) -> None:
    vm = p.copies.chosen
    if not p.allowed(vm, FailoverAction.RESYNC):
        return
    p.checks.append(warned("Resynchronisation", "both copies are read and compared: heavy "
                                                "disk and network use while it runs",
                           "run it outside busy hours", vm.name))
    p.step(vm, "replication-resync", {"VMName": vm.name},
           f"Resynchronise replication of {vm.name} from {vm.host}")


def _remove(p: _Planning, request: FailoverRequest) -> None:
    copies = [p.copies.chosen] if request.vm.host else p.copies.all()
    ok = True
    for vm in copies:
        ok = p.allowed(vm, FailoverAction.REMOVE) and ok
    if not ok:
        return
    p.checks.append(warned("Protection", f"{p.copies.chosen.name} is no longer replicated; "
                                         "the VMs themselves stay", "", p.copies.chosen.name))
    for i, vm in enumerate(copies, 1):
        rep = own_relationship(vm)
        p.step(vm, "replication-remove", {"VMName": vm.name},
               f"{i}. Remove replication of {vm.name} on {vm.host} "
               f"({rep.mode if rep else 'copy'})", destructive=True)


PLANNERS: dict[FailoverAction, Planner] = {
    FailoverAction.TEST: _test,
    FailoverAction.STOP_TEST: _stop_test,
    FailoverAction.PLANNED: _planned,
    FailoverAction.FAILOVER: _failover,
    FailoverAction.COMPLETE: _complete,
    FailoverAction.CANCEL: _cancel,
    FailoverAction.REVERSE: _reverse,
    FailoverAction.RESYNC: _resync,
    FailoverAction.REMOVE: _remove,
}


async def plan_failover(pool: SessionPool, request: FailoverRequest) -> Plan:
    # Every host: the copies of a VM live on servers the request does not name.
    estate = await lookup.fresh_estate(pool)
    copies = _copies(estate, request)
    point = None
    wanted = request.recovery_point.strip()
    if (request.action is FailoverAction.FAILOVER and wanted
            and wanted.casefold() != "latest"):
        point = pick_point(await recovery_points(pool, copies.chosen), wanted,
                           copies.chosen)
    planning = _Planning(estate, copies, point)
    PLANNERS[request.action](planning, request)
    vm = copies.chosen
    title = f"{request.action.words.capitalize()}: {vm.name}"
    return Plan(title=title, request=request, checks=tuple(planning.checks),
                steps=tuple(planning.steps), notes=tuple(planning.notes))
