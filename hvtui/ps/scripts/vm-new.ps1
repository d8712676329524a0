# hvtui: vm-new
# Mutates: yes
# Creates a virtual machine (New-VM), with a new virtual hard disk (New-VHD, dynamic or
# fixed), an existing one or none; then connects its network adapter to a switch
# (Connect-VMNetworkAdapter), turns dynamic memory on (Set-VMMemory), sets the processor
# count (Set-VMProcessor), inserts an ISO (Set-VMDvdDrive into generation 1's drive, else
# Add-VMDvdDrive) and sets Secure Boot and its
# template on generation 2 (Set-VMFirmware), each only when asked. Every value is a
# parameter. New-VM has -Generation from 2012 R2 and -Version from 2016: the script uses
# what the host's New-VM takes; Version is empty where the host has no -Version.
# Output: one Created record with the new VM's id.
param(
    [Parameter(Mandatory)][string]$Name,
    [Parameter(Mandatory)][string]$Path,
    [int]$Generation = 1,
    [string]$Version = '',
    [Parameter(Mandatory)][int64]$MemoryStartupBytes,
    [switch]$DynamicMemory,
    [int64]$MemoryMaximumBytes = 0,
    [int]$ProcessorCount = 1,
    [string]$SwitchName = '',
    [string]$NewVhdPath = '',
    [uint64]$NewVhdSizeBytes = 0,
    [switch]$NewVhdFixed,
    [string]$VhdPath = '',
    [string]$IsoPath = '',
    [string]$SecureBoot = '',
    [string]$SecureBootTemplate = ''
)

$ErrorActionPreference = 'Stop'

if ($NewVhdPath -and $VhdPath) {
    throw 'Give either NewVhdPath or VhdPath, not both.'
}
if ($VhdPath) {
    # Before anything is created: the disk must be a virtual hard disk file on this host.
    $existing = Get-VHD -Path $VhdPath
}
if ($NewVhdPath) {
    if ($NewVhdFixed) {
        $vhd = New-VHD -Path $NewVhdPath -SizeBytes $NewVhdSizeBytes -Fixed
    }
    else {
        $vhd = New-VHD -Path $NewVhdPath -SizeBytes $NewVhdSizeBytes -Dynamic
    }
    $VhdPath = $NewVhdPath
}

if ((Get-Command -Name 'New-VM').Parameters.ContainsKey('Version')) {
    if (-not $Version) {
        throw 'Give the configuration version (Get-VMHostSupportedVersion lists them).'
    }
    if ($VhdPath) {
        $vm = New-VM -Name $Name -Path $Path -MemoryStartupBytes $MemoryStartupBytes -Generation $Generation -Version $Version -VHDPath $VhdPath
    }
    else {
        $vm = New-VM -Name $Name -Path $Path -MemoryStartupBytes $MemoryStartupBytes -Generation $Generation -Version $Version -NoVHD
    }
}
elseif ((Get-Command -Name 'New-VM').Parameters.ContainsKey('Generation')) {
    if ($Version) {
        throw 'This host chooses the configuration version itself: its New-VM has no -Version.'
    }
    if ($VhdPath) {
        $vm = New-VM -Name $Name -Path $Path -MemoryStartupBytes $MemoryStartupBytes -Generation $Generation -VHDPath $VhdPath
    }
    else {
        $vm = New-VM -Name $Name -Path $Path -MemoryStartupBytes $MemoryStartupBytes -Generation $Generation -NoVHD
    }
}
else {
    if ($Generation -ne 1 -or $Version) {
        throw 'Windows Server 2012 creates generation 1 virtual machines of its own configuration version only: its New-VM has no -Generation and no -Version.'
    }
    if ($VhdPath) {
        $vm = New-VM -Name $Name -Path $Path -MemoryStartupBytes $MemoryStartupBytes -VHDPath $VhdPath
    }
    else {
        $vm = New-VM -Name $Name -Path $Path -MemoryStartupBytes $MemoryStartupBytes -NoVHD
    }
}

if ($SwitchName) {
    Connect-VMNetworkAdapter -VMName $Name -SwitchName $SwitchName
}
if ($DynamicMemory) {
    Set-VMMemory -VMName $Name -DynamicMemoryEnabled $true -MaximumBytes $MemoryMaximumBytes
}
if ($ProcessorCount -gt 1) {
    Set-VMProcessor -VMName $Name -Count $ProcessorCount
}
if ($IsoPath) {
    # New-VM gives a generation 1 VM an empty DVD drive at IDE 1:0: the ISO goes there.
    if (@(Get-VMDvdDrive -VMName $Name).Count -gt 0) {
        Set-VMDvdDrive -VMName $Name -Path $IsoPath
    }
    else {
        Add-VMDvdDrive -VMName $Name -Path $IsoPath
    }
}
if ($SecureBoot -and (Get-Command -Name 'Set-VMFirmware' -ErrorAction 'SilentlyContinue')) {
    if ($SecureBootTemplate -and (Get-Command -Name 'Set-VMFirmware').Parameters.ContainsKey('SecureBootTemplate')) {
        Set-VMFirmware -VMName $Name -EnableSecureBoot $SecureBoot -SecureBootTemplate $SecureBootTemplate
    }
    elseif ($SecureBootTemplate) {
        throw 'This host has no Secure Boot templates: its Set-VMFirmware has no -SecureBootTemplate.'
    }
    else {
        Set-VMFirmware -VMName $Name -EnableSecureBoot $SecureBoot
    }
}
elseif ($SecureBoot) {
    throw 'This host has no generation 2 virtual machines: it has no Set-VMFirmware.'
}

[pscustomobject]@{
    Kind = 'Created'
    Id = [string]$vm.Id
    Name = [string]$vm.Name
    Generation = [int]$vm.Generation
    Version = [string]$vm.Version
    Path = [string]$vm.Path
}
