"""The PowerShell a person reads before confirming: each catalog script's cmdlet line.

A catalog script wraps one cmdlet call with error handling and a report of the result.
What matters to a person is that call, with their values in it, exactly as the host runs
it: ``Move-VM -Name 'web01' -DestinationHost 'HV2' -IncludeStorage``. Values are rendered
by the one audited encoder (:func:`hvtui.ps.quoting.render_command`); a test checks every
cmdlet and parameter shown here against the script's own text.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from hvtui import reference
from hvtui.ps.quoting import quote_string, render_command

Params = Mapping[str, Any]


def _call(cmdlet: str, args: dict[str, Any], switches: tuple[str, ...] = ()) -> str:
    return render_command(cmdlet, args, switches=switches)


def _name(p: Params, key: str = "Name") -> dict[str, Any]:
    return {key: p[key]}


def _checkpoint_new(p: Params) -> str:
    args: dict[str, Any] = {"Name": p["Name"]}
    if p.get("CheckpointName"):
        args["SnapshotName"] = p["CheckpointName"]
    return _call("Checkpoint-VM", args | {"Passthru": True}, ("Passthru",))


def _checkpoint_remove(p: Params) -> str:
    args = {"VMName": p["VMName"], "Name": p["CheckpointName"],
            "IncludeAllChildSnapshots": bool(p.get("IncludeChildren")), "Confirm": False}
    return _call("Remove-VMSnapshot", args, ("IncludeAllChildSnapshots",))


def _storage_args(p: Params) -> dict[str, Any]:
    args: dict[str, Any] = {"Name": p["Name"], "DestinationHost": p["DestinationHost"],
                            "IncludeStorage": bool(p.get("IncludeStorage"))}
    if p.get("DestinationStoragePath"):
        args["DestinationStoragePath"] = p["DestinationStoragePath"]
    return args


def _resize(p: Params) -> str:
    if p.get("ToMinimumSize"):
        return _call("Resize-VHD", {"Path": p["Path"], "ToMinimumSize": True},
                     ("ToMinimumSize",))
    return _call("Resize-VHD", {"Path": p["Path"], "SizeBytes": p["SizeBytes"]})


def _integration_service(p: Params) -> str:
    # The script finds the service by its GUID and passes the host's own (perhaps localised)
    # name for it: the plan shows that name ("ServiceName") when the host reported it.
    cmdlet = "Enable-VMIntegrationService" if p["Enabled"] else "Disable-VMIntegrationService"
    known = reference.integration_service(str(p["ServiceId"]))
    name = p.get("ServiceName") or (known.name if known else str(p["ServiceId"]))
    return _call(cmdlet, {"VMName": p["VMName"], "Name": name})


def _copy_file(p: Params) -> str:
    args = {"Name": p["Name"], "SourcePath": p["SourcePath"],
            "DestinationPath": p["DestinationPath"], "FileSource": "Host",
            "CreateFullPath": bool(p.get("CreateFullPath")), "Force": bool(p.get("Force"))}
    return _call("Copy-VMFile", args, ("CreateFullPath", "Force"))


def _node_suspend(p: Params) -> str:
    # 2012 calls -ForceDrain -ForceEvacuation; the plan says which ("ForceSwitch").
    drain = bool(p.get("Drain") or p.get("ForceDrain"))
    force = str(p.get("ForceSwitch") or "ForceDrain")
    args = {"Name": p["NodeName"], "Drain": drain, force: bool(p.get("ForceDrain")),
            "Wait": drain}
    return _call("Suspend-ClusterNode", args, ("Drain", force, "Wait"))


def _disk_add(p: Params) -> str:
    attach = _call("Add-VMHardDiskDrive", {"VMName": p["VMName"],
                                           "ControllerType": p["ControllerType"],
                                           "Path": p["Path"]})
    if not p.get("NewSizeBytes"):
        return attach
    kind = "Fixed" if p.get("Fixed") else "Dynamic"
    create = _call("New-VHD", {"Path": p["Path"], "SizeBytes": p["NewSizeBytes"], kind: True},
                   (kind,))
    return f"{create}; {attach}"


def _disk_remove(p: Params) -> str:
    return _call("Remove-VMHardDiskDrive", {
        "VMName": p["VMName"], "ControllerType": p["ControllerType"],
        "ControllerNumber": p["ControllerNumber"], "ControllerLocation": p["ControllerLocation"]})


def _dvd_media(p: Params) -> str:
    if p.get("AddDrive"):
        return _call("Add-VMDvdDrive", {"VMName": p["VMName"], "Path": p["Path"]})
    where = {"VMName": p["VMName"], "ControllerNumber": p["ControllerNumber"],
             "ControllerLocation": p["ControllerLocation"]}
    if p.get("Path"):
        return _call("Set-VMDvdDrive", where | {"Path": p["Path"]})
    return _call("Set-VMDvdDrive", where) + " -Path $null"
def _failover(p: Params) -> str:
    switch = "Prepare" if p.get("Prepare") else "AsTest" if p.get("AsTest") else ""
    args: dict[str, Any] = {"VMName": p["VMName"]}
    if switch:
        args[switch] = True
    line = _call("Start-VMFailover", args | {"Confirm": False}, (switch,) if switch else ())
    if p.get("AsTest") and p.get("SwitchName"):
        # The test VM is named "<VM> - Test" (Hyper-V's own naming, R-REP-4).
        line += "; " + _call("Connect-VMNetworkAdapter", {
            "VMName": f"{p['VMName']} - Test", "SwitchName": p["SwitchName"]})
    return line


def _drain_on_shutdown(p: Params) -> str:
    # A property assignment, not a cmdlet call; the value is one of two constants.
    return f"(Get-Cluster).DrainOnShutdown = {1 if p['Enabled'] else 0}"


def _vm_new(p: Params) -> str:
    # The cmdlets vm-new.ps1 runs for these values, one line each, in its order.
    lines = []
    disk = p.get("VhdPath", "")
    if p.get("NewVhdPath"):
        kind = "Fixed" if p.get("NewVhdFixed") else "Dynamic"
        lines.append(_call("New-VHD", {"Path": p["NewVhdPath"], "SizeBytes": p["NewVhdSizeBytes"],
                                       kind: True}, (kind,)))
        disk = p["NewVhdPath"]
    args: dict[str, Any] = {"Name": p["Name"], "Path": p["Path"],
                            "MemoryStartupBytes": p["MemoryStartupBytes"]}
    if p.get("Version"):
        args |= {"Generation": p.get("Generation", 1), "Version": p["Version"]}
    elif p.get("Generation", 1) != 1:
        args["Generation"] = p["Generation"]
    args |= {"VHDPath": disk} if disk else {"NoVHD": True}
    lines.append(_call("New-VM", args, ("NoVHD",)))
    name = {"VMName": p["Name"]}
    if p.get("SwitchName"):
        lines.append(_call("Connect-VMNetworkAdapter", name | {"SwitchName": p["SwitchName"]}))
    if p.get("DynamicMemory"):
        lines.append(_call("Set-VMMemory", name | {"DynamicMemoryEnabled": True,
                                                   "MaximumBytes": p["MemoryMaximumBytes"]}))
    if int(p.get("ProcessorCount", 1)) > 1:
        lines.append(_call("Set-VMProcessor", name | {"Count": p["ProcessorCount"]}))
    if p.get("IsoPath"):  # generation 1 has New-VM's DVD drive; generation 2 gets one
        dvd = "Set-VMDvdDrive" if p.get("Generation", 1) == 1 else "Add-VMDvdDrive"
        lines.append(_call(dvd, name | {"Path": p["IsoPath"]}))
    if p.get("SecureBoot"):
        firmware: dict[str, Any] = name | {"EnableSecureBoot": p["SecureBoot"]}
        if p.get("SecureBootTemplate"):
            firmware["SecureBootTemplate"] = p["SecureBootTemplate"]
        lines.append(_call("Set-VMFirmware", firmware))
    return "; ".join(lines)


# --- the settings editor (vm-settings.ps1) ---------------------------------------------------

_SETTINGS_CALLS: tuple[tuple[str, str, str], ...] = (
    # (script parameter, cmdlet, the cmdlet's parameter), in the script's order; memory's
    # own order is in _memory_calls.
    ("ProcessorCount", "Set-VMProcessor", "Count"),
    ("ProcessorCompatibility", "Set-VMProcessor", "CompatibilityForMigrationEnabled"),
    ("ProcessorReserve", "Set-VMProcessor", "Reserve"),
    ("ProcessorLimit", "Set-VMProcessor", "Maximum"),
    ("ProcessorWeight", "Set-VMProcessor", "RelativeWeight"),
    ("AutomaticStartAction", "Set-VM", "AutomaticStartAction"),
    ("AutomaticStartDelay", "Set-VM", "AutomaticStartDelay"),
    ("AutomaticStopAction", "Set-VM", "AutomaticStopAction"),
    ("CheckpointType", "Set-VM", "CheckpointType"),
    ("SnapshotFileLocation", "Set-VM", "SnapshotFileLocation"),
    ("Notes", "Set-VM", "Notes"),
    # firmware (issue 11, hostcfg); the TPM's calls are in _tpm_calls
    ("SecureBoot", "Set-VMFirmware", "EnableSecureBoot"),
    ("SecureBootTemplate", "Set-VMFirmware", "SecureBootTemplate"),
)


def _memory_calls(p: Params) -> list[tuple[str, Any]]:
    """Set-VMMemory's (parameter, value) calls in vm-settings.ps1's order: dynamic memory on
    first and off last; the maximum grows before the startup memory and shrinks after it,
    the minimum the other way round (``CurrentMinimum``/``CurrentMaximum``, shown only, are
    the values the host reported when the plan was made)."""
    calls: list[tuple[str, Any]] = []
    dynamic = p.get("DynamicMemoryEnabled")
    maximum, minimum = p.get("MemoryMaximumBytes"), p.get("MemoryMinimumBytes")
    current_max, current_min = int(p.get("CurrentMaximum", 0)), int(p.get("CurrentMinimum", 0))
    if dynamic is True:
        calls.append(("DynamicMemoryEnabled", True))
    if maximum is not None and int(maximum) >= current_max:
        calls.append(("MaximumBytes", maximum))
    if minimum is not None and int(minimum) <= current_min:
        calls.append(("MinimumBytes", minimum))
    if p.get("MemoryStartupBytes") is not None:
        calls.append(("StartupBytes", p["MemoryStartupBytes"]))
    if minimum is not None and int(minimum) > current_min:
        calls.append(("MinimumBytes", minimum))
    if maximum is not None and int(maximum) < current_max:
        calls.append(("MaximumBytes", maximum))
    if p.get("MemoryBuffer") is not None:
        calls.append(("Buffer", p["MemoryBuffer"]))
    if p.get("MemoryWeight") is not None:
        calls.append(("Priority", p["MemoryWeight"]))
    if dynamic is False:
        calls.append(("DynamicMemoryEnabled", False))
    return calls


def _vm_boot_order(p: Params) -> str:
    """The device is the VM's first one of that kind, found on the host as the script runs."""
    getter = {"HardDrive": "Get-VMHardDiskDrive", "DVD": "Get-VMDvdDrive"}.get(
        str(p["FirstBootDevice"]), "Get-VMNetworkAdapter")
    return (f"$device = @({_call(getter, {'VMName': p['VMName']})})[0]; "
            + _call("Set-VMFirmware", {"VMName": p["VMName"]}) + " -FirstBootDevice $device")


