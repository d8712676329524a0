"""Failover clustering: DrainOnShutdown (R-CL-1), drain (R-CL-2), resume (R-CL-3) and
role moves (R-CL-4)."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

from lab_console import console, output, replication
from test_lab_support import (
    SMALL,
    default_lab,
    inventory,
    kinds,
    only_error,
    run,
    vm_record,
    write_scenario,
)

from hvtui.lab import Lab
from hvtui.lab.cluster import NOT_A_CLUSTER
from hvtui.lab.failures import (
    CLUSTER_GROUP_NOT_FOUND,
    CLUSTER_NODE_NOT_FOUND,
    CLUSTER_NODE_PAUSED,
    COMMAND_NOT_FOUND,
    HARDWARE_INCOMPATIBLE,
    PROPERTY_NOT_FOUND,
)

NODE1_ROLES = {"SQL01", "FS01", "経理-DB01", "O'Brien-APP", "GC-SQL-A"}


async def owners(lab: Lab) -> dict[str, str]:
    return {g["Name"]: g["OwnerNode"] for g in (await inventory(lab, "HV-NODE1"))["ClusterGroup"]}


async def groups(lab: Lab) -> dict[str, dict]:  # type: ignore[type-arg]
    return {g["Name"]: g for g in (await inventory(lab, "HV-NODE1"))["ClusterGroup"]}


async def test_drain_on_shutdown_is_set_on_the_cluster() -> None:
    lab = default_lab()
    result = await run(lab, "HV-NODE2", "cluster-drain-on-shutdown", Enabled=False)
    assert result.objects == [{"Kind": "Cluster", "Name": "HVC01", "DrainOnShutdown": 0}]
    assert (await inventory(lab, "HV-NODE3"))["Cluster"][0]["DrainOnShutdown"] == 0
    assert (await run(lab, "HV-NODE1", "cluster-drain-on-shutdown", Enabled=True)).objects[0][
        "DrainOnShutdown"
    ] == 1


async def test_cluster_scripts_fail_off_a_cluster(tmp_path: Path) -> None:
    """A host without the FailoverClusters module has no Get-Cluster at all (HV-DR1); one
    with the module that is not a cluster node cannot reach a cluster service."""
    error = only_error(
        await run(default_lab(), "HV-DR1", "cluster-drain-on-shutdown", Enabled=True)
    )
    assert error.message == COMMAND_NOT_FOUND.format("Get-Cluster")
    tools = SMALL.replace('switches = ["LAN"]\n', 'switches = ["LAN"]\nmodules = '
                          '["FailoverClusters"]\n', 1)
    lab = Lab.from_scenario(write_scenario(tmp_path, tools), instant=True)
    error = only_error(await run(lab, "SRC", "cluster-drain-on-shutdown", Enabled=True))
    assert error.message == NOT_A_CLUSTER
    error = only_error(await run(lab, "SRC", "cluster-node-suspend", NodeName="SRC"))
    assert error.message == NOT_A_CLUSTER


OLD_CLUSTER = """
[[cluster]]
name = "OLDCL"
nodes = ["OLD1", "OLD2"]

[[host]]
name = "OLD1"
os = "2012"
processor = "Intel(R) Xeon(R) CPU E5-2640 0 @ 2.50GHz"
processor_family = "SandyBridge-EP"
logical_processors = 8
memory_gb = 32

[[host.volume]]
letter = "C"
size_gb = 100
free_gb = 50

[[host]]
name = "OLD2"
os = "2012"
processor = "Intel(R) Xeon(R) CPU E5-2640 0 @ 2.50GHz"
processor_family = "SandyBridge-EP"
logical_processors = 8
memory_gb = 32

[[host.volume]]
letter = "C"
size_gb = 100
free_gb = 50
"""


async def test_a_2012_cluster_lacks_drain_on_shutdown_and_names_force_drain_otherwise(
    tmp_path: Path,
) -> None:
    """R-CL-1: DrainOnShutdown is new in 2012 R2 (the inventory sends $null, not 0). R-CL-2:
    2012's Suspend-ClusterNode calls -ForceDrain -ForceEvacuation; the script uses that."""
    lab = Lab.from_scenario(write_scenario(tmp_path, OLD_CLUSTER), instant=True)
    assert (await inventory(lab, "OLD1"))["Cluster"][0]["DrainOnShutdown"] is None
    error = only_error(await run(lab, "OLD1", "cluster-drain-on-shutdown", Enabled=True))
    assert error.message == PROPERTY_NOT_FOUND.format("DrainOnShutdown")
    assert error.message == (
        "The property 'DrainOnShutdown' cannot be found on this object. Verify that the property "
        "exists and can be set."
    )
    forced = await run(lab, "OLD1", "cluster-node-suspend", NodeName="OLD2", Drain=True,
                       ForceDrain=True)
    assert forced.ok, forced.errors
    # the node the cmdlet returns is discarded: the script's own record is all it writes
    assert [o["State"] for o in forced.objects if o.get("Kind") == "ClusterNode"] == ["Paused"]
    assert len(forced.objects) == 1, forced.objects
    assert (await run(lab, "OLD1", "cluster-node-resume", NodeName="OLD2")).ok
    assert (await run(lab, "OLD1", "cluster-node-suspend", NodeName="OLD2", Drain=True)).ok


