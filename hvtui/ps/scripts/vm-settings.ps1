# hvtui: vm-settings
# Mutates: yes
# Changes the settings of a VM that are given, and only those: memory (Set-VMMemory),
# processors (Set-VMProcessor), automatic start and stop, checkpoint type and location, and
# notes (Set-VM). Each value arrives as a parameter; $PSBoundParameters says which were given.
# Dynamic memory is turned on first and off last; the maximum grows before and shrinks after
# the startup memory, the minimum shrinks before and grows after it, so each step leaves
# minimum <= startup <= maximum. -CheckpointType exists from Windows Server 2016.
# Firmware: Secure Boot and its template (Set-VMFirmware, generation 2; the template from
# 2016), the virtual TPM (Set-VMKeyProtector -NewLocalKeyProtector, then Enable-VMTPM; or
# Disable-VMTPM; 2016 and later) and a generation 1 VM's BIOS startup order (Set-VMBios).
# A generation 2 VM's first boot device is vm-boot-order.ps1's (Windows PowerShell only);
# this script reports it.
# Output: one Settings record per VM with that name, with inventory.ps1's fields.
param(
    [Parameter(Mandatory)][string]$VMName,
    [bool]$DynamicMemoryEnabled,
    [int64]$MemoryStartupBytes,
    [int64]$MemoryMinimumBytes,
    [int64]$MemoryMaximumBytes,
    [int]$MemoryBuffer,
    [int]$MemoryWeight,
    [int64]$ProcessorCount,
    [bool]$ProcessorCompatibility,
    [int64]$ProcessorReserve,
    [int64]$ProcessorLimit,
    [int]$ProcessorWeight,
    [ValidateSet('Nothing', 'StartIfRunning', 'Start')][string]$AutomaticStartAction,
    [int]$AutomaticStartDelay,
    [ValidateSet('TurnOff', 'Save', 'ShutDown')][string]$AutomaticStopAction,
    [ValidateSet('Disabled', 'Production', 'ProductionOnly', 'Standard')][string]$CheckpointType,
    [string]$SnapshotFileLocation,
    [string]$Notes,
    [ValidateSet('On', 'Off')][string]$SecureBoot,
    [ValidateSet('MicrosoftWindows', 'MicrosoftUEFICertificateAuthority')][string]$SecureBootTemplate,
    [ValidateSet('On', 'Off')][string]$Tpm,
    [string[]]$StartupOrder
)

$ErrorActionPreference = 'Stop'
$given = $PSBoundParameters

$memory = @(Get-VMMemory -VMName $VMName)[0]
if ($given.ContainsKey('DynamicMemoryEnabled') -and $DynamicMemoryEnabled) {
    Set-VMMemory -VMName $VMName -DynamicMemoryEnabled $true
}
if ($given.ContainsKey('MemoryMaximumBytes') -and $MemoryMaximumBytes -ge [int64]$memory.Maximum) {
    Set-VMMemory -VMName $VMName -MaximumBytes $MemoryMaximumBytes
}
if ($given.ContainsKey('MemoryMinimumBytes') -and $MemoryMinimumBytes -le [int64]$memory.Minimum) {
    Set-VMMemory -VMName $VMName -MinimumBytes $MemoryMinimumBytes
}
if ($given.ContainsKey('MemoryStartupBytes')) {
    Set-VMMemory -VMName $VMName -StartupBytes $MemoryStartupBytes
}
if ($given.ContainsKey('MemoryMinimumBytes') -and $MemoryMinimumBytes -gt [int64]$memory.Minimum) {
    Set-VMMemory -VMName $VMName -MinimumBytes $MemoryMinimumBytes
}
if ($given.ContainsKey('MemoryMaximumBytes') -and $MemoryMaximumBytes -lt [int64]$memory.Maximum) {
    Set-VMMemory -VMName $VMName -MaximumBytes $MemoryMaximumBytes
}
if ($given.ContainsKey('MemoryBuffer')) {
    Set-VMMemory -VMName $VMName -Buffer $MemoryBuffer
}
if ($given.ContainsKey('MemoryWeight')) {
    Set-VMMemory -VMName $VMName -Priority $MemoryWeight
}
if ($given.ContainsKey('DynamicMemoryEnabled') -and -not $DynamicMemoryEnabled) {
    Set-VMMemory -VMName $VMName -DynamicMemoryEnabled $false
}

