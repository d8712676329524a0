# hvtui: vm-disk-remove
# Mutates: yes
# Detaches the hard disk drive at one controller location of a VM (Remove-VMHardDiskDrive).
# The disk file stays where it is.
# Output: one DriveRemoved record.
param(
    [Parameter(Mandatory)][string]$VMName,
    [Parameter(Mandatory)][string]$ControllerType,
    [Parameter(Mandatory)][int]$ControllerNumber,
    [Parameter(Mandatory)][int]$ControllerLocation
)

$ErrorActionPreference = 'Stop'

$drive = Remove-VMHardDiskDrive -VMName $VMName -ControllerType $ControllerType -ControllerNumber $ControllerNumber -ControllerLocation $ControllerLocation -Passthru

[pscustomobject]@{
    Kind = 'DriveRemoved'
    VMId = [string]$drive.VMId
    Path = [string]$drive.Path
}
