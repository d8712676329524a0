# hvtui: vm-turn-off
# Mutates: yes
# Turns a VM off like pulling the plug (Stop-VM -TurnOff) and reports its state afterwards.
# Output: one VMState record per VM with that name (Hyper-V allows duplicate names).
param(
    [Parameter(Mandatory)][string]$Name
)

$ErrorActionPreference = 'Stop'

Stop-VM -Name $Name -TurnOff -Force

foreach ($vm in @(Get-VM -Name $Name)) {
    [pscustomobject]@{
        Kind = 'VMState'
        Id = [string]$vm.Id
        Name = [string]$vm.Name
        State = [string]$vm.State
    }
}
