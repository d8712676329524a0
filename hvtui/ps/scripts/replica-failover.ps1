# hvtui: replica-failover
# Mutates: yes
# Fails a replicated VM over (Start-VMFailover). Prepare: the planned-failover step run on
# the shut-down primary. AsTest: a test VM on the replica, the replica itself untouched.
# Neither: failover of the replica VM. Prepare and AsTest are separate parameter sets.
# -Confirm:$false: the cmdlet's ConfirmImpact is High, so it would prompt otherwise.
# Output: the VM's Replication records afterwards, with inventory.ps1's fields.
param(
    [Parameter(Mandatory)][string]$VMName,
    [switch]$Prepare,
    [switch]$AsTest
)

$ErrorActionPreference = 'Stop'

if ($Prepare -and $AsTest) {
    throw 'Give either Prepare (planned failover, on the primary) or AsTest (test failover, on the replica), not both.'
}
if ($AsTest) {
    Start-VMFailover -VMName $VMName -AsTest -Confirm:$false
}
elseif ($Prepare) {
    Start-VMFailover -VMName $VMName -Prepare -Confirm:$false
}
else {
    Start-VMFailover -VMName $VMName -Confirm:$false
}

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
