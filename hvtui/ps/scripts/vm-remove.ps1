# hvtui: vm-remove
# Mutates: yes
# Deletes a virtual machine (Remove-VM -Force): its configuration, saved state and
# checkpoints (merged into its disks); its virtual hard disk files stay where they are.
# The host deletes only a VM that is off or saved (Msvm_VirtualSystemManagementService
# DestroySystem). The VM is chosen by its id; its name must select it alone.
# Output: one Removed record.
param(
    [Parameter(Mandatory)][guid]$VMId
)

$ErrorActionPreference = 'Stop'

# Remove-VM is given the VM's name, not the object (under PowerShell 7 on 2012 R2 and 2016 an
# object handed back to the module is refused, PowerShell#14738): the name must select this
# VM and no other (Hyper-V ignores case and reads * ? [ ] as a pattern).
$vm = Get-VM -Id $VMId
$Name = [string]$vm.Name
$selected = @(Get-VM -Name $Name -ErrorAction 'SilentlyContinue')
if ($selected.Count -ne 1 -or [string]$selected[0].Id -ne [string]$vm.Id) {
    throw ('The name of the virtual machine "' + $Name + '" (id ' + $vm.Id + ') selects ' + $selected.Count + ' virtual machines on this host, not just this one, so nothing was changed. Rename it so that its name is unique (Rename-VM), then try again.')
}
$disks = @(Get-VMHardDiskDrive -VMName $Name | ForEach-Object { [string]$_.Path })

Remove-VM -Name $Name -Force

[pscustomobject]@{
    Kind = 'Removed'
    Id = [string]$vm.Id
    Name = $Name
    KeptDisks = $disks
}
