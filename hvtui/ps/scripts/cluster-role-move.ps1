# hvtui: cluster-role-move
# Mutates: yes
# Modules: FailoverClusters | it acts on the failover cluster this host is a node of; run it on a cluster node
# Moves a clustered VM role to another node (Move-ClusterVirtualMachineRole): Live keeps it
# running, Quick saves and restores it, Shutdown/ShutdownForce/TurnOff stop it first.
# Output: one ClusterGroup record with the role's owner and state afterwards.
param(
    [Parameter(Mandatory)][string]$RoleName,
    [Parameter(Mandatory)][string]$NodeName,
    [ValidateSet('Live', 'Quick', 'Shutdown', 'ShutdownForce', 'TurnOff')][string]$MigrationType = 'Live'
)

$ErrorActionPreference = 'Stop'

$groups = @(Move-ClusterVirtualMachineRole -Name $RoleName -Node $NodeName -MigrationType $MigrationType)

$clusterName = [string](Get-Cluster).Name
foreach ($group in $groups) {
    [pscustomobject]@{
        Kind = 'ClusterGroup'
        Cluster = $clusterName
        Name = [string]$group.Name
        OwnerNode = [string]$group.OwnerNode
        State = [string]$group.State
        Priority = [int]$group.Priority
    }
}
