# hvtui: vm-compare
# Mutates: no
# Asks the destination host whether it can take a VM (Compare-VM), without moving anything.
# The storage parameters are passed only when given: Compare-VM rejects an empty path.
# Output: one Incompatibility record per problem in the report; none means compatible. Where
# the problems cannot be read (pwsh 7's compatibility layer, see below) it fails saying so.
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
    # Under PowerShell 7 on 2012 R2 and 2016 the Hyper-V module runs through the Windows
    # PowerShell compatibility layer (an implicit-remoting session): the report comes back
    # serialized one level deep, so each incompatibility, two levels down, is only its type
    # name; its Message and MessageId stay behind in that session. A type name is no reason:
    # say what happened instead (the report's count is still true, so none means compatible).
    if ($null -eq $incompatibility.MessageId) {
        throw ('Compare-VM found ' + @($report.Incompatibilities).Count + ' incompatibilities, but under PowerShell 7 this host runs the Hyper-V module through the Windows PowerShell compatibility layer, which passes on only their type name, not what they are. Connect to this host with Windows PowerShell (WinRM) to read them.')
    }
    [pscustomobject]@{
        Kind = 'Incompatibility'
        Message = [string]$incompatibility.Message
        MessageId = [int64]$incompatibility.MessageId
    }
}
