# hvtui: cluster-drain-on-shutdown
# Mutates: yes
# Releases: 2012 R2+ | DrainOnShutdown is new in Windows Server 2012 R2: a 2012 cluster has no such property
# Modules: FailoverClusters | it acts on the failover cluster this host is a node of; run it on a cluster node
# Editions: Desktop | under PowerShell 7 FailoverClusters runs through the Windows PowerShell compatibility layer: Get-Cluster returns a copy, and setting a property on a copy changes nothing on the cluster; connect with Windows PowerShell (WinRM)
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
