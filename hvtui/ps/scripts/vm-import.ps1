# hvtui: vm-import
# Mutates: yes
# Imports an exported VM (Import-VM): registers it in place (the default, its id kept), or
# copies its files (-Copy) to the folders given (the host's defaults otherwise), keeping its
# id or with a new one (-GenerateNewId). Paths are passed only when given.
# Output: one Imported record with the VM's name, id and folder.
param(
    [Parameter(Mandatory)][string]$Path,
    [switch]$Copy,
    [switch]$GenerateNewId,
    [string]$VhdDestinationPath = '',
    [string]$VirtualMachinePath = ''
)

$ErrorActionPreference = 'Stop'

if (-not $Copy) {
    $vm = Import-VM -Path $Path
}
elseif ($VhdDestinationPath -and $VirtualMachinePath) {
    $vm = Import-VM -Path $Path -Copy -GenerateNewId:$GenerateNewId -VhdDestinationPath $VhdDestinationPath -VirtualMachinePath $VirtualMachinePath
}
elseif ($VhdDestinationPath) {
    $vm = Import-VM -Path $Path -Copy -GenerateNewId:$GenerateNewId -VhdDestinationPath $VhdDestinationPath
}
elseif ($VirtualMachinePath) {
    $vm = Import-VM -Path $Path -Copy -GenerateNewId:$GenerateNewId -VirtualMachinePath $VirtualMachinePath
}
else {
    $vm = Import-VM -Path $Path -Copy -GenerateNewId:$GenerateNewId
}

[pscustomobject]@{
    Kind = 'Imported'
    Name = [string]$vm.Name
    Id = [string]$vm.Id
    Path = [string]$vm.Path
}
