# hvtui: replica-failover-point
# Mutates: yes
# Editions: Desktop | Start-VMFailover takes a recovery point only as a VMSnapshot object (-VMRecoverySnapshot), and under PowerShell 7 the Hyper-V module of Windows Server 2012 R2 and 2016 runs through the compatibility layer, which hands back deserialized copies the cmdlet refuses (PowerShell#14738); connect with Windows PowerShell (WinRM)
# Fails a Replica VM over to a chosen recovery point (Start-VMFailover -VMRecoverySnapshot)
# instead of its latest: the point is found again by its Id among the VM's recovery points
# (Get-VMSnapshot -SnapshotType Replica, then AppConsistentReplica), so a point deleted
# since it was listed is refused, not guessed.
# -Confirm:$false: the cmdlet's ConfirmImpact is High, so it would prompt otherwise.
# Output: the VM's Replication record afterwards, with inventory.ps1's fields.
param(
    [Parameter(Mandatory)][string]$VMName,
    [Parameter(Mandatory)][string]$RecoveryPointId
)

$ErrorActionPreference = 'Stop'

$point = Get-VMSnapshot -VMName $VMName -SnapshotType 'Replica' | Where-Object { [string]$_.Id -eq $RecoveryPointId }
if ($null -eq $point) {
    $point = Get-VMSnapshot -VMName $VMName -SnapshotType 'AppConsistentReplica' | Where-Object { [string]$_.Id -eq $RecoveryPointId }
}
if ($null -eq $point) {
    throw "The replica '$VMName' has no recovery point $RecoveryPointId any more: list its recovery points again."
}
Start-VMFailover -VMRecoverySnapshot $point -Confirm:$false

foreach ($replication in @(Get-VMReplication -VMName $VMName -ErrorAction 'SilentlyContinue')) {
    [pscustomobject]@{
        Kind = 'Replication'
        VMId = [string]$replication.VMId
        Relationship = 'Simple'
        Mode = [string]$replication.ReplicationMode
        State = [string]$replication.ReplicationState
        Health = [string]$replication.ReplicationHealth
        PrimaryServer = [string]$replication.PrimaryServerName
        ReplicaServer = [string]$replication.ReplicaServerName
        FrequencySec = [int]$replication.ReplicationFrequencySec
        LastReplicationTime = $replication.LastReplicationTime
    }
}
