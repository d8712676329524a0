# hvtui: cluster-node-suspend
# Mutates: yes
# Modules: FailoverClusters | it acts on the failover cluster this host is a node of; run it on a cluster node
# Pauses a cluster node (Suspend-ClusterNode). Drain first moves its roles to other nodes
# and waits for that to finish; ForceDrain (implies Drain) also moves roles that cannot
# move safely, stopping them first. Windows Server 2012 names that switch -ForceEvacuation
# ("workloads are moved from a node even in the case of an error"); 2012 R2 renamed it.
# Output: one ClusterNode record with the node's state and drain status afterwards (the
# ClusterNode object the cmdlet itself returns is discarded: it is no record).
param(
    [Parameter(Mandatory)][string]$NodeName,
    [switch]$Drain,
    [switch]$ForceDrain
)

$ErrorActionPreference = 'Stop'

if ($ForceDrain) {
    if ((Get-Command -Name 'Suspend-ClusterNode').Parameters.ContainsKey('ForceDrain')) {
        $null = Suspend-ClusterNode -Name $NodeName -Drain -ForceDrain -Wait
    }
    else {
        $null = Suspend-ClusterNode -Name $NodeName -Drain -ForceEvacuation -Wait
    }
}
elseif ($Drain) {
    $null = Suspend-ClusterNode -Name $NodeName -Drain -Wait
}
else {
    $null = Suspend-ClusterNode -Name $NodeName
}

$clusterName = [string](Get-Cluster).Name
foreach ($node in @(Get-ClusterNode -Name $NodeName)) {
    [pscustomobject]@{
        Kind = 'ClusterNode'
        Cluster = $clusterName
        Name = [string]$node.Name
        State = [string]$node.State
        DrainStatus = [string]$node.DrainStatus
    }
}
