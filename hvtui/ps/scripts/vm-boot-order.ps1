# hvtui: vm-boot-order
# Mutates: yes
# Releases: 2012 R2+ | generation 2 VMs and Set-VMFirmware are new in Windows Server 2012 R2: a 2012 host has generation 1 VMs only (their order is the BIOS startup order)
# Editions: Desktop | Set-VMFirmware -FirstBootDevice takes one of the VM's own drive or network adapter objects, and under PowerShell 7 on 2012 R2 and 2016 the Hyper-V module runs through the Windows PowerShell compatibility layer, which hands such an object back deserialized and the cmdlet refuses it (PowerShell#14738); connect with Windows PowerShell (WinRM)
# Puts a generation 2 VM's first hard drive, DVD drive or network adapter first in its
# boot order (Set-VMFirmware -FirstBootDevice); the other entries keep their order. The
# device is found by the VM's name as the script runs; the VM must be off.
# Output: one BootOrder record per VM with that name: the kind of device it boots from first.
param(
    [Parameter(Mandatory)][string]$VMName,
    [Parameter(Mandatory)][ValidateSet('HardDrive', 'DVD', 'Network')][string]$FirstBootDevice
)

$ErrorActionPreference = 'Stop'

if ($FirstBootDevice -eq 'HardDrive') {
    $device = @(Get-VMHardDiskDrive -VMName $VMName)[0]
}
elseif ($FirstBootDevice -eq 'DVD') {
    $device = @(Get-VMDvdDrive -VMName $VMName)[0]
}
else {
    $device = @(Get-VMNetworkAdapter -VMName $VMName)[0]
}
if ($null -eq $device) {
    throw "The VM has no $FirstBootDevice device to boot from: add one first."
}
Set-VMFirmware -VMName $VMName -FirstBootDevice $device

foreach ($firmware in @(Get-VMFirmware -VMName $VMName)) {
    $firstBoot = ''
    $first = @($firmware.BootOrder)[0]
    if ($null -ne $first) {
        if ([string]$first.BootType -eq 'Network') {
            $firstBoot = 'Network'
        }
        elseif (@($first.Device.PSObject.TypeNames) -like '*DvdDrive') {
            $firstBoot = 'DVD'
        }
        elseif (@($first.Device.PSObject.TypeNames) -like '*HardDiskDrive') {
            $firstBoot = 'HardDrive'
        }
        else {
            $firstBoot = [string]$first.BootType
        }
    }
    [pscustomobject]@{
        Kind = 'BootOrder'
        VMId = [string]$firmware.VMId
        FirstBootDevice = $firstBoot
    }
}
