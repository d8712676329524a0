# hvtui: replication-remove
# Mutates: yes
# Removes a VM's replication on this host (Remove-VMReplication). The VM itself stays; the
# copy on the other end keeps its side until replication is removed there too.
# Output: the VM's Replication records afterwards (none once removed), with inventory.ps1's
# fields.
param(
    [Parameter(Mandatory)][string]$VMName
)

$ErrorActionPreference = 'Stop'

Remove-VMReplication -VMName $VMName

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
