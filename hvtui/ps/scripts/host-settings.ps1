# hvtui: host-settings
# Mutates: yes
# Changes the Hyper-V settings of this host that are given, and only those: the default
# folders for VMs and virtual hard disks, NUMA spanning, the number of simultaneous live and
# storage migrations, live migration authentication and performance option and whether any
# network may carry it (Set-VMHost), live migration on or off (Enable-/Disable-VMMigration),
# and the networks for incoming live migrations (Add-/Remove-VMMigrationNetwork). Each value
# arrives as a parameter; $PSBoundParameters says which were given. Networks are added
# before any is removed, so a host that needs one never has none in between.
# -VirtualMachineMigrationPerformanceOption exists from Windows Server 2012 R2.
# Output: one HostSetting record with what the host reports afterwards.
param(
    [string]$VirtualMachinePath,
    [string]$VirtualHardDiskPath,
    [bool]$NumaSpanningEnabled,
    [bool]$MigrationEnabled,
    [int]$MaximumVirtualMachineMigrations,
    [int]$MaximumStorageMigrations,
    [ValidateSet('CredSSP', 'Kerberos')][string]$AuthenticationType,
    [ValidateSet('TCPIP', 'Compression', 'SMB')][string]$PerformanceOption,
    [bool]$UseAnyNetworkForMigration,
    [string[]]$AddMigrationNetworks,
    [string[]]$RemoveMigrationNetworks
)

$ErrorActionPreference = 'Stop'
$given = $PSBoundParameters

if ($given.ContainsKey('VirtualMachinePath')) {
    Set-VMHost -VirtualMachinePath $VirtualMachinePath
}
if ($given.ContainsKey('VirtualHardDiskPath')) {
    Set-VMHost -VirtualHardDiskPath $VirtualHardDiskPath
}
if ($given.ContainsKey('NumaSpanningEnabled')) {
    Set-VMHost -NumaSpanningEnabled $NumaSpanningEnabled
}
if ($given.ContainsKey('MaximumStorageMigrations')) {
    Set-VMHost -MaximumStorageMigrations $MaximumStorageMigrations
}
if ($given.ContainsKey('MigrationEnabled') -and $MigrationEnabled) {
    Enable-VMMigration
}
if ($given.ContainsKey('MaximumVirtualMachineMigrations')) {
    Set-VMHost -MaximumVirtualMachineMigrations $MaximumVirtualMachineMigrations
}
if ($given.ContainsKey('AuthenticationType')) {
    Set-VMHost -VirtualMachineMigrationAuthenticationType $AuthenticationType
}
if ($given.ContainsKey('PerformanceOption')) {
    if ((Get-Command -Name 'Set-VMHost').Parameters.ContainsKey('VirtualMachineMigrationPerformanceOption')) {
        Set-VMHost -VirtualMachineMigrationPerformanceOption $PerformanceOption
    }
    else {
        throw 'The live migration performance option is new in Windows Server 2012 R2: this host sends live migrations over TCP/IP only.'
    }
}
if ($given.ContainsKey('UseAnyNetworkForMigration')) {
    Set-VMHost -UseAnyNetworkForMigration $UseAnyNetworkForMigration
}
if ($given.ContainsKey('AddMigrationNetworks')) {
    foreach ($subnet in $AddMigrationNetworks) {
        Add-VMMigrationNetwork -Subnet $subnet
    }
}
if ($given.ContainsKey('RemoveMigrationNetworks')) {
    foreach ($subnet in $RemoveMigrationNetworks) {
        Remove-VMMigrationNetwork -Subnet $subnet
    }
}
if ($given.ContainsKey('MigrationEnabled') -and -not $MigrationEnabled) {
    Disable-VMMigration
}

$vmhost = Get-VMHost
[pscustomobject]@{
    Kind = 'HostSetting'
    VirtualMachinePath = [string]$vmhost.VirtualMachinePath
    VirtualHardDiskPath = [string]$vmhost.VirtualHardDiskPath
    NumaSpanningEnabled = [bool]$vmhost.NumaSpanningEnabled
    MigrationEnabled = [bool]$vmhost.VirtualMachineMigrationEnabled
    MaximumMigrations = [int]$vmhost.MaximumVirtualMachineMigrations
    MaximumStorageMigrations = [int]$vmhost.MaximumStorageMigrations
    MigrationAuthentication = [string]$vmhost.VirtualMachineMigrationAuthenticationType
    MigrationPerformance = [string]$vmhost.VirtualMachineMigrationPerformanceOption
    UseAnyNetworkForMigration = [bool]$vmhost.UseAnyNetworkForMigration
    MigrationNetworks = [string[]]@(Get-VMMigrationNetwork | ForEach-Object { $_.Subnet })
}
