# hvtui: vhd-merge
# Mutates: yes
# Merges a differencing virtual hard disk into its parent (Merge-VHD -DestinationPath), with
# the chain not in use (its VM off). The child is no longer a valid disk afterwards, so when
# a VM's drive used it (VMName and its controller location given), that drive is pointed at
# the parent (Set-VMHardDiskDrive -Path).
# Output: one Vhd record describing the parent afterwards.
param(
    [Parameter(Mandatory)][string]$Path,
    [Parameter(Mandatory)][string]$DestinationPath,
    [string]$VMName = '',
    [string]$ControllerType = 'SCSI',
    [int]$ControllerNumber = 0,
    [int]$ControllerLocation = 0
)

$ErrorActionPreference = 'Stop'

Merge-VHD -Path $Path -DestinationPath $DestinationPath
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
