# hvtui: inventory
# Mutates: no
# The whole inventory of one Hyper-V host in one round trip, on every release from
# Windows Server 2012 to 2025, under Windows PowerShell and PowerShell 7.
# Output: one compact JSON string, {Token, Full, Changed, Removed}. Changed is a list of
# groups {Key, Records}: 'VM:<id>' for a VM and everything hanging off it, 'Host' for the
# rest. Records are flat, each tagged with a Kind, holding only scalars and string arrays
# (which -Depth 4 never truncates).
# Deltas: the session keeps the document it sent last ($global:HvtuiInventory; a PSRP
# runspace and the SSH bootstrap's runspaces keep variables between calls). Given that
# document's Token (-Since), the script sends only the groups that differ from it and the
# keys of those that are gone (Full = false); otherwise (a new session, another token) it
# sends every group (Full = true). Dates are as
# ConvertTo-Json writes them: "\/Date(<ms>)\/" under Windows PowerShell, ISO 8601 under
# PowerShell 7. Enum values are cast to their names: ConvertTo-Json would write numbers,
# and VMState numbering differs across hosts.
# A property an older release lacks reads as $null, so its cast field reads 0 or ''
# (VM Generation on 2012, Version before 2016, ReplicationFrequencySec on 2012):
# the client derives the value where the release makes it a fact, else shows it unknown.
# DrainOnShutdown (2012 R2+) is emitted uncast, so a 2012 cluster sends $null, not 0.
param(
    [int]$CheckpointLimit = 64,
    [string]$Since = ''
)

$ErrorActionPreference = 'Stop'

