# hvtui: replica-failover
# Mutates: yes
# Fails a replicated VM over (Start-VMFailover). Prepare: the planned-failover step run on
# the shut-down primary. AsTest: a test VM on the replica, the replica itself untouched.
# Neither: failover of the replica VM. Prepare and AsTest are separate parameter sets.
# SwitchName (with AsTest): the test VM, "<VM> - Test", is connected to that switch (it is
# created connected to none), so a test can run on an isolated network.
# -Confirm:$false: the cmdlet's ConfirmImpact is High, so it would prompt otherwise.
# Output: the VM's Replication records afterwards, with inventory.ps1's fields.
param(
    [Parameter(Mandatory)][string]$VMName,
    [switch]$Prepare,
    [switch]$AsTest,
    [string]$SwitchName = ''
)

$ErrorActionPreference = 'Stop'

if ($Prepare -and $AsTest) {
    throw 'Give either Prepare (planned failover, on the primary) or AsTest (test failover, on the replica), not both.'
}
if ($AsTest) {
    Start-VMFailover -VMName $VMName -AsTest -Confirm:$false
    if ($SwitchName) {
        Connect-VMNetworkAdapter -VMName "$VMName - Test" -SwitchName $SwitchName
    }
}
elseif ($Prepare) {
    Start-VMFailover -VMName $VMName -Prepare -Confirm:$false
}
else {
    Start-VMFailover -VMName $VMName -Confirm:$false
}

# -ReplicationRelationshipType is new in 2012 R2 (so is extended replication): on 2012 every
# relationship is the simple one. By name, not by VM object: under PowerShell 7 on 2012 R2 and
# 2016 a VM object handed back to a cmdlet is refused (PowerShell#14738).
$replications = @()
if ((Get-Command -Name 'Get-VMReplication').Parameters.ContainsKey('ReplicationRelationshipType')) {
    foreach ($relationship in @('Simple', 'Extended')) {
        foreach ($replication in @(Get-VMReplication -VMName $VMName -ReplicationRelationshipType $relationship -ErrorAction 'SilentlyContinue')) {
            $replications += [pscustomobject]@{ Relationship = $relationship; Replication = $replication }
        }
    }
}
else {
    foreach ($replication in @(Get-VMReplication -VMName $VMName -ErrorAction 'SilentlyContinue')) {
        $replications += [pscustomobject]@{ Relationship = 'Simple'; Replication = $replication }
    }
}
foreach ($found in $replications) {
    $replication = $found.Replication
    [pscustomobject]@{
        Kind = 'Replication'
        VMId = [string]$replication.VMId
        Relationship = $found.Relationship
        Mode = [string]$replication.ReplicationMode
        State = [string]$replication.ReplicationState
        Health = [string]$replication.ReplicationHealth
        PrimaryServer = [string]$replication.PrimaryServerName
        ReplicaServer = [string]$replication.ReplicaServerName
        FrequencySec = [int]$replication.ReplicationFrequencySec
        LastReplicationTime = $replication.LastReplicationTime
    }
}
