"""The objects emulated cmdlets return: Hyper-V, FailoverClusters, Storage and CIM objects
with the properties a host of that release has.

Each builder reads one piece of the estate and returns a :class:`~hvtui.lab.pwsh.PSObject`
shaped like the real class (``reference/object-shapes.md``): its type names, its properties
with their .NET types (enums as :class:`~hvtui.lab.pwsh.PSEnum`, sizes as int, times as
aware datetimes, durations as timedelta, ids as UUID), its ToString. A property a release
does not have is simply absent, so a script that reads it gets ``$null`` as on that host.
Where the reference cannot say when a property appeared, the lab takes the later release
(the stricter answer) and says UNCONFIRMED next to it.

Only properties the lab models are present: a script that reads anything else gets
``$null`` rather than a made-up value.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

from hvtui.lab import enums, live, services
from hvtui.lab.estate import (
    VM,
    Adapter,
    AuthorizationEntry,
    Checkpoint,
    Cluster,
    ClusterGroup,
    ClusterNode,
    Drive,
    DvdDrive,
    Estate,
    Host,
    ReplicationLink,
    SharedVolume,
    SwitchInfo,
    Vhd,
    Volume,
)
from hvtui.lab.pwsh import PSEnum, PSObject, PSVersion
from hvtui.lab.pwsh.values import Lazy, Setter
from hvtui.lab.releases import Release, has_property
from hvtui.reference import integration_services

Props = list[tuple[str, Any]]

_HV = "Microsoft.HyperV.PowerShell."
_FC = "Microsoft.FailoverClusters.PowerShell."
_EMPTY_GUID = uuid.UUID(int=0)

LOCALISED_SERVICE_NAMES: dict[str, dict[str, str]] = {
    # Get-VMIntegrationService on a German host, Name and Id (HyperVDsc#76, LabBuilder#183,
    # and a published listing of all six on a German 2016-era host); VSS stays 'VSS'.
    "de-DE": {
        "6C09BB55-D683-4DA0-8931-C9BF705F6480": "Gastdienstschnittstelle",
        "84EAAE65-2F2E-45F5-9BB5-0E857DC8EB47": "Takt",
        "2A34B1C2-FD73-4043-8A5B-DD2159BC743F": "Austausch von Schlüsselwertepaaren",
        "9F8233AC-BE49-4C79-8EE3-E7E1985B2077": "Herunterfahren",
        "2497F4DE-E9FA-4204-80E4-4B75C46419C0": "Zeitsynchronisierung",
        "5CED1297-4598-4915-A5FC-AD21BB4D02A4": "VSS",
    },
}
"""Integration-service display names per host language (English comes from the reference)."""


class View:
    """What one call sees of its host: the estate, the host, its release and the moment.

    ``elapsed`` is read once per call, so every object of one inventory describes the same
    instant (as one Get-VM call would).
    """

    __slots__ = ("estate", "host", "release", "language", "elapsed")

    def __init__(self, estate: Estate, host: Host, language: str = "en-US") -> None:
        self.estate = estate
        self.host = host
        self.release: Release = host.release
        self.language = language
        self.elapsed = estate.clock.elapsed()

    def at_least(self, key: str) -> bool:
        return self.release.at_least(key)

    def enum(self, enum_type: str, name: str) -> Any:
        return enums.value(enum_type, name, self.release.reference_key)

    def now(self) -> dt.datetime:
        return self.estate.clock.at(self.elapsed)


def _obj(view: View, type_names: tuple[str, ...], props: Props, to_string: Callable[[], str]
         ) -> PSObject:
    """The object, without the properties its class lacks on this release
    (``releases.PROPERTY_SINCE``, the one table of when a property appeared)."""
    cls = type_names[0].rsplit(".", 1)[-1]
    kept = [(name, value) for name, value in props if has_property(view.release, cls, name)]
    return PSObject(kept, type_names=(*type_names, "System.Object"), to_string=to_string)


def _uid(text: str) -> uuid.UUID:
    return uuid.UUID(text)


# --- integration services ---------------------------------------------------------------------


def service_ids(release: Release) -> list[str]:
    """GUIDs of the services a host of this release lists, in Get-VMIntegrationService order
    (``services.services_for``: 2012 R2's own order, alphabetical from 2016)."""
    by_name = {s.name: s for s in integration_services()}
    return [by_name[name].id for name in services.services_for(release)]


def english_service_name(service_id: str) -> str:
    return next(s.name for s in integration_services() if s.id == service_id)


def service_name(view: View, service_id: str) -> str:
    local = LOCALISED_SERVICE_NAMES.get(view.language, {})
    return local.get(service_id) or english_service_name(service_id)


# --- VM -----------------------------------------------------------------------------------------


def vm_status(vm: VM) -> str:
    if vm.busy:
        return vm.busy
    return vm.status or "Operating normally"


def vm_object(view: View, vm: VM) -> PSObject:
    """Get-VM's VirtualMachine."""
    estate, host = view.estate, view.host
    assigned, demand = live.memory(estate, vm, view.elapsed)
    vm_id = _uid(vm.id)
    status = vm_status(vm)
    heartbeat = services.heartbeat(vm)
    chain = estate.replication(vm)
    replication_state, replication_health = "Disabled", "NotApplicable"
    if chain is not None:
        link = chain.primary if vm.replication_mode in ("Primary", "Replica") else chain.extended
        if link is not None:
            receiving = vm.replication_mode in ("Replica", "ExtendedReplica")
            replication_state, replication_health = link.state_of(receiving), link.health
    props: Props = [
        ("VMName", vm.name),
        ("VMId", vm_id),
        ("ConfigurationLocation", vm.path),
        ("SmartPagingFileInUse", False),
        ("SmartPagingFilePath", vm.path),
        ("SnapshotFileLocation", vm.snapshot_location or vm.path),
        ("AutomaticStartAction", view.enum("StartAction", vm.start_action)),
        ("AutomaticStartDelay", vm.start_delay),
        ("AutomaticStopAction", view.enum("StopAction", vm.stop_action)),
        ("CPUUsage", live.cpu_usage(estate, vm, view.elapsed)),
        ("MemoryAssigned", assigned),
        ("MemoryDemand", demand),
        ("Heartbeat", view.enum("VMHeartbeatStatus", heartbeat) if heartbeat else None),
        ("Uptime", dt.timedelta(seconds=live.uptime(vm, view.elapsed))),
        ("PrimaryOperationalStatus", view.enum("VMOperationalStatus", "Ok")),
        ("PrimaryStatusDescription", "OK"),
        ("Status", status),
        ("ReplicationHealth", view.enum("ReplicationHealthState", replication_health)),
        ("ReplicationMode", view.enum("ReplicationMode", vm.replication_mode)),
        ("ReplicationState", view.enum("ReplicationState", replication_state)),
        ("ResourceMeteringEnabled", False),
        ("Notes", vm.notes),
        ("State", Lazy(lambda: view.enum("VMState", vm.display_state))),
        ("DynamicMemoryEnabled", vm.dynamic_memory),
        ("MemoryMaximum", vm.memory_maximum),
        ("MemoryMinimum", min(vm.memory_startup, vm.memory_minimum)),
        ("MemoryStartup", vm.memory_startup),
        ("ProcessorCount", vm.cpus),
        ("IsClustered", vm.clustered),
        ("ParentSnapshotId", _uid(vm.current_checkpoint) if vm.current_checkpoint else None),
        ("Path", vm.path),
        ("Id", vm_id),
        ("Name", vm.name),
        ("ComputerName", host.name),
        ("IsDeleted", False),
    ]
    props += [
        ("Generation", vm.generation),
        ("Version", vm.version),
        ("CheckpointType", view.enum("CheckpointType", vm.checkpoint_type)),
        ("AutomaticCriticalErrorAction", None),
        ("CheckpointFileLocation", vm.snapshot_location or vm.path),
        ("ParentCheckpointId", _uid(vm.current_checkpoint) if vm.current_checkpoint else None),
    ]
    return _obj(view, (_HV + "VirtualMachine", _HV + "VirtualMachineBase",
                 _HV + "VirtualizationObject"), props,
                lambda: f"VirtualMachine (Name = '{vm.name}') [Id = '{vm.id}']")


def processor_object(view: View, vm: VM) -> PSObject:
    """Get-VMProcessor's VMProcessor."""
    props: Props = [
        ("Count", vm.cpus),
        ("CompatibilityForMigrationEnabled", vm.compat),
        ("CompatibilityForOlderOperatingSystemsEnabled", False),
        ("Maximum", vm.cpu_limit),
        ("Reserve", vm.cpu_reserve),
        ("RelativeWeight", vm.cpu_weight),
        ("Name", "Processor"),
        ("VMName", vm.name),
        ("VMId", _uid(vm.id)),
        ("ComputerName", view.host.name),
        ("IsDeleted", False),
    ]
    return _obj(view, (_HV + "VMProcessor", _HV + "VMComponentObject",
                       _HV + "VirtualizationObject"), props,
                lambda: f"VMProcessor (VMName = '{vm.name}')")


def memory_object(view: View, vm: VM) -> PSObject:
    """Get-VMMemory's VMMemory."""
    props: Props = [
        ("Buffer", vm.memory_buffer),
        ("DynamicMemoryEnabled", vm.dynamic_memory),
        ("Maximum", vm.memory_maximum),
        ("Minimum", min(vm.memory_startup, vm.memory_minimum)),
        ("Priority", vm.memory_priority),
        ("Startup", vm.memory_startup),
        ("Name", "Memory"),
        ("VMName", vm.name),
        ("VMId", _uid(vm.id)),
        ("ComputerName", view.host.name),
        ("IsDeleted", False),
    ]
    return _obj(view, (_HV + "VMMemory", _HV + "VMComponentObject",
                       _HV + "VirtualizationObject"), props,
                lambda: f"VMMemory (VMName = '{vm.name}')")


# --- host -----------------------------------------------------------------------------------------


def vmhost_object(view: View) -> PSObject:
    """Get-VMHost's VMHost."""
    host = view.host
    props: Props = [
        ("ComputerName", host.name),
        ("Name", host.name),
        ("FullyQualifiedDomainName", host.fqdn),
        ("LogicalProcessorCount", host.logical_processors),
        ("MemoryCapacity", host.memory_capacity),
        ("NumaSpanningEnabled", host.numa_spanning),
        ("VirtualHardDiskPath", host.vhd_path),
        ("VirtualMachinePath", host.vm_path),
        ("MaximumStorageMigrations", host.max_storage_migrations),
        ("MaximumVirtualMachineMigrations", host.max_migrations),
        ("UseAnyNetworkForMigration", host.use_any_network),
        ("VirtualMachineMigrationAuthenticationType",
         view.enum("MigrationAuthenticationType", host.migration_auth)),
        ("VirtualMachineMigrationEnabled", host.migration_enabled),
        ("IsDeleted", False),
    ]
    props += [
        ("EnableEnhancedSessionMode", host.enhanced_session),
        ("VirtualMachineMigrationPerformanceOption",
         view.enum("MigrationPerformanceOption", host.migration_performance or "TCPIP")),
    ]
    return _obj(view, (_HV + "VMHost", _HV + "VirtualizationObject"), props, lambda: "VMHost")


def supported_version_object(view: View, version: str, default: bool) -> PSObject:
    """Get-VMHostSupportedVersion's VMHostSupportedVersion (2016+)."""
    props: Props = [("Version", PSVersion.parse(version)), ("IsDefault", default)]
    return _obj(view, (_HV + "VMHostSupportedVersion",), props, lambda: version)


def switch_object(view: View, name: str, info: SwitchInfo | None = None) -> PSObject:
    """Get-VMSwitch's VMSwitch: its type and, for an external switch, the physical adapter
    (the lab's interface description is the adapter's name; UNCONFIRMED: a host shows the
    driver's description, e.g. 'Intel(R) Ethernet Connection I217-LM')."""
    info = info or view.host.switch_of(name)
    external = info.type == "External"
    props: Props = [
        ("Name", name),
        ("SwitchType", view.enum("VMSwitchType", info.type)),
        ("NetAdapterInterfaceDescription", info.net_adapter if external else None),
        ("AllowManagementOS", info.management_os if external else info.type == "Internal"),
        ("ComputerName", view.host.name),
        ("IsDeleted", False),
    ]
    return _obj(view, (_HV + "VMSwitch", _HV + "VirtualizationObject"), props,
                lambda: f"VMSwitch (Name = '{name}')")


def volume_object(view: View, volume: Volume) -> PSObject:
    """Get-Volume's MSFT_Volume (a CIM instance of the Storage module)."""
    props: Props = [
        ("DriveLetter", volume.letter or None),
        ("DriveType", "Fixed"),
        ("FileSystem", "NTFS"),
        ("FileSystemLabel", volume.label),
        ("HealthStatus", "Healthy"),
        ("Path", volume.path),
        ("Size", volume.size),
        ("SizeRemaining", volume.free),
    ]
    return _obj(view, ("Microsoft.Management.Infrastructure.CimInstance#ROOT/Microsoft/Windows/"
                 "Storage/MSFT_Volume", "Microsoft.Management.Infrastructure.CimInstance"),
                props, lambda: "MSFT_Volume")


def partition_object(view: View, volume: Volume, number: int) -> PSObject:
    """Get-Partition's MSFT_Partition of a host volume: the lab puts each volume on its own
    partition of local disk 0, reachable by drive letter and volume GUID path."""
    paths = ([f"{volume.letter}:\\"] if volume.letter else []) + [volume.path]
    props: Props = [
        ("DiskNumber", 0),
        ("PartitionNumber", number),
        ("DriveLetter", volume.letter or None),
        ("AccessPaths", paths),
        ("Size", volume.size),
        ("Type", "Basic"),
    ]
    return _obj(view, ("Microsoft.Management.Infrastructure.CimInstance#ROOT/Microsoft/Windows/"
                       "Storage/MSFT_Partition", "Microsoft.Management.Infrastructure.CimInstance"),
                props, lambda: "MSFT_Partition")


# --- storage -------------------------------------------------------------------------------------


def drive_object(view: View, vm: VM, drive: Drive) -> PSObject:
    """Get-VMHardDiskDrive's HardDiskDrive."""
    name = (f"Hard Drive on {drive.controller_type} controller number "
            f"{drive.controller_number} at location {drive.controller_location}")
    props: Props = [
        ("Path", drive.path),
        ("DiskNumber", None),
        ("ControllerLocation", drive.controller_location),
        ("ControllerNumber", drive.controller_number),
        ("ControllerType", view.enum("ControllerType", drive.controller_type)),
        ("Name", name),
        ("PoolName", "Primordial"),
        ("VMName", vm.name),
        ("VMId", _uid(vm.id)),
        ("VMSnapshotId", _EMPTY_GUID),
        ("VMSnapshotName", ""),
        ("ComputerName", view.host.name),
        ("IsDeleted", False),
    ]
    props += [
        ("MaximumIOPS", drive.max_iops),
        ("MinimumIOPS", drive.min_iops),
        ("SupportPersistentReservations", drive.shared),
    ]
    return _obj(view, (_HV + "HardDiskDrive", _HV + "Drive", _HV + "VMDevice",
                 _HV + "VMComponentObject", _HV + "VirtualizationObject"), props,
                lambda: f"HardDiskDrive (Name = '{name}') [VMName = '{vm.name}']")


def dvd_object(view: View, vm: VM, dvd: DvdDrive) -> PSObject:
    """Get-VMDvdDrive's DvdDrive (the properties the catalog reads; UNCONFIRMED: the
    reference has no sample of this object, so DvdMediaType is left out)."""
    name = (f"DVD Drive on {dvd.controller_type} controller number {dvd.controller_number} "
            f"at location {dvd.controller_location}")
    props: Props = [
        ("Path", dvd.path or None),
        ("ControllerLocation", dvd.controller_location),
        ("ControllerNumber", dvd.controller_number),
        ("ControllerType", view.enum("ControllerType", dvd.controller_type)),
        ("Name", name),
        ("VMName", vm.name),
        ("VMId", _uid(vm.id)),
        ("ComputerName", view.host.name),
    ]
    return _obj(view, (_HV + "DvdDrive", _HV + "Drive", _HV + "VMDevice",
                       _HV + "VMComponentObject", _HV + "VirtualizationObject"), props,
                lambda: f"DvdDrive (Name = '{name}') [VMName = '{vm.name}']")


def vhd_object(view: View, vhd: Vhd, attached: bool) -> PSObject:
    """Get-VHD's VirtualHardDisk."""
    props: Props = [
        ("Path", vhd.path),
        ("VhdFormat", view.enum("VhdFormat", vhd.format)),
        ("VhdType", view.enum("VhdType", vhd.type)),
        ("FileSize", vhd.file_size),
        ("Size", vhd.size),
        ("MinimumSize", vhd.minimum_size),
        ("LogicalSectorSize", 512),
        ("PhysicalSectorSize", 4096 if vhd.format == "VHDX" else 512),
        ("BlockSize", vhd.block_size),
        ("ParentPath", vhd.parent_path or None),
        ("FragmentationPercentage", 0),
        ("Alignment", 1),
        ("Attached", attached),
        ("DiskNumber", None),
    ]
    props[:0] = [("ComputerName", view.host.name)]
    props.append(("DiskIdentifier", str(uuid.uuid5(uuid.NAMESPACE_URL, vhd.path)).upper()))
    return _obj(view, ("Microsoft.Vhd.PowerShell.VirtualHardDisk",), props,
                lambda: "Microsoft.Vhd.PowerShell.VirtualHardDisk")


def snapshot_object(view: View, vm: VM, checkpoint: Checkpoint) -> PSObject:
    """Get-VMSnapshot's VMSnapshot."""
    parent = next((c for c in vm.checkpoints if c.id == checkpoint.parent_id), None)
    props: Props = [
        ("Id", _uid(checkpoint.id)),
        ("Name", checkpoint.name),
        ("VMId", _uid(vm.id)),
        ("VMName", vm.name),
        ("SnapshotType", view.enum("SnapshotType", checkpoint.snapshot_type)),
        ("State", view.enum("VMState", checkpoint.captured_state)),
        ("ParentSnapshotId", _uid(parent.id) if parent else None),
        ("ParentSnapshotName", parent.name if parent else None),
        ("CreationTime", checkpoint.created),
        ("Path", vm.path),
        ("Notes", ""),
        ("ComputerName", view.host.name),
        ("IsDeleted", False),
    ]
    props += [("Generation", vm.generation), ("Version", vm.version),
              ("IsAutomaticCheckpoint", False),
              ("ParentCheckpointId", _uid(parent.id) if parent else None),
              ("ParentCheckpointName", parent.name if parent else None)]
    return _obj(view, (_HV + "VMSnapshot", _HV + "VirtualMachineBase",
                       _HV + "VirtualizationObject"), props,
                lambda: f"VMSnapshot (Name = '{checkpoint.name}') [VMName = '{vm.name}']")


# --- network and integration services ----------------------------------------------------------


def _vlan_setting(view: View, vm: VM, adapter: Adapter) -> PSObject:
    """VMNetworkAdapter.VlanSetting (what Get-VMNetworkAdapterVlan writes): access mode or
    untagged, the two modes the lab models. UNCONFIRMED numbers: the reference lists no
    VMNetworkAdapterVlanMode enum; Untagged 0, Access 1 as the module's enum declares them."""
    mode = PSEnum("Microsoft.HyperV.PowerShell.VMNetworkAdapterVlanMode",
                  "Access" if adapter.vlan else "Untagged", 1 if adapter.vlan else 0)
    props: Props = [
        ("OperationMode", mode),
        ("AccessVlanId", adapter.vlan),
        ("ParentAdapter", adapter.name),
        ("ComputerName", view.host.name),
    ]
    return _obj(view, (_HV + "VMNetworkAdapterVlanSetting", _HV + "VirtualizationObject"),
                props, lambda: f"VMNetworkAdapterVlanSetting (VMName = '{vm.name}')")


def adapter_object(view: View, vm: VM, adapter: Adapter, reporting: bool = True) -> PSObject:
    """Get-VMNetworkAdapter's VMNetworkAdapter (guest addresses only while ``reporting``)."""
    # Status: VMNetworkAdapterOperationalStatus[]; 'Ok' (2) while the VM runs (UNCONFIRMED
    # number: the reference lists no such enum; 2 is CIM's OperationalStatus OK).
    status = ([PSEnum("Microsoft.HyperV.PowerShell.VMNetworkAdapterOperationalStatus",
                             "Ok", 2)] if vm.active else [])
    name = adapter.name

    def on_off(on: bool) -> object:
        return view.enum("OnOffState", "On" if on else "Off")

    props: Props = [
        ("Name", name),
        ("SwitchName", adapter.switch or None),
        ("MacAddress", adapter.mac),
        ("IPAddresses", list(adapter.ips) if reporting else []),
        ("Status", status),
        ("Connected", bool(adapter.switch)),
        ("IsLegacy", adapter.legacy),
        ("MacAddressSpoofing", on_off(adapter.mac_spoofing)),
        ("DhcpGuard", on_off(adapter.dhcp_guard)),
        ("RouterGuard", on_off(adapter.router_guard)),
        ("VlanSetting", _vlan_setting(view, vm, adapter)),
        ("VMName", vm.name),
        ("VMId", _uid(vm.id)),
        ("ComputerName", view.host.name),
        ("IsDeleted", False),
    ]
    names = ((_HV + "VMNetworkAdapter",) if not adapter.legacy else
             (_HV + "VMLegacyNetworkAdapter", _HV + "VMNetworkAdapter"))
    return _obj(view, (*names, _HV + "VMNetworkAdapterBase", _HV + "VMDevice",
                       _HV + "VMComponentObject", _HV + "VirtualizationObject"), props,
                lambda: f"VMNetworkAdapter (Name = '{name}', VMName = '{vm.name}')")


def integration_object(view: View, vm: VM, service_id: str, primary: str, secondary: str,
                       ) -> PSObject:
    """Get-VMIntegrationService's VMIntegrationComponent (name in the host's language)."""
    name = service_name(view, service_id)
    full_id = f"Microsoft:{vm.id.upper()}\\{service_id}"
    enabled = services.service_enabled(vm, english_service_name(service_id))
    props: Props = [
        ("Enabled", enabled),
        ("PrimaryStatusDescription", primary or None),
        ("SecondaryStatusDescription", secondary or None),
        ("Name", name),
        ("Id", full_id),
        ("VMName", vm.name),
        ("VMId", _uid(vm.id)),
        ("VMSnapshotId", _EMPTY_GUID),
        ("VMSnapshotName", ""),
        ("ComputerName", view.host.name),
        ("IsDeleted", False),
    ]
    return _obj(view, (_HV + "VMIntegrationComponent", _HV + "VMDevice",
                       _HV + "VMComponentObject", _HV + "VirtualizationObject"), props,
                lambda: f"VMIntegrationComponent (Name = '{name}', VMName = '{vm.name}') "
                               f"[Id = '{full_id}']")


# --- replication --------------------------------------------------------------------------------


def replication_object(view: View, vm: VM, relationship: str, mode: str, link: ReplicationLink,
                       ) -> PSObject:
    """Get-VMReplication's VMReplication.

    The class's properties (object-shapes.md S1) plus the two aliases scripts are seen to
    read (``State``, ``Health``: centreon's 2012 plugin); ``Mode``, ``FrequencySec``,
    ``PrimaryServer`` and ``ReplicaServer`` are only column labels of the default table, so
    they are not here. ``ReplicationRelationshipType`` and ``ReplicationFrequencySec`` are
    2012 R2's (2012 replicates every five minutes, fixed; cmdlets-by-release.md).
    """
    estate = view.estate
    state = view.enum("ReplicationState", link.state_of(mode in ("Replica", "ExtendedReplica")))
    health = view.enum("ReplicationHealthState", link.health)
    props: Props = [
        ("VMName", vm.name),
        ("VMId", _uid(vm.id)),
        ("ReplicationMode", view.enum("ReplicationMode", mode)),
        ("ReplicationState", state),
        ("ReplicationHealth", health),
        ("State", state),
        ("Health", health),
        ("PrimaryServerName", estate.server_name(link.source)),
        ("ReplicaServerName", estate.server_name(link.target)),
        ("CurrentReplicaServerName", estate.server_name(link.target)),
        ("LastReplicationTime", live.last_replication(estate, link, view.elapsed)),
        ("AuthenticationType", view.enum("ReplicationAuthenticationType", link.auth)),
        ("ReplicaServerPort", link.port),
        ("ComputerName", view.host.name),
        ("IsDeleted", False),
    ]
    props += [
        ("ReplicationFrequencySec", link.frequency),
        ("ReplicationRelationshipType", view.enum("ReplicationRelationshipType", relationship)),
    ]
    return _obj(view, (_HV + "VMReplication", _HV + "VirtualizationObject"), props,
                lambda: f"VMReplication (VMName = '{vm.name}')")


def replication_server_object(view: View) -> PSObject:
    """Get-VMReplicationServer's VMReplicationServer (the class as the module 2.0 reflection
    stub declares it; the port mappings and monitoring schedule are not modelled)."""
    host = view.host
    server = host.replica_server
    props: Props = [
        ("ReplicationEnabled", server.enabled),
        ("AllowedAuthenticationType", view.enum("RecoveryAuthenticationType", server.auth)),
        ("ReplicationAllowedFromAnyServer", server.from_any),
        ("CertificateThumbprint", server.thumbprint or None),
        ("KerberosAuthenticationPort", server.kerberos_port),
        ("CertificateAuthenticationPort", server.certificate_port),
        ("DefaultStorageLocation", host.replica_storage),
        ("AuthorizationEntries",
         [authorization_entry_object(view, entry) for entry in server.entries]),
        ("ComputerName", host.name),
        ("IsDeleted", False),
    ]
    return _obj(view, (_HV + "VMReplicationServer",), props,
                lambda: _HV + "VMReplicationServer")


def authorization_entry_object(view: View, entry: AuthorizationEntry) -> PSObject:
    """New-/Get-VMReplicationAuthorizationEntry's VMReplicationAuthorizationEntry."""
    props: Props = [
        ("AllowedPrimaryServer", entry.allowed_primary),
        ("ReplicaStorageLocation", entry.storage),
        ("TrustGroup", entry.trust_group),
        ("ComputerName", view.host.name),
        ("IsDeleted", False),
    ]
    return _obj(view, (_HV + "VMReplicationAuthorizationEntry",), props,
                lambda: _HV + "VMReplicationAuthorizationEntry")


# --- cluster ------------------------------------------------------------------------------------


def node_object(view: View, cluster: Cluster, node: ClusterNode) -> PSObject:
    """Get-ClusterNode's ClusterNode (its ToString is its name)."""
    props: Props = [
        ("Name", node.name),
        ("NodeName", node.name),
        ("State", view.enum("ClusterNodeState", node.state)),
        ("DrainStatus", view.enum("ClusterNodeDrainStatus", node.drain_status)),
        ("Cluster", cluster.name),
    ]
    return _obj(view, (_FC + "ClusterNode", _FC + "ClusterObject"), props, lambda: node.name)


def cluster_object(view: View, cluster: Cluster, write: Callable[[int], None]) -> PSObject:
    """Get-Cluster's Cluster. ``DrainOnShutdown`` (2012 R2+, UInt32) writes through to the
    cluster when a script assigns it, as the common property does (R-CL-1)."""
    props: Props = [
        ("Name", cluster.name),
        ("Domain", view.estate.domain),
    ]
    props.append(("DrainOnShutdown",
                  Setter(lambda: cluster.drain_on_shutdown, lambda v: write(int(v)))))
    return _obj(view, (_FC + "Cluster", _FC + "ClusterObject"), props, lambda: cluster.name)


def group_object(view: View, cluster: Cluster, group: ClusterGroup, state: str,
                 owner: PSObject | None) -> PSObject:
    """Get-ClusterGroup's ClusterGroup of a VM role (GroupType VirtualMachine)."""
    props: Props = [
        ("Name", group.name),
        ("OwnerNode", owner),
        ("State", view.enum("ClusterGroupState", state)),
        ("Priority", group.priority),
        ("GroupType", view.enum("GroupType", "VirtualMachine")),
        ("Cluster", cluster.name),
        ("IsCoreGroup", False),
    ]
    return _obj(view, (_FC + "ClusterGroup", _FC + "ClusterObject"), props, lambda: group.name)


def shared_volume_object(view: View, cluster: Cluster, csv: SharedVolume,
                         owner: PSObject | None) -> PSObject:
    """Get-ClusterSharedVolume's ClusterSharedVolume, with SharedVolumeInfo ->
    ClusterSharedVolumeInfo (FriendlyVolumeName, Partition -> Size, FreeSpace)."""
    partition = _obj(view, (_FC + "ClusterDiskPartitionInfo",),
                     [("Size", csv.size), ("FreeSpace", csv.free),
                      ("UsedSpace", csv.size - csv.free),
                      ("PercentFree", round(100 * csv.free / csv.size, 6) if csv.size else 0.0)],
                     lambda: "Microsoft.FailoverClusters.PowerShell.ClusterDiskPartitionInfo")
    info = _obj(view, (_FC + "ClusterSharedVolumeInfo",),
                [("FriendlyVolumeName", csv.path), ("Partition", partition),
                 ("MaintenanceMode", False), ("RedirectedAccess", False)],
                lambda: "Microsoft.FailoverClusters.PowerShell.ClusterSharedVolumeInfo")
    props: Props = [
        ("Name", csv.name),
        ("OwnerNode", owner),
        ("State", view.enum("ClusterResourceState", csv.state)),
        ("SharedVolumeInfo", [info]),
        ("Cluster", cluster.name),
    ]
    return _obj(view, (_FC + "ClusterSharedVolume", _FC + "ClusterObject"), props, lambda: csv.name)


# --- migration ----------------------------------------------------------------------------------

OPERATION_TYPES = {"MoveVirtualMachine": 0, "ImportVirtualMachine": 1,
                   "MoveVirtualMachineAndStorage": 2}
"""Microsoft.HyperV.PowerShell.OperationType (the reference has no entry; numbers from the
decompiled module, nforgeio/neonSDK ``Microsoft/HyperV/PowerShell/OperationType.cs``)."""


def compatibility_error_object(view: View, message: str, message_id: int) -> PSObject:
    """One VMCompatibilityError of a report: Message and MessageId (Int64). Its Source (the
    object the error is about) is not modelled, so it is absent and reads as $null."""
    props: Props = [("Message", message), ("MessageId", message_id)]
    return _obj(view, (_HV + "VMCompatibilityError",), props,
                lambda: _HV + "VMCompatibilityError")


def compatibility_report_object(view: View, planned: PSObject, storage: bool, destination: str,
                                incompatibilities: list[PSObject]) -> PSObject:
    """Compare-VM's VMCompatibilityReport for a move (VirtualMachine.CheckCompatibility in
    the decompiled module): ``VM`` is the planned VM on the destination, ``Destination``
    the name as given, the import-only paths $null, ``Incompatibilities`` an array (empty
    when the move would work)."""
    operation = "MoveVirtualMachineAndStorage" if storage else "MoveVirtualMachine"
    props: Props = [
        ("VM", planned),
        ("OperationType", PSEnum(_HV + "OperationType", operation, OPERATION_TYPES[operation])),
        ("Destination", destination),
        ("Path", None),
        ("SnapshotPath", None),
        ("VhdDestinationPath", None),
        ("VhdSourcePath", None),
        ("Incompatibilities", list(incompatibilities)),
    ]
    return _obj(view, (_HV + "VMCompatibilityReport",), props,
                lambda: _HV + "VMCompatibilityReport")


# --- import (issue 11, importvm) -------------------------------------------------------------


def import_report_object(view: View, planned: PSObject, paths: dict[str, str | None],
                         incompatibilities: list[PSObject]) -> PSObject:
    """Compare-VM -Path's VMCompatibilityReport (CreateReportForImport in the decompiled
    module): OperationType ImportVirtualMachine, ``Destination`` the host, ``paths`` the
    Path, SnapshotPath, VhdDestinationPath and VhdSourcePath it was made with."""
    props: Props = [
        ("VM", planned),
        ("OperationType", PSEnum(_HV + "OperationType", "ImportVirtualMachine",
                                 OPERATION_TYPES["ImportVirtualMachine"])),
        ("Destination", view.host.name),
        *((name, paths.get(name)) for name in ("Path", "SnapshotPath", "VhdDestinationPath",
                                               "VhdSourcePath")),
        ("Incompatibilities", list(incompatibilities)),
    ]
    return _obj(view, (_HV + "VMCompatibilityReport",), props,
                lambda: _HV + "VMCompatibilityReport")
