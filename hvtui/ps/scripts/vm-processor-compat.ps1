# hvtui: vm-processor-compat
# Mutates: yes
# Turns processor compatibility mode on or off (Set-VMProcessor), so the VM can live-migrate
# between hosts with different processor generations of one vendor. The VM must be off.
# Output: one Processor record per VM with that name.
param(
    [Parameter(Mandatory)][string]$VMName,
    [Parameter(Mandatory)][bool]$Enabled
)

$ErrorActionPreference = 'Stop'

Set-VMProcessor -VMName $VMName -CompatibilityForMigrationEnabled $Enabled

foreach ($processor in @(Get-VMProcessor -VMName $VMName)) {
    [pscustomobject]@{
        Kind = 'Processor'
        VMId = [string]$processor.VMId
        CompatibilityForMigration = [bool]$processor.CompatibilityForMigrationEnabled
    }
}
