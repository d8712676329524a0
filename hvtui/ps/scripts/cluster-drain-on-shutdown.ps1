# hvtui: cluster-drain-on-shutdown
# Mutates: yes
# Sets the cluster's DrainOnShutdown property: 1 = a node being shut down first
# live-migrates its VMs away, 0 = it does not. Setting the property on the object returned
# by Get-Cluster writes it to the cluster.
# Output: one Cluster record with the value the cluster reports afterwards.
param(
    [Parameter(Mandatory)][bool]$Enabled
)

$ErrorActionPreference = 'Stop'

$cluster = Get-Cluster
if ($Enabled) {
    $cluster.DrainOnShutdown = [uint32]1
}
else {
    $cluster.DrainOnShutdown = [uint32]0
}

$cluster = Get-Cluster
[pscustomobject]@{
    Kind = 'Cluster'
    Name = [string]$cluster.Name
    DrainOnShutdown = [int]$cluster.DrainOnShutdown
}
