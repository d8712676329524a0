# hvtui: host-events
# Mutates: no
# Reads this host's Hyper-V, Replica and Failover Clustering event channels (Get-WinEvent
# -FilterHashtable), newest first, since $SinceMinutes ago by the host's own clock: errors
# and warnings (levels 1-3) first, at most $MaxEvents of them, then, with -Information,
# at most $MaxEvents informational events. Hyper-V Replica writes to the VMMS Admin channel.
# Only the channels the host has are asked (Get-WinEvent -ListLog; a missing one is an
# error, silenced): a standalone host has no Failover Clustering or High-Availability
# channel. No event in the window is no failure (Get-WinEvent reports it as an error).
# Output: one Kind='Channel' record per channel read, then one Kind='Event' record per event.
param(
    [Parameter(Mandatory)][int]$SinceMinutes,
    [int]$MaxEvents = 200,
    [switch]$Information
)

$ErrorActionPreference = 'Stop'

$wanted = @(
    'Microsoft-Windows-Hyper-V-VMMS-Admin',
    'Microsoft-Windows-Hyper-V-VMMS-Operational',
    'Microsoft-Windows-Hyper-V-Worker-Admin',
    'Microsoft-Windows-Hyper-V-High-Availability-Admin',
    'Microsoft-Windows-FailoverClustering/Operational'
)
$present = @(Get-WinEvent -ListLog $wanted -ErrorAction 'SilentlyContinue' | ForEach-Object { [string]$_.LogName })
foreach ($log in $present) {
    [pscustomobject]@{
        Kind = 'Channel'
        Name = $log
    }
}

if ($present.Count -gt 0) {
    $since = [datetime]::UtcNow.AddMinutes(-$SinceMinutes)
    $queries = @(, @(1, 2, 3))
    if ($Information) {
        $queries += , @(4)
    }
    foreach ($levels in $queries) {
        $found = @()
        try {
            $found = @(Get-WinEvent -FilterHashtable @{ LogName = $present; Level = $levels; StartTime = $since } -MaxEvents $MaxEvents)
        }
        catch {
            if (-not ([string]$_.FullyQualifiedErrorId -like 'NoMatchingEventsFound*')) {
                throw
            }
        }
        foreach ($e in $found) {
            [pscustomobject]@{
                Kind = 'Event'
                Time = $e.TimeCreated.ToUniversalTime()
                Level = [int]$e.Level
                Id = [int]$e.Id
                Provider = [string]$e.ProviderName
                Channel = [string]$e.LogName
                Message = [string]$e.Message
            }
        }
    }
}
