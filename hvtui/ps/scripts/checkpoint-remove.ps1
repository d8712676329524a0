# hvtui: checkpoint-remove
# Mutates: yes
# Deletes a checkpoint (Remove-VMSnapshot), with its whole subtree when IncludeChildren is set.
# Hyper-V merges the checkpoint's differencing disks in the background afterwards.
# The VM and the checkpoint are chosen by their ids; a checkpoint that is not there fails.
# Output: one CheckpointRemoved record.
param(
    [Parameter(Mandatory)][guid]$VMId,
    [Parameter(Mandatory)][guid]$CheckpointId,
    [switch]$IncludeChildren
)

$ErrorActionPreference = 'Stop'

# The VM the user chose, by its id. Its cmdlets are then given its name, not the VM object:
# under PowerShell 7 on 2012 R2 and 2016 an object handed back to the module is refused
# (PowerShell#14738). So first make sure that name selects this VM and no other: Hyper-V
# matches -Name without regard to case and reads * ? [ ] in it as a pattern.
$vm = Get-VM -Id $VMId
$Name = [string]$vm.Name
$selected = @(Get-VM -Name $Name -ErrorAction 'SilentlyContinue')
if ($selected.Count -ne 1 -or [string]$selected[0].Id -ne [string]$vm.Id) {
    throw ('The name of the virtual machine "' + $Name + '" (id ' + $vm.Id + ') selects ' + $selected.Count + ' virtual machines on this host, not just this one (Hyper-V ignores case and reads * ? [ ] as a pattern), so nothing was changed. Rename it so that its name is unique (Rename-VM), then try again.')
}

# The checkpoint, by its id (Get-VMSnapshot -Id fails when it is not there), then by a name
# that selects it alone among its VM's checkpoints: -Name is always a pattern there.
$snapshot = Get-VMSnapshot -Id $CheckpointId
if ([string]$snapshot.VMId -ne [string]$vm.Id) {
    throw ('The checkpoint ' + $CheckpointId + ' belongs to the virtual machine "' + [string]$snapshot.VMName + '", not to "' + $Name + '", so nothing was changed.')
}
$CheckpointName = [string]$snapshot.Name
$selected = @(Get-VMSnapshot -VMName $Name -Name $CheckpointName -ErrorAction 'SilentlyContinue')
if ($selected.Count -ne 1 -or [string]$selected[0].Id -ne [string]$snapshot.Id) {
    throw ('The name of the checkpoint "' + $CheckpointName + '" of "' + $Name + '" selects ' + $selected.Count + ' checkpoints, not just this one (Hyper-V ignores case and reads * ? [ ] and ` in it as a pattern), so nothing was changed. Rename it (Rename-VMSnapshot), then try again.')
}

if ($IncludeChildren) {
    Remove-VMSnapshot -VMName $Name -Name $CheckpointName -IncludeAllChildSnapshots -Confirm:$false
}
else {
    Remove-VMSnapshot -VMName $Name -Name $CheckpointName -Confirm:$false
}

[pscustomobject]@{
    Kind = 'CheckpointRemoved'
    VMId = [string]$vm.Id
    VMName = $Name
    Id = [string]$snapshot.Id
    Name = $CheckpointName
}
