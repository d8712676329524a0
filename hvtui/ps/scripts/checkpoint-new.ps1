# hvtui: checkpoint-new
# Mutates: yes
# Takes a checkpoint of a VM (Checkpoint-VM) and reports it.
# An empty CheckpointName lets Hyper-V choose its usual '<VM> - (<date>)' name.
# Output: one Checkpoint record per checkpoint taken, with inventory.ps1's fields.
param(
    [Parameter(Mandatory)][string]$Name,
    [string]$CheckpointName = ''
)

$ErrorActionPreference = 'Stop'

if ($CheckpointName) {
    $snapshots = @(Checkpoint-VM -Name $Name -SnapshotName $CheckpointName -Passthru)
}
else {
    $snapshots = @(Checkpoint-VM -Name $Name -Passthru)
}

foreach ($snapshot in $snapshots) {
    [pscustomobject]@{
        Kind = 'Checkpoint'
        VMId = [string]$snapshot.VMId
        Id = [string]$snapshot.Id
        Name = [string]$snapshot.Name
        ParentId = [string]$snapshot.ParentSnapshotId
        CreationTime = $snapshot.CreationTime
        SnapshotType = [string]$snapshot.SnapshotType
    }
}
