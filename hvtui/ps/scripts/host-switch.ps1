# hvtui: host-switch
# Mutates: yes
# Changes the host's virtual switches. Action New: a switch named Name, external on the
# physical adapter NetAdapterName (shared with the host unless AllowManagementOS is false),
# else of SwitchType Internal or Private (New-VMSwitch). Action Rename: the switch Name
# becomes NewName (Rename-VMSwitch). Action Remove: the switch Name goes (Remove-VMSwitch
# -Force: the prompt would fail in a remote session).
# Output: one Switch record per virtual switch of the host afterwards.
param(
    [Parameter(Mandatory)][ValidateSet('New', 'Rename', 'Remove')][string]$Action,
    [Parameter(Mandatory)][string]$Name,
    [string]$NetAdapterName = '',
    [string]$SwitchType = '',
    [bool]$AllowManagementOS = $true,
    [string]$NewName = ''
)

$ErrorActionPreference = 'Stop'

if ($Action -eq 'New') {
    if ($NetAdapterName) {
        $null = New-VMSwitch -Name $Name -NetAdapterName $NetAdapterName -AllowManagementOS $AllowManagementOS
    }
    else {
        $null = New-VMSwitch -Name $Name -SwitchType $SwitchType
    }
}
elseif ($Action -eq 'Rename') {
    Rename-VMSwitch -Name $Name -NewName $NewName
}
else {
    Remove-VMSwitch -Name $Name -Force
}

foreach ($switch in @(Get-VMSwitch)) {
    [pscustomobject]@{
        Kind = 'Switch'
        Name = [string]$switch.Name
        SwitchType = [string]$switch.SwitchType
        NetAdapterInterfaceDescription = [string]$switch.NetAdapterInterfaceDescription
        AllowManagementOS = [bool]$switch.AllowManagementOS
    }
}
