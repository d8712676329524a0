"""Add-ClusterVirtualMachineRole on the lab: a node's VM on Cluster Shared Volumes becomes a
role (and a move of it then works); one with a file on local storage is refused with the
cluster's words; a host with the module but no cluster, and one without the module, as
their releases have them."""

from __future__ import annotations

import asyncio

from lab_console import console, output
from test_lab_support import default_lab, estate_vm, run

from hvtui.lab.clusterha import ALREADY_CLUSTERED, NOT_CLUSTER_STORAGE


def _messages(lab: object, host: str, text: str) -> list[str]:
    return [e.message for e in console(lab, host, text).errors]  # type: ignore[arg-type]


def test_a_vm_on_csv_becomes_a_role_and_moves_with_the_cluster() -> None:
    lab = default_lab()
    vm = estate_vm(lab, "HV-NODE2", "GC-SQL-B")
    result = asyncio.run(run(lab, "HV-NODE2", "vm-make-ha", VMId=vm.id))
    assert result.ok, result.errors
    [record] = result.objects
    assert (record["Kind"], record["Name"], record["OwnerNode"], record["Cluster"]) == (
        "ClusterGroup", "GC-SQL-B", "HV-NODE2", "HVC01")
    assert estate_vm(lab, "HV-NODE2", "GC-SQL-B").clustered
    assert _messages(lab, "HV-NODE2", "Add-ClusterVirtualMachineRole -VMName 'GC-SQL-B'") == [
        ALREADY_CLUSTERED.format("GC-SQL-B")]
    moved = output(console(lab, "HV-NODE2", "(Move-ClusterVirtualMachineRole -Name 'GC-SQL-B' "
                                            "-Node 'HV-NODE1').OwnerNode.Name"))
    assert moved == ["HV-NODE1"]


def test_a_disk_on_local_storage_is_refused_with_the_clusters_words() -> None:
    lab = default_lab()
    vm = estate_vm(lab, "HV-NODE1", "DC01")
    result = asyncio.run(run(lab, "HV-NODE1", "vm-make-ha", VMId=vm.id))
    assert [e.message for e in result.errors] == [
        NOT_CLUSTER_STORAGE.format(vm.drives[0].path)]
    assert not estate_vm(lab, "HV-NODE1", "DC01").clustered


def test_hosts_without_a_cluster() -> None:
    lab = default_lab()
    # 2025 has the FailoverClusters module but is no node: Get-Cluster's own text.
    [message] = _messages(lab, "HV-2025", "Add-ClusterVirtualMachineRole -VMName 'EDGE-LNX01'")
    assert "cluster service is not running" in message
    # 2016 has no FailoverClusters module: the catalog refuses the script before it runs,
    # and the command is not there.
    [message] = _messages(lab, "HV-2016", "Add-ClusterVirtualMachineRole -VMName 'MÜN-LNX01'")
    assert "Add-ClusterVirtualMachineRole" in message and "not recognized" in message
