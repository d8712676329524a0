# hvtui: vm-save
# Mutates: yes
# Saves a VM's memory to disk and stops it (Save-VM), then reports its state.
# Output: one VMState record per VM with that name (Hyper-V allows duplicate names).
param(
    [Parameter(Mandatory)][string]$Name
)

$ErrorActionPreference = 'Stop'

Save-VM -Name $Name

foreach ($vm in @(Get-VM -Name $Name)) {
    [pscustomobject]@{
        Kind = 'VMState'
        Id = [string]$vm.Id
        Name = [string]$vm.Name
        State = [string]$vm.State
    }
}
