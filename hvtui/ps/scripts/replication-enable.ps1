# hvtui: replication-enable
# Mutates: yes
# Enables replication of a VM to a Replica server (Enable-VMReplication): its name, port and
# authentication (Kerberos over HTTP, or a certificate over HTTPS), how often changes are
# sent and how many hourly recovery points the replica keeps; then, when asked, sends the
# initial copy over the network now (Start-VMInitialReplication), or schedules it for
# StartTime (an ISO 8601 moment, at most 7 days ahead). Windows Server 2012
# replicates every 300 seconds, fixed: its Enable-VMReplication has no -ReplicationFrequencySec.
# Output: the VM's Replication records afterwards, with inventory.ps1's fields.
param(
    [Parameter(Mandatory)][string]$VMName,
    [Parameter(Mandatory)][string]$ReplicaServer,
    [Parameter(Mandatory)][int]$Port,
    [Parameter(Mandatory)][string]$AuthenticationType,
    [string]$CertificateThumbprint = '',
    [int]$FrequencySec = 300,
    [int]$RecoveryHistory = 0,
    [switch]$StartNow,
    [string]$StartTime = ''
)

$ErrorActionPreference = 'Stop'

if ($FrequencySec -ne 300 -and -not (Get-Command -Name 'Enable-VMReplication').Parameters.ContainsKey('ReplicationFrequencySec')) {
    throw 'This host replicates every 300 seconds only (Windows Server 2012): give FrequencySec 300.'
}
if ($AuthenticationType -eq 'Certificate') {
    if ((Get-Command -Name 'Enable-VMReplication').Parameters.ContainsKey('ReplicationFrequencySec')) {
        Enable-VMReplication -VMName $VMName -ReplicaServerName $ReplicaServer -ReplicaServerPort $Port -AuthenticationType 'Certificate' -CertificateThumbprint $CertificateThumbprint -RecoveryHistory $RecoveryHistory -ReplicationFrequencySec $FrequencySec
    }
    else {
        Enable-VMReplication -VMName $VMName -ReplicaServerName $ReplicaServer -ReplicaServerPort $Port -AuthenticationType 'Certificate' -CertificateThumbprint $CertificateThumbprint -RecoveryHistory $RecoveryHistory
    }
}
else {
    if ((Get-Command -Name 'Enable-VMReplication').Parameters.ContainsKey('ReplicationFrequencySec')) {
        Enable-VMReplication -VMName $VMName -ReplicaServerName $ReplicaServer -ReplicaServerPort $Port -AuthenticationType $AuthenticationType -RecoveryHistory $RecoveryHistory -ReplicationFrequencySec $FrequencySec
    }
    else {
        Enable-VMReplication -VMName $VMName -ReplicaServerName $ReplicaServer -ReplicaServerPort $Port -AuthenticationType $AuthenticationType -RecoveryHistory $RecoveryHistory
    }
}
if ($StartNow) {
    Start-VMInitialReplication -VMName $VMName
}
elseif ($StartTime) {
    Start-VMInitialReplication -VMName $VMName -InitialReplicationStartTime ([datetime]$StartTime)
}

# By name, not by VM object: under PowerShell 7 on 2012 R2 and 2016 a VM object handed back
# to a cmdlet is refused (PowerShell#14738). A new replication is always the simple one.
foreach ($replication in @(Get-VMReplication -VMName $VMName -ErrorAction 'SilentlyContinue')) {
    [pscustomobject]@{
        Kind = 'Replication'
        VMId = [string]$replication.VMId
        Relationship = 'Simple'
        Mode = [string]$replication.ReplicationMode
        State = [string]$replication.ReplicationState
        Health = [string]$replication.ReplicationHealth
        PrimaryServer = [string]$replication.PrimaryServerName
        ReplicaServer = [string]$replication.ReplicaServerName
        FrequencySec = [int]$replication.ReplicationFrequencySec
        LastReplicationTime = $replication.LastReplicationTime
    }
}
