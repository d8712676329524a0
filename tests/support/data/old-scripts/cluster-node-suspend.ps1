# hvtui: cluster-node-suspend
# Mutates: yes
# Pauses a cluster node (Suspend-ClusterNode). Drain first moves its roles to other nodes
# and waits for that to finish; ForceDrain (implies Drain) also moves roles that cannot
# move safely, stopping them first.
# Output: one ClusterNode record with the node's state and drain status afterwards.
param(
    [Parameter(Mandatory)][string]$NodeName,
    [switch]$Drain,
    [switch]$ForceDrain
)

$ErrorActionPreference = 'Stop'

if ($ForceDrain) {
    Suspend-ClusterNode -Name $NodeName -Drain -ForceDrain -Wait
}
elseif ($Drain) {
    Suspend-ClusterNode -Name $NodeName -Drain -Wait
}
else {
    Suspend-ClusterNode -Name $NodeName
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
