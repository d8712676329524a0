# hvtui: vm-rename
# Mutates: yes
# Renames a virtual machine (Rename-VM); its files keep their names. The VM is chosen by
# its id; its current name must select it alone.
# Output: one Renamed record.
param(
    [Parameter(Mandatory)][guid]$VMId,
    [Parameter(Mandatory)][string]$NewName
)

$ErrorActionPreference = 'Stop'

$vm = Get-VM -Id $VMId
$Name = [string]$vm.Name
$selected = @(Get-VM -Name $Name -ErrorAction 'SilentlyContinue')
if ($selected.Count -ne 1 -or [string]$selected[0].Id -ne [string]$vm.Id) {
    throw ('The name of the virtual machine "' + $Name + '" (id ' + $vm.Id + ') selects ' + $selected.Count + ' virtual machines on this host, not just this one, so nothing was changed.')
}

Rename-VM -Name $Name -NewName $NewName

[pscustomobject]@{
    Kind = 'Renamed'
    Id = [string]$vm.Id
    OldName = $Name
    Name = $NewName
}
