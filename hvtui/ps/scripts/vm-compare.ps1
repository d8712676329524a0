# hvtui: vm-compare
# Mutates: no
# Asks the destination host whether it can take a VM (Compare-VM), without moving anything.
# The storage parameters are passed only when given: Compare-VM rejects an empty path.
# Output: one Incompatibility record per problem in the report; none means compatible.
param(
    [Parameter(Mandatory)][string]$Name,
    [Parameter(Mandatory)][string]$DestinationHost,
    [switch]$IncludeStorage,
    [string]$DestinationStoragePath = ''
)

$ErrorActionPreference = 'Stop'

if ($IncludeStorage -and $DestinationStoragePath) {
    $report = Compare-VM -Name $Name -DestinationHost $DestinationHost -IncludeStorage -DestinationStoragePath $DestinationStoragePath
}
elseif ($IncludeStorage) {
    $report = Compare-VM -Name $Name -DestinationHost $DestinationHost -IncludeStorage
}
elseif ($DestinationStoragePath) {
    $report = Compare-VM -Name $Name -DestinationHost $DestinationHost -DestinationStoragePath $DestinationStoragePath
}
else {
    $report = Compare-VM -Name $Name -DestinationHost $DestinationHost
}

# No @() here: foreach runs zero times over $null, @($null) would run once.
foreach ($incompatibility in $report.Incompatibilities) {
    # Through PowerShell 7's compatibility layer (2012 R2, 2016) the report arrives
    # deserialized and its items, two levels deep, may arrive as their text only.
    $message = [string]$incompatibility.Message
    if (-not $message) {
        $message = [string]$incompatibility
    }
    [pscustomobject]@{
        Kind = 'Incompatibility'
        Message = $message
        MessageId = [int64]$incompatibility.MessageId
    }
}
