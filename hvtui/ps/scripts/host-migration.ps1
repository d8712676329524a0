# hvtui: host-migration
# Mutates: yes
# Allows or forbids live migrations to and from this host (Enable-/Disable-VMMigration).
# Output: one HostSetting record with the value the host reports afterwards.
param(
    [Parameter(Mandatory)][bool]$Enabled
)

$ErrorActionPreference = 'Stop'

if ($Enabled) {
    Enable-VMMigration
}
else {
    Disable-VMMigration
}

[pscustomobject]@{
    Kind = 'HostSetting'
    MigrationEnabled = [bool](Get-VMHost).VirtualMachineMigrationEnabled
}