# Every record is collected and sent in one compact JSON document (ConvertTo-Json, PowerShell
# 3.0 and later): the client reads one string instead of a thousand serialised objects.
# Errors still arrive as error records; a terminating one ends the script before any output.
$records = @(
    $os = Get-CimInstance -ClassName 'Win32_OperatingSystem'
    $cpu = @(Get-CimInstance -ClassName 'Win32_Processor')
    $vmhost = Get-VMHost
    $supported = @()
    $default = ''
    if (Get-Command -Name 'Get-VMHostSupportedVersion' -ErrorAction 'SilentlyContinue') {
        $supported = @(Get-VMHostSupportedVersion | ForEach-Object { $_.Version.ToString(2) })
        $default = (Get-VMHostSupportedVersion -Default).Version.ToString(2)
    }

    # FailoverClusters is there only where the module is installed (cluster nodes; most
    # standalone hosts lack it): elsewhere Get-Cluster is a missing command, which -ErrorAction
    # cannot silence. Where the module is installed but the host is no cluster node, Get-Cluster
    # fails outright: that is caught and reported, and the inventory goes on.
    $clusterModule = $false
    $clusterName = ''
    $clusterProblem = ''
    if (Get-Command -Name 'Get-Cluster' -ErrorAction 'SilentlyContinue') {
        $clusterModule = $true
        $cluster = $null
        try {
            $cluster = Get-Cluster
        }
        catch {
            $clusterProblem = [string]$_.Exception.Message
        }
        if ($cluster) {
            $clusterName = [string]$cluster.Name
            [pscustomobject]@{
                Kind = 'Cluster'
                Name = $clusterName
                DrainOnShutdown = $cluster.DrainOnShutdown
            }
            foreach ($node in @(Get-ClusterNode)) {
                [pscustomobject]@{
                    Kind = 'ClusterNode'
                    Cluster = $clusterName
                    Name = [string]$node.Name
                    State = [string]$node.State
                    DrainStatus = [string]$node.DrainStatus
                }
            }
            foreach ($group in @(Get-ClusterGroup | Where-Object { [string]$_.GroupType -eq 'VirtualMachine' })) {
                [pscustomobject]@{
                    Kind = 'ClusterGroup'
                    Cluster = $clusterName
                    Name = [string]$group.Name
                    OwnerNode = [string]$group.OwnerNode
                    State = [string]$group.State
                    Priority = [int]$group.Priority
                }
            }
            # Under PowerShell 7 SharedVolumeInfo comes back empty (PowerShell#20495): Path then
            # reads '' and the client shows the volume's size as not reported.
            foreach ($csv in @(Get-ClusterSharedVolume)) {
                $info = @($csv.SharedVolumeInfo)[0]
                [pscustomobject]@{
                    Kind = 'ClusterSharedVolume'
                    Cluster = $clusterName
                    Name = [string]$csv.Name
                    OwnerNode = [string]$csv.OwnerNode
                    State = [string]$csv.State
                    Path = [string]$info.FriendlyVolumeName
                    Size = [int64]$info.Partition.Size
                    FreeSpace = [int64]$info.Partition.FreeSpace
                }
            }
        }
    }

    $switches = @(Get-VMSwitch)
    [pscustomobject]@{
        Kind = 'Host'
        ComputerName = [string]$vmhost.ComputerName
        OSName = [string]$os.Caption
        OSVersion = [string]$os.Version
        ProductType = [int]$os.ProductType
        PowerShellVersion = [string]$PSVersionTable.PSVersion
        PowerShellEdition = [string]$PSVersionTable.PSEdition
        LogicalProcessorCount = [int]$vmhost.LogicalProcessorCount
        CpuLoadPercent = [int](($cpu | Measure-Object -Property 'LoadPercentage' -Average).Average)
        ProcessorVendor = [string]$cpu[0].Manufacturer
        ProcessorName = [string]$cpu[0].Name
        MemoryCapacity = [int64]$vmhost.MemoryCapacity
        MemoryFree = [int64]$os.FreePhysicalMemory * 1024
        MigrationEnabled = [bool]$vmhost.VirtualMachineMigrationEnabled
        MigrationAuthentication = [string]$vmhost.VirtualMachineMigrationAuthenticationType
        MigrationPerformance = [string]$vmhost.VirtualMachineMigrationPerformanceOption
        MaximumMigrations = [int]$vmhost.MaximumVirtualMachineMigrations
        UseAnyNetworkForMigration = [bool]$vmhost.UseAnyNetworkForMigration
        MigrationNetworks = [string[]]@(Get-VMMigrationNetwork | ForEach-Object { $_.Subnet })
        MaximumStorageMigrations = [int]$vmhost.MaximumStorageMigrations
        NumaSpanningEnabled = [bool]$vmhost.NumaSpanningEnabled
        EnhancedSessionMode = [bool]$vmhost.EnableEnhancedSessionMode
        VirtualHardDiskPath = [string]$vmhost.VirtualHardDiskPath
        VirtualMachinePath = [string]$vmhost.VirtualMachinePath
        SupportedVersions = [string[]]$supported
        DefaultVersion = [string]$default
        Switches = [string[]]@($switches | ForEach-Object { $_.Name })
        Cluster = $clusterName
        FailoverClusters = $clusterModule
        ClusterProblem = $clusterProblem
    }

    foreach ($switch in $switches) {
        [pscustomobject]@{
            Kind = 'Switch'
            Name = [string]$switch.Name
            SwitchType = [string]$switch.SwitchType
            NetAdapterInterfaceDescription = [string]$switch.NetAdapterInterfaceDescription
            AllowManagementOS = [bool]$switch.AllowManagementOS
        }
    }

    # On 2016 and later cluster nodes Get-Volume also lists the other nodes' volumes
    # (PowerShell#18935): keep only the volumes of this host's own partitions.
    $ownVolumes = @{}
    foreach ($partition in @(Get-Partition)) {
        if ($null -ne $partition.DiskNumber) {
            foreach ($accessPath in @($partition.AccessPaths)) {
                $ownVolumes[[string]$accessPath] = $true
            }
        }
    }
    foreach ($volume in @(Get-Volume | Where-Object { ($_.DriveLetter -or $_.FileSystemLabel) -and $ownVolumes[[string]$_.Path] })) {
        [pscustomobject]@{
            Kind = 'Volume'
            Path = [string]$volume.Path
            DriveLetter = [string]$volume.DriveLetter
            Label = [string]$volume.FileSystemLabel
            Size = [int64]$volume.Size
            FreeSpace = [int64]$volume.SizeRemaining
        }
    }

    # Everything hanging off the VMs is read once for the whole host, by the name pattern '*'
    # rather than per VM object: under PowerShell 7 on 2012 R2 and 2016 the Hyper-V module runs
    # through the compatibility layer, and a VM object handed back to a cmdlet is refused
    # (PowerShell#14738). Each record carries its VM's id.
    $compatibility = @{}
    $processors = @{}
    foreach ($processor in @(Get-VMProcessor -VMName '*')) {
        $compatibility[[string]$processor.VMId] = [bool]$processor.CompatibilityForMigrationEnabled
        $processors[[string]$processor.VMId] = $processor
    }
    $memories = @{}
    foreach ($memory in @(Get-VMMemory -VMName '*')) {
        $memories[[string]$memory.VMId] = $memory
    }
    # Firmware (the settings editor): Get-VMFirmware answers for generation 2 VMs only and
    # Get-VMBios for generation 1 only (R-GEN-3), so each is asked for its VMs by name; a
    # name both generations share is skipped for the other. Get-VMFirmware is new in 2012 R2,
    # Get-VMSecurity (the virtual TPM) in 2016.
    $allVMs = @(Get-VM)
    $gen1 = @($allVMs | Where-Object { [int]$_.Generation -ne 2 } | ForEach-Object { $_.Name })
    $gen2 = @($allVMs | Where-Object { [int]$_.Generation -eq 2 } | ForEach-Object { $_.Name })
    $firmwares = @{}
    $bioses = @{}
    $securities = @{}
    if ($gen2.Count -gt 0 -and (Get-Command -Name 'Get-VMFirmware' -ErrorAction 'SilentlyContinue')) {
        foreach ($item in @(Get-VMFirmware -VMName $gen2 -ErrorAction 'SilentlyContinue')) {
            $firmwares[[string]$item.VMId] = $item
        }
    }
    if ($gen2.Count -gt 0 -and (Get-Command -Name 'Get-VMSecurity' -ErrorAction 'SilentlyContinue')) {
        foreach ($item in @(Get-VMSecurity -VMName $gen2 -ErrorAction 'SilentlyContinue')) {
            $securities[[string]$item.VMId] = $item
        }
    }
    if ($gen1.Count -gt 0) {
        foreach ($item in @(Get-VMBios -VMName $gen1 -ErrorAction 'SilentlyContinue')) {
            $bioses[[string]$item.VMId] = $item
        }
    }

    foreach ($vm in $allVMs) {
        [pscustomobject]@{
            Kind = 'VM'
            Id = [string]$vm.Id
            Name = [string]$vm.Name
            State = [string]$vm.State
            CPUUsage = [int]$vm.CPUUsage
            MemoryAssigned = [int64]$vm.MemoryAssigned
            MemoryDemand = [int64]$vm.MemoryDemand
            MemoryStartup = [int64]$vm.MemoryStartup
            DynamicMemoryEnabled = [bool]$vm.DynamicMemoryEnabled
            UptimeSeconds = [int64]$vm.Uptime.TotalSeconds
            Status = [string]$vm.Status
            Generation = [int]$vm.Generation
            Version = [string]$vm.Version
            Heartbeat = [string]$vm.Heartbeat
            ProcessorCount = [int]$vm.ProcessorCount
            CompatibilityForMigration = [bool]$compatibility[[string]$vm.Id]
            IsClustered = [bool]$vm.IsClustered
            Path = [string]$vm.Path
            ReplicationMode = [string]$vm.ReplicationMode
            Notes = [string]$vm.Notes
        }

        # What the settings editor changes (vm-settings.ps1 writes the same record).
        # CheckpointType is new in 2016: before, it reads $null, so ''.
        $memory = $memories[[string]$vm.Id]
        $processor = $processors[[string]$vm.Id]
        $firstBoot = ''
        $first = @($firmwares[[string]$vm.Id].BootOrder)[0]
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
        if ($securities.ContainsKey([string]$vm.Id)) {
            $tpm = 'Off'
            if ($securities[[string]$vm.Id].TpmEnabled) {
                $tpm = 'On'
            }
        }
        [pscustomobject]@{
            Kind = 'Settings'
            VMId = [string]$vm.Id
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
            SecureBoot = [string]$firmwares[[string]$vm.Id].SecureBoot
            SecureBootTemplate = [string]$firmwares[[string]$vm.Id].SecureBootTemplate
            Tpm = $tpm
            StartupOrder = [string[]]@($bioses[[string]$vm.Id].StartupOrder | ForEach-Object { [string]$_ })
            FirstBootDevice = $firstBoot
        }

        # The guest's own OS name comes from the KVP exchange (empty until the guest reports it).
        $kvp = Get-CimInstance -Namespace 'root\virtualization\v2' -ClassName 'Msvm_KvpExchangeComponent' -Filter "SystemName='$($vm.Id)'" -ErrorAction 'SilentlyContinue'
        # The items are written by the guest, i.e. by a tenant: one that is not valid XML (a
        # control character in its data) is skipped and reported, never allowed to end the
        # inventory of the whole host.
        $guestOs = ''
        $guestProblem = ''
        if ($kvp) {
            foreach ($item in @($kvp.GuestIntrinsicExchangeItems)) {
                try {
                    $xml = [xml]$item
                }
                catch {
                    $guestProblem = 'a KVP item the guest reported is not valid XML: ' + [string]$_.Exception.Message
                    continue
                }
                $name = $xml.SelectSingleNode("/INSTANCE/PROPERTY[@NAME='Name']/VALUE")
                if ($name -and $name.InnerText -eq 'OSName') {
                    $guestOs = $xml.SelectSingleNode("/INSTANCE/PROPERTY[@NAME='Data']/VALUE").InnerText
                }
            }
        }
        [pscustomobject]@{
            Kind = 'Guest'
            VMId = [string]$vm.Id
            OSName = [string]$guestOs
            Problem = $guestProblem
        }
    }

    foreach ($drive in @(Get-VMHardDiskDrive -VMName '*')) {
        # A drive without a file (an empty slot, a pass-through disk) has no VHD to read.
        $vhd = $null
        if ($drive.Path) {
            $vhd = Get-VHD -Path $drive.Path -ErrorAction 'SilentlyContinue'
        }
        [pscustomobject]@{
            Kind = 'Disk'
            VMId = [string]$drive.VMId
            Path = [string]$drive.Path
            ControllerType = [string]$drive.ControllerType
            ControllerNumber = [int]$drive.ControllerNumber
            ControllerLocation = [int]$drive.ControllerLocation
            MinimumIOPS = [int64]$drive.MinimumIOPS
            MaximumIOPS = [int64]$drive.MaximumIOPS
            Shared = [bool]$drive.SupportPersistentReservations
            VhdFormat = [string]$vhd.VhdFormat
            VhdType = [string]$vhd.VhdType
            Size = [int64]$vhd.Size
            FileSize = [int64]$vhd.FileSize
            MinimumSize = [int64]$vhd.MinimumSize
            BlockSize = [int64]$vhd.BlockSize
            ParentPath = [string]$vhd.ParentPath
        }
    }

    $checkpoints = @{}
    foreach ($snapshot in @(Get-VMSnapshot -VMName '*')) {
        $vmId = [string]$snapshot.VMId
        $checkpoints[$vmId] = [int]$checkpoints[$vmId] + 1
        if ($checkpoints[$vmId] -le $CheckpointLimit) {
            [pscustomobject]@{
                Kind = 'Checkpoint'
                VMId = $vmId
                Id = [string]$snapshot.Id
                Name = [string]$snapshot.Name
                ParentId = [string]$snapshot.ParentSnapshotId
                CreationTime = $snapshot.CreationTime
                SnapshotType = [string]$snapshot.SnapshotType
            }
        }
    }

    foreach ($adapter in @(Get-VMNetworkAdapter -VMName '*')) {
        [pscustomobject]@{
            Kind = 'NetworkAdapter'
            VMId = [string]$adapter.VMId
            Name = [string]$adapter.Name
            SwitchName = [string]$adapter.SwitchName
            MacAddress = [string]$adapter.MacAddress
            IPAddresses = [string[]]@($adapter.IPAddresses)
            Status = [string]($adapter.Status -join ', ')
            IsLegacy = [bool]$adapter.IsLegacy
            VlanId = [int]$adapter.VlanSetting.AccessVlanId
            MacAddressSpoofing = [string]$adapter.MacAddressSpoofing
            DhcpGuard = [string]$adapter.DhcpGuard
            RouterGuard = [string]$adapter.RouterGuard
        }
    }

    # Names are localised on hosts in other display languages: the client matches a service
    # by the GUID that ends its Id ('Microsoft:<VM id>\<service GUID>').
    foreach ($service in @(Get-VMIntegrationService -VMName '*')) {
        [pscustomobject]@{
            Kind = 'IntegrationService'
            VMId = [string]$service.VMId
            Id = [string]$service.Id
            Name = [string]$service.Name
            Enabled = [bool]$service.Enabled
            PrimaryStatus = [string]$service.PrimaryStatusDescription
            SecondaryStatus = [string]$service.SecondaryStatusDescription
        }
    }

    # -ReplicationRelationshipType is new in 2012 R2 (so is extended replication): on 2012 every
    # relationship is the simple one.
    $replications = @()
    if ((Get-Command -Name 'Get-VMReplication').Parameters.ContainsKey('ReplicationRelationshipType')) {
        foreach ($relationship in @('Simple', 'Extended')) {
            foreach ($replication in @(Get-VMReplication -ReplicationRelationshipType $relationship -ErrorAction 'SilentlyContinue')) {
                $replications += [pscustomobject]@{ Relationship = $relationship; Replication = $replication }
            }
        }
    }
    else {
        foreach ($replication in @(Get-VMReplication -ErrorAction 'SilentlyContinue')) {
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
)

# The groups, in the order their first records came (Get-VM's order for the VMs).
$groups = [ordered]@{}
foreach ($record in $records) {
    $key = 'Host'
    if ($record.Kind -eq 'VM') { $key = 'VM:' + $record.Id }
    elseif ($record.VMId) { $key = 'VM:' + $record.VMId }
    if ($null -eq $groups[$key]) { $groups[$key] = @($record) } else { $groups[$key] += $record }
}
$previous = $global:HvtuiInventory
$delta = $Since -ne '' -and $null -ne $previous -and $Since -ceq $previous.Token
$texts = @{}
$changed = @(foreach ($key in @($groups.Keys)) {
    $text = '{"Key":' + (ConvertTo-Json -InputObject $key -Compress) + ',"Records":' + (ConvertTo-Json -InputObject @($groups[$key]) -Depth 4 -Compress) + '}'
    $texts[$key] = $text
    if (-not $delta -or $previous.Texts[$key] -cne $text) { $text }
})
$removed = @()
if ($delta) {
    $removed = @(foreach ($key in @($previous.Texts.Keys)) { if ($null -eq $texts[$key]) { ConvertTo-Json -InputObject $key -Compress } })
}
$token = [guid]::NewGuid().ToString()
$global:HvtuiInventory = @{ Token = $token; Texts = $texts }
$full = 'true'
if ($delta) { $full = 'false' }
'{"Token":' + (ConvertTo-Json -InputObject $token -Compress) + ',"Full":' + $full + ',"Changed":[' + ($changed -join ',') + '],"Removed":[' + ($removed -join ',') + ']}'
