# hvtui: host-enhanced-session
# Mutates: yes
# Turns the host's enhanced session mode policy on or off (Set-VMHost).
# Output: one HostSetting record with the value the host reports afterwards.
param(
    [Parameter(Mandatory)][bool]$Enabled
)

$ErrorActionPreference = 'Stop'

Set-VMHost -EnableEnhancedSessionMode $Enabled

[pscustomobject]@{
    Kind = 'HostSetting'
    EnhancedSessionMode = [bool](Get-VMHost).EnableEnhancedSessionMode
}