if ($given.ContainsKey('ProcessorCount')) {
    Set-VMProcessor -VMName $VMName -Count $ProcessorCount
}
if ($given.ContainsKey('ProcessorCompatibility')) {
    Set-VMProcessor -VMName $VMName -CompatibilityForMigrationEnabled $ProcessorCompatibility
}
if ($given.ContainsKey('ProcessorReserve')) {
    Set-VMProcessor -VMName $VMName -Reserve $ProcessorReserve
}
if ($given.ContainsKey('ProcessorLimit')) {
    Set-VMProcessor -VMName $VMName -Maximum $ProcessorLimit
}
if ($given.ContainsKey('ProcessorWeight')) {
    Set-VMProcessor -VMName $VMName -RelativeWeight $ProcessorWeight
}

if ($given.ContainsKey('AutomaticStartAction')) {
    Set-VM -Name $VMName -AutomaticStartAction $AutomaticStartAction
}
if ($given.ContainsKey('AutomaticStartDelay')) {
    Set-VM -Name $VMName -AutomaticStartDelay $AutomaticStartDelay
}
if ($given.ContainsKey('AutomaticStopAction')) {
    Set-VM -Name $VMName -AutomaticStopAction $AutomaticStopAction
}
if ($given.ContainsKey('CheckpointType')) {
    if ((Get-Command -Name 'Set-VM').Parameters.ContainsKey('CheckpointType')) {
        Set-VM -Name $VMName -CheckpointType $CheckpointType
    }
    else {
        throw 'Checkpoint types are new in Windows Server 2016: this host has standard checkpoints only.'
    }
}
if ($given.ContainsKey('SnapshotFileLocation')) {
    Set-VM -Name $VMName -SnapshotFileLocation $SnapshotFileLocation
}
if ($given.ContainsKey('Notes')) {
    Set-VM -Name $VMName -Notes $Notes
}

if ($given.ContainsKey('SecureBoot')) {
    if (Get-Command -Name 'Set-VMFirmware' -ErrorAction 'SilentlyContinue') {
        Set-VMFirmware -VMName $VMName -EnableSecureBoot $SecureBoot
    }
    else {
        throw 'Generation 2 VMs and their firmware are new in Windows Server 2012 R2: this host has no Set-VMFirmware.'
    }
}
if ($given.ContainsKey('SecureBootTemplate')) {
    if (Get-Command -Name 'Set-VMFirmware' -ErrorAction 'SilentlyContinue') {
        if ((Get-Command -Name 'Set-VMFirmware').Parameters.ContainsKey('SecureBootTemplate')) {
            Set-VMFirmware -VMName $VMName -SecureBootTemplate $SecureBootTemplate
        }
        else {
            throw 'Secure Boot templates are new in Windows Server 2016: this host has the Microsoft Windows template only.'
        }
    }
    else {
        throw 'Secure Boot templates are new in Windows Server 2016: this host has no Set-VMFirmware.'
    }
}
if ($given.ContainsKey('Tpm')) {
    if (Get-Command -Name 'Enable-VMTPM' -ErrorAction 'SilentlyContinue') {
        if ($Tpm -eq 'On') {
            Set-VMKeyProtector -VMName $VMName -NewLocalKeyProtector
            Enable-VMTPM -VMName $VMName
        }
        else {
            Disable-VMTPM -VMName $VMName
        }
    }
    else {
        throw 'The virtual TPM is new in Windows Server 2016: this host has no Enable-VMTPM.'
    }
}
if ($given.ContainsKey('StartupOrder')) {
    Set-VMBios -VMName $VMName -StartupOrder $StartupOrder
}

