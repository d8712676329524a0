"""Failover clustering cmdlets: Suspend-ClusterNode (pause and drain, R-CL-2),
Resume-ClusterNode (R-CL-3) and Move-ClusterVirtualMachineRole (R-CL-4).

DrainOnShutdown (R-CL-1) has no cmdlet: a script assigns it on Get-Cluster's object, whose
property writes through to the cluster (``objects.cluster_object``). Under pwsh 7 the
FailoverClusters module is loaded through the Windows PowerShell compatibility layer on
every release, so that object arrives deserialized and assigning it changes only the copy
(``runtime.deserialized``), as on a real host.

Inside a cluster, roles move over the cluster's own networks, so the hosts' shared-nothing
settings (R-LM-4/5/7) do not apply; the VM must still fit its destination: configuration
version, processor (for live and quick moves), switches and cluster-visible storage.

These cmdlets write their node or group even without -Passthru (their help pages' examples
and OUTPUTS), and fail with a terminating error (UNCONFIRMED: the module throws a
ClusterCmdletException; the reference does not say it writes per-node errors instead).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable

from hvtui.lab import objects, services, winevents
from hvtui.lab.emulation import CmdletCall, emulates
from hvtui.lab.estate import VM, Cluster, ClusterGroup, ClusterNode, Estate, Host, key
from hvtui.lab.failures import (
    CLUSTER_GROUP_NOT_FOUND,
    CLUSTER_NODE_DOWN,
    CLUSTER_NODE_NOT_FOUND,
    CLUSTER_NODE_PAUSED,
    HARDWARE_INCOMPATIBLE,
    INVALID_STATE,
    HostError,
    cluster_error,
    lab_not_emulated,
)
from hvtui.lab.migration import (
    cpu_compatible,
    migration_seconds,
    relocate,
    storage_problems,
    switch_problems,
    version_problem,
)
from hvtui.lab.power import (
    GUEST_SHUTDOWN_SECONDS,
    only_modelled,
    power_off,
    power_on,
    save,
)
from hvtui.lab.pwsh import PSObject

# UNCONFIRMED wording: what Get-Cluster says on a host that is not a cluster node.
NOT_A_CLUSTER = (
    "The cluster service is not running.  Make sure that the service is running on all "
    "nodes in the cluster."
)
PRIORITY_LIVE = 2000
"""R-CL-2: a drain live-migrates High (3000) and Medium (2000) roles, quick-migrates the rest."""


# --- the cluster, its nodes and roles as a call names them --------------------------------------



def group_state(estate: Estate, group: ClusterGroup) -> str:
    if group.failed:
        return "Failed"
    vm = estate.locate(group.vm_id, group.owner)
    if vm is None:
        return "Unknown"
    return "Online" if vm.active else "Offline"

def local_cluster(call: CmdletCall) -> Cluster:
    """The cluster the call works on: this node's (``-Cluster`` omitted, ``.`` or its name)."""
    cluster = call.estate.cluster_of(call.host)
    named = str(call.arg("Cluster", "")).strip()
    here = cluster is not None and key(named.split(".")[0]) == key(cluster.name)
    if named not in ("", ".") and not here:
        # Reaching another cluster from here is not modelled.
        raise lab_not_emulated(call.name, ["Cluster"])
    if cluster is None:
        raise cluster_error(call.name, NOT_A_CLUSTER, category="ConnectionError")
    return cluster


def _node(call: CmdletCall, cluster: Cluster, name: str) -> ClusterNode:
    node = cluster.node(name)
    if node is None:
        raise cluster_error(call.name, CLUSTER_NODE_NOT_FOUND, category="ObjectNotFound",
                            target=name)
    return node


def _down(call: CmdletCall, node: ClusterNode) -> HostError:
    return cluster_error(call.name, CLUSTER_NODE_DOWN, category="InvalidOperation",
                         target=node.name)


def _is(item: object, class_name: str) -> bool:
    """Whether ``item`` is a FailoverClusters object of that class (deserialized or not)."""
    return isinstance(item, PSObject) and any(
        t.endswith(f"FailoverClusters.PowerShell.{class_name}") for t in item.type_names)


def named_nodes(call: CmdletCall, cluster: Cluster) -> list[ClusterNode]:
    """The nodes ``-Name`` or a ClusterNode ``-InputObject`` names; this node without either
    (UNCONFIRMED: the pages do not say what an omitted -Name means)."""
    if call.given("InputObject"):
        item = call.arg("InputObject")
        if not _is(item, "ClusterNode"):
            raise lab_not_emulated(call.name, ["InputObject"])
        return [_node(call, cluster, str(item.get("Name")))]
    return [_node(call, cluster, name) for name in call.names("Name") or [call.host.name]]


