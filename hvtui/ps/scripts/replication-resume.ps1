# hvtui: replication-resume
# Mutates: yes
# Resumes paused replication of a VM (Resume-VMReplication).
# Output: the VM's Replication records afterwards, with inventory.ps1's fields.
param(
    [Parameter(Mandatory)][string]$VMName
)

$ErrorActionPreference = 'Stop'

Resume-VMReplication -VMName $VMName

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