async def test_drain_moves_roles_off_by_priority() -> None:
    """R-CL-2: the node pauses, its roles move (High first), DrainStatus ends Completed."""
    lab = default_lab()
    uptime = (await vm_record(lab, "HV-NODE1", "SQL01") or {})["UptimeSeconds"]
    result = await run(lab, "HV-NODE1", "cluster-node-suspend", NodeName="HV-NODE1", Drain=True)
    assert result.ok, result.errors
    node = kinds(result, "ClusterNode")[0]
    assert (node["State"], node["DrainStatus"]) == ("Paused", "Completed")
    moving = [re.match(r"Moving '(.*)' to ", p.status) for p in result.progress]
    order = list(dict.fromkeys(m.group(1) for m in moving if m))
    assert order[0] == "SQL01" and order[-1] == "O'Brien-APP"  # High first, Low last
    now = await owners(lab)
    assert all(now[name] == "HV-NODE2" for name in NODE1_ROLES)
    sql = await vm_record(lab, "HV-NODE2", "SQL01")
    assert sql and sql["State"] == "Running" and sql["UptimeSeconds"] >= uptime  # live
    assert (await vm_record(lab, "HV-NODE2", "O'Brien-APP") or {})["State"] == "Running"
    assert await vm_record(lab, "HV-NODE1", "DC01")  # not a role: stays


async def test_drain_status_is_in_progress_while_roles_move() -> None:
    lab = Lab.from_scenario(speed=500.0)  # the drain lasts about 2 s: a poll sees it
    draining = asyncio.create_task(
        run(lab, "HV-NODE1", "cluster-node-suspend", NodeName="HV-NODE1", Drain=True)
    )
    seen = set()
    while not draining.done() and "InProgress" not in seen:
        nodes = (await inventory(lab, "HV-NODE2"))["ClusterNode"]
        seen.add(next(n for n in nodes if n["Name"] == "HV-NODE1")["DrainStatus"])
        await asyncio.sleep(0.002)
    assert (await draining).ok
    assert "InProgress" in seen


async def test_pause_without_drain_keeps_the_roles() -> None:
    lab = default_lab()
    result = await run(lab, "HV-NODE1", "cluster-node-suspend", NodeName="hv-node1")
    assert kinds(result, "ClusterNode")[0]["State"] == "Paused"
    assert all(v == "HV-NODE1" for k, v in (await owners(lab)).items() if k in NODE1_ROLES)


async def _only_old_node_left(lab: Lab) -> None:
    assert (await run(lab, "HV-NODE1", "cluster-node-suspend", NodeName="HV-NODE1")).ok
    assert (await run(lab, "HV-NODE1", "cluster-node-resume", NodeName="HV-NODE3")).ok


async def test_drain_fails_when_a_role_cannot_move() -> None:
    """Only HV-NODE3 (an older processor) can take roles: running VMs without processor
    compatibility cannot move there, so the drain fails; the others move."""
    lab = default_lab()
    await _only_old_node_left(lab)
    result = await run(lab, "HV-NODE2", "cluster-node-suspend", NodeName="HV-NODE2", Drain=True)
    node = kinds(result, "ClusterNode")[0]
    assert (node["State"], node["DrainStatus"]) == ("Paused", "Failed")
    now = await owners(lab)
    assert now["WEB “Front” 01"] == "HV-NODE3"  # compatibility mode on
    assert now["PRINT01"] == "HV-NODE3"  # off: nothing to carry
    assert now["EXCH01"] == "HV-NODE2"


async def test_force_drain_moves_what_cannot_move_safely_as_failed() -> None:
    lab = default_lab()
    await _only_old_node_left(lab)
    result = await run(
        lab, "HV-NODE2", "cluster-node-suspend", NodeName="HV-NODE2", ForceDrain=True
    )
    assert kinds(result, "ClusterNode")[0]["DrainStatus"] == "Completed"
    now = await groups(lab)
    assert now["EXCH01"]["OwnerNode"] == "HV-NODE3" and now["EXCH01"]["State"] == "Failed"
    assert (await vm_record(lab, "HV-NODE3", "EXCH01") or {})["State"] == "Off"


async def test_unknown_node() -> None:
    error = only_error(
        await run(default_lab(), "HV-NODE1", "cluster-node-suspend", NodeName="HV-NODE9")
    )
    assert (error.message, error.target) == (CLUSTER_NODE_NOT_FOUND, "HV-NODE9")
    assert error.message == "The cluster node was not found."


