# hvtui: vm-move
# Mutates: yes
# Live-migrates a VM to another host (Move-VM), with its storage when asked.
# The storage parameters are passed only when given: Move-VM rejects an empty path.
# Output: one Moved record once the move has finished.
param(
    [Parameter(Mandatory)][string]$Name,
    [Parameter(Mandatory)][string]$DestinationHost,
    [switch]$IncludeStorage,
    [string]$DestinationStoragePath = ''
)

$ErrorActionPreference = 'Stop'

if ($IncludeStorage -and $DestinationStoragePath) {
    Move-VM -Name $Name -DestinationHost $DestinationHost -IncludeStorage -DestinationStoragePath $DestinationStoragePath
}
elseif ($IncludeStorage) {
    Move-VM -Name $Name -DestinationHost $DestinationHost -IncludeStorage
}
elseif ($DestinationStoragePath) {
    Move-VM -Name $Name -DestinationHost $DestinationHost -DestinationStoragePath $DestinationStoragePath
}
else {
    Move-VM -Name $Name -DestinationHost $DestinationHost
}

[pscustomobject]@{
    Kind = 'Moved'
    Name = $Name
    DestinationHost = $DestinationHost
}
