# hvtui: vm-integration-service
# Mutates: yes
# Enables or disables one integration service of a VM (Enable-/Disable-VMIntegrationService),
# chosen by its culture-neutral GUID, e.g. 6C09BB55-D683-4DA0-8931-C9BF705F6480 for the
# Guest Service Interface: names are localised on hosts in other display languages
# ('Gastdienstschnittstelle' in German), so the host's own name for that GUID is used.
# Output: one IntegrationService record per matching service, with inventory.ps1's fields.
param(
    [Parameter(Mandatory)][string]$VMName,
    [Parameter(Mandatory)][guid]$ServiceId,
    [Parameter(Mandatory)][bool]$Enabled
)

$ErrorActionPreference = 'Stop'

# [guid] binding has already refused anything but a GUID, so the pattern holds no wildcard.
$pattern = '*\' + $ServiceId
$matching = @(Get-VMIntegrationService -VMName $VMName | Where-Object { [string]$_.Id -like $pattern })
if ($matching.Count -eq 0) {
    throw 'This host offers no integration service with that ID to the virtual machine (the Guest Service Interface is new in Windows Server 2012 R2).'
}
$serviceName = [string]$matching[0].Name

if ($Enabled) {
    Enable-VMIntegrationService -VMName $VMName -Name $serviceName
}
else {
    Disable-VMIntegrationService -VMName $VMName -Name $serviceName
}

foreach ($service in @(Get-VMIntegrationService -VMName $VMName -Name $serviceName)) {
    [pscustomobject]@{
        Kind = 'IntegrationService'
        VMId = [string]$service.VMId
        Id = [string]$service.Id
        Name = [string]$service.Name
        Enabled = [bool]$service.Enabled
        PrimaryStatus = [string]$service.PrimaryStatusDescription
        SecondaryStatus = [string]$service.SecondaryStatusDescription
    }
}
