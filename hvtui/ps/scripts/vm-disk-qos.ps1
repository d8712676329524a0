# hvtui: vm-disk-qos
# Mutates: yes
# Releases: 2012 R2+ | storage QoS is new in Windows Server 2012 R2: its Set-VMHardDiskDrive has no -MinimumIOPS or -MaximumIOPS
# Sets a hard disk drive's storage QoS (Set-VMHardDiskDrive -MinimumIOPS -MaximumIOPS) in
# normalized IOPS (8 KB each); 0 means none. The VM may run.
# Output: one Drive record with the values afterwards.
param(
    [Parameter(Mandatory)][string]$VMName,
    [Parameter(Mandatory)][string]$ControllerType,
    [Parameter(Mandatory)][int]$ControllerNumber,
    [Parameter(Mandatory)][int]$ControllerLocation,
    [Parameter(Mandatory)][uint64]$MinimumIOPS,
    [Parameter(Mandatory)][uint64]$MaximumIOPS
)

$ErrorActionPreference = 'Stop'

$drive = Set-VMHardDiskDrive -VMName $VMName -ControllerType $ControllerType -ControllerNumber $ControllerNumber -ControllerLocation $ControllerLocation -MinimumIOPS $MinimumIOPS -MaximumIOPS $MaximumIOPS -Passthru

[pscustomobject]@{
    Kind = 'Drive'
    VMId = [string]$drive.VMId
    Path = [string]$drive.Path
    ControllerType = [string]$drive.ControllerType
    ControllerNumber = [int]$drive.ControllerNumber
    ControllerLocation = [int]$drive.ControllerLocation
    MinimumIOPS = [int64]$drive.MinimumIOPS
    MaximumIOPS = [int64]$drive.MaximumIOPS
}