def _vm_settings(p: Params) -> str:
    """The cmdlet calls vm-settings.ps1 makes with these parameters, in its order."""
    lines = [_call("Set-VMMemory", {"VMName": p["VMName"], name: value})
             for name, value in _memory_calls(p)]
    for parameter, cmdlet, name in _SETTINGS_CALLS:
        if parameter in p:
            target = {"Name": p["VMName"]} if cmdlet == "Set-VM" else {"VMName": p["VMName"]}
            lines.append(_call(cmdlet, target | {name: p[parameter]}))
    # firmware (issue 11, hostcfg): the TPM needs a key protector first
    if p.get("Tpm") == "On":
        lines += [_call("Set-VMKeyProtector", {"VMName": p["VMName"],
                                               "NewLocalKeyProtector": True},
                        ("NewLocalKeyProtector",)),
                  _call("Enable-VMTPM", {"VMName": p["VMName"]})]
    elif p.get("Tpm") == "Off":
        lines.append(_call("Disable-VMTPM", {"VMName": p["VMName"]}))
    if "StartupOrder" in p:
        lines.append(_call("Set-VMBios", {"VMName": p["VMName"],
                                          "StartupOrder": list(p["StartupOrder"])}))
    return "; ".join(lines)


_HOST_SETTINGS_CALLS = (
    ("VirtualMachinePath", "VirtualMachinePath"),
    ("VirtualHardDiskPath", "VirtualHardDiskPath"),
    ("NumaSpanningEnabled", "NumaSpanningEnabled"),
    ("MaximumStorageMigrations", "MaximumStorageMigrations"),
)
_HOST_MIGRATION_CALLS = (
    ("MaximumVirtualMachineMigrations", "MaximumVirtualMachineMigrations"),
    ("AuthenticationType", "VirtualMachineMigrationAuthenticationType"),
    ("PerformanceOption", "VirtualMachineMigrationPerformanceOption"),
    ("UseAnyNetworkForMigration", "UseAnyNetworkForMigration"),
)
"""(host-settings.ps1 parameter, Set-VMHost parameter), in the script's order: these before
Enable-VMMigration, those after it."""


