# hvtui: vm-integration-service
# Mutates: yes
# Enables or disables one integration service of a VM, e.g. 'Guest Service Interface'
# (Enable-/Disable-VMIntegrationService).
# Output: one IntegrationService record per matching service, with inventory.ps1's fields.
param(
    [Parameter(Mandatory)][string]$VMName,
    [Parameter(Mandatory)][string]$ServiceName,
    [Parameter(Mandatory)][bool]$Enabled
)

$ErrorActionPreference = 'Stop'

if ($Enabled) {
    Enable-VMIntegrationService -VMName $VMName -Name $ServiceName
}
else {
    Disable-VMIntegrationService -VMName $VMName -Name $ServiceName
}

foreach ($service in @(Get-VMIntegrationService -VMName $VMName -Name $ServiceName)) {
    [pscustomobject]@{
        Kind = 'IntegrationService'
        VMId = [string]$service.VMId
        Name = [string]$service.Name
        Enabled = [bool]$service.Enabled
        PrimaryStatus = [string]$service.PrimaryStatusDescription
        SecondaryStatus = [string]$service.SecondaryStatusDescription
    }
}
