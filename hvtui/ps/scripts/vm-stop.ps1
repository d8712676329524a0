# hvtui: vm-stop
# Mutates: yes
# Shuts a VM's guest OS down (Stop-VM -Force) and reports its state afterwards.
# -Force answers Hyper-V's prompt when the Shutdown integration service is unavailable:
# the VM is then turned off instead (hyperv-rules.md R-STATE-3).
# Output: one VMState record per VM with that name (Hyper-V allows duplicate names).
param(
    [Parameter(Mandatory)][string]$Name
)

$ErrorActionPreference = 'Stop'

Stop-VM -Name $Name -Force

foreach ($vm in @(Get-VM -Name $Name)) {
    [pscustomobject]@{
        Kind = 'VMState'
        Id = [string]$vm.Id
        Name = [string]$vm.Name
        State = [string]$vm.State
    }
}
