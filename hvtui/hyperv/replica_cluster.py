"""Hyper-V Replica and failover-cluster actions: checks and plans.

Replica (R-REP): frequency 30 s / 5 min / 15 min (2012 R2; 2012 knows 5 min only), changed on
the primary; pausing and resuming replication. Cluster (R-CL): drain and pause a node,
resume it with a failback choice, DrainOnShutdown (2012 R2), move a VM role to a node.
"""

from __future__ import annotations

from hvtui import reference
from hvtui.errors import PlanRefused
from hvtui.hyperv import lookup
from hvtui.hyperv.per_vm import VmPlanning, plan_each_vm
from hvtui.hyperv.plans import (
    Check,
    DrainOnShutdownRequest,
    NodePauseRequest,
    Plan,
    ReplicaFrequencyRequest,
    ReplicationPauseRequest,
    RoleMoveRequest,
    Step,
    failed,
    make_step,
    passed,
    same_host,
    script_refusal,
    warned,
)
from hvtui.model import FREQUENCIES, VM, Cluster, Estate, Host, ReplicationMode, ReplicationState
from hvtui.model.versions import DRAIN_ON_SHUTDOWN
from hvtui.remote.pool import SessionPool

FAILBACKS = ("NoFailback", "Immediate", "Policy")
MIGRATION_TYPES = ("Live", "Quick", "Shutdown", "ShutdownForce", "TurnOff")
_FREQUENCY_WORDS = {30: "30 seconds", 300: "5 minutes", 900: "15 minutes"}

_PAUSABLE = (ReplicationState.Replicating, ReplicationState.ReadyForInitialReplication,
             ReplicationState.WaitingForInitialReplication,
             ReplicationState.InitialReplicationInProgress, ReplicationState.Error)
_RESUMABLE = (ReplicationState.Suspended, ReplicationState.ResynchronizeSuspended,
              ReplicationState.Error)


def replication_peers(vm: VM) -> tuple[str, ...]:
    """The other servers of a VM's replication (primary, replica, extended replica): a change
    to its replication changes their side of it too."""
    servers: list[str] = []
    for rep in (vm.replication, vm.extended_replication):
        if rep is not None:
            servers += [rep.primary_server, rep.replica_server]
    return tuple(dict.fromkeys(s for s in servers if s and not same_host(s, vm.host)))


def _not_replicated(vm: VM) -> Check:
    return failed("Replication", f"Replication is not enabled for virtual machine with name "
                                 f"'{vm.name}'.", "enable replication first (Enable-VMReplication)",
                  vm.name)


def frequency_problem(vm: VM, host: Host, seconds: int) -> tuple[str, str] | None:
    rep = vm.replication
    if rep is None:
        return (f"Replication is not enabled for virtual machine with name '{vm.name}'.",
                "enable replication first (Enable-VMReplication)")
    if rep.mode is not ReplicationMode.Primary:
        return (f"Replication settings cannot be modified on the replica virtual machine "
                f"'{vm.name}'. You can modify them on the primary virtual machine.",
                f"change it on the primary: --host {rep.primary_server}")
    # The script's header says where it runs (2012 replicates every 5 minutes, fixed): one
    # statement of the rule, which make_step also enforces.
    refusal = script_refusal(host, "replication-frequency")
    if refusal is not None:
        return (refusal, "nothing to change on this host; a 2012 R2 or later primary offers "
                         "30 seconds, 5 and 15 minutes")
    if seconds not in FREQUENCIES:
        return (f"{seconds} s is not a replication frequency Hyper-V offers",
                "choose 30, 300 or 900 seconds")
    return None


