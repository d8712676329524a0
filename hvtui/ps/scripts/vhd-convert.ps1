# hvtui: vhd-convert
# Mutates: yes
# Copies a virtual hard disk into a new file of another format or type (Convert-VHD): the
# format follows DestinationPath's extension (.vhdx or .vhd), the type is VHDType (Fixed or
# Dynamic). The source must not be in use (its VM off) and stays as it is. With VMName and
# a controller location, that VM's drive then uses the new file (Set-VMHardDiskDrive -Path).
# Output: one Vhd record describing the new disk.
param(
    [Parameter(Mandatory)][string]$Path,
    [Parameter(Mandatory)][string]$DestinationPath,
    [Parameter(Mandatory)][string]$VHDType,
    [string]$VMName = '',
    [string]$ControllerType = 'SCSI',
    [int]$ControllerNumber = 0,
    [int]$ControllerLocation = 0
)

$ErrorActionPreference = 'Stop'

Convert-VHD -Path $Path -DestinationPath $DestinationPath -VHDType $VHDType
if ($VMName) {
    Set-VMHardDiskDrive -VMName $VMName -ControllerType $ControllerType -ControllerNumber $ControllerNumber -ControllerLocation $ControllerLocation -Path $DestinationPath
}

$vhd = Get-VHD -Path $DestinationPath
[pscustomobject]@{
    Kind = 'Vhd'
    Path = [string]$vhd.Path
    VhdFormat = [string]$vhd.VhdFormat
    VhdType = [string]$vhd.VhdType
    Size = [int64]$vhd.Size
    FileSize = [int64]$vhd.FileSize
    MinimumSize = [int64]$vhd.MinimumSize
}
