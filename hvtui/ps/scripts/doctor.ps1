# hvtui: doctor
# Mutates: no
# What hvtui can and cannot do on this host, read in one round trip before anything else:
# the PowerShell a remote session runs, the OS, the display language, the account and its
# groups, and which of the commands and parameters hvtui's scripts call exist here.
# $Command lists command names; $Parameter lists 'Command-Name -ParameterName' pairs.
# Output: one Kind='Host' record, one Kind='Command' record per name of $Command (with the
# module that provides it, as this session loads it: under PowerShell 7 a module loaded
# through the Windows PowerShell compatibility layer shows as functions of a proxy module),
# and one Kind='Parameter' record per pair of $Parameter.
# Works on Windows PowerShell 3.0 and later and PowerShell 7: $PSVersionTable has no
# PSEdition before 5.1, and Get-Command of a command that does not exist writes an error
# (silenced here) rather than failing.
param(
    [string[]]$Command = @(),
    [string[]]$Parameter = @()
)

$ErrorActionPreference = 'Stop'

$os = Get-CimInstance -ClassName 'Win32_OperatingSystem'
$identity = [Security.Principal.WindowsIdentity]::GetCurrent()
$edition = 'Desktop'
if ($PSVersionTable.PSEdition) {
    $edition = [string]$PSVersionTable.PSEdition
}

[pscustomobject]@{
    Kind = 'Host'
    PSEdition = $edition
    PSVersion = [string]$PSVersionTable.PSVersion
    OSCaption = [string]$os.Caption
    OSVersion = [string]$os.Version
    OSBuild = [string]$os.BuildNumber
    OSLanguages = [string[]]@($os.MUILanguages)
    UICulture = [string]$PSUICulture
    Culture = [string]$PSCulture
    Account = [string]$identity.Name
    AccountSid = [string]$identity.User.Value
    Groups = [string[]]@($identity.Groups | ForEach-Object { $_.Value })
}

$found = @{}
foreach ($name in @($Command) + @($Parameter | ForEach-Object { ($_ -split ' -', 2)[0] })) {
    if (-not $found.ContainsKey($name)) {
        $found[$name] = Get-Command -Name $name -ErrorAction 'SilentlyContinue' |
            Select-Object -First 1
    }
}

foreach ($name in $Command) {
    $info = $found[$name]
    $version = ''
    if ($info -and $info.Module) {
        $version = [string]$info.Module.Version
    }
    [pscustomobject]@{
        Kind = 'Command'
        Name = $name
        Found = [bool]$info
        CommandType = [string]$info.CommandType
        ModuleName = [string]$info.ModuleName
        ModuleVersion = $version
    }
}

foreach ($pair in $Parameter) {
    $parts = @($pair -split ' -', 2)
    $info = $found[$parts[0]]
    $has = $false
    if ($info -and $parts.Count -eq 2) {
        $has = [bool]$info.Parameters.ContainsKey($parts[1])
    }
    [pscustomobject]@{
        Kind = 'Parameter'
        Command = $parts[0]
        Name = [string]$parts[-1]
        Found = $has
    }
}