async def plan_replica_frequency(pool: SessionPool, request: ReplicaFrequencyRequest) -> Plan:
    words = _FREQUENCY_WORDS.get(request.seconds, f"{request.seconds} s")

    def decide(vm: VM, host: Host, out: VmPlanning) -> None:
        problem = frequency_problem(vm, host, request.seconds)
        if problem is not None:
            out.cannot.append(failed("Replication frequency", problem[0], problem[1], vm.name))
            return
        assert vm.replication is not None
        current = vm.replication.frequency_sec
        if current == request.seconds:
            out.checks.append(passed("Replication frequency", f"already every {words}",
                                     vm.name))
            return
        out.checks.append(passed("Replication frequency",
                                 f"every {_FREQUENCY_WORDS.get(current, f'{current} s')} -> "
                                 f"every {words} (to {vm.replication.replica_server})", vm.name))
        if request.seconds == 30:
            out.checks.append(warned("Replication frequency", "every 30 s sends many small "
                                     "cycles: watch the replica link's bandwidth",
                                     "", vm.name))
        out.steps.append(make_step(host, "replication-frequency",
                                   {"VMName": vm.name, "FrequencySec": request.seconds},
                                   f"Replicate {vm.name} every {words}", target=vm.name,
                                   peers=replication_peers(vm)))

    return await plan_each_vm(pool, request, request.vms, decide,
                              lambda what: f"Replicate {what} every {words}")


async def plan_replication_pause(pool: SessionPool, request: ReplicationPauseRequest) -> Plan:
    verb = "Pause" if request.pause else "Resume"

    def decide(vm: VM, host: Host, out: VmPlanning) -> None:
        rep = vm.replication
        if rep is None:
            out.cannot.append(_not_replicated(vm))
            return
        done = (rep.state is ReplicationState.Suspended) if request.pause else \
            (rep.state is ReplicationState.Replicating)
        if done:
            out.checks.append(passed("Replication", f"already {rep.state.name}", vm.name))
            return
        allowed = _PAUSABLE if request.pause else _RESUMABLE
        if rep.state not in allowed:
            out.cannot.append(failed(
                "Replication", f"The operation cannot be performed while the virtual machine "
                               f"'{vm.name}' is in the current replication state. "
                               f"({rep.state.name})",
                "wait for the current replication operation to finish", vm.name))
            return
        out.checks.append(passed("Replication", f"{rep.state.name} -> "
                                 + ("Suspended: changes are kept and sent on resume"
                                    if request.pause else "Replicating"), vm.name))
        out.steps.append(make_step(host, "replication-suspend" if request.pause else
                                   "replication-resume", {"VMName": vm.name},
                                   f"{verb} replication of {vm.name} on {vm.host}",
                                   target=vm.name, peers=replication_peers(vm)))

    return await plan_each_vm(pool, request, request.vms, decide,
                              lambda what: f"{verb} replication of {what}")


def force_switch(host: Host) -> str:
    """Suspend-ClusterNode's force switch on ``host``: 2012 names -ForceDrain -ForceEvacuation
    (cmdlets-by-release.md; the reference's per-release pages say which)."""
    page = reference.cmdlet(host.release.short, "Suspend-ClusterNode")
    return "ForceEvacuation" if page is not None and not page.has_parameter("ForceDrain") \
        else "ForceDrain"


def _run_on(cluster: Cluster, members: list[str], prefer: str = "") -> str:
    """The inventory host to run a cluster cmdlet on: ``prefer`` when it is a reachable node."""
    if not members:
        raise PlanRefused(f"no node of cluster {cluster.name} answered",
                          hint="check the nodes are up and in the inventory")
    for host in members:
        if prefer and host.lower().split(".")[0] == prefer.lower().split(".")[0]:
            return host
    return members[0]


async def _cluster(pool: SessionPool, name: str) -> tuple[Estate, Cluster, list[str]]:
    estate = await lookup.fresh_estate(pool)
    cluster, members = lookup.cluster_of_node(estate, name)
    return estate, cluster, members


