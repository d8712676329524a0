# hvtui: vhd-compact
# Mutates: yes
# Compacts a dynamic or differencing virtual hard disk (Optimize-VHD, the cmdlet's default
# mode: Quick for a VHDX, Full for a VHD). A fixed disk cannot be compacted; the disk must
# not be in use (its VM off). The file may stay the same size when nothing can be reclaimed.
# Output: one Vhd record describing the disk afterwards, with its file size before.
param(
    [Parameter(Mandatory)][string]$Path
)

$ErrorActionPreference = 'Stop'

$before = [int64](Get-VHD -Path $Path).FileSize
Optimize-VHD -Path $Path

$vhd = Get-VHD -Path $Path
[pscustomobject]@{
    Kind = 'Vhd'
    Path = [string]$vhd.Path
    VhdFormat = [string]$vhd.VhdFormat
    VhdType = [string]$vhd.VhdType
    Size = [int64]$vhd.Size
    FileSize = [int64]$vhd.FileSize
    FileSizeBefore = $before
    MinimumSize = [int64]$vhd.MinimumSize
}
