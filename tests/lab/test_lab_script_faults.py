"""Issue 8's two faults, on the lab's default estate: the old script texts fail where a real
host fails, and the shipped ones work there (or are refused up front, with the reason).

The old texts are kept as fixtures (tests/support/data/inventory-unguarded-get-cluster.ps1
and tests/support/data/old-scripts/). They are not catalog scripts, so the lab's sessions
refuse them: they run here on a lab host's runtime directly, the way the sessions run
catalog scripts (the host's release, modules, PowerShell and language).
tests/unit/test_pwsh_catalog.py shows the same faults against a small fake host.

1. ``Get-Cluster -ErrorAction 'SilentlyContinue'`` under ``$ErrorActionPreference =
   'Stop'`` on a host without FailoverClusters: a CommandNotFoundException, which
   -ErrorAction cannot silence, ends the inventory before its Host record.
2. Parameters Windows Server 2012 lacks: ``Get-VMReplication
   -ReplicationRelationshipType`` (the inventory, with the replicated ERP-APP on
   HV-LEGACY), ``Set-VMReplication -ReplicationFrequencySec`` and ``Suspend-ClusterNode
   -ForceDrain`` (2012 has -ForceEvacuation).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lab_console import console
from test_lab_support import default_lab, write_scenario

from hvtui import cli
from hvtui.connect import lab_pool
from hvtui.errors import PlanRefused
from hvtui.hyperv.inventory import fetch_inventory
from hvtui.hyperv.plans import make_step
from hvtui.lab import Lab, pwsh
from hvtui.lab.cluster import NOT_A_CLUSTER
from hvtui.lab.platform import FAILOVER_CLUSTERS
from hvtui.lab.pwsh import to_plain
from hvtui.lab.scenario import default_scenario
from hvtui.ps import catalog
from hvtui.ps.decode import inventory_records

DATA = Path(__file__).parents[1] / "support" / "data"
OLD_INVENTORY = (DATA / "inventory-unguarded-get-cluster.ps1").read_text(encoding="utf-8")
OLD_NODE_SUSPEND = (DATA / "old-scripts" / "cluster-node-suspend.ps1").read_text(encoding="utf-8")
OLD_FREQUENCY = (DATA / "old-scripts" / "replication-frequency.ps1").read_text(encoding="utf-8")

WITHOUT_FAILOVER_CLUSTERS = ("HV-LEGACY", "HV-DR1", "HV-DR2", "HV-2016", "HV-2019", "HV-2022")
"""The default estate's standalone hosts without the FailoverClusters module."""

LEGACY_CLUSTER = '\n[[cluster]]\nname = "LEGACYCL"\nnodes = ["HV-LEGACY"]\n'
"""HV-LEGACY made a one-node 2012 cluster: on the default HV-LEGACY the old inventory dies
at Get-Cluster (fault 1) before it reaches Get-VMReplication (fault 2)."""


def records(outcome: pwsh.Outcome, kind: str) -> list[dict[str, Any]]:
    """The records of one Kind: the shipped inventory writes them as one JSON document."""
    plain: list[Any] = [to_plain(o) for o in outcome.output]
    if len(plain) == 1 and isinstance(plain[0], str):
        plain = inventory_records("lab", plain)
    return [r for r in plain if isinstance(r, dict) and r.get("Kind") == kind]


def legacy_cluster_lab(tmp_path: Path) -> Lab:
    text = default_scenario().read_text(encoding="utf-8") + LEGACY_CLUSTER
    return Lab.from_scenario(write_scenario(tmp_path, text), instant=True)


def test_the_list_is_every_standalone_host_without_failover_clusters() -> None:
    estate = default_lab().estate
    without = {h.name for h in estate.hosts.values()
               if FAILOVER_CLUSTERS not in h.software.modules}
    assert without == set(WITHOUT_FAILOVER_CLUSTERS)
    assert not any(estate.cluster_of(estate.hosts[n.lower()]) for n in without)


# --- fault 1: Get-Cluster on a host without FailoverClusters ----------------------------------


@pytest.mark.parametrize("host", WITHOUT_FAILOVER_CLUSTERS)
def test_old_inventory_dies_at_get_cluster_on_a_host_without_failover_clusters(host: str) -> None:
    outcome = console(default_lab(), host, OLD_INVENTORY)
    assert outcome.failed
    [error] = outcome.errors
    assert error.fqid == "CommandNotFoundException" and error.category == "ObjectNotFound"
    assert error.message.startswith("The term 'Get-Cluster' is not recognized as the name of a "
                                    "cmdlet")
    assert error.script_position.startswith("23:")  # the unguarded call
    assert outcome.output == [], "no record at all, so no Host record"


