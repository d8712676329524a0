# hvtui: vm-make-ha
# Mutates: yes
# Modules: FailoverClusters | it makes the VM a role of the failover cluster this host is a node of; run it on a cluster node
# Makes a VM of this node highly available (Add-ClusterVirtualMachineRole): the cluster
# takes it as a role only when its configuration and every disk are on storage all nodes
# see (a Cluster Shared Volume), and refuses otherwise. The VM is chosen by its id (or by
# its name, for a VM the same plan has just created); its name must select it alone.
# Output: one ClusterGroup record (the new role, its owner and state).
param(
    [guid]$VMId,
    [string]$VMName = ''
)

$ErrorActionPreference = 'Stop'

# The role is asked for by the VM's name (under PowerShell 7 FailoverClusters loads through the
# compatibility layer and refuses an object handed back): the name must select this VM alone.
if ($VMName) {
    $vm = @(Get-VM -Name $VMName)[0]
}
else {
    $vm = Get-VM -Id $VMId
}
$Name = [string]$vm.Name
$selected = @(Get-VM -Name $Name -ErrorAction 'SilentlyContinue')
if ($selected.Count -ne 1 -or [string]$selected[0].Id -ne [string]$vm.Id) {
    throw ('The name of the virtual machine "' + $Name + '" (id ' + $vm.Id + ') selects ' + $selected.Count + ' virtual machines on this host, not just this one, so nothing was changed. Rename it so that its name is unique (Rename-VM), then try again.')
}

$group = Add-ClusterVirtualMachineRole -VMName $Name

[pscustomobject]@{
    Kind = 'ClusterGroup'
    Cluster = [string](Get-Cluster).Name
    Name = [string]$group.Name
    OwnerNode = [string]$group.OwnerNode
    State = [string]$group.State
    Priority = [int]$group.Priority
}
