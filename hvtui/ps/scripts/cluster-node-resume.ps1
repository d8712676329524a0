# hvtui: cluster-node-resume
# Mutates: yes
# Modules: FailoverClusters | it acts on the failover cluster this host is a node of; run it on a cluster node
# Brings a paused cluster node back (Resume-ClusterNode). Failback: NoFailback leaves the
# roles where they are, Immediate moves them back now, Policy follows each role's
# failback window.
# Output: one ClusterNode record with the node's state afterwards (the ClusterNode object the
# cmdlet itself returns is discarded: it is no record).
param(
    [Parameter(Mandatory)][string]$NodeName,
    [ValidateSet('NoFailback', 'Immediate', 'Policy')][string]$Failback = 'NoFailback'
)

$ErrorActionPreference = 'Stop'

$null = Resume-ClusterNode -Name $NodeName -Failback $Failback

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
