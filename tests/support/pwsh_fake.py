"""A small fake Hyper-V host for the PowerShell engine's tests (and its benchmark).

Not the lab: a handful of cmdlets declared with the parameters the catalog scripts use,
returning PSObjects shaped like Hyper-V's, and recording every call. Enough to run every
catalog script through the engine and see what a script does on a host with (or without)
a given command.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from hvtui.lab.pwsh import (
    Command,
    ConversionError,
    Identity,
    Invocation,
    Parameter,
    ParameterSet,
    PSEnum,
    PSErrorRecord,
    PSObject,
)
from hvtui.lab.pwsh.members import VOID
from hvtui.remote.base import ProgressRecord

VM_TYPE = "Microsoft.HyperV.PowerShell.VirtualMachine"
VM_STATES = {"Off": 3, "Running": 2, "Saved": 6, "Paused": 9}


_CIM = "Microsoft.Management.Infrastructure.CimInstance#root/virtualization/v2/"


def spec(text: str) -> tuple[Parameter, ...]:
    """Parameters from a compact spec: ``Name:String[]!@0|p|n Force:SwitchParameter``
    (! mandatory, @N position, |p by value, |n by property name)."""
    out = []
    for token in text.split():
        name, _, rest = token.partition(":")
        type_name = rest
        for mark in ("!", "@", "|"):
            type_name = type_name.split(mark, 1)[0]
        position = None
        if "@" in rest:
            position = int(rest.split("@", 1)[1].split("|", 1)[0].rstrip("!"))
        out.append(Parameter(name, type_name or "Object", mandatory="!" in rest,
                             position=position, from_pipeline="|p" in rest,
                             by_property_name="|n" in rest))
    return tuple(out)


def enum(type_name: str, name: str, value: int = 0) -> PSEnum:
    return PSEnum(type_name, name, value)


@dataclass
class FakeVM:
    name: str
    state: str = "Running"
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    replication: str = "None"
    disks: int = 1
    snapshots: int = 0

    def ps(self) -> PSObject:
        return PSObject([
            ("Id", self.id), ("VMId", self.id), ("Name", self.name),
            ("State", enum("Microsoft.HyperV.PowerShell.VMState", self.state,
                           VM_STATES.get(self.state, 2))),
            ("CPUUsage", 3), ("MemoryAssigned", 2 * 1024**3), ("MemoryDemand", 1024**3),
            ("MemoryStartup", 2 * 1024**3), ("DynamicMemoryEnabled", True),
            ("Uptime", dt.timedelta(hours=5, seconds=12.5)),
            ("Status", "Operating normally"), ("Generation", 2), ("Version", "9.0"),
            ("Heartbeat", enum("Microsoft.HyperV.PowerShell.VMHeartbeatStatus",
                               "OkApplicationsHealthy", 2)),
            ("ProcessorCount", 2), ("IsClustered", False), ("Path", f"C:\\VMs\\{self.name}"),
            ("ReplicationMode", enum("Microsoft.HyperV.PowerShell.VMReplicationMode",
                                     self.replication, 0 if self.replication == "None" else 1)),
            ("Notes", ""),
        ], type_names=(VM_TYPE, "Microsoft.HyperV.PowerShell.VirtualizationObject",
                       "System.Object"), to_string=lambda: f"VirtualMachine (Name = '{self.name}')")


@dataclass
class FakeHost:
    """One host: its VMs, whether FailoverClusters is installed, and a call log."""

    vms: list[FakeVM] = field(default_factory=lambda: [FakeVM("web01"), FakeVM("db01", "Off")])
    clustered: bool = False
    ps_version: tuple[int, int] = (5, 1)
    ps_edition: str = "Desktop"
    missing: set[str] = field(default_factory=set)
    """Commands this host lacks (lower-cased)."""
    missing_parameters: dict[str, set[str]] = field(default_factory=dict)
    """Parameters this host's version of a command lacks: lower-cased command -> names."""
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    progress_seen: list[ProgressRecord] = field(default_factory=list)
    slept: float = 0.0

    def __post_init__(self) -> None:
        self._commands = {c.name.lower(): c for c in self._build()}
        for name, lacking in self.missing_parameters.items():
            command = self._commands[name]
            sets = tuple(ParameterSet(s.name, tuple(p for p in s.parameters
                                                    if p.name not in lacking))
                         for s in command.parameter_sets)
            self._commands[name] = replace(command, parameter_sets=sets, cache={})
        self._by_id: dict[uuid.UUID, FakeVM] = {}

    # --- Runtime ---------------------------------------------------------------------------

    def command(self, name: str) -> Command | None:
        key = name.lower()
        if key in self.missing:
            return None
        if not self.clustered and "cluster" in key:
            return None
        return self._commands.get(key)

    def convert(self, value: Any, type_name: str) -> Any:
        element = type_name[:-2] if type_name.endswith("[]") else type_name
        if element == "VirtualMachine":
            items = value if isinstance(value, list) else [value]
            for item in items:
                if not (isinstance(item, PSObject) and VM_TYPE in item.type_names):
                    raise ConversionError(
                        f'Cannot convert the "{item}" value of type "{type(item).__name__}" '
                        f'to type "{VM_TYPE}".')
            return items if type_name.endswith("[]") else items[0]
        if element in ("VMReplicationRelationshipType", "FileSource", "ClusterFailbackType",
                       "ClusterMigrationType", "VMState", "OnOffState"):
            return str(value)
        raise ConversionError(f'Unable to find type [{type_name}].')

    def windows_identity(self) -> Identity:
        return Identity("CONTOSO\\hvadmin", "S-1-5-21-1-2-3-1105",
                        ("S-1-1-0", "S-1-5-32-578", "S-1-5-32-545"))

    def on_progress(self, record: ProgressRecord) -> None:
        self.progress_seen.append(record)

    def sleep(self, seconds: float) -> None:
        self.slept += seconds

    def new_object(self, type_name: str, args: list[Any]) -> Any:
        """A named pipe whose guest never answers (serial console, issue 12)."""
        if type_name != "System.IO.Pipes.NamedPipeClientStream":
            return None
        self.calls.append(("New-Object", {"TypeName": type_name, "ArgumentList": args}))
        task = PSObject([("Result", 0)], methods={"wait": lambda ms=-1: False})
        return PSObject([], methods={"connect": lambda ms=-1: VOID,
                                     "write": lambda data, start, count: VOID,
                                     "flush": lambda: VOID,
                                     "readasync": lambda buffer, start, count: task,
                                     "dispose": lambda: VOID})

    # --- the estate --------------------------------------------------------------------------

    def find(self, inv: Invocation) -> list[FakeVM]:
        if "VM" in inv.args:
            if len(self._by_id) != len(self.vms):
                self._by_id = {vm.id: vm for vm in self.vms}
            return [self._by_id[vm.get("Id")] for vm in inv.args["VM"]
                    if vm.get("Id") in self._by_id]
        if "Id" in inv.args and inv.command.name == "Get-VM":
            return [vm for vm in self.vms if str(vm.id) == str(inv.args["Id"]).lower()]
        names = inv.args.get("VMName") or inv.args.get("Name")
        if names is None:
            return list(self.vms)
        patterns = [n.lower() for n in (names if isinstance(names, list) else [names])]
        # Hyper-V reads -Name/-VMName as wildcard patterns; a pattern matching nothing is
        # no error, a plain name matching nothing is.
        found = [vm for vm in self.vms
                 if any(fnmatch.fnmatchcase(vm.name.lower(), p) for p in patterns)]
        if not found and not any(set(p) & set("*?[") for p in patterns):
            inv.write_error(PSErrorRecord(
                message=f'Hyper-V was unable to find a virtual machine with name "{names}".',
                category="ObjectNotFound", fqid="InvalidParameter,Microsoft.HyperV.PowerShell."
                "Commands." + inv.command.name.replace("-", ""), reason="VirtualizationException",
                exception_type="Microsoft.HyperV.PowerShell.VirtualizationException"))
        return found

    def _log(self, inv: Invocation) -> None:
        self.calls.append((inv.command.name, dict(inv.args)))

    def _build(self) -> list[Command]:
        def cmd(name: str, sets: dict[str, str] | str, invoke: Callable[[Invocation], None],
                *, module: str = "Hyper-V", impact: str = "Medium", should: bool = False,
                default: str | None = None) -> Command:
            if isinstance(sets, str):
                sets = {"Default": sets}
            return Command(name, module,
                           tuple(ParameterSet(n, spec(s)) for n, s in sets.items()),
                           default or next(iter(sets)), invoke, supports_should_process=should,
                           confirm_impact=impact,
                           type_name="Microsoft.HyperV.PowerShell.Commands." +
                           name.replace("-", ""))

        def emit(values: Iterable[Any]) -> Callable[[Invocation], None]:
            items = list(values)

            def invoke(inv: Invocation) -> None:
                self._log(inv)
                for item in items:
                    inv.write(item)

            return invoke

        def by_vm(make: Callable[[FakeVM], Iterable[Any]]) -> Callable[[Invocation], None]:
            def invoke(inv: Invocation) -> None:
                self._log(inv)
                for vm in self.find(inv):
                    for item in make(vm):
                        inv.write(item)

            return invoke

        def act(state: str | None = None, *, confirm: str | None = None
                ) -> Callable[[Invocation], None]:
            def invoke(inv: Invocation) -> None:
                self._log(inv)
                for vm in self.find(inv):
                    if confirm and not inv.should_process(vm.name):
                        continue
                    if state is not None:
                        vm.state = state
            return invoke

        vm_sets = {"Name": "Name:String[]!@0|n Passthru:SwitchParameter",
                   "VMObject": "VM:VirtualMachine[]!@0|p Passthru:SwitchParameter"}
        os_info = PSObject([("Caption", "Microsoft Windows Server 2019 Datacenter"),
                            ("Version", "10.0.17763"), ("ProductType", 3),
                            ("FreePhysicalMemory", 8 * 1024**2)])
        cpu = PSObject([("LoadPercentage", 12), ("Manufacturer", "GenuineIntel"),
                        ("Name", "Intel(R) Xeon(R)")])

        def cim(inv: Invocation) -> None:
            self._log(inv)
            cls = inv.args["ClassName"].lower()
            if cls == "win32_operatingsystem":
                inv.write(os_info)
            elif cls == "win32_processor":
                inv.write(cpu)
                inv.write(cpu)
            # VM screen as text (issue 12, thumbs)
            elif cls == "msvm_virtualsystemmanagementservice":
                inv.write(PSObject([("Name", "vmms")], type_names=(_CIM + "Msvm_Virtual"
                                                                   "SystemManagementService",)))
            elif cls == "msvm_virtualsystemsettingdata":
                for vm in self.vms:
                    wanted = f"InstanceID='Microsoft:{str(vm.id).upper()}'"
                    if str(inv.args.get("Filter", "")).lower() == wanted.lower():
                        inv.write(PSObject([("InstanceID", f"Microsoft:{vm.id}")]))
            elif cls == "msvm_keyboard":
                for vm in self.vms:
                    wanted = f"SystemName='{str(vm.id).upper()}'"
                    if vm.state == "Running" and str(inv.args.get("Filter", "")).lower() \
                            == wanted.lower():
                        inv.write(PSObject([("SystemName", str(vm.id).upper())]))

        def supported(inv: Invocation) -> None:
            self._log(inv)
            versions = ["8.0", "9.0"] if not inv.args.get("Default") else ["9.0"]
            from hvtui.lab.pwsh import PSVersion

            for text in versions:
                major, minor = text.split(".")
                inv.write(PSObject([("Version", PSVersion(int(major), int(minor))),
                                    ("Name", f"Microsoft Windows Server {text}")]))

        vmhost = PSObject([
            ("ComputerName", "HV-FAKE"), ("LogicalProcessorCount", 16),
            ("MemoryCapacity", 64 * 1024**3), ("VirtualMachineMigrationEnabled", True),
            ("VirtualMachineMigrationAuthenticationType",
             enum("Microsoft.HyperV.PowerShell.MigrationAuthenticationType", "Kerberos", 1)),
            ("VirtualMachineMigrationPerformanceOption",
             enum("Microsoft.HyperV.PowerShell.VMMigrationPerformance", "Compression", 1)),
            ("MaximumVirtualMachineMigrations", 2), ("UseAnyNetworkForMigration", False),
            ("EnableEnhancedSessionMode", False), ("VirtualHardDiskPath", "C:\\VHDs"),
            ("VirtualMachinePath", "C:\\VMs"),
        ])
        cluster = PSObject([("Name", "CLU1"), ("DrainOnShutdown", 1)], settable=True)

        def snapshot(vm: FakeVM, i: int) -> PSObject:
            return PSObject([("Id", uuid.UUID(int=i + 1)), ("VMId", vm.id),
                             ("Name", f"{vm.name} - cp{i}"), ("ParentSnapshotId", None),
                             ("CreationTime", dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)),
                             ("SnapshotType", enum("Microsoft.HyperV.PowerShell.SnapshotType",
                                                   "Standard", 0))])

        def snapshots(inv: Invocation) -> None:
            self._log(inv)
            vms = self.vms if "Id" in inv.args else self.find(inv)
            for vm in vms:
                for i in range(vm.snapshots):
                    found = snapshot(vm, i)
                    if "Id" not in inv.args or str(found.get("Id")) == str(inv.args["Id"]):
                        inv.write(found)

        def replication(inv: Invocation) -> None:
            self._log(inv)
            for vm in self.find(inv):
                if vm.replication == "None":
                    continue
                if inv.args.get("ReplicationRelationshipType", "Simple") != "Simple":
                    continue
                # The VMReplication class's own names (object-shapes.md, S1), and the
                # State/Health aliases scripts are seen reading.
                inv.write(PSObject([
                    ("VMId", vm.id), ("VMName", vm.name),
                    ("ReplicationMode", enum("Microsoft.HyperV.PowerShell.VMReplicationMode",
                                             vm.replication, 1)),
                    ("ReplicationState", "Replicating"), ("ReplicationHealth", "Normal"),
                    ("State", "Replicating"), ("Health", "Normal"),
                    ("PrimaryServerName", "HV-FAKE"), ("ReplicaServerName", "HV-DR"),
                    ("ReplicationFrequencySec", 300), ("LastReplicationTime", None)]))

        def services(inv: Invocation) -> None:
            self._log(inv)
            wanted = {n.lower() for n in inv.args.get("Name") or []}
            for vm in self.find(inv):
                for name, guid in (("Heartbeat", "84EAAE65-2F2E-45F5-9BB5-0E857DC8EB47"),
                                   ("Guest Service Interface",
                                    "6C09BB55-D683-4DA0-8931-C9BF705F6480")):
                    if wanted and name.lower() not in wanted:
                        continue
                    inv.write(PSObject([
                        ("VMId", vm.id), ("Id", f"Microsoft:{str(vm.id).upper()}\\{guid}"),
                        ("Name", name),
                        ("Enabled", name != "Guest Service Interface"),
                        ("PrimaryStatusDescription", "OK"), ("SecondaryStatusDescription", "")]))

        def checkpoint(inv: Invocation) -> None:
            self._log(inv)
            for vm in self.find(inv):
                vm.snapshots += 1
                if inv.args.get("Passthru"):
                    inv.write(snapshot(vm, vm.snapshots))

        def compare(inv: Invocation) -> None:
            self._log(inv)
            if "Path" in inv.args:  # import (importvm): a report on the exported VM
                inv.write(PSObject([("VM", PSObject([("Name", "web01"), ("Id", "x"),
                                                      ("Version", "8.0"), ("Generation", 2)])),
                                    ("Incompatibilities", None)]))
                return
            self.find(inv)
            inv.write(PSObject([("Incompatibilities", None)]))

        def progress_wait(inv: Invocation) -> None:
            self._log(inv)
            for vm in self.find(inv):
                for percent in (0, 50, 100):
                    inv.progress("Exporting", vm.name, percent)
                    inv.sleep(1)

        def vhd(inv: Invocation) -> None:
            self._log(inv)
            inv.write(PSObject([("Path", inv.args["Path"]), ("VhdFormat", "VHDX"),
                                ("VhdType", "Dynamic"), ("Size", 40 * 1024**3),
                                ("FileSize", 9 * 1024**3), ("MinimumSize", 20 * 1024**3),
                                ("BlockSize", 32 * 1024**2), ("ParentPath", "")]))

        def drive_passthru(inv: Invocation) -> None:
            self._log(inv)
            for vm in self.find(inv):
                inv.write(PSObject([("VMId", vm.id), ("Path", inv.args.get("Path", "")),
                                    ("ControllerType", inv.args.get("ControllerType", "SCSI")),
                                    ("ControllerNumber", inv.args.get("ControllerNumber", 0)),
                                    ("ControllerLocation", inv.args.get("ControllerLocation",
                                                                        1))]))

        def node(inv: Invocation) -> None:
            self._log(inv)
            for name in (inv.args.get("Name") or ["N1", "N2"]):
                inv.write(PSObject([("Name", name), ("State", "Up"),
                                    ("DrainStatus", "NotInitiated")]))

        def new_vm(inv: Invocation) -> None:
            self._log(inv)
            vm = FakeVM(str(inv.args.get("Name", "New Virtual Machine")), "Off")
            self.vms.append(vm)
            inv.write(vm.ps())

        def remove_vm(inv: Invocation) -> None:
            self._log(inv)
            for vm in self.find(inv):
                self.vms.remove(vm)

        def rename_vm(inv: Invocation) -> None:
            self._log(inv)
            for vm in self.find(inv):
                vm.name = str(inv.args["NewName"])

        def win_event(inv: Invocation) -> None:
            self._log(inv)
            if "ListLog" in inv.args:
                for name in list(inv.args["ListLog"])[:2]:
                    inv.write(PSObject([("LogName", name)]))
                return
            inv.write(PSObject([
                ("TimeCreated", dt.datetime(2024, 1, 1, tzinfo=dt.UTC)), ("Level", 2),
                ("Id", 21502), ("ProviderName", "Microsoft-Windows-Hyper-V-VMMS"),
                ("LogName", "Microsoft-Windows-Hyper-V-VMMS-Admin"), ("Message", "failed")]))

        def set_cluster(inv: Invocation) -> None:
            self._log(inv)
            inv.write(cluster)

        return [
            cmd("Get-CimInstance", "ClassName:String!@0 Namespace:String Filter:String", cim,
                module="CimCmdlets"),
            cmd("Get-VMHost", "", emit([vmhost])),
            cmd("Get-VMHostSupportedVersion", "Default:SwitchParameter", supported),
            cmd("Get-Cluster", "Name:String@0", set_cluster, module="FailoverClusters"),
            cmd("Get-VMSwitch", "Name:String[]@0", emit([PSObject([("Name", "External")]),
                                                         PSObject([("Name", "Internal")])])),
            cmd("Get-Volume", "", emit([PSObject([
                ("Path", "\\\\?\\Volume{1}\\"), ("DriveLetter", "C"),
                ("FileSystemLabel", "System"), ("Size", 100 * 1024**3),
                ("SizeRemaining", 40 * 1024**3)]), PSObject([
                    ("Path", "\\\\?\\Volume{2}\\"), ("DriveLetter", None),
                    ("FileSystemLabel", ""), ("Size", 1), ("SizeRemaining", 1)])]),
                module="Storage"),
            # Only volume 1 is on this host's own disks (2016+ cluster nodes also list other
            # nodes' volumes in Get-Volume, PowerShell#18935).
            cmd("Get-Partition", "", emit([PSObject([
                ("DiskNumber", 0), ("AccessPaths", ["C:\\", "\\\\?\\Volume{1}\\"])])]),
                module="Storage"),
            cmd("Get-VM", {"Name": "Name:String[]@0", "Id": "Id:Guid!@0"},
                by_vm(lambda vm: [vm.ps()])),
            cmd("Get-VMProcessor", {"VMName": "VMName:String[]!@0",
                                    "VMObject": "VM:VirtualMachine[]!@0|p"},
                by_vm(lambda vm: [PSObject([("VMId", vm.id),
                                            ("CompatibilityForMigrationEnabled", False)])])),
            cmd("Get-VMMemory", {"VMName": "VMName:String[]!@0",
                                 "VMObject": "VM:VirtualMachine[]!@0|p"},
                by_vm(lambda vm: [PSObject([("VMId", vm.id), ("Startup", 1024**3),
                                            ("DynamicMemoryEnabled", False)])])),
            cmd("Get-VMHardDiskDrive", {"VMName": "VMName:String[]!@0",
                                        "VMObject": "VM:VirtualMachine[]!@0|p"},
                by_vm(lambda vm: [PSObject([
                    ("VMId", vm.id), ("Path", f"C:\\VHDs\\{vm.name}-{i}.vhdx"),
                    ("ControllerType", enum("Microsoft.HyperV.PowerShell.ControllerType",
                                            "SCSI", 1)),
                    ("ControllerNumber", 0), ("ControllerLocation", i),
                    ("MinimumIOPS", 0), ("MaximumIOPS", 0),
                    ("SupportPersistentReservations", False)]) for i in range(vm.disks)])),
            cmd("Get-VHD", "Path:String[]!@0|p|n", vhd, module="Hyper-V"),
            cmd("Get-VMSnapshot", {"VMName": "VMName:String[]!@0 Name:String[]@1 "
                                             "SnapshotType:String",
                                   "VMObject": "VM:VirtualMachine[]!@0|p Name:String[]@1",
                                   "Id": "Id:Guid!@0"}, snapshots),
            cmd("Get-VMNetworkAdapter", {"VMName": "VMName:String[]!@0",
                                         "VMObject": "VM:VirtualMachine[]!@0|p"},
                by_vm(lambda vm: [PSObject([
                    ("Name", "Network Adapter"), ("SwitchName", "External"),
                    ("MacAddress", "00155D010203"), ("IPAddresses", ["10.0.0.5", "fe80::1"]),
                    ("Status", [enum("Microsoft.HyperV.PowerShell."
                                     "VMNetworkAdapterOperationalStatus", "Ok", 2)])])])),
            cmd("Get-VMIntegrationService", {"VMName": "VMName:String[]!@0 Name:String[]@1",
                                             "VMObject": "VM:VirtualMachine[]!@0|p "
                                                         "Name:String[]@1"},
                services),
            cmd("Get-VMReplication", {"VMName": "VMName:String[]@0 "
                                                "ReplicationRelationshipType:"
                                                "VMReplicationRelationshipType",
                                      "VMObject": "VM:VirtualMachine[]!@0|p "
                                                  "ReplicationRelationshipType:"
                                                  "VMReplicationRelationshipType"},
                replication),
            cmd("Get-ClusterNode", "Name:String[]@0", node, module="FailoverClusters"),
            cmd("Get-ClusterGroup", "Name:String[]@0", emit([PSObject([
                ("Name", "web01"), ("OwnerNode", "N1"), ("State", "Online"),
                ("Priority", 2000), ("GroupType", enum(
                    "Microsoft.FailoverClusters.PowerShell.GroupType", "VirtualMachine", 111))]),
                PSObject([("Name", "Cluster Group"), ("OwnerNode", "N1"), ("State", "Online"),
                          ("Priority", 3000), ("GroupType", "Cluster")])]),
                module="FailoverClusters"),
            cmd("Get-ClusterSharedVolume", "Name:String[]@0", emit([PSObject([
                ("Name", "Cluster Disk 1"), ("OwnerNode", "N1"), ("State", "Online"),
                ("SharedVolumeInfo", [PSObject([
                    ("FriendlyVolumeName", "C:\\ClusterStorage\\Volume1"),
                    ("Partition", PSObject([("Size", 500), ("FreeSpace", 200)]))])])])]),
                module="FailoverClusters"),
            cmd("Start-VM", vm_sets, act("Running"), should=True),
            cmd("Stop-VM", {"Name": "Name:String[]!@0 Force:SwitchParameter "
                                    "TurnOff:SwitchParameter Save:SwitchParameter"},
                act("Off"), should=True),
            cmd("Save-VM", vm_sets, act("Saved"), should=True),
            cmd("Suspend-VM", vm_sets, act("Paused"), should=True),
            cmd("Resume-VM", vm_sets, act("Running"), should=True),
            cmd("Restart-VM", {"Name": "Name:String[]!@0 Force:SwitchParameter"},
                act("Running"), should=True),
            cmd("Checkpoint-VM", {"Name": "Name:String[]!@0 SnapshotName:String@1 "
                                          "Passthru:SwitchParameter"}, checkpoint, should=True),
            cmd("Remove-VMSnapshot", {"SnapshotName": "VMName:String[]!@0 Name:String[]!@1 "
                                                      "IncludeAllChildSnapshots:SwitchParameter"},
                act(confirm="x"), should=True, impact="High"),
            cmd("Restore-VMSnapshot", {"SnapshotName": "VMName:String!@0 Name:String!@1"},
                act(confirm="x"), should=True, impact="High"),
            cmd("Set-VMHost", "EnableEnhancedSessionMode:Boolean "
                              # host settings (issue 11, hostcfg)
                              "VirtualMachinePath:String VirtualHardDiskPath:String "
                              "NumaSpanningEnabled:Boolean MaximumStorageMigrations:UInt32 "
                              "MaximumVirtualMachineMigrations:UInt32 "
                              "VirtualMachineMigrationAuthenticationType:String "
                              "VirtualMachineMigrationPerformanceOption:String "
                              "UseAnyNetworkForMigration:Boolean", emit([]), should=True),
            cmd("Enable-VMMigration", "", emit([]), should=True),
            cmd("Disable-VMMigration", "", emit([]), should=True),
            cmd("Move-VM", {"Name": "Name:String!@0 DestinationHost:String!@1 "
                                    "IncludeStorage:SwitchParameter "
                                    "DestinationStoragePath:String"},
                act(), should=True),
            cmd("Compare-VM", {"Name": "Name:String!@0 DestinationHost:String!@1 "
                                       "IncludeStorage:SwitchParameter "
                                       "DestinationStoragePath:String",
                               # import (importvm)
                               "Register": "Path:String!@0 Register:SwitchParameter",
                               "Copy": "Path:String!@0 Copy:SwitchParameter! "
                                       "GenerateNewId:SwitchParameter "
                                       "VhdDestinationPath:String VirtualMachinePath:String"},
                compare, default="Name"),
            cmd("Export-VM", {"Name": "Name:String[]!@0 Path:String!@1"}, progress_wait,
                should=True),
            cmd("Resize-VHD", {"Size": "Path:String[]!@0 SizeBytes:UInt64!@1",
                               "MinimumSize": "Path:String[]!@0 ToMinimumSize:SwitchParameter!"},
                emit([]), should=True, default="Size"),
            cmd("Copy-VMFile", {"Name": "Name:String[]!@0 SourcePath:String!@1 "
                                        "DestinationPath:String!@2 FileSource:FileSource! "
                                        "CreateFullPath:SwitchParameter "
                                        "Force:SwitchParameter"}, act(), should=True),
            cmd("Enable-VMIntegrationService", {"VMName": "VMName:String[]!@1 Name:String[]!@0"},
                act(), should=True),
            cmd("Disable-VMIntegrationService", {"VMName": "VMName:String[]!@1 "
                                                           "Name:String[]!@0"},
                act(), should=True),
            cmd("Set-VMProcessor", {"VMName": "VMName:String[]!@0 "
                                              "CompatibilityForMigrationEnabled:Boolean "
                                              "Count:Int64"},
                act(), should=True),
            # VMs: create, delete, rename (issue 11)
            cmd("New-VHD", {"Dynamic": "Path:String[]!@0 SizeBytes:UInt64!@1 "
                                       "Dynamic:SwitchParameter",
                            "Fixed": "Path:String[]!@0 SizeBytes:UInt64!@1 "
                                     "Fixed:SwitchParameter!"},
                emit([]), should=True, default="Dynamic"),
            cmd("New-VM", {"New": "Name:String@0 Path:String MemoryStartupBytes:Int64 "
                                  "Generation:Int32 Version:String VHDPath:String!",
                           "None": "Name:String@0 Path:String MemoryStartupBytes:Int64 "
                                   "Generation:Int32 Version:String NoVHD:SwitchParameter"},
                new_vm, should=True, default="None"),
            cmd("Connect-VMNetworkAdapter", {"VMName": "VMName:String[]!@0 SwitchName:String!"},
                act(), should=True),
            cmd("Add-VMDvdDrive", {"VMName": "VMName:String[]!@0 Path:String"}, act(),
                should=True),
            cmd("Set-VMFirmware", {"VMName": "VMName:String[]!@0 EnableSecureBoot:OnOffState "
                                             "SecureBootTemplate:String "
                                             "FirstBootDevice:Object"},
                act(), should=True),
            cmd("Remove-VM", {"Name": "Name:String[]!@0 Force:SwitchParameter"}, remove_vm,
                should=True),
            cmd("Rename-VM", {"Name": "Name:String[]!@0 NewName:String!@1"}, rename_vm,
                should=True),
            cmd("Update-VMVersion", {"Name": "Name:String[]!@0 Force:SwitchParameter"}, act(),
                should=True, impact="High"),
            cmd("Set-VMMemory", {"VMName": "VMName:String[]!@0 StartupBytes:Int64 "
                                           "DynamicMemoryEnabled:Boolean MaximumBytes:Int64"},
                act(), should=True),
            cmd("Set-VM", {"Name": "Name:String[]!@0 Notes:String "
                                   "AutomaticStartAction:String"},
                act(), should=True),
            cmd("Set-VMReplication", {"VMName": "VMName:String[]!@0 "
                                                "ReplicationFrequencySec:Int32 "
                                                "Reverse:SwitchParameter"},
                act(), should=True),
            cmd("Suspend-VMReplication", {"VMName": "VMName:String[]!@0"}, act(), should=True),
            cmd("Resume-VMReplication", {"VMName": "VMName:String[]!@0 "
                                                   "Resynchronize:SwitchParameter"},
                act(), should=True),
            cmd("Remove-VMReplication", {"VMName": "VMName:String[]!@0"}, act(), should=True),
            cmd("Stop-VMFailover", {"VMName": "VMName:String[]!@0"}, act(), should=True),
            cmd("Complete-VMFailover", {"VMName": "VMName:String[]!@0"}, act(confirm="x"),
                should=True, impact="High"),
            cmd("Start-VMFailover", {"VMName": "VMName:String[]!@0",
                                     "VMName_Prepare": "VMName:String[]!@0 "
                                                       "Prepare:SwitchParameter!",
                                     "VMName_Test": "VMName:String[]!@0 AsTest:SwitchParameter!",
                                     "VMSnapshot": "VMRecoverySnapshot:Object!@0"},
                act(confirm="x"), should=True, impact="High", default="VMName"),
            # storage and networking (issue 11)
            cmd("New-VHD", {"Dynamic": "Path:String[]!@0 SizeBytes:UInt64!@1 "
                                       "Dynamic:SwitchParameter!",
                            "Fixed": "Path:String[]!@0 SizeBytes:UInt64!@1 "
                                     "Fixed:SwitchParameter!"}, vhd, should=True),
            cmd("Add-VMHardDiskDrive", {"VMName": "VMName:String[]!@0 ControllerType:String@1 "
                                                  "Path:String@4 Passthru:SwitchParameter"},
                drive_passthru, should=True),
            cmd("Remove-VMHardDiskDrive", {"VMName": "VMName:String!@0 ControllerType:String!@1 "
                                                     "ControllerNumber:Int32!@2 "
                                                     "ControllerLocation:Int32!@3 "
                                                     "Passthru:SwitchParameter"},
                drive_passthru, should=True),
            cmd("Get-VMDvdDrive", {"VMName": "VMName:String[]!@0"}, by_vm(lambda vm: [PSObject([
                ("VMId", vm.id), ("Path", None), ("ControllerNumber", 1),
                ("ControllerLocation", 0),
                ("ControllerType", enum("Microsoft.HyperV.PowerShell.ControllerType", "IDE",
                                        0))])])),
            cmd("Set-VMDvdDrive", {"VMName": "VMName:String!@0 ControllerNumber:Int32@1 "
                                             "ControllerLocation:Int32@2 Path:String@3"},
                act(), should=True),
            cmd("Add-VMDvdDrive", {"VMName": "VMName:String[]!@0 Path:String@3"}, act(),
                should=True),
            cmd("Resume-ClusterNode", "Name:String[]@0 Failback:ClusterFailbackType",
                node, module="FailoverClusters", should=True),
            # Both names of the force switch (2012: -ForceEvacuation, later: -ForceDrain);
            # a test takes ForceDrain away to stand for 2012.
            cmd("Suspend-ClusterNode", "Name:String[]@0 Drain:SwitchParameter "
                                       "ForceDrain:SwitchParameter "
                                       "ForceEvacuation:SwitchParameter Wait:SwitchParameter",
                node, module="FailoverClusters", should=True),
            cmd("Move-ClusterVirtualMachineRole", "Name:String@0 Node:String@1 "
                                                  "MigrationType:ClusterMigrationType",
                emit([PSObject([("Name", "web01"), ("OwnerNode", "N2"), ("State", "Online"),
                                ("Priority", 2000)])]), module="FailoverClusters", should=True),
            # host settings (issue 11, hostcfg)
            cmd("Get-VMMigrationNetwork", "Subnet:String[]@0",
                emit([PSObject([("Subnet", "10.0.20.0/24"), ("Priority", 0)])])),
            cmd("Add-VMMigrationNetwork", "Subnet:String!@0", emit([]), should=True),
            cmd("Remove-VMMigrationNetwork", "Subnet:String!@0", emit([]), should=True),
            # Edit Disk, Move-VMStorage, Storage QoS (issue 11)
            cmd("Optimize-VHD", "Path:String[]!@0 Mode:String Passthru:SwitchParameter",
                act(), module="Hyper-V", should=True),
            cmd("Convert-VHD", "Path:String!@0 DestinationPath:String!@1 VHDType:String "
                               "Passthru:SwitchParameter", act(), module="Hyper-V",
                should=True),
            cmd("Merge-VHD", "Path:String!@0 DestinationPath:String@1 Passthru:SwitchParameter",
                act(), module="Hyper-V", should=True),
            cmd("Move-VMStorage", {"Name": "Name:String!@0 DestinationStoragePath:String!@1"},
                act(), should=True),
            cmd("Set-VMHardDiskDrive", {"VMName": "VMName:String[]!@0 ControllerType:String@1 "
                                                  "ControllerNumber:Int32@2 "
                                                  "ControllerLocation:Int32@3 Path:String "
                                                  "MinimumIOPS:UInt64 MaximumIOPS:UInt64 "
                                                  "Passthru:SwitchParameter"},
                lambda inv: drive_passthru(inv) if inv.args.get("Passthru") else act()(inv),
                should=True),
            # VM screen as text (issue 12, thumbs): a 2x2 black image, every key taken
            cmd("Invoke-CimMethod", "InputObject:Object!@0 Arguments:Object@1 "
                                    "MethodName:String!@2", emit([PSObject([
                                        ("ReturnValue", 0), ("ImageData", bytes(8))])]),
                module="CimCmdlets", should=True),
            # Networking (issue 11): vm-network-adapter's Set action
            cmd("Set-VMNetworkAdapterVlan", {"VMName": "VMName:String[]!@0 "
                                                       "VMNetworkAdapterName:String "
                                                       "Access:SwitchParameter VlanId:Int32 "
                                                       "Untagged:SwitchParameter"}, act()),
            cmd("Set-VMNetworkAdapter", {"VMName": "VMName:String[]!@0 Name:String "
                                                   "MacAddressSpoofing:String "
                                                   "DhcpGuard:String RouterGuard:String"},
                act(), should=True),
            cmd("New-VMSwitch", {"SwitchType": "Name:String!@0 SwitchType:String!"}, emit([]),
                should=True),
            # serial console (issue 12)
            cmd("Set-VMComPort", {"VMName": "VMName:String[]!@0 Number:Int32!@1 "
                                            "Path:String!@2"}, act(), should=True),
            cmd("Get-VMComPort", {"VMName": "VMName:String[]!@0 Number:Int32@1"},
                by_vm(lambda vm: [PSObject([("VMId", vm.id), ("Name", "COM 1"),
                                            ("Path", "\\\\.\\pipe\\x")])])),
            # events pane (issue 12): two channels, one error in each query
            cmd("Get-WinEvent", {"ListLogSet": "ListLog:String[]!@0",
                                 "HashQuerySet": "FilterHashtable:Hashtable[]!@0 "
                                                 "MaxEvents:Int64"},
                win_event, module="Microsoft.PowerShell.Diagnostics", default="HashQuerySet"),
            # generation 2 boot order (issue 11, hostcfg)
            cmd("Get-VMFirmware", {"VMName": "VMName:String[]!@0"},
                by_vm(lambda vm: [PSObject([("VMId", vm.id), ("BootOrder", [])])])),
            # import (issue 11, importvm)
            cmd("Import-VM", {"Register": "Path:String!@0 Register:SwitchParameter",
                              "Copy": "Path:String!@0 Copy:SwitchParameter! "
                                      "GenerateNewId:SwitchParameter VhdDestinationPath:String "
                                      "VirtualMachinePath:String"},
                emit([PSObject([("Name", "web01"), ("Id", "x"), ("Path", "D:\\VMs")])]),
                should=True),
            # high availability (issue 11, importvm)
            cmd("Add-ClusterVirtualMachineRole", "VMName:String@0 VMId:Guid Name:String "
                                                 "VirtualMachine:String Cluster:String",
                emit([PSObject([("Name", "web01"), ("OwnerNode", "N1"), ("State", "Offline"),
                                ("Priority", 2000)])]), module="FailoverClusters"),
            # Replica setup: enable replication, Replica server (issue 12)
            cmd("Enable-VMReplication", {"VMName": "VMName:String[]!@0 ReplicaServerName:String!@1 "
                                                   "ReplicaServerPort:Int32!@2 "
                                                   "AuthenticationType:String!@3 "
                                                   "CertificateThumbprint:String "
                                                   "ReplicationFrequencySec:Int32 "
                                                   "RecoveryHistory:Int32"}, act(), should=True),
            cmd("Start-VMInitialReplication", {"VMName": "VMName:String[]!@0"}, act(),
                should=True),
            cmd("Get-VMReplicationServer", "", emit([PSObject([
                ("ReplicationEnabled", True), ("AllowedAuthenticationType", "Kerberos"),
                ("ReplicationAllowedFromAnyServer", True), ("CertificateThumbprint", None),
                ("KerberosAuthenticationPort", 80), ("CertificateAuthenticationPort", 443),
                ("DefaultStorageLocation", "D:\\Replica")])])),
            cmd("Set-VMReplicationServer", "ReplicationEnabled:Boolean@0 "
                                           "AllowedAuthenticationType:String@1 "
                                           "ReplicationAllowedFromAnyServer:Boolean "
                                           "CertificateThumbprint:String "
                                           "DefaultStorageLocation:String "
                                           "KerberosAuthenticationPort:Int32 "
                                           "CertificateAuthenticationPort:Int32",
                emit([]), should=True),
            cmd("New-VMReplicationAuthorizationEntry", "AllowedPrimaryServer:String!@0 "
                                                       "ReplicaStorageLocation:String!@1 "
                                                       "TrustGroup:String!@2",
                emit([]), should=True),
            cmd("Get-VMReplicationAuthorizationEntry", "AllowedPrimaryServer:String@0", emit([
                PSObject([("AllowedPrimaryServer", "*.contoso.local"),
                          ("ReplicaStorageLocation", "D:\\Replica"),
                          ("TrustGroup", "DEFAULT")])])),
        ]
