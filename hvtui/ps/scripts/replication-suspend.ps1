# hvtui: replication-suspend
# Mutates: yes
# Pauses replication of a VM (Suspend-VMReplication); changes are tracked until it resumes.
# Output: the VM's Replication records afterwards, with inventory.ps1's fields.
param(
    [Parameter(Mandatory)][string]$VMName
)

$ErrorActionPreference = 'Stop'

Suspend-VMReplication -VMName $VMName

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