def _host_settings(p: Params) -> str:
    """The cmdlet calls host-settings.ps1 makes with these parameters, in its order."""
    lines = [_call("Set-VMHost", {name: p[key]}) for key, name in _HOST_SETTINGS_CALLS
             if key in p]
    if p.get("MigrationEnabled") is True:
        lines.append("Enable-VMMigration")
    lines += [_call("Set-VMHost", {name: p[key]}) for key, name in _HOST_MIGRATION_CALLS
              if key in p]
    lines += [_call("Add-VMMigrationNetwork", {"Subnet": subnet})
              for subnet in p.get("AddMigrationNetworks", ())]
    lines += [_call("Remove-VMMigrationNetwork", {"Subnet": subnet})
              for subnet in p.get("RemoveMigrationNetworks", ())]
    if p.get("MigrationEnabled") is False:
        lines.append("Disable-VMMigration")
    return "; ".join(lines)


def _convert(p: Params) -> str:
    return _then_attach(p, _call("Convert-VHD", {
        "Path": p["Path"], "DestinationPath": p["DestinationPath"], "VHDType": p["VHDType"]}))


def _merge(p: Params) -> str:
    return _then_attach(p, _call("Merge-VHD", {"Path": p["Path"],
                                               "DestinationPath": p["DestinationPath"]}))


