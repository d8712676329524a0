# hvtui: replica-recovery-points
# Mutates: no
# Lists the recovery points of a Replica VM (Get-VMSnapshot -SnapshotType Replica and
# AppConsistentReplica), for choosing the one an unplanned failover goes back to.
# Output: one RecoveryPoint record per point.
param(
    [Parameter(Mandatory)][string]$VMName
)

$ErrorActionPreference = 'Stop'

foreach ($type in @('Replica', 'AppConsistentReplica')) {
    foreach ($point in @(Get-VMSnapshot -VMName $VMName -SnapshotType $type)) {
        [pscustomobject]@{
            Kind = 'RecoveryPoint'
            VMId = [string]$point.VMId
            Id = [string]$point.Id
            Name = [string]$point.Name
            Type = [string]$point.SnapshotType
            CreationTime = $point.CreationTime
        }
    }
}
