# hvtui: checkpoint-remove
# Mutates: yes
# Deletes a checkpoint (Remove-VMSnapshot), with its whole subtree when IncludeChildren is set.
# Hyper-V merges the checkpoint's differencing disks in the background afterwards.
# Output: one CheckpointRemoved record.
param(
    [Parameter(Mandatory)][string]$VMName,
    [Parameter(Mandatory)][string]$CheckpointName,
    [switch]$IncludeChildren
)

$ErrorActionPreference = 'Stop'

if ($IncludeChildren) {
    Remove-VMSnapshot -VMName $VMName -Name $CheckpointName -IncludeAllChildSnapshots -Confirm:$false
}
else {
    Remove-VMSnapshot -VMName $VMName -Name $CheckpointName -Confirm:$false
}

[pscustomobject]@{
    Kind = 'CheckpointRemoved'
    VMName = $VMName
    Name = $CheckpointName
}