def _owned(cluster: Cluster, node: ClusterNode) -> list[ClusterGroup]:
    return [g for g in cluster.groups if key(g.owner) == key(node.name)]


def _role_vm(call: CmdletCall, group: ClusterGroup) -> tuple[Host, VM]:
    host = call.estate.host(group.owner)
    vm = host.vms.get(group.vm_id) if host else None
    if host is None or vm is None:
        raise cluster_error(call.name, CLUSTER_GROUP_NOT_FOUND, category="ObjectNotFound",
                            target=group.name)
    return host, vm


def _node_object(call: CmdletCall, cluster: Cluster, node: ClusterNode) -> PSObject:
    return objects.node_object(call.view, cluster, node)


def _group_object(call: CmdletCall, cluster: Cluster, group: ClusterGroup) -> PSObject:
    owner = cluster.node(group.owner)
    return objects.group_object(call.view, cluster, group, group_state(call.estate, group),
                                _node_object(call, cluster, owner) if owner else None)


# --- moving one role --------------------------------------------------------------------------


def move_problem(call: CmdletCall, source: Host, target: Host, vm: VM, how: str) -> str | None:
    """Why this role cannot move this way, or None."""
    version = version_problem(source, target, vm, call.name)
    if version:
        return version.message
    if how in ("Live", "Quick") and not cpu_compatible(vm, target):
        return HARDWARE_INCOMPATIBLE
    if how == "Shutdown" and vm.state == "Running" and not services.service_works(vm, "Shutdown"):
        # UNCONFIRMED wording.
        return (
            f"The virtual machine '{vm.name}' cannot be shut down: its Shutdown integration "
            "service is not available. Use ShutdownForce or TurnOff."
        )
    problems = switch_problems(vm, target, call.name)
    problems += storage_problems(call.estate, source, target, vm, False, "", call.name)
    return problems[0].message if problems else None


def move_kind(vm: VM, requested: str) -> str:
    """What a move of this VM really does: a stopped VM just changes owner."""
    if vm.state == "Off":
        return "Offline"
    if vm.state == "Saved" and requested == "Live":
        return "Quick"
    return requested


def move_seconds(source: Host, vm: VM, how: str) -> float:
    memory_gb = vm.memory_startup / 1024**3
    return {
        "Live": migration_seconds(source, vm, 0),
        "Quick": 2.0 + memory_gb * 1.5,
        "Shutdown": GUEST_SHUTDOWN_SECONDS + 4.0,
        "ShutdownForce": GUEST_SHUTDOWN_SECONDS + 4.0,
        "TurnOff": 3.0,
    }.get(how, 2.0)


def move_role(call: CmdletCall, group: ClusterGroup, target: Host, requested: str,
              activity: str, status: Callable[[int], str], span: tuple[int, int] = (0, 100),
              ) -> str | None:
    """Move one VM role to ``target`` on lab time; None on success, else why it could not."""
    with call.lock:
        source, vm = _role_vm(call, group)
        if vm.busy or vm.critical:
            # Another long operation holds the VM (a drain counts this role as failed).
            return INVALID_STATE
        how = move_kind(vm, requested)
        problem = move_problem(call, source, target, vm, how)
        if problem:
            return problem
        seconds = move_seconds(source, vm, how)
        # the source node's log says where the role goes (events pane)
        winevents.record(call.clock, source, "role-moved", vm=vm, other=target.name)
    with call.holding(vm, "Migrating virtual machine"):
        call.spend(seconds, activity, status, span=span)
    with call.lock:
        problem = move_problem(call, source, target, vm, how)
        if problem or vm.id not in source.vms:
            return problem or f"'{vm.name}' is no longer on {source.name}."
        was_running = vm.state == "Running"
        if how == "Quick" and vm.active:
            save(vm)
        elif how in ("Shutdown", "ShutdownForce", "TurnOff"):
            power_off(vm)
        relocate(call.estate, source, target, vm)
        group.owner = target.name
        group.failed = False
        # The cluster brings a role that was online back online on the new node.
        if how not in ("Live", "Offline") and was_running:
            power_on(call.estate, target, vm)
    return None


# --- Move-ClusterVirtualMachineRole ------------------------------------------------------------


