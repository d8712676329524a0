# hvtui: vm-move-storage
# Mutates: yes
# Moves a VM's storage on its own host (Move-VMStorage -DestinationStoragePath): its
# configuration to the folder, its disks to the folder's 'Virtual Hard Disks'. The VM may
# run (storage live migration). A shared VHDX stays where it is, with a warning.
# Output: one StorageMoved record with the VM's folder and disk paths afterwards.
param(
    [Parameter(Mandatory)][string]$VMName,
    [Parameter(Mandatory)][string]$DestinationStoragePath
)

$ErrorActionPreference = 'Stop'

# The VM's name goes by position: the parameter is -VMName on 2012 and 2012 R2 and -Name
# (VMName its alias) from 2016
Move-VMStorage $VMName -DestinationStoragePath $DestinationStoragePath

$vm = Get-VM -Name $VMName
[pscustomobject]@{
    Kind = 'StorageMoved'
    VMId = [string]$vm.Id
    Path = [string]$vm.Path
    Disks = @(Get-VMHardDiskDrive -VMName $VMName | ForEach-Object { [string]$_.Path })
}