@pytest.mark.parametrize("host", WITHOUT_FAILOVER_CLUSTERS)
def test_shipped_inventory_emits_the_host_without_failover_clusters(host: str) -> None:
    lab = default_lab()
    outcome = console(lab, host, catalog.get("inventory").text)
    assert not outcome.failed and not outcome.errors, outcome.errors
    [record] = records(outcome, "Host")
    assert (record["ComputerName"], record["Cluster"], record["FailoverClusters"],
            record["ClusterProblem"]) == (host, "", False, "")
    assert records(outcome, "Cluster") == []
    assert len(records(outcome, "VM")) == len(lab.estate.hosts[host.lower()].vms)


def test_shipped_inventory_on_a_host_with_the_module_and_no_cluster() -> None:
    """HV-2025 (pwsh 7.4) has the clustering tools but is no cluster node: Get-Cluster exists
    and fails; the inventory says why and goes on."""
    lab = default_lab()
    outcome = console(lab, "HV-2025", catalog.get("inventory").text)
    assert not outcome.failed and not outcome.errors, outcome.errors
    [record] = records(outcome, "Host")
    assert (record["PowerShellEdition"], record["Cluster"], record["FailoverClusters"]) == (
        "Core", "", True)
    assert record["ClusterProblem"] == NOT_A_CLUSTER
    assert records(outcome, "Cluster") == []
    assert {r["Version"] for r in records(outcome, "VM")} == {"10.0", "11.0", "12.0"}


# --- fault 2: parameters Windows Server 2012 lacks --------------------------------------------


def test_old_inventory_dies_at_get_vmreplication_on_a_2012_host_with_a_replicated_vm(
        tmp_path: Path) -> None:
    outcome = console(legacy_cluster_lab(tmp_path), "HV-LEGACY", OLD_INVENTORY)
    assert outcome.failed
    [error] = outcome.errors
    assert error.fqid == \
        "NamedParameterNotFound,Microsoft.HyperV.PowerShell.Commands.GetVMReplication"
    assert error.message == ("A parameter cannot be found that matches parameter name "
                             "'ReplicationRelationshipType'.")
    assert records(outcome, "Host") and records(outcome, "VM")  # it got that far
    assert records(outcome, "Replication") == []


@pytest.mark.parametrize("clustered", [False, True], ids=["default", "one-node-cluster"])
def test_shipped_inventory_reads_2012_replication(tmp_path: Path, clustered: bool) -> None:
    lab = legacy_cluster_lab(tmp_path) if clustered else default_lab()
    outcome = console(lab, "HV-LEGACY", catalog.get("inventory").text)
    assert not outcome.failed and not outcome.errors, outcome.errors
    erp = next(r for r in records(outcome, "VM") if r["Name"] == "ERP-APP")
    [replication] = records(outcome, "Replication")
    assert replication["VMId"] == erp["Id"]
    assert (replication["Relationship"], replication["Mode"], replication["State"],
            replication["Health"], replication["ReplicaServer"]) == (
        "Simple", "Primary", "Error", "Critical", "HV-DR1.contoso.local")
    # 2012 has no ReplicationFrequencySec: $null, cast to 0 (the client knows it is 300).
    assert replication["FrequencySec"] == 0
    assert [r["Name"] for r in records(outcome, "Cluster")] == (["LEGACYCL"] if clustered else [])


def test_old_replication_frequency_fails_on_2012_and_changes_nothing() -> None:
    lab = default_lab()
    outcome = console(lab, "HV-LEGACY", OLD_FREQUENCY, VMName="ERP-APP",
                      FrequencySec=30)
    assert outcome.failed
    [error] = outcome.errors
    assert error.fqid == \
        "NamedParameterNotFound,Microsoft.HyperV.PowerShell.Commands.SetVMReplication"
    assert error.message == ("A parameter cannot be found that matches parameter name "
                             "'ReplicationFrequencySec'.")
    [vm] = lab.estate.hosts["hv-legacy"].find_vms("ERP-APP")
    chain = lab.estate.replication(vm)
    assert chain is not None and chain.primary.frequency == 300