def _then_attach(p: Params, line: str) -> str:
    """``line``, then the VM's drive pointed at DestinationPath when a VM is named."""
    if not p.get("VMName"):
        return line
    return line + "; " + _call("Set-VMHardDiskDrive", {
        k: p[k] for k in ("VMName", "ControllerType", "ControllerNumber", "ControllerLocation")
    } | {"Path": p["DestinationPath"]})
# Networking (issue 11)
def _network_adapter(p: Params) -> str:
    """The cmdlet calls vm-network-adapter.ps1 makes for its Action, in its order."""
    vm, name, action = p["VMName"], p["Name"], p["Action"]
    if action == "Add":
        args: dict[str, Any] = {"VMName": vm, "Name": name}
        if p.get("SwitchName"):
            args["SwitchName"] = p["SwitchName"]
        if p.get("IsLegacy"):
            return _call("Add-VMNetworkAdapter", args | {"IsLegacy": True}, ("IsLegacy",))
        return _call("Add-VMNetworkAdapter", args)
    if action == "Remove":
        return _call("Remove-VMNetworkAdapter", {"VMName": vm, "Name": name})
    if action == "Connect":
        if p.get("SwitchName"):
            return _call("Connect-VMNetworkAdapter", {"VMName": vm, "Name": name,
                                                      "SwitchName": p["SwitchName"]})
        return _call("Disconnect-VMNetworkAdapter", {"VMName": vm, "Name": name})
    lines = []
    vlan = p.get("VlanId", -1)
    if vlan == 0:
        lines.append(_call("Set-VMNetworkAdapterVlan", {
            "VMName": vm, "VMNetworkAdapterName": name, "Untagged": True}, ("Untagged",)))
    elif vlan > 0:
        lines.append(_call("Set-VMNetworkAdapterVlan", {
            "VMName": vm, "VMNetworkAdapterName": name, "Access": True, "VlanId": vlan},
            ("Access",)))
    for guard in ("MacAddressSpoofing", "DhcpGuard", "RouterGuard"):
        if p.get(guard):
            lines.append(_call("Set-VMNetworkAdapter", {"VMName": vm, "Name": name,
                                                        guard: p[guard]}))
    return "; ".join(lines)