async def plan_node_pause(pool: SessionPool, request: NodePauseRequest) -> Plan:
    estate, cluster, members = await _cluster(pool, request.node)
    node = cluster.node(request.node)
    if node is None:
        raise PlanRefused(f"{request.node!r} is a cluster, not a node of it",
                          hint=f"name one of its nodes: {', '.join(n.name for n in cluster.nodes)}")
    checks: list[Check] = []
    steps: list[Step] = []
    state = node.state.name
    # Run on another node when draining: the drained node's own session may be busy moving.
    others = [m for m in members if m.lower().split(".")[0] != node.name.lower()]
    host = _run_on(cluster, others or members) if request.pause else \
        _run_on(cluster, members, node.name)
    if request.pause:
        roles = [r for r in cluster.roles if r.owner_node.lower() == node.name.lower()]
        up = [n.name for n in cluster.nodes if n.state.name == "Up" and n is not node]
        if state == "Paused":
            checks.append(passed("Node", f"{node.name} is already paused", node.name))
        elif state != "Up":
            checks.append(failed("Node", f"{node.name} is {state}; only an Up node can be "
                                         "drained", "bring the node up first", node.name))
        elif roles and not up:
            checks.append(failed("Other nodes", f"no other node of {cluster.name} is Up to take "
                                                f"{len(roles)} role(s)",
                                 "resume or start another node first", node.name))
        else:
            checks.append(passed("Node", f"{node.name} is Up; {', '.join(up) or 'no node'} "
                                         "will take its roles", node.name))
            for role in roles:
                if role.priority < 2000:  # Low priority roles are quick-migrated by default
                    checks.append(warned("Role", f"{role.name} ({role.priority_name} priority) "
                                                 "is quick-migrated: saved, moved, restored",
                                         "raise its priority to keep it running",
                                         role.name))
                else:
                    checks.append(passed("Role", f"{role.name} ({role.priority_name} priority) "
                                                 "is live-migrated", role.name))
            if not roles:
                checks.append(passed("Roles", f"{node.name} owns no VM role", node.name))
            params: dict[str, str | bool] = {"NodeName": node.name, "Drain": True}
            runs_on = lookup.host(estate, host)
            shown: dict[str, str | bool] = {}
            if request.force_drain:
                params["ForceDrain"] = True
                # 2012 names the switch -ForceEvacuation; the script asks the host which.
                shown["ForceSwitch"] = force_switch(runs_on)
                checks.append(warned("Force drain", "roles that cannot move safely are "
                                     "stopped and moved as failed", "", node.name))
            # the node drained and every node that takes its roles
            steps.append(make_step(runs_on, "cluster-node-suspend", params,
                                   f"Drain {node.name} ({len(roles)} role(s)) and pause it",
                                   target=node.name, destructive=True, long=True,
                                   peers=(node.name, *up), shown=shown))
        title = f"Drain and pause node {node.name}"
    else:
        failback = _choice(request.failback, FAILBACKS, "failback")
        if state == "Up":
            checks.append(passed("Node", f"{node.name} is already Up", node.name))
        elif state != "Paused":
            checks.append(failed("Node", f"{node.name} is {state}; only a paused node resumes",
                                 "start the node's cluster service first", node.name))
        else:
            words = {"NoFailback": "roles stay where they are",
                     "Immediate": "roles that preferred this node move back now",
                     "Policy": "roles move back within their failback window"}[failback]
            checks.append(passed("Failback", f"{failback}: {words}", node.name))
            # with failback, roles come back from the other nodes
            movers = () if failback == "NoFailback" else tuple(n.name for n in cluster.nodes)
            steps.append(make_step(lookup.host(estate, host), "cluster-node-resume",
                                   {"NodeName": node.name, "Failback": failback},
                                   f"Resume node {node.name} ({failback})", target=node.name,
                                   long=failback != "NoFailback", peers=(node.name, *movers)))
        title = f"Resume node {node.name}"
    return Plan(title=title, request=request, checks=tuple(checks), steps=tuple(steps))


def _choice(value: str, choices: tuple[str, ...], what: str) -> str:
    found = next((c for c in choices if c.lower() == value.lower()), None)
    if found is None:
        raise PlanRefused(f"{value!r} is not a {what} choice", hint="use " + ", ".join(choices))
    return found


