# hvtui: host-enhanced-session
# Mutates: yes
# Releases: 2012 R2+ | enhanced session mode is new in Windows Server 2012 R2: its Set-VMHost has no -EnableEnhancedSessionMode
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