def _host_switch(p: Params) -> str:
    """The cmdlet call host-switch.ps1 makes for its Action."""
    if p["Action"] == "New":
        if p.get("NetAdapterName"):
            return _call("New-VMSwitch", {"Name": p["Name"], "NetAdapterName": p["NetAdapterName"],
                                          "AllowManagementOS": p.get("AllowManagementOS", True)})
        return _call("New-VMSwitch", {"Name": p["Name"], "SwitchType": p["SwitchType"]})
    if p["Action"] == "Rename":
        return _call("Rename-VMSwitch", {"Name": p["Name"], "NewName": p["NewName"]})
    return _call("Remove-VMSwitch", {"Name": p["Name"], "Force": True}, ("Force",))


# --- Replica setup (issue 12) ----------------------------------------------------------------


def _replication_enable(p: Params) -> str:
    args: dict[str, Any] = {
        "VMName": p["VMName"], "ReplicaServerName": p["ReplicaServer"],
        "ReplicaServerPort": p["Port"], "AuthenticationType": p["AuthenticationType"]}
    if p["AuthenticationType"] == "Certificate":
        args["CertificateThumbprint"] = p.get("CertificateThumbprint", "")
    args["RecoveryHistory"] = p.get("RecoveryHistory", 0)
    # 2012's Enable-VMReplication has no -ReplicationFrequencySec: the script leaves it out
    # there (300 seconds, fixed); the line shown is the 2012 R2+ one.
    args["ReplicationFrequencySec"] = p.get("FrequencySec", 300)
    lines = [_call("Enable-VMReplication", args)]
    if p.get("StartNow"):
        lines.append(_call("Start-VMInitialReplication", _name(p, "VMName")))
    elif p.get("StartTime"):
        when = quote_string(str(p["StartTime"]))
        lines.append(_call("Start-VMInitialReplication", _name(p, "VMName")) +
                     f" -InitialReplicationStartTime ([datetime]{when})")
    return "; ".join(lines)


def _replica_server(p: Params) -> str:
    args: dict[str, Any] = {
        "ReplicationEnabled": bool(p["Enabled"]),
        "AllowedAuthenticationType": p.get("AuthenticationType", "Kerberos"),
        "ReplicationAllowedFromAnyServer": bool(p.get("AllowAnyServer", True)),
        "KerberosAuthenticationPort": p.get("KerberosPort", 80),
        "CertificateAuthenticationPort": p.get("CertificatePort", 443)}
    if p.get("CertificateThumbprint"):
        args["CertificateThumbprint"] = p["CertificateThumbprint"]
    lines = [_call("Set-VMReplicationServer", args)]
    if p.get("StorageLocation"):
        lines.append(_call("Set-VMReplicationServer",
                           {"DefaultStorageLocation": p["StorageLocation"]}))
    if p.get("AllowedPrimaryServer"):
        lines.append(_call("New-VMReplicationAuthorizationEntry", {
            "AllowedPrimaryServer": p["AllowedPrimaryServer"],
            "ReplicaStorageLocation": p.get("EntryStorageLocation", ""),
            "TrustGroup": p.get("TrustGroup", "DEFAULT")}))
    return "; ".join(lines)


