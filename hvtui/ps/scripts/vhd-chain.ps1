# hvtui: vhd-chain
# Mutates: no
# Lists a virtual hard disk and its parents, child first (Get-VHD, following ParentPath), for
# the pre-flight of merging a differencing disk. Stops after 16 disks.
# Output: one Vhd record per disk of the chain.
param(
    [Parameter(Mandatory)][string]$Path
)

$ErrorActionPreference = 'Stop'

$next = $Path
$count = 0
while ($next -and $count -lt 16) {
    $vhd = Get-VHD -Path $next
    [pscustomobject]@{
        Kind = 'Vhd'
        Path = [string]$vhd.Path
        VhdFormat = [string]$vhd.VhdFormat
        VhdType = [string]$vhd.VhdType
        Size = [int64]$vhd.Size
        FileSize = [int64]$vhd.FileSize
        ParentPath = [string]$vhd.ParentPath
    }
    $next = [string]$vhd.ParentPath
    $count = $count + 1
}
