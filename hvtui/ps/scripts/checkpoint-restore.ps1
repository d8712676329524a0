# hvtui: checkpoint-restore
# Mutates: yes
# Applies a checkpoint to its VM (Restore-VMSnapshot) and reports the VM's state afterwards.
# A running VM is saved first and restarted after; a paused one stays saved.
# -Confirm:$false: the cmdlet's ConfirmImpact is High, so it would prompt otherwise.
# Output: one VMState record per VM with that name.
param(
    [Parameter(Mandatory)][string]$VMName,
    [Parameter(Mandatory)][string]$CheckpointName
)

$ErrorActionPreference = 'Stop'

Restore-VMSnapshot -VMName $VMName -Name $CheckpointName -Confirm:$false

foreach ($vm in @(Get-VM -Name $VMName)) {
    [pscustomobject]@{
        Kind = 'VMState'
        Id = [string]$vm.Id
        Name = [string]$vm.Name
        State = [string]$vm.State
    }
}
