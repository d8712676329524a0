# hvtui: vm-dvd-drives
# Mutates: no
# Lists a VM's DVD drives and the media each holds (Get-VMDvdDrive), for the pre-flight of
# mounting or ejecting an ISO.
# Output: one DvdDrive record per drive.
param(
    [Parameter(Mandatory)][string]$VMName
)

$ErrorActionPreference = 'Stop'

foreach ($dvd in @(Get-VMDvdDrive -VMName $VMName)) {
    [pscustomobject]@{
        Kind = 'DvdDrive'
        VMId = [string]$dvd.VMId
        Path = [string]$dvd.Path
        ControllerType = [string]$dvd.ControllerType
        ControllerNumber = [int]$dvd.ControllerNumber
        ControllerLocation = [int]$dvd.ControllerLocation
    }
}
