# hvtui: vm-copy-file
# Mutates: yes
# Releases: 2012 R2+ | Copy-VMFile and the Guest Service Interface are new in Windows Server 2012 R2
# Copies a file from the host into a running VM's guest (Copy-VMFile -FileSource Host, the
# only direction Hyper-V supports). Needs the 'Guest Service Interface' integration service.
# CreateFullPath creates missing guest folders; Force overwrites an existing guest file.
# Output: one Copied record.
param(
    [Parameter(Mandatory)][string]$Name,
    [Parameter(Mandatory)][string]$SourcePath,
    [Parameter(Mandatory)][string]$DestinationPath,
    [switch]$CreateFullPath,
    [switch]$Force
)

$ErrorActionPreference = 'Stop'

Copy-VMFile -Name $Name -SourcePath $SourcePath -DestinationPath $DestinationPath -FileSource 'Host' -CreateFullPath:$CreateFullPath -Force:$Force

[pscustomobject]@{
    Kind = 'Copied'
    Name = $Name
    SourcePath = $SourcePath
    DestinationPath = $DestinationPath
}