async def test_resume_with_immediate_failback_returns_the_roles() -> None:
    """R-CL-3."""
    lab = default_lab()
    assert (await run(lab, "HV-NODE1", "cluster-node-suspend", NodeName="HV-NODE1", Drain=True)).ok
    result = await run(
        lab, "HV-NODE1", "cluster-node-resume", NodeName="HV-NODE1", Failback="Immediate"
    )
    node = kinds(result, "ClusterNode")[0]
    assert node["State"] == "Up"
    assert all(v == "HV-NODE1" for k, v in (await owners(lab)).items() if k in NODE1_ROLES)


async def test_resume_without_failback_leaves_the_roles() -> None:
    lab = default_lab()
    assert (await run(lab, "HV-NODE1", "cluster-node-suspend", NodeName="HV-NODE1", Drain=True)).ok
    assert (await run(lab, "HV-NODE1", "cluster-node-resume", NodeName="HV-NODE1")).ok
    assert all(v == "HV-NODE2" for k, v in (await owners(lab)).items() if k in NODE1_ROLES)


async def test_resume_with_policy_failback_returns_only_roles_that_allow_it() -> None:
    lab = default_lab()
    assert (await run(lab, "HV-NODE1", "cluster-node-suspend", NodeName="HV-NODE1", Drain=True)).ok
    assert (
        await run(lab, "HV-NODE1", "cluster-node-resume", NodeName="HV-NODE1", Failback="Policy")
    ).ok
    now = await owners(lab)
    assert now["FS01"] == "HV-NODE1" and now["SQL01"] == "HV-NODE2"


async def test_role_live_migrates_to_another_node() -> None:
    """R-CL-4: Move-ClusterVirtualMachineRole -MigrationType Live."""
    lab = default_lab()
    uptime = (await vm_record(lab, "HV-NODE2", "EXCH01") or {})["UptimeSeconds"]
    result = await run(lab, "HV-NODE2", "cluster-role-move", RoleName="EXCH01", NodeName="HV-NODE1")
    assert kinds(result, "ClusterGroup") == [
        {
            "Kind": "ClusterGroup",
            "Cluster": "HVC01",
            "Name": "EXCH01",
            "OwnerNode": "HV-NODE1",
            "State": "Online",
            "Priority": 3000,
        }
    ]
    moved = await vm_record(lab, "HV-NODE1", "EXCH01")
    assert moved and moved["State"] == "Running" and moved["UptimeSeconds"] >= uptime
    # Replication follows the primary to its new node.
    assert replication(lab, "HV-NODE1", "EXCH01")["Simple"]["ReplicationMode"] == "Primary"


async def test_role_cannot_move_to_a_paused_node() -> None:
    error = only_error(
        await run(
            default_lab(), "HV-NODE1", "cluster-role-move", RoleName="SQL01", NodeName="HV-NODE3"
        )
    )
    assert error.message == CLUSTER_NODE_PAUSED


async def test_role_live_migration_needs_a_compatible_processor() -> None:
    lab = default_lab()
    assert (await run(lab, "HV-NODE1", "cluster-node-resume", NodeName="HV-NODE3")).ok
    error = only_error(
        await run(lab, "HV-NODE1", "cluster-role-move", RoleName="SQL01", NodeName="HV-NODE3")
    )
    assert error.message == HARDWARE_INCOMPATIBLE
    compat = await run(
        lab, "HV-NODE1", "cluster-role-move", RoleName="経理-DB01", NodeName="HV-NODE3"
    )
    assert kinds(compat, "ClusterGroup")[0]["OwnerNode"] == "HV-NODE3"
    shutdown = await run(
        lab,
        "HV-NODE1",
        "cluster-role-move",
        RoleName="SQL01",
        NodeName="HV-NODE3",
        MigrationType="Shutdown",
    )
    group = kinds(shutdown, "ClusterGroup")[0]
    assert (group["OwnerNode"], group["State"]) == ("HV-NODE3", "Online")
    assert (await vm_record(lab, "HV-NODE3", "SQL01") or {})["UptimeSeconds"] < 60


async def test_unknown_role() -> None:
    error = only_error(
        await run(
            default_lab(), "HV-NODE1", "cluster-role-move", RoleName="NOPE", NodeName="HV-NODE2"
        )
    )
    assert error.message == CLUSTER_GROUP_NOT_FOUND
    assert error.message == "The cluster group could not be found."


# --- the cmdlets beyond what the scripts reach -------------------------------------------------

PWSH_CLUSTER = (
    OLD_CLUSTER.replace('os = "2012"', 'os = "2016"')
    .replace('name = "OLD1"\n', 'name = "OLD1"\npowershell = "7.4"\n')
)
"""A 2016 cluster whose node OLD1 is managed through pwsh 7, OLD2 through Windows PowerShell."""