COMMANDS: dict[str, Callable[[Params], str]] = {
    "vm-start": lambda p: _call("Start-VM", _name(p)),
    "vm-stop": lambda p: _call("Stop-VM", _name(p) | {"Force": True}, ("Force",)),
    "vm-turn-off": lambda p: _call("Stop-VM", _name(p) | {"TurnOff": True, "Force": True},
                                   ("TurnOff", "Force")),
    "vm-save": lambda p: _call("Save-VM", _name(p)),
    "vm-suspend": lambda p: _call("Suspend-VM", _name(p)),
    "vm-resume": lambda p: _call("Resume-VM", _name(p)),
    "vm-restart": lambda p: _call("Restart-VM", _name(p) | {"Force": True}, ("Force",)),
    "checkpoint-new": _checkpoint_new,
    "checkpoint-restore": lambda p: _call("Restore-VMSnapshot", {
        "VMName": p["VMName"], "Name": p["CheckpointName"], "Confirm": False}),
    "checkpoint-remove": _checkpoint_remove,
    "vm-compare": lambda p: _call("Compare-VM", _storage_args(p), ("IncludeStorage",)),
    "vm-move": lambda p: _call("Move-VM", _storage_args(p), ("IncludeStorage",)),
    "vhd-resize": _resize,
    "vm-export": lambda p: _call("Export-VM", {"Name": p["Name"], "Path": p["Path"]}),
    "host-enhanced-session": lambda p: _call("Set-VMHost", {
        "EnableEnhancedSessionMode": bool(p["Enabled"])}),
    "host-migration": lambda p: "Enable-VMMigration" if p["Enabled"] else "Disable-VMMigration",
    "vm-integration-service": _integration_service,
    "vm-copy-file": _copy_file,
    "vm-processor-compat": lambda p: _call("Set-VMProcessor", {
        "VMName": p["VMName"], "CompatibilityForMigrationEnabled": bool(p["Enabled"])}),
    "replication-frequency": lambda p: _call("Set-VMReplication", {
        "VMName": p["VMName"], "ReplicationFrequencySec": p["FrequencySec"]}),
    "replication-suspend": lambda p: _call("Suspend-VMReplication", _name(p, "VMName")),
    "replication-resume": lambda p: _call("Resume-VMReplication", _name(p, "VMName")),
    # Replica failover (hvtui.hyperv.replica_failover)
    "replica-failover": _failover,
    "replica-failover-stop": lambda p: _call("Stop-VMFailover", _name(p, "VMName")),
    "replica-failover-complete": lambda p: _call("Complete-VMFailover", {
        "VMName": p["VMName"], "Confirm": False}),
    "replication-reverse": lambda p: _call("Set-VMReplication", {
        "VMName": p["VMName"], "Reverse": True}, ("Reverse",)),
    "replication-resync": lambda p: _call("Resume-VMReplication", {
        "VMName": p["VMName"], "Resynchronize": True}, ("Resynchronize",)),
    "replication-remove": lambda p: _call("Remove-VMReplication", _name(p, "VMName")),
    "cluster-node-suspend": _node_suspend,
    "cluster-node-resume": lambda p: _call("Resume-ClusterNode", {
        "Name": p["NodeName"], "Failback": p.get("Failback", "NoFailback")}),
    "cluster-role-move": lambda p: _call("Move-ClusterVirtualMachineRole", {
        "Name": p["RoleName"], "Node": p["NodeName"],
        "MigrationType": p.get("MigrationType", "Live")}),
    "cluster-drain-on-shutdown": _drain_on_shutdown,
    # storage and networking (issue 11)
    "vm-disk-add": _disk_add,
    "vm-disk-remove": _disk_remove,
    "vm-dvd-media": _dvd_media,
    # VMs: create, delete, rename (issue 11)
    "vm-new": _vm_new,
    "vm-remove": lambda p: _vm_remove(p),
    "vm-rename": lambda p: _call("Rename-VM", {"Name": p.get("Name", p["VMId"]),
                                               "NewName": p["NewName"]}),
    "vm-upgrade-version": lambda p: _call("Update-VMVersion", {
        "Name": p.get("Name", p["VMId"]), "Force": True, "Confirm": False}, ("Force",)),
    "vm-settings": _vm_settings,
    # host settings (issue 11, hostcfg)
    "host-settings": _host_settings,
    # Edit Disk, Move-VMStorage, Storage QoS (hvtui.hyperv.vhd_edit)
    "vhd-compact": lambda p: _call("Optimize-VHD", {"Path": p["Path"]}),
    "vhd-convert": _convert,
    "vhd-merge": _merge,
    "vm-move-storage": lambda p: _call("Move-VMStorage", {
        "VMName": p["VMName"], "DestinationStoragePath": p["DestinationStoragePath"]}),
    "vm-disk-qos": lambda p: _call("Set-VMHardDiskDrive", {
        k: p[k] for k in ("VMName", "ControllerType", "ControllerNumber", "ControllerLocation",
                          "MinimumIOPS", "MaximumIOPS")}),
    # VM screen as text (issue 12, thumbs): the text stays a variable ($SecretText)
    "vm-keys": lambda p: (
        "Invoke-CimMethod -InputObject $keyboard -MethodName 'TypeCtrlAltDel'"
        if p.get("CtrlAltDel") else
        "Invoke-CimMethod -InputObject $keyboard -MethodName 'TypeText' "
        "-Arguments @{ asciiText = $SecretText }"),
    # Networking (issue 11)
    "vm-network-adapter": _network_adapter,
    "host-switch": _host_switch,
    # serial console (issue 12)
    "vm-com-port": lambda p: _call("Set-VMComPort", {"VMName": p["VMName"],
                                                     "Number": p.get("Number", 1),
                                                     "Path": p.get("Path", "")}),
    # generation 2 boot order (issue 11, hostcfg)
    "vm-boot-order": _vm_boot_order,
    # import (issue 11, importvm)
    "vm-import-check": lambda p: _import_call("Compare-VM", p),
    "vm-import": lambda p: _import_call("Import-VM", p),
    # high availability (issue 11, importvm)
    "vm-make-ha": lambda p: _call("Add-ClusterVirtualMachineRole",
                                  {"VMName": p.get("Name") or p.get("VMName") or p["VMId"]}),
    # Replica setup (issue 12)
    "replication-enable": _replication_enable,
    "replica-server": _replica_server,
    # The point is an object; the script finds it again by its Id.
    "replica-failover-point": lambda p: (
        f"$point = {_call('Get-VMSnapshot', {'VMName': p['VMName'], 'SnapshotType': 'Replica'})}"
        f" | Where-Object {{ [string]$_.Id -eq {quote_string(str(p['RecoveryPointId']))} }}; "
        "Start-VMFailover -VMRecoverySnapshot $point -Confirm:$false"),
}