$memories = @{}
foreach ($item in @(Get-VMMemory -VMName $VMName)) {
    $memories[[string]$item.VMId] = $item
}
$processors = @{}
foreach ($item in @(Get-VMProcessor -VMName $VMName)) {
    $processors[[string]$item.VMId] = $item
}
$firmwares = @{}
$securities = @{}
$bioses = @{}
$vms = @(Get-VM -Name $VMName)
if (@($vms | Where-Object { [int]$_.Generation -eq 2 }).Count -gt 0) {
    if (Get-Command -Name 'Get-VMFirmware' -ErrorAction 'SilentlyContinue') {
        foreach ($item in @(Get-VMFirmware -VMName $VMName -ErrorAction 'SilentlyContinue')) {
            $firmwares[[string]$item.VMId] = $item
        }
    }
    if (Get-Command -Name 'Get-VMSecurity' -ErrorAction 'SilentlyContinue') {
        foreach ($item in @(Get-VMSecurity -VMName $VMName -ErrorAction 'SilentlyContinue')) {
            $securities[[string]$item.VMId] = $item
        }
    }
}
if (@($vms | Where-Object { [int]$_.Generation -ne 2 }).Count -gt 0) {
    foreach ($item in @(Get-VMBios -VMName $VMName -ErrorAction 'SilentlyContinue')) {
        $bioses[[string]$item.VMId] = $item
    }
}
foreach ($vm in $vms) {
    $vmId = [string]$vm.Id
    $memory = $memories[$vmId]
    $processor = $processors[$vmId]
    $firstBoot = ''
    $first = @($firmwares[$vmId].BootOrder)[0]
    if ($null -ne $first) {
        if ([string]$first.BootType -eq 'Network') {
            $firstBoot = 'Network'
        }
        elseif (@($first.Device.PSObject.TypeNames) -like '*DvdDrive') {
            $firstBoot = 'DVD'
        }
        elseif (@($first.Device.PSObject.TypeNames) -like '*HardDiskDrive') {
            $firstBoot = 'HardDrive'
        }
        else {
            $firstBoot = [string]$first.BootType
        }
    }
    $tpm = ''
    if ($securities.ContainsKey($vmId)) {
        $tpm = 'Off'
        if ($securities[$vmId].TpmEnabled) {
            $tpm = 'On'
        }
    }
    [pscustomobject]@{
        Kind = 'Settings'
        VMId = $vmId
        MemoryStartup = [int64]$memory.Startup
        DynamicMemoryEnabled = [bool]$memory.DynamicMemoryEnabled
        MemoryMinimum = [int64]$memory.Minimum
        MemoryMaximum = [int64]$memory.Maximum
        MemoryBuffer = [int]$memory.Buffer
        MemoryWeight = [int]$memory.Priority
        ProcessorCount = [int]$processor.Count
        ProcessorCompatibility = [bool]$processor.CompatibilityForMigrationEnabled
        ProcessorReserve = [int]$processor.Reserve
        ProcessorLimit = [int]$processor.Maximum
        ProcessorWeight = [int]$processor.RelativeWeight
        AutomaticStartAction = [string]$vm.AutomaticStartAction
        AutomaticStartDelay = [int]$vm.AutomaticStartDelay
        AutomaticStopAction = [string]$vm.AutomaticStopAction
        CheckpointType = [string]$vm.CheckpointType
        SnapshotFileLocation = [string]$vm.SnapshotFileLocation
        Notes = [string]$vm.Notes
        SecureBoot = [string]$firmwares[$vmId].SecureBoot
        SecureBootTemplate = [string]$firmwares[$vmId].SecureBootTemplate
        Tpm = $tpm
        StartupOrder = [string[]]@($bioses[$vmId].StartupOrder | ForEach-Object { [string]$_ })
        FirstBootDevice = $firstBoot
    }
}
