# hvtui: vm-network-adapter
# Mutates: yes
# Changes one VM's network adapters. Action Add: a new adapter named Name (legacy with
# IsLegacy), connected to SwitchName when given (Add-VMNetworkAdapter). Action Remove: the
# adapters named Name (Remove-VMNetworkAdapter). Action Connect: the adapters named Name to
# SwitchName (Connect-VMNetworkAdapter), or to no switch when SwitchName is empty
# (Disconnect-VMNetworkAdapter). Action Set: on the adapters named Name, the
# access VLAN when VlanId is given (0 untags: Set-VMNetworkAdapterVlan) and each guard given
# as On or Off (Set-VMNetworkAdapter -MacAddressSpoofing/-DhcpGuard/-RouterGuard).
# Output: one NetworkAdapter record per adapter of the VM afterwards.
param(
    [Parameter(Mandatory)][string]$VMName,
    [Parameter(Mandatory)][ValidateSet('Add', 'Remove', 'Connect', 'Set')][string]$Action,
    [Parameter(Mandatory)][string]$Name,
    [string]$SwitchName = '',
    [switch]$IsLegacy,
    [int]$VlanId = -1,
    [string]$MacAddressSpoofing = '',
    [string]$DhcpGuard = '',
    [string]$RouterGuard = ''
)

$ErrorActionPreference = 'Stop'

if ($Action -eq 'Add') {
    if ($SwitchName) {
        Add-VMNetworkAdapter -VMName $VMName -Name $Name -SwitchName $SwitchName -IsLegacy:$IsLegacy
    }
    else {
        Add-VMNetworkAdapter -VMName $VMName -Name $Name -IsLegacy:$IsLegacy
    }
}
elseif ($Action -eq 'Remove') {
    Remove-VMNetworkAdapter -VMName $VMName -Name $Name
}
elseif ($Action -eq 'Connect') {
    if ($SwitchName) {
        Connect-VMNetworkAdapter -VMName $VMName -Name $Name -SwitchName $SwitchName
    }
    else {
        Disconnect-VMNetworkAdapter -VMName $VMName -Name $Name
    }
}
else {
    if ($VlanId -eq 0) {
        Set-VMNetworkAdapterVlan -VMName $VMName -VMNetworkAdapterName $Name -Untagged
    }
    elseif ($VlanId -gt 0) {
        Set-VMNetworkAdapterVlan -VMName $VMName -VMNetworkAdapterName $Name -Access -VlanId $VlanId
    }
    if ($MacAddressSpoofing) {
        Set-VMNetworkAdapter -VMName $VMName -Name $Name -MacAddressSpoofing $MacAddressSpoofing
    }
    if ($DhcpGuard) {
        Set-VMNetworkAdapter -VMName $VMName -Name $Name -DhcpGuard $DhcpGuard
    }
    if ($RouterGuard) {
        Set-VMNetworkAdapter -VMName $VMName -Name $Name -RouterGuard $RouterGuard
    }
}

foreach ($adapter in @(Get-VMNetworkAdapter -VMName $VMName)) {
    [pscustomobject]@{
        Kind = 'NetworkAdapter'
        VMId = [string]$adapter.VMId
        Name = [string]$adapter.Name
        SwitchName = [string]$adapter.SwitchName
        MacAddress = [string]$adapter.MacAddress
        IsLegacy = [bool]$adapter.IsLegacy
        VlanId = [int]$adapter.VlanSetting.AccessVlanId
        MacAddressSpoofing = [string]$adapter.MacAddressSpoofing
        DhcpGuard = [string]$adapter.DhcpGuard
        RouterGuard = [string]$adapter.RouterGuard
    }
}