def _role(call: CmdletCall, cluster: Cluster) -> ClusterGroup:
    """The VM role -Name, -VMId or a ClusterGroup -InputObject names."""
    if call.given("InputObject"):
        item = call.arg("InputObject")
        if not _is(item, "ClusterGroup"):
            raise lab_not_emulated(call.name, ["InputObject"])
        name = str(item.get("Name"))
        group = cluster.group(name)
    elif call.given("VMId"):
        name = str(call.arg("VMId"))
        group = next((g for g in cluster.groups if uuid.UUID(g.vm_id) == uuid.UUID(name)), None)
    else:
        name = str(call.arg("Name", ""))
        group = cluster.group(name)
    if group is None:
        raise cluster_error(call.name, CLUSTER_GROUP_NOT_FOUND, category="ObjectNotFound",
                            target=name)
    return group


@emulates("Move-ClusterVirtualMachineRole")
def move_clustervirtualmachinerole(call: CmdletCall) -> None:
    # -IgnoreLocked changes nothing here: the lab locks no groups. -Cancel and -Wait (a move
    # left running in the background) are not modelled.
    only_modelled(call, ("Name", "Node", "MigrationType", "VMId", "InputObject", "Cluster",
                         "IgnoreLocked"))
    cluster = local_cluster(call)
    migration = call.arg("MigrationType")
    # UNCONFIRMED: the default when -MigrationType is omitted (the page: "used to live
    # migrate a clustered virtual machine").
    requested = migration.name if migration is not None else "Live"
    with call.lock:
        group = _role(call, cluster)
        if call.given("Node"):
            node = _node(call, cluster, str(call.arg("Node")))
        else:
            # UNCONFIRMED placement: the Up node, other than the owner, with fewest roles.
            others = [n for n in cluster.nodes if n.state == "Up" and key(n.name) != key(
                group.owner)]
            if not others:
                raise _down(call, cluster.node(group.owner) or cluster.nodes[0])
            node = min(others, key=lambda n: (len(_owned(cluster, n)), key(n.name)))
        if node.state == "Down":
            raise _down(call, node)
        if node.state == "Paused":
            # UNCONFIRMED: a paused node takes no roles, moved by hand or not.
            raise cluster_error(call.name, CLUSTER_NODE_PAUSED, category="InvalidOperation",
                                target=node.name)
        target = call.estate.host(node.name)
        assert target is not None
        same = key(group.owner) == key(node.name)
    if not same:
        problem = move_role(
            call, group, target, requested, f"Moving '{group.name}' to {node.name}",
            lambda p: "Completed" if p == 100 else f"{requested} migration ({p}% complete)")
        if problem:
            raise cluster_error(call.name, problem, category="NotSpecified", target=group.name)
    with call.lock:
        call.write(_group_object(call, cluster, group))


# --- Suspend-ClusterNode -------------------------------------------------------------------------


class _Detached(CmdletCall):
    """What is left of a call that returned before its work was done (Suspend-ClusterNode
    -Drain without -Wait): the work goes on on lab time, with no one to report to."""

    __slots__ = ()

    def __init__(self, call: CmdletCall) -> None:
        super().__init__(call.inv, call.runtime, lambda _value: None)

    def report(self, activity: str, status: str, percent: int) -> None:
        pass

    def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            return
        if self.clock.instant:
            self.clock.advance(seconds)
        else:
            time.sleep(seconds / self.clock.speed)


@emulates("Suspend-ClusterNode")
def suspend_clusternode(call: CmdletCall) -> None:
    cluster = local_cluster(call)
    # -ForceDrain (2012 R2+) and 2012's -ForceEvacuation (whose page says only "workloads
    # are moved from a node even in the case of an error", UNCONFIRMED as the same thing)
    # stop what cannot move safely and move it as a failed role (R-CL-2).
    force = call.switch("ForceDrain") or call.switch("ForceEvacuation")
    # UNCONFIRMED: a force switch alone drains (the pages say it is used with -Drain).
    drain = call.switch("Drain") or force
    # -Wait: "If the Wait parameter is not specified, then the call is initiated and the
    # cmdlet returns without waiting" (2012 R2+ pages); the 2012 page says the opposite,
    # that it waits for completion. Each release does what its own page says (UNCONFIRMED).
    wait = call.switch("Wait") or not call.view.at_least("2012R2")
    with call.lock:
        nodes = named_nodes(call, cluster)
        toward = (_node(call, cluster, str(call.arg("TargetNode")))
                  if call.given("TargetNode") else None)
    for node in nodes:
        if not call.inv.should_process(node.name):
            continue
        with call.lock:
            if node.state == "Down":
                raise _down(call, node)
            node.state = "Paused"
            roles = sorted(_owned(cluster, node), key=lambda g: -g.priority) if drain else []
            if drain:
                node.drain_status = "InProgress"
        if drain and wait:
            drain_node(call, cluster, node, roles, force, toward)
        elif drain:
            detached = _Detached(call)
            threading.Thread(target=drain_node, args=(detached, cluster, node, roles, force,
                                                      toward),
                             name=f"lab drain {node.name}", daemon=True).start()
        with call.lock:
            call.write(_node_object(call, cluster, node))


