"""Failover clustering: drain on shutdown, node pause/drain/resume, role moves (R-CL-1..4).

Inside a cluster, roles move over the cluster's own networks, so the hosts' shared-nothing
settings (R-LM-4/5/7) do not apply; the VM must still fit its destination: configuration
version, processor (for live and quick moves), switches and cluster-visible storage.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from hvtui.lab import records
from hvtui.lab.estate import VM, Cluster, ClusterGroup, ClusterNode, Host, key
from hvtui.lab.failures import (
    CLUSTER_GROUP_NOT_FOUND,
    CLUSTER_NODE_DOWN,
    CLUSTER_NODE_NOT_FOUND,
    CLUSTER_NODE_PAUSED,
    HARDWARE_INCOMPATIBLE,
    INVALID_STATE,
    PROPERTY_NOT_FOUND,
    HostError,
    cluster_error,
    parameter_not_found,
)
from hvtui.lab.migration import (
    cpu_compatible,
    migration_seconds,
    relocate,
    storage_problems,
    switch_problems,
    version_problem,
)
from hvtui.lab.power import GUEST_SHUTDOWN_SECONDS, power_off, power_on, save
from hvtui.lab.registry import Call, handles
from hvtui.lab.releases import has_parameter, has_property
from hvtui.remote.base import ErrorRecord

# UNCONFIRMED wording: what Get-Cluster says on a host that is not a cluster node.
NOT_A_CLUSTER = (
    "The cluster service is not running.  Make sure that the service is running on all "
    "nodes in the cluster."
)
PRIORITY_LIVE = 2000
"""R-CL-2: a drain live-migrates High (3000) and Medium (2000) roles, quick-migrates the rest."""


def _cluster(call: Call, cmdlet: str) -> Cluster:
    cluster = call.estate.cluster_of(call.host)
    if cluster is None:
        raise cluster_error(cmdlet, NOT_A_CLUSTER, category="ConnectionError")
    return cluster


def _node(cluster: Cluster, name: str, cmdlet: str) -> ClusterNode:
    node = cluster.node(name)
    if node is None:
        raise cluster_error(cmdlet, CLUSTER_NODE_NOT_FOUND, category="ObjectNotFound", target=name)
    return node


def _owned(cluster: Cluster, node: ClusterNode) -> list[ClusterGroup]:
    return [g for g in cluster.groups if key(g.owner) == key(node.name)]


def _role_vm(call: Call, group: ClusterGroup) -> tuple[Host, VM]:
    host = call.estate.host(group.owner)
    vm = host.vms.get(group.vm_id) if host else None
    if host is None or vm is None:
        raise cluster_error(
            "Move-ClusterVirtualMachineRole",
            CLUSTER_GROUP_NOT_FOUND,
            category="ObjectNotFound",
            target=group.name,
        )
    return host, vm


def move_problem(call: Call, source: Host, target: Host, vm: VM, how: str) -> str | None:
    """Why this role cannot move this way, or None."""
    version = version_problem(source, target, vm, "Move-ClusterVirtualMachineRole")
    if version:
        return version.message
    if how in ("Live", "Quick") and not cpu_compatible(vm, target):
        return HARDWARE_INCOMPATIBLE
    if how == "Shutdown" and vm.state == "Running" and not records.service_works(vm, "Shutdown"):
        # UNCONFIRMED wording.
        return (
            f"The virtual machine '{vm.name}' cannot be shut down: its Shutdown integration "
            "service is not available. Use ShutdownForce or TurnOff."
        )
    problems = switch_problems(vm, target, "Move-ClusterVirtualMachineRole")
    problems += storage_problems(
        call.estate, source, target, vm, False, "", "Move-ClusterVirtualMachineRole"
    )
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


async def move_role(
    call: Call,
    group: ClusterGroup,
    target: Host,
    requested: str,
    activity: str,
    status: Callable[[int], str],
    span: tuple[int, int] = (0, 100),
) -> str | None:
    """Move one VM role to ``target``; None on success, else why it could not move."""
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
    with call.holding(vm, "Migrating virtual machine"):
        await call.spend(seconds, activity, status, span=span)
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


# --- handlers -----------------------------------------------------------------------------


@handles("cluster-drain-on-shutdown")
async def cluster_drain_on_shutdown(call: Call) -> None:
    cluster = _cluster(call, "Get-Cluster")
    if not has_property(call.host.release, "Cluster", "DrainOnShutdown"):
        # R-CL-1: the property is new in 2012 R2; setting a missing property fails like this.
        raise HostError(
            ErrorRecord(
                message=PROPERTY_NOT_FOUND.format("DrainOnShutdown"),
                category="InvalidOperation",
                error_id="PropertyNotFound",
                reason="RuntimeException",
            )
        )
    with call.lock:
        cluster.drain_on_shutdown = 1 if call.params["Enabled"] else 0
        call.emit(records.cluster_record(cluster, call.host.release))


@handles("cluster-role-move")
async def cluster_role_move(call: Call) -> None:
    cmdlet = "Move-ClusterVirtualMachineRole"
    cluster = _cluster(call, cmdlet)
    role, node_name = call.params["RoleName"], call.params["NodeName"]
    requested = call.params["MigrationType"] or "Live"
    with call.lock:
        group = cluster.group(role)
        if group is None:
            raise cluster_error(
                cmdlet, CLUSTER_GROUP_NOT_FOUND, category="ObjectNotFound", target=role
            )
        node = _node(cluster, node_name, cmdlet)
        if node.state == "Down":
            raise cluster_error(
                cmdlet, CLUSTER_NODE_DOWN, category="InvalidOperation", target=node.name
            )
        if node.state == "Paused":
            # UNCONFIRMED: a paused node takes no roles, moved by hand or not.
            raise cluster_error(
                cmdlet, CLUSTER_NODE_PAUSED, category="InvalidOperation", target=node.name
            )
        target = call.estate.host(node.name)
        assert target is not None
        same = key(group.owner) == key(node.name)
    if not same:
        activity = f"Moving '{group.name}' to {node.name}"
        problem = await move_role(
            call,
            group,
            target,
            requested,
            activity,
            lambda p: "Completed" if p == 100 else f"{requested} migration ({p}% complete)",
        )
        if problem:
            raise cluster_error(cmdlet, problem, category="NotSpecified", target=group.name)
    with call.lock:
        call.emit(records.group_record(call.estate, cluster, group))


@handles("cluster-node-suspend")
async def cluster_node_suspend(call: Call) -> None:
    cmdlet = "Suspend-ClusterNode"
    force = bool(call.params["ForceDrain"])
    drain = bool(call.params["Drain"]) or force
    # The script asks Get-Command: -ForceDrain where the cmdlet has it (2012 R2+), else
    # 2012's -ForceEvacuation, the same switch under its older name (R-CL-2).
    switch = "ForceDrain" if has_parameter(call.host.release, cmdlet, "ForceDrain") \
        else "ForceEvacuation"
    if force and not has_parameter(call.host.release, cmdlet, switch):
        raise parameter_not_found(switch, cmdlet)
    cluster = _cluster(call, cmdlet)
    with call.lock:
        node = _node(cluster, call.params["NodeName"], cmdlet)
        if node.state == "Down":
            raise cluster_error(
                cmdlet, CLUSTER_NODE_DOWN, category="InvalidOperation", target=node.name
            )
        node.state = "Paused"
        roles = sorted(_owned(cluster, node), key=lambda g: -g.priority) if drain else []
        if drain:
            node.drain_status = "InProgress"
    if drain:
        try:
            failed = await _drain(call, cluster, node, roles, force)
        except asyncio.CancelledError:
            with call.lock:
                node.drain_status = "Failed"
            raise
        with call.lock:
            node.drain_status = "Failed" if failed else "Completed"
    with call.lock:
        call.emit(records.node_record(cluster, node))


async def _drain(
    call: Call, cluster: Cluster, node: ClusterNode, roles: list[ClusterGroup], force: bool
) -> bool:
    """R-CL-2: move each role off, highest priority first; True when one could not move."""
    failed = False
    activity = f"Draining cluster node '{node.name}'"
    if not roles:
        call.report(activity, "Completed", 100)
    for index, group in enumerate(roles):
        with call.lock:
            targets = sorted(
                (n for n in cluster.nodes if n.state == "Up" and n is not node),
                key=lambda n: (len(_owned(cluster, n)), key(n.name)),
            )
            source, vm = _role_vm(call, group)
            how = "Live" if group.priority >= PRIORITY_LIVE else "Quick"
            chosen = next(
                (
                    t
                    for n in targets
                    if (t := call.estate.host(n.name)) is not None
                    and move_problem(call, source, t, vm, move_kind(vm, how)) is None
                ),
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
        problem = await move_role(
            call,
            group,
            chosen,
            how,
            activity,
            _drain_status(group.name, chosen.name, index + 1, len(roles)),
            span,
        )
        if problem:
            failed = True
        else:
            group.drained_from = node.name
    return failed


def _drain_status(role: str, target: str, number: int, total: int) -> Callable[[int], str]:
    def status(percent: int) -> str:
        return (
            f"Moving '{role}' to {target} ({number} of {total})" if percent < 100 else "Completed"
        )

    return status


def _failback_status(role: str) -> Callable[[int], str]:
    def status(percent: int) -> str:
        return f"Moving '{role}' back" if percent < 100 else "Completed"

    return status


@handles("cluster-node-resume")
async def cluster_node_resume(call: Call) -> None:
    """R-CL-3: the node returns to Up; -Failback Immediate brings its drained roles back now,
    Policy only those whose failback is allowed."""
    cmdlet = "Resume-ClusterNode"
    cluster = _cluster(call, cmdlet)
    failback = call.params["Failback"] or "NoFailback"
    with call.lock:
        node = _node(cluster, call.params["NodeName"], cmdlet)
        if node.state == "Down":
            raise cluster_error(
                cmdlet, CLUSTER_NODE_DOWN, category="InvalidOperation", target=node.name
            )
        node.state = "Up"
        # UNCONFIRMED: the drain status of a resumed node reads NotInitiated again.
        node.drain_status = "NotInitiated"
        drained = [g for g in cluster.groups if key(g.drained_from) == key(node.name)]
        back = [
            g for g in drained if failback == "Immediate" or (failback == "Policy" and g.failback)
        ]
        for group in drained:
            group.drained_from = ""
        target = call.estate.host(node.name)
        assert target is not None
    activity = f"Failing back roles to '{node.name}'"
    for index, group in enumerate(back):
        span = (round(100 * index / len(back)), round(100 * (index + 1) / len(back)))
        # A role that cannot go back stays where it is; failback is best effort.
        await move_role(
            call,
            group,
            target,
            "Live",
            activity,
            _failback_status(group.name),
            span,
        )
    with call.lock:
        call.emit(records.node_record(cluster, node))