def _import_call(cmdlet: str, p: Params) -> str:
    """Import-VM / Compare-VM -Path: in place, or -Copy with the paths given (importvm)."""
    args: dict[str, Any] = {"Path": p["Path"]}
    if not p.get("Copy"):
        return _call(cmdlet, args)
    args |= {"Copy": True, "GenerateNewId": bool(p.get("GenerateNewId"))}
    args |= {k: p[k] for k in ("VhdDestinationPath", "VirtualMachinePath") if p.get(k)}
    return _call(cmdlet, args, ("Copy", "GenerateNewId"))


def _vm_remove(p: Params) -> str:
    """Remove-VM, then (importvm: delete with disks) Remove-Item on the disk files asked for;
    the script also deletes their differencing parents that no other VM uses."""
    line = _call("Remove-VM", {"Name": p.get("Name", p["VMId"]), "Force": True}, ("Force",))
    disks = p.get("DeleteDisks")
    if not disks:
        return line
    return line + "; " + _call("Remove-Item", {"LiteralPath": disks, "Force": True}, ("Force",))


def command_for(script: str, params: Params) -> str:
    """The cmdlet line ``script`` runs with ``params`` (KeyError for an unknown script)."""
    try:
        render = COMMANDS[script]
    except KeyError:
        raise KeyError(f"no command shape for catalog script {script!r}") from None
    return render(params)
