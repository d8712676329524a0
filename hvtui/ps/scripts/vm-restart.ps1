# hvtui: vm-restart
# Mutates: yes
# Resets a running VM (Restart-VM) and reports its state afterwards.
# -Force answers the 'Are you sure you want to restart' prompt (hyperv-rules.md R-STATE-4).
# Output: one VMState record per VM with that name (Hyper-V allows duplicate names).
param(
    [Parameter(Mandatory)][string]$Name
)

$ErrorActionPreference = 'Stop'

Restart-VM -Name $Name -Force

foreach ($vm in @(Get-VM -Name $Name)) {
    [pscustomobject]@{
        Kind = 'VMState'
        Id = [string]$vm.Id
        Name = [string]$vm.Name
        State = [string]$vm.State
    }
}
