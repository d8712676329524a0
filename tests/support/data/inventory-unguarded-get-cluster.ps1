# hvtui: inventory
# Mutates: no
# The whole inventory of one Hyper-V host in one round trip.
# Output: a flat stream of PSCustomObjects, each tagged with a Kind, holding only
# scalars and string arrays. Flat records survive remoting's serialisation depth
# (nested objects deeper than one level arrive as strings) and decode in one pass.
# Enum values are emitted as their names: VMState numbering differs across hosts.
param(
    [int]$CheckpointLimit = 64
)

$ErrorActionPreference = 'Stop'

$os = Get-CimInstance -ClassName 'Win32_OperatingSystem'
$cpu = @(Get-CimInstance -ClassName 'Win32_Processor')
$vmhost = Get-VMHost
$supported = @()
$default = ''
if (Get-Command -Name 'Get-VMHostSupportedVersion' -ErrorAction 'SilentlyContinue') {
    $supported = @(Get-VMHostSupportedVersion | ForEach-Object { $_.Version.ToString(2) })
    $default = (Get-VMHostSupportedVersion -Default).Version.ToString(2)
}
$cluster = Get-Cluster -ErrorAction 'SilentlyContinue'
$clusterName = ''
if ($cluster) {
    $clusterName = [string]$cluster.Name
}

[pscustomobject]@{
    Kind = 'Host'
    ComputerName = [string]$vmhost.ComputerName
    OSName = [string]$os.Caption
    OSVersion = [string]$os.Version
    ProductType = [int]$os.ProductType
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
    EnhancedSessionMode = [bool]$vmhost.EnableEnhancedSessionMode
    VirtualHardDiskPath = [string]$vmhost.VirtualHardDiskPath
    VirtualMachinePath = [string]$vmhost.VirtualMachinePath
    SupportedVersions = [string[]]$supported
    DefaultVersion = [string]$default
    Switches = [string[]]@(Get-VMSwitch | ForEach-Object { $_.Name })
    Cluster = $clusterName
}

foreach ($volume in @(Get-Volume | Where-Object { $_.DriveLetter -or $_.FileSystemLabel })) {
    [pscustomobject]@{
        Kind = 'Volume'
        Path = [string]$volume.Path
        DriveLetter = [string]$volume.DriveLetter
        Label = [string]$volume.FileSystemLabel
        Size = [int64]$volume.Size
        FreeSpace = [int64]$volume.SizeRemaining
    }
}

foreach ($vm in @(Get-VM)) {
    $processor = Get-VMProcessor -VM $vm
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
        CompatibilityForMigration = [bool]$processor.CompatibilityForMigrationEnabled
        IsClustered = [bool]$vm.IsClustered
        Path = [string]$vm.Path
        ReplicationMode = [string]$vm.ReplicationMode
        Notes = [string]$vm.Notes
    }

    # The guest's own OS name comes from the KVP exchange (empty until the guest reports it).
    $kvp = Get-CimInstance -Namespace 'root\virtualization\v2' -ClassName 'Msvm_KvpExchangeComponent' -Filter "SystemName='$($vm.Id)'" -ErrorAction 'SilentlyContinue'
    $guestOs = ''
    if ($kvp) {
        foreach ($item in @($kvp.GuestIntrinsicExchangeItems)) {
            $xml = [xml]$item
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
    }

    foreach ($drive in @(Get-VMHardDiskDrive -VM $vm)) {
        $vhd = Get-VHD -Path $drive.Path -ErrorAction 'SilentlyContinue'
        [pscustomobject]@{
            Kind = 'Disk'
            VMId = [string]$vm.Id
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

    foreach ($snapshot in @(Get-VMSnapshot -VM $vm | Select-Object -First $CheckpointLimit)) {
        [pscustomobject]@{
            Kind = 'Checkpoint'
            VMId = [string]$vm.Id
            Id = [string]$snapshot.Id
            Name = [string]$snapshot.Name
            ParentId = [string]$snapshot.ParentSnapshotId
            CreationTime = $snapshot.CreationTime
            SnapshotType = [string]$snapshot.SnapshotType
        }
    }

    foreach ($adapter in @(Get-VMNetworkAdapter -VM $vm)) {
        [pscustomobject]@{
            Kind = 'NetworkAdapter'
            VMId = [string]$vm.Id
            Name = [string]$adapter.Name
            SwitchName = [string]$adapter.SwitchName
            MacAddress = [string]$adapter.MacAddress
            IPAddresses = [string[]]@($adapter.IPAddresses)
            Status = [string]($adapter.Status -join ', ')
        }
    }

    foreach ($service in @(Get-VMIntegrationService -VM $vm)) {
        [pscustomobject]@{
            Kind = 'IntegrationService'
            VMId = [string]$vm.Id
            Name = [string]$service.Name
            Enabled = [bool]$service.Enabled
            PrimaryStatus = [string]$service.PrimaryStatusDescription
            SecondaryStatus = [string]$service.SecondaryStatusDescription
        }
    }

    if ([string]$vm.ReplicationMode -ne 'None') {
        foreach ($relationship in @('Simple', 'Extended')) {
            $replication = Get-VMReplication -VM $vm -ReplicationRelationshipType $relationship -ErrorAction 'SilentlyContinue'
            if ($replication) {
                [pscustomobject]@{
                    Kind = 'Replication'
                    VMId = [string]$vm.Id
                    Relationship = $relationship
                    Mode = [string]$replication.Mode
                    State = [string]$replication.State
                    Health = [string]$replication.Health
                    PrimaryServer = [string]$replication.PrimaryServer
                    ReplicaServer = [string]$replication.ReplicaServer
                    FrequencySec = [int]$replication.FrequencySec
                    LastReplicationTime = $replication.LastReplicationTime
                }
            }
        }
    }
}

if ($cluster) {
    [pscustomobject]@{
        Kind = 'Cluster'
        Name = $clusterName
        DrainOnShutdown = [int]$cluster.DrainOnShutdown
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