async def test_shipped_replication_frequency_is_refused_on_2012_by_make_step() -> None:
    pool = lab_pool(speed=float("inf"))
    try:
        legacy = (await fetch_inventory(pool, "HV-LEGACY")).host
    finally:
        await pool.close()
    with pytest.raises(PlanRefused) as refused:
        make_step(legacy, "replication-frequency", {"VMName": "ERP-APP", "FrequencySec": 30},
                  "Replicate ERP-APP every 30 seconds")
    assert refused.value.host == "HV-LEGACY"
    assert "runs on Windows Server 2012 R2 and later only and HV-LEGACY runs 2012" in str(
        refused.value)
    assert "replicates every 5 minutes, fixed" in str(refused.value)


def test_shipped_replication_frequency_is_refused_on_2012_by_the_cli(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HVTUI_STATE_DIR", str(tmp_path))
    code = cli.main(["--lab-speed", "inf", "replica", "frequency", "ERP-APP", "30",
                     "--host", "HV-LEGACY", "--yes"])
    out = capsys.readouterr()
    assert code == 2
    assert "Refused, nothing was changed" in out.out + out.err
    assert "HV-LEGACY runs 2012: Windows Server 2012 replicates every 5 minutes" in (
        (out.out + out.err).replace("\n        ", " "))


def test_old_node_suspend_fails_on_2012_hosts(tmp_path: Path) -> None:
    params = {"NodeName": "HV-LEGACY", "Drain": True, "ForceDrain": True}
    # The default HV-LEGACY has no FailoverClusters at all.
    outcome = console(default_lab(), "HV-LEGACY", OLD_NODE_SUSPEND, **params)
    assert outcome.failed and [e.fqid for e in outcome.errors] == ["CommandNotFoundException"]
    assert "'Suspend-ClusterNode' is not recognized" in outcome.errors[0].message
    # A 2012 cluster node has the cmdlet, with -ForceEvacuation where 2012 R2 has -ForceDrain.
    lab = legacy_cluster_lab(tmp_path)
    outcome = console(lab, "HV-LEGACY", OLD_NODE_SUSPEND, **params)
    assert outcome.failed
    [error] = outcome.errors
    assert error.fqid == \
        "NamedParameterNotFound,Microsoft.FailoverClusters.PowerShell.SuspendClusterNodeCommand"
    assert error.message == ("A parameter cannot be found that matches parameter name "
                             "'ForceDrain'.")
    assert lab.estate.clusters["legacycl"].nodes[0].state == "Up"


def test_shipped_node_suspend_force_drains_a_2012_node(tmp_path: Path) -> None:
    lab = legacy_cluster_lab(tmp_path)
    outcome = console(lab, "HV-LEGACY", catalog.get("cluster-node-suspend").text,
                      NodeName="HV-LEGACY", Drain=True, ForceDrain=True)
    assert not outcome.failed and not outcome.errors, outcome.errors
    [node] = records(outcome, "ClusterNode")
    assert (node["Cluster"], node["State"], node["DrainStatus"]) == (
        "LEGACYCL", "Paused", "Completed")


async def test_shipped_node_suspend_is_refused_without_failover_clusters_by_make_step() -> None:
    pool = lab_pool(speed=float("inf"))
    try:
        legacy = (await fetch_inventory(pool, "HV-LEGACY")).host
    finally:
        await pool.close()
    with pytest.raises(PlanRefused) as refused:
        make_step(legacy, "cluster-node-suspend",
                  {"NodeName": "HV-LEGACY", "Drain": True, "ForceDrain": True}, "Drain")
    assert "needs the FailoverClusters module, which HV-LEGACY does not have" in str(
        refused.value)


def test_shipped_node_suspend_runs_on_a_2012_node_through_the_cli(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HVTUI_STATE_DIR", str(tmp_path))
    scenario = tmp_path / "legacy-cluster.toml"
    scenario.write_text(default_scenario().read_text(encoding="utf-8") + LEGACY_CLUSTER,
                        encoding="utf-8")
    code = cli.main(["--scenario", str(scenario), "--lab-speed", "inf", "cluster", "drain",
                     "HV-LEGACY", "--force", "--yes"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "Suspend-ClusterNode -Name 'HV-LEGACY' -Drain -ForceEvacuation -Wait" in out
    assert "Done: 1 of 1 step(s) succeeded." in out
