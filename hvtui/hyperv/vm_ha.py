"""Making a VM highly available (issue 11, importvm): Add-ClusterVirtualMachineRole on the
cluster node that runs it. The cluster takes the VM as a role only when its configuration
and every disk are on storage all nodes see (a Cluster Shared Volume); the plan checks that
against the volumes the node reported, and names each file that is not, with the fix
(Move-VMStorage to a CSV), before the host is asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from hvtui.hyperv import lookup
from hvtui.hyperv.plans import Check, Plan, Request, VmRef, failed, make_step, passed, warned
from hvtui.model import VM, Cluster
from hvtui.remote.pool import SessionPool


@dataclass(frozen=True, slots=True)
class MakeHaRequest(Request):
    kind: ClassVar[str] = "vm-make-ha"
    vm: VmRef


def on_csv(cluster: Cluster | None, path: str) -> bool:
    """Whether ``path`` is on one of the cluster's shared volumes (as the node reported them)."""
    if cluster is None or not path:
        return False
    wanted = path.rstrip("\\").casefold()
    for csv in cluster.shared_volumes:
        root = csv.path.rstrip("\\").casefold()
        if root and (wanted == root or wanted.startswith(root + "\\")):
            return True
    return False


def storage_checks(cluster: Cluster | None, vm: VM) -> list[Check]:
    """One check per file of ``vm`` not on cluster storage, or one that says all are."""
    if cluster is not None and not cluster.shared_volumes:
        return [warned("Storage", f"{cluster.name} reported no Cluster Shared Volume to "
                                  "compare with; the cluster checks the files itself", "",
                       vm.name)]
    fix = ("move the VM's storage to a Cluster Shared Volume first (Move-VMStorage to "
           "C:\\ClusterStorage\\VolumeN), then make it highly available")
    checks = [failed("Storage", f"disk {d.path} is not on cluster storage: the other nodes "
                                "cannot reach it", fix, vm.name)
              for d in vm.disks if d.path and not on_csv(cluster, d.path)]
    if vm.path and not on_csv(cluster, vm.path):
        checks.append(failed("Storage", f"the VM's configuration folder {vm.path} is not on "
                                        "cluster storage", fix, vm.name))
    return checks or [passed("Storage", "its configuration and disks are on Cluster Shared "
                                        "Volumes", vm.name)]


async def plan_make_ha(pool: SessionPool, request: MakeHaRequest) -> Plan:
    estate = await lookup.fresh_estate(pool, lookup.hosts_for(pool, [request.vm]))
    vm = lookup.vm(estate, request.vm)
    host = lookup.host(estate, vm.host)
    title = f"Make {vm.name} highly available"
    checks: list[Check] = []
    cluster = next((c for c in estate.clusters() if c.name.casefold() ==
                    host.cluster.casefold()), None) if host.cluster else None
    if not host.cluster:
        checks.append(failed("Cluster", f"{host.name} is not a node of a failover cluster",
                             "create the VM on a cluster node (or add this host to a cluster)",
                             vm.name))
    elif vm.is_clustered:
        checks.append(failed("Cluster", f"{vm.name} is already a role of {host.cluster}",
                             "nothing to do", vm.name))
    else:
        checks.append(passed("Cluster", f"{host.name} is a node of {host.cluster}", vm.name))
        checks.extend(storage_checks(cluster, vm))
    refused = any(c.outcome.name == "FAIL" for c in checks)
    steps = () if refused else (make_step(
        host, "vm-make-ha", {"VMId": vm.id},
        f"Make {vm.name} a role of {host.cluster} (Add-ClusterVirtualMachineRole)",
        target=vm.name, shown={"Name": vm.name}),)
    notes = (f"{vm.name} then fails over with its node; move it with the Clusters pane's "
             "Move role.",) if steps else ()
    return Plan(title=title, request=request, checks=tuple(checks), steps=steps, notes=notes)