def test_drain_on_shutdown_set_on_a_deserialized_cluster_object_changes_nothing(
        tmp_path: Path) -> None:
    """Under pwsh 7, FailoverClusters runs in the Windows PowerShell compatibility layer:
    Get-Cluster's object is deserialized, so assigning DrainOnShutdown runs no setter."""
    lab = Lab.from_scenario(write_scenario(tmp_path, PWSH_CLUSTER), instant=True)
    text = "$c = Get-Cluster; $c.DrainOnShutdown = 0; $c.PSObject.TypeNames[0]; " \
           "$c.DrainOnShutdown; (Get-Cluster).DrainOnShutdown"
    assert output(console(lab, "OLD1", text)) == [
        "Deserialized.Microsoft.FailoverClusters.PowerShell.Cluster", 0, 1]
    assert lab.estate.clusters["oldcl"].drain_on_shutdown == 1
    assert output(console(lab, "OLD2", text)) == [
        "Microsoft.FailoverClusters.PowerShell.Cluster", 0, 0]
    assert lab.estate.clusters["oldcl"].drain_on_shutdown == 0


def _node_state(lab: Lab, name: str) -> tuple[str, str]:
    node = next(n for c in lab.estate.clusters.values() for n in c.nodes if n.name == name)
    return node.state, node.drain_status


def _settled(lab: Lab, name: str) -> tuple[str, str]:
    """The node once its drain is over (a generous bound: this waits, it does not time)."""
    for _ in range(6000):
        if _node_state(lab, name)[1] != "InProgress":
            break
        time.sleep(0.01)
    return _node_state(lab, name)


async def test_drain_without_wait_returns_at_once_on_2012r2_and_waits_on_2012(
        tmp_path: Path) -> None:
    """-Wait per each release's page: 2012 R2+ return once the drain is initiated, 2012
    waits for completion. The lab's lock is held so the drain cannot start meanwhile."""
    lab = default_lab()
    with lab.estate.lock:
        node = output(console(lab, "HV-NODE1", "Suspend-ClusterNode -Name HV-NODE1 -Drain"))
        assert [(n["State"], n["DrainStatus"]) for n in node] == [("Paused", "InProgress")]
        held = {g.name: g.owner for g in lab.estate.clusters["hvc01"].groups}
        assert all(held[name] == "HV-NODE1" for name in NODE1_ROLES)
    assert _settled(lab, "HV-NODE1") == ("Paused", "Completed")
    assert all(v == "HV-NODE2" for k, v in (await owners(lab)).items() if k in NODE1_ROLES)
    old = Lab.from_scenario(write_scenario(tmp_path, OLD_CLUSTER), instant=True)
    with old.estate.lock:
        node = output(console(old, "OLD1", "Suspend-ClusterNode -Name OLD2 -Drain "
                                           "-ForceEvacuation"))
    assert [(n["State"], n["DrainStatus"]) for n in node] == [("Paused", "Completed")]


def test_force_evacuation_is_2012s_and_force_drain_2012r2s() -> None:
    outcome = console(default_lab(), "HV-NODE1", "Suspend-ClusterNode HV-NODE1 -Drain "
                                                 "-ForceEvacuation")
    assert [e.message for e in outcome.errors] == [
        "A parameter cannot be found that matches parameter name 'ForceEvacuation'."]


def test_target_node_and_whatif() -> None:
    lab = default_lab()
    output(console(lab, "HV-NODE1", "Suspend-ClusterNode HV-NODE1 -Drain -WhatIf"))
    assert _node_state(lab, "HV-NODE1") == ("Up", "NotInitiated")
    # HV-NODE3 is paused: a drain sent only there moves nothing and fails.
    node = output(console(lab, "HV-NODE1", "Suspend-ClusterNode HV-NODE1 -TargetNode HV-NODE3 "
                                           "-Drain -Wait"))
    assert [(n["State"], n["DrainStatus"]) for n in node] == [("Paused", "Failed")]


async def test_move_without_node_picks_one_and_unmodelled_parameters_are_refused() -> None:
    lab = default_lab()
    moved = output(console(lab, "HV-NODE2", "Move-ClusterVirtualMachineRole -Name EXCH01"))
    assert [(g["Name"], g["OwnerNode"], g["State"]) for g in moved] == [
        ("EXCH01", "HV-NODE1", "Online")]
    waited = console(lab, "HV-NODE2", "Move-ClusterVirtualMachineRole EXCH01 HV-NODE2 -Wait 0")
    assert [e.message[:58] for e in waited.errors] == [
        "The hvtui lab does not emulate Move-ClusterVirtualMachineR"]
    assert (await owners(lab))["EXCH01"] == "HV-NODE1"
