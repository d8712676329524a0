# hvtui: vm-resume
# Mutates: yes
# Resumes a paused VM (Resume-VM) and reports its state afterwards.
# Output: one VMState record per VM with that name (Hyper-V allows duplicate names).
param(
    [Parameter(Mandatory)][string]$Name
)

$ErrorActionPreference = 'Stop'

Resume-VM -Name $Name

foreach ($vm in @(Get-VM -Name $Name)) {
    [pscustomobject]@{
        Kind = 'VMState'
        Id = [string]$vm.Id
        Name = [string]$vm.Name
        State = [string]$vm.State
    }
}
