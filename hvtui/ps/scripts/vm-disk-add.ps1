# hvtui: vm-disk-add
# Mutates: yes
# Attaches a virtual hard disk to a VM (Add-VMHardDiskDrive) at the first free location of
# its IDE or SCSI controllers, which the host picks. With NewSizeBytes, first creates the disk
# file at Path (New-VHD, dynamic unless Fixed; VHD or VHDX by the file's extension).
# Output: one Drive record for the attached disk.
param(
    [Parameter(Mandatory)][string]$VMName,
    [Parameter(Mandatory)][string]$Path,
    [Parameter(Mandatory)][string]$ControllerType,
    [uint64]$NewSizeBytes = 0,
    [switch]$Fixed
)

$ErrorActionPreference = 'Stop'

if ($NewSizeBytes -gt 0) {
    if ($Fixed) {
        $null = New-VHD -Path $Path -SizeBytes $NewSizeBytes -Fixed
    }
    else {
        $null = New-VHD -Path $Path -SizeBytes $NewSizeBytes -Dynamic
    }
}

$drive = Add-VMHardDiskDrive -VMName $VMName -ControllerType $ControllerType -Path $Path -Passthru

[pscustomobject]@{
    Kind = 'Drive'
    VMId = [string]$drive.VMId
    Path = [string]$drive.Path
    ControllerType = [string]$drive.ControllerType
    ControllerNumber = [int]$drive.ControllerNumber
    ControllerLocation = [int]$drive.ControllerLocation
}
