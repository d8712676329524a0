# hvtui: vm-export
# Mutates: yes
# Exports a VM's configuration, disks and checkpoints to a folder (Export-VM).
# Output: one Exported record once the export has finished.
param(
    [Parameter(Mandatory)][string]$Name,
    [Parameter(Mandatory)][string]$Path
)

$ErrorActionPreference = 'Stop'

Export-VM -Name $Name -Path $Path

[pscustomobject]@{
    Kind = 'Exported'
    Name = $Name
    Path = $Path
}
