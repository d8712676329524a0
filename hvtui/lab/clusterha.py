"""Add-ClusterVirtualMachineRole: making a VM of a cluster node highly available (issue 11,
importvm). The cluster takes a VM only when every file of it is on storage every node sees
(a Cluster Shared Volume here); otherwise it refuses, naming the first path that is not,
in the words its report uses (AutomatedLab/AutomatedLab#1314, the cluster's report for the
same check). The new role is named after the VM, owned by this node, Medium priority.
"""

from __future__ import annotations

from hvtui.lab.cluster import _group_object, local_cluster
from hvtui.lab.emulation import CmdletCall, emulates
from hvtui.lab.estate import VM, ClusterGroup, key
from hvtui.lab.failures import HostError, cluster_error
from hvtui.lab.power import only_modelled

NOT_CLUSTER_STORAGE = (
    "Disk path '{0}' is not a path to storage in the cluster or to storage that can be added "
    "to the cluster. You must ensure this storage is available to every node in the cluster "
    "to make this virtual machine highly available.")
"""The cluster's report text (3P AutomatedLab/AutomatedLab#1314); the lab puts it in the
error itself (UNCONFIRMED: the real cmdlet may end with a general failure that points to a
report file in %windir%\\Cluster\\Reports)."""
CONFIG_NOT_CLUSTER_STORAGE = (
    "Virtual machine configuration path '{0}' is not a path to storage in the cluster or to "
    "storage that can be added to the cluster. You must ensure this storage is available to "
    "every node in the cluster to make this virtual machine highly available.")
"""UNCONFIRMED: the same check for the VM's own folder, worded after the disk's."""
ALREADY_CLUSTERED = "The virtual machine '{0}' is already a clustered role."
"""UNCONFIRMED wording."""
VM_NOT_ON_NODE = "The virtual machine '{0}' was not found on node '{1}'."
"""UNCONFIRMED wording."""


def storage_refusal(call: CmdletCall, vm: VM) -> HostError | None:
    cluster = call.estate.cluster_of(call.host)
    assert cluster is not None
    for drive in vm.drives:
        if drive.path and not cluster.csv_for(drive.path):
            return cluster_error(call.name, NOT_CLUSTER_STORAGE.format(drive.path),
                                 category="InvalidArgument", target=vm.name)
    if not cluster.csv_for(vm.path):
        return cluster_error(call.name, CONFIG_NOT_CLUSTER_STORAGE.format(vm.path),
                             category="InvalidArgument", target=vm.name)
    return None


@emulates("Add-ClusterVirtualMachineRole")
def add_clustervirtualmachinerole(call: CmdletCall) -> None:
    only_modelled(call, ("VMName", "VirtualMachine", "VMId", "Name", "Cluster"))
    cluster = local_cluster(call)
    with call.lock:
        wanted = str(call.arg("VMName") or call.arg("VirtualMachine") or "")
        if call.given("VMId"):
            vm = call.host.vms.get(str(call.arg("VMId")).lower())
        else:
            found = call.host.find_vms(wanted)
            vm = found[0] if len(found) == 1 else None
        if vm is None:
            raise cluster_error(call.name, VM_NOT_ON_NODE.format(wanted, call.host.name),
                                category="ObjectNotFound", target=wanted)
        if vm.clustered or any(g.vm_id == vm.id for g in cluster.groups):
            raise cluster_error(call.name, ALREADY_CLUSTERED.format(vm.name),
                                category="InvalidOperation", target=vm.name)
        refused = storage_refusal(call, vm)
        if refused is not None:
            raise refused
        name = str(call.arg("Name") or vm.name)
        if cluster.group(name) is not None:
            # UNCONFIRMED: the cluster names the role '<VM> (2)' when the name is taken.
            name = f"{name} (2)"
        group = ClusterGroup(name=name, vm_id=vm.id, owner=call.host.name)
        cluster.groups.append(group)
        vm.clustered = True
        assert key(group.owner) == key(call.host.name)
        call.write(_group_object(call, cluster, group))
