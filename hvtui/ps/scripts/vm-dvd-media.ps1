# hvtui: vm-dvd-media
# Mutates: yes
# Puts an ISO file in the VM's DVD drive at one controller location, or empties it when Path
# is empty (Set-VMDvdDrive; -Path $null ejects); the VM may run. With AddDrive, the VM has no
# DVD drive yet: one is added holding the ISO (Add-VMDvdDrive, VM off).
# Output: one DvdDrive record per DVD drive of the VM afterwards.
param(
    [Parameter(Mandatory)][string]$VMName,
    [int]$ControllerNumber = 0,
    [int]$ControllerLocation = 0,
    [string]$Path = '',
    [switch]$AddDrive
)

$ErrorActionPreference = 'Stop'

if ($AddDrive) {
    Add-VMDvdDrive -VMName $VMName -Path $Path
}
elseif ($Path) {
    Set-VMDvdDrive -VMName $VMName -ControllerNumber $ControllerNumber -ControllerLocation $ControllerLocation -Path $Path
}
else {
    Set-VMDvdDrive -VMName $VMName -ControllerNumber $ControllerNumber -ControllerLocation $ControllerLocation -Path $null
}

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
