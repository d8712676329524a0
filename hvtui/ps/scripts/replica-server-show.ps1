# hvtui: replica-server-show
# Mutates: no
# Reads this host's Replica server settings (Get-VMReplicationServer) and its authorisation
# entries (Get-VMReplicationAuthorizationEntry), for the pre-flight of enabling replication
# to it or changing them. The entries are read with their own cmdlet: nested in the server
# object they arrive as text once serialized.
# The record also names the host as replication names it (Get-VMHost's
# FullyQualifiedDomainName), which a Replica server's authorisation entries are matched against.
# Output: one ReplicaServer record, then one AuthorizationEntry record per entry.
param()

$ErrorActionPreference = 'Stop'

$server = Get-VMReplicationServer
[pscustomobject]@{
    Kind = 'ReplicaServer'
    Fqdn = [string](Get-VMHost).FullyQualifiedDomainName
    Enabled = [bool]$server.ReplicationEnabled
    AuthenticationType = [string]$server.AllowedAuthenticationType
    AllowAnyServer = [bool]$server.ReplicationAllowedFromAnyServer
    KerberosPort = [int]$server.KerberosAuthenticationPort
    CertificatePort = [int]$server.CertificateAuthenticationPort
    CertificateThumbprint = [string]$server.CertificateThumbprint
    StorageLocation = [string]$server.DefaultStorageLocation
}
foreach ($entry in @(Get-VMReplicationAuthorizationEntry)) {
    [pscustomobject]@{
        Kind = 'AuthorizationEntry'
        AllowedPrimaryServer = [string]$entry.AllowedPrimaryServer
        StorageLocation = [string]$entry.ReplicaStorageLocation
        TrustGroup = [string]$entry.TrustGroup
    }
}
