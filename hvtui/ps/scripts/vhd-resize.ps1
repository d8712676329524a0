# hvtui: vhd-resize
# Mutates: yes
# Grows or shrinks a virtual hard disk (Resize-VHD): to SizeBytes, or with ToMinimumSize
# to the smallest size its contents allow. The two are separate parameter sets.
# Output: one Vhd record describing the disk afterwards.
param(
    [Parameter(Mandatory)][string]$Path,
    [uint64]$SizeBytes = 0,
    [switch]$ToMinimumSize
)

$ErrorActionPreference = 'Stop'

if ($ToMinimumSize -and $SizeBytes -gt 0) {
    throw 'Give either SizeBytes or ToMinimumSize, not both.'
}
if ($ToMinimumSize) {
    Resize-VHD -Path $Path -ToMinimumSize
}
elseif ($SizeBytes -gt 0) {
    Resize-VHD -Path $Path -SizeBytes $SizeBytes
}
else {
    throw 'Give the new size in SizeBytes, or ToMinimumSize to shrink the disk to its minimum.'
}

$vhd = Get-VHD -Path $Path
[pscustomobject]@{
    Kind = 'Vhd'
    Path = [string]$vhd.Path
    VhdFormat = [string]$vhd.VhdFormat
    VhdType = [string]$vhd.VhdType
    Size = [int64]$vhd.Size
    FileSize = [int64]$vhd.FileSize
    MinimumSize = [int64]$vhd.MinimumSize
}
