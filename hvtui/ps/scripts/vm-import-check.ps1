# hvtui: vm-import-check
# Mutates: no
# Asks the host whether it can import an exported VM (Compare-VM -Path), without importing
# it: in place (the default), or as a copy (-Copy) with the VM's files and disks where
# given, keeping its id or with a new one (-GenerateNewId). Paths are passed only when given.
# Output: one Report record (the VM's name and id as the file has them), then one
# Incompatibility record per problem; none means it can be imported.
param(
    [Parameter(Mandatory)][string]$Path,
    [switch]$Copy,
    [switch]$GenerateNewId,
    [string]$VhdDestinationPath = '',
    [string]$VirtualMachinePath = ''
)

$ErrorActionPreference = 'Stop'

if (-not $Copy) {
    $report = Compare-VM -Path $Path
}
elseif ($VhdDestinationPath -and $VirtualMachinePath) {
    $report = Compare-VM -Path $Path -Copy -GenerateNewId:$GenerateNewId -VhdDestinationPath $VhdDestinationPath -VirtualMachinePath $VirtualMachinePath
}
elseif ($VhdDestinationPath) {
    $report = Compare-VM -Path $Path -Copy -GenerateNewId:$GenerateNewId -VhdDestinationPath $VhdDestinationPath
}
elseif ($VirtualMachinePath) {
    $report = Compare-VM -Path $Path -Copy -GenerateNewId:$GenerateNewId -VirtualMachinePath $VirtualMachinePath
}
else {
    $report = Compare-VM -Path $Path -Copy -GenerateNewId:$GenerateNewId
}

[pscustomobject]@{
    Kind = 'Report'
    Name = [string]$report.VM.Name
    Id = [string]$report.VM.Id
    Version = [string]$report.VM.Version
    Generation = [int]$report.VM.Generation
}
# No @() here: foreach runs zero times over $null, @($null) would run once.
foreach ($incompatibility in $report.Incompatibilities) {
    # Under PowerShell 7 on 2012 R2 and 2016 the report comes back one level deep through
    # the Windows PowerShell compatibility layer (see vm-compare.ps1): say so.
    if ($null -eq $incompatibility.MessageId) {
        throw ('Compare-VM found ' + @($report.Incompatibilities).Count + ' incompatibilities, but under PowerShell 7 this host runs the Hyper-V module through the Windows PowerShell compatibility layer, which passes on only their type name, not what they are. Connect to this host with Windows PowerShell (WinRM) to read them.')
    }
    [pscustomobject]@{
        Kind = 'Incompatibility'
        Message = [string]$incompatibility.Message
        MessageId = [int64]$incompatibility.MessageId
    }
}