def drain_node(call: CmdletCall, cluster: Cluster, node: ClusterNode,
               roles: list[ClusterGroup], force: bool, toward: ClusterNode | None) -> None:
    """Drain ``node`` and settle its DrainStatus: Completed, or Failed when a role could not
    move, the drain was stopped, or the estate changed under it."""
    failed = True
    try:
        failed = _drain(call, cluster, node, roles, force, toward)
    except HostError:
        if not isinstance(call, _Detached):
            raise
    finally:
        with call.lock:
            node.drain_status = "Failed" if failed else "Completed"
            host = call.estate.host(node.name)
            if host is not None and failed:  # the node's own log (events pane)
                winevents.record(call.clock, host, "node-drain-failed")


def _drain(call: CmdletCall, cluster: Cluster, node: ClusterNode, roles: list[ClusterGroup],
           force: bool, toward: ClusterNode | None) -> bool:
    """R-CL-2: move each role off, highest priority first (to ``toward`` when -TargetNode
    names it); True when one could not move."""
    failed = False
    activity = f"Draining cluster node '{node.name}'"
    if not roles:
        call.report(activity, "Completed", 100)
    for index, group in enumerate(roles):
        with call.lock:
            targets = sorted(
                (n for n in cluster.nodes if n.state == "Up" and n is not node
                 and (toward is None or n is toward)),
                key=lambda n: (len(_owned(cluster, n)), key(n.name)),
            )
            source, vm = _role_vm(call, group)
            how = "Live" if group.priority >= PRIORITY_LIVE else "Quick"
            chosen = next(
                (t for n in targets
                 if (t := call.estate.host(n.name)) is not None
                 and move_problem(call, source, t, vm, move_kind(vm, how)) is None),
                None,
            )
        span = (round(100 * index / len(roles)), round(100 * (index + 1) / len(roles)))
        if chosen is None:
            failed = failed or not (force and targets)
            if force and targets:
                # -ForceDrain: a role that cannot move safely is stopped and moved as failed.
                with call.lock:
                    target = call.estate.host(targets[0].name)
                    assert target is not None
                    power_off(vm)
                    relocate(call.estate, source, target, vm)
                    group.owner, group.failed, group.drained_from = target.name, True, node.name
            call.report(activity, f"Could not move '{group.name}'", span[1])
            continue
        problem = move_role(call, group, chosen, how, activity,
                            _drain_status(group.name, chosen.name, index + 1, len(roles)), span)
        if problem:
            failed = True
        else:
            with call.lock:
                group.drained_from = node.name
    return failed


def _drain_status(role: str, target: str, number: int, total: int) -> Callable[[int], str]:
    def status(percent: int) -> str:
        return (
            f"Moving '{role}' to {target} ({number} of {total})" if percent < 100 else "Completed"
        )

    return status


# --- Resume-ClusterNode ---------------------------------------------------------------------------


def _failback_status(role: str) -> Callable[[int], str]:
    def status(percent: int) -> str:
        return f"Moving '{role}' back" if percent < 100 else "Completed"

    return status


@emulates("Resume-ClusterNode")
def resume_clusternode(call: CmdletCall) -> None:
    """R-CL-3: the node returns to Up; -Failback Immediate brings its drained roles back now,
    Policy only those whose failback is allowed."""
    cluster = local_cluster(call)
    failback = call.arg("Failback")
    # UNCONFIRMED: without -Failback the drained roles stay where they are (NoFailback).
    mode = failback.name if failback is not None else "NoFailback"
    with call.lock:
        nodes = named_nodes(call, cluster)
    for node in nodes:
        with call.lock:
            if node.state == "Down":
                raise _down(call, node)
            node.state = "Up"
            # UNCONFIRMED: the drain status of a resumed node reads NotInitiated again.
            node.drain_status = "NotInitiated"
            drained = [g for g in cluster.groups if key(g.drained_from) == key(node.name)]
            back = [g for g in drained
                    if mode == "Immediate" or (mode == "Policy" and g.failback)]
            for group in drained:
                group.drained_from = ""
            target = call.estate.host(node.name)
            assert target is not None
        activity = f"Failing back roles to '{node.name}'"
        for index, group in enumerate(back):
            span = (round(100 * index / len(back)), round(100 * (index + 1) / len(back)))
            # A role that cannot go back stays where it is; failback is best effort.
            move_role(call, group, target, "Live", activity, _failback_status(group.name), span)
        with call.lock:
            call.write(_node_object(call, cluster, node))