async def plan_drain_on_shutdown(pool: SessionPool, request: DrainOnShutdownRequest) -> Plan:
    estate, cluster, members = await _cluster(pool, request.cluster)
    host = _run_on(cluster, members)
    release = min(h.release for h in (estate.host(m) for m in members) if h is not None)
    word = "on" if request.enabled else "off"
    checks: list[Check] = []
    steps: list[Step] = []
    why_not = DRAIN_ON_SHUTDOWN.why_not(release)
    if why_not:
        checks.append(failed("DrainOnShutdown", why_not, "drain nodes by hand before shutting "
                                                         "them down", cluster.name))
    elif cluster.drain_on_shutdown == request.enabled:
        checks.append(passed("DrainOnShutdown", f"already {word}", cluster.name))
    else:
        if request.enabled:
            checks.append(passed("DrainOnShutdown", "a node being shut down first live-migrates "
                                                    "its VMs away", cluster.name))
        else:
            checks.append(warned("DrainOnShutdown", "a node shut down without draining fails "
                                                    "its VMs over: they restart elsewhere "
                                                    "instead of moving live",
                                 "drain nodes by hand (`hvtui cluster drain NODE`) before "
                                 "shutting them down", cluster.name))
        steps.append(make_step(lookup.host(estate, host), "cluster-drain-on-shutdown",
                               {"Enabled": request.enabled},
                               f"Turn DrainOnShutdown {word} for cluster {cluster.name}",
                               target=cluster.name,
                               peers=tuple(n.name for n in cluster.nodes)))  # cluster-wide
    return Plan(title=f"DrainOnShutdown {word} for {cluster.name}", request=request,
                checks=tuple(checks), steps=tuple(steps))


async def plan_role_move(pool: SessionPool, request: RoleMoveRequest) -> Plan:
    migration_type = _choice(request.migration_type, MIGRATION_TYPES, "migration type")
    estate = await lookup.fresh_estate(pool)
    vm = lookup.vm(estate, request.vm)
    status = estate.status(vm.host)
    cluster = status.inventory.cluster if status and status.inventory else None
    checks: list[Check] = []
    steps: list[Step] = []
    if not vm.is_clustered or cluster is None:
        checks.append(failed("Clustered VM", f"{vm.name} is not a cluster role",
                             f"use `hvtui migrate {vm.name} --to HOST` instead", vm.name))
        return Plan(title=f"Move {vm.name} to {request.node}", request=request,
                    checks=tuple(checks), steps=())
    node = cluster.node(request.node)
    role = next((r for r in cluster.roles if r.name.lower() == vm.name.lower()), None)
    if node is None:
        checks.append(failed("Node", f"{request.node!r} is not a node of {cluster.name}",
                             "choose one of " + ", ".join(n.name for n in cluster.nodes),
                             vm.name))
    elif role is not None and role.owner_node.lower() == node.name.lower():
        checks.append(passed("Node", f"{vm.name} already runs on {node.name}", vm.name))
    elif node.state.name != "Up":
        checks.append(failed("Node", f"{node.name} is {node.state.name}",
                             f"resume {node.name} first (`hvtui cluster resume {node.name}`)",
                             vm.name))
    else:
        checks.append(passed("Node", f"{node.name} is Up", vm.name))
        stops = migration_type not in ("Live", "Quick")
        if stops:
            checks.append(warned("Migration type", f"{migration_type}: {vm.name} stops before "
                                                   "it moves", "use Live to keep it running",
                                 vm.name))
        steps.append(make_step(lookup.host(estate, vm.host), "cluster-role-move",
                               {"RoleName": role.name if role else vm.name,
                                "NodeName": node.name, "MigrationType": migration_type},
                               f"{migration_type}-migrate cluster role "
                               f"{role.name if role else vm.name} to {node.name}",
                               target=vm.name, destructive=stops, long=True,
                               peers=(node.name,)))
    return Plan(title=f"Move {vm.name} to node {request.node}", request=request,
                checks=tuple(checks), steps=tuple(steps))
