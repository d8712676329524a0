# hvtui: replication-frequency
# Mutates: yes
# Releases: 2012 R2+ | Windows Server 2012 replicates every 5 minutes, fixed: its Set-VMReplication has no -ReplicationFrequencySec
# Changes how often a primary VM sends its changes to the replica (Set-VMReplication).
# Hyper-V accepts 30, 300 or 900 seconds (an extended replica: 300 or 900).
# Output: the VM's Replication records afterwards, with inventory.ps1's fields.
param(
    [Parameter(Mandatory)][string]$VMName,
    [Parameter(Mandatory)][int]$FrequencySec
)

$ErrorActionPreference = 'Stop'

Set-VMReplication -VMName $VMName -ReplicationFrequencySec $FrequencySec

# By name, not by VM object: under PowerShell 7 on 2012 R2 and 2016 a VM object handed back
# to a cmdlet is refused (PowerShell#14738).
$replications = @()
foreach ($relationship in @('Simple', 'Extended')) {
    foreach ($replication in @(Get-VMReplication -VMName $VMName -ReplicationRelationshipType $relationship -ErrorAction 'SilentlyContinue')) {
        $replications += [pscustomobject]@{ Relationship = $relationship; Replication = $replication }
    }
}
foreach ($found in $replications) {
    $replication = $found.Replication
    [pscustomobject]@{
        Kind = 'Replication'
        VMId = [string]$replication.VMId
        Relationship = $found.Relationship
        Mode = [string]$replication.ReplicationMode
        State = [string]$replication.ReplicationState
        Health = [string]$replication.ReplicationHealth
        PrimaryServer = [string]$replication.PrimaryServerName
        ReplicaServer = [string]$replication.ReplicaServerName
        FrequencySec = [int]$replication.ReplicationFrequencySec
        LastReplicationTime = $replication.LastReplicationTime
    }
}
