# hvtui: replica-server
# Mutates: yes
# Configures this host as a Replica server (Set-VMReplicationServer): on or off, the
# authentication it accepts (Kerberos over HTTP, Certificate over HTTPS, or both) and on
# which ports, whether any primary may replicate to it or only those of its authorisation
# entries, and where replicas go by default; when AllowedPrimaryServer is given, adds an
# authorisation entry for it (New-VMReplicationAuthorizationEntry).
# Output: one ReplicaServer record with what the host reports afterwards.
param(
    [Parameter(Mandatory)][bool]$Enabled,
    [string]$AuthenticationType = 'Kerberos',
    [bool]$AllowAnyServer = $true,
    [string]$StorageLocation = '',
    [string]$CertificateThumbprint = '',
    [int]$KerberosPort = 80,
    [int]$CertificatePort = 443,
    [string]$AllowedPrimaryServer = '',
    [string]$EntryStorageLocation = '',
    [string]$TrustGroup = 'DEFAULT'
)

$ErrorActionPreference = 'Stop'

if ($CertificateThumbprint) {
    Set-VMReplicationServer -ReplicationEnabled $Enabled -AllowedAuthenticationType $AuthenticationType -ReplicationAllowedFromAnyServer $AllowAnyServer -KerberosAuthenticationPort $KerberosPort -CertificateAuthenticationPort $CertificatePort -CertificateThumbprint $CertificateThumbprint
}
else {
    Set-VMReplicationServer -ReplicationEnabled $Enabled -AllowedAuthenticationType $AuthenticationType -ReplicationAllowedFromAnyServer $AllowAnyServer -KerberosAuthenticationPort $KerberosPort -CertificateAuthenticationPort $CertificatePort
}
if ($StorageLocation) {
    Set-VMReplicationServer -DefaultStorageLocation $StorageLocation
}
if ($AllowedPrimaryServer) {
    $entry = New-VMReplicationAuthorizationEntry -AllowedPrimaryServer $AllowedPrimaryServer -ReplicaStorageLocation $EntryStorageLocation -TrustGroup $TrustGroup
}

$server = Get-VMReplicationServer
[pscustomobject]@{
    Kind = 'ReplicaServer'
    Enabled = [bool]$server.ReplicationEnabled
    AuthenticationType = [string]$server.AllowedAuthenticationType
    AllowAnyServer = [bool]$server.ReplicationAllowedFromAnyServer
    KerberosPort = [int]$server.KerberosAuthenticationPort
    CertificatePort = [int]$server.CertificateAuthenticationPort
    StorageLocation = [string]$server.DefaultStorageLocation
    AllowedPrimaryServers = @(Get-VMReplicationAuthorizationEntry | ForEach-Object { [string]$_.AllowedPrimaryServer })
}
