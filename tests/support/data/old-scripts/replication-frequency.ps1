# hvtui: replication-frequency
# Mutates: yes
# Changes how often a primary VM sends its changes to the replica (Set-VMReplication).
# Hyper-V accepts 30, 300 or 900 seconds (an extended replica: 300 or 900).
# Output: the VM's Replication records afterwards, with inventory.ps1's fields.
param(
    [Parameter(Mandatory)][string]$VMName,
    [Parameter(Mandatory)][int]$FrequencySec
)

$ErrorActionPreference = 'Stop'

Set-VMReplication -VMName $VMName -ReplicationFrequencySec $FrequencySec

foreach ($vm in @(Get-VM -Name $VMName)) {
    foreach ($relationship in @('Simple', 'Extended')) {
        $replication = Get-VMReplication -VM $vm -ReplicationRelationshipType $relationship -ErrorAction 'SilentlyContinue'
        if ($replication) {
            [pscustomobject]@{
                Kind = 'Replication'
                VMId = [string]$vm.Id
                Relationship = $relationship
                Mode = [string]$replication.Mode
                State = [string]$replication.State
                Health = [string]$replication.Health
                PrimaryServer = [string]$replication.PrimaryServer
                ReplicaServer = [string]$replication.ReplicaServer
                FrequencySec = [int]$replication.FrequencySec
                LastReplicationTime = $replication.LastReplicationTime
            }
        }
    }
}
