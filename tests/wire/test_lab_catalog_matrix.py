"""Every catalog script, as text, on every host of the default estate, over every transport.

The lab runs each script in its PowerShell engine against the cmdlets that host's release,
modules and PowerShell really have. A script may fail on a host for a host's reason (a VM in
the wrong state, a rule of Hyper-V): that is a real answer. What it must never meet is a
command or parameter the host lacks, a binding error, a prompt a remote session cannot
answer, or something the lab does not emulate: those are faults of the script (or of the
lab), found here on every release before a real host finds them. Scripts whose header
excludes a host are refused by the client there (``Script.refusal``), so they are not sent.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from hvtui.config import load_inventory
from hvtui.hyperv.doctor import question
from hvtui.lab import Lab
from hvtui.lab.estate import VM, Estate, Host
from hvtui.lab.recovery import recovery_points
from hvtui.lab.server.run import LabEndpoints, start_lab_servers
from hvtui.lab.vmimport import config_file
from hvtui.ps import catalog
from hvtui.ps.decode import inventory_records
from hvtui.remote.base import ErrorRecord, PSResult
from hvtui.session_setup import inventory_pool

HEARTBEAT = "84EAAE65-2F2E-45F5-9BB5-0E857DC8EB47"

FAULTS = ("CommandNotFoundException", "ParameterBindingException", "NotImplementedException",
          "HostException")
"""Exception types that mean the script, not the host, is wrong (HostException: a prompt)."""

Params = dict[str, Any] | None
"""A script's parameters on one host, or None when the host has nothing it applies to."""


def _vm(host: Host, want: Callable[[Any], bool] = lambda vm: True) -> Any:
    return next((vm for vm in host.vms.values() if want(vm)), None)


def _other_host(estate: Estate, host: Host) -> Host:
    return next(h for h in estate.hosts.values() if h is not host and not h.cluster)


def _cluster_peer(estate: Estate, host: Host) -> str | None:
    cluster = estate.cluster_of(host)
    if cluster is None:
        return None
    return next((n.name for n in cluster.nodes if n.name != host.name and n.state == "Up"), None)


def _disk_folder(host: Host) -> str:
    """A folder on a volume of ``host`` (where a new disk can go)."""
    return f"{host.volumes[0].letter}:\\Matrix" if host.volumes else "C:\\Matrix"


def _iso(host: Host) -> str:
    """An ISO file of ``host`` when it has one, else a path it lacks (the host refuses it)."""
    return next((p for p in host.files.values() if p.lower().endswith(".iso")),
                "C:\\ISO\\missing.iso")


def _drive_of(vm: Any) -> Params | None:
    if vm is None:
        return None
    drive = vm.drives[-1]
    return {"VMName": vm.name, "ControllerType": drive.controller_type,
            "ControllerNumber": drive.controller_number,
            "ControllerLocation": drive.controller_location}


def _new_vm(host: Host) -> Params:
    """Everything vm-new.ps1 can set, as this host's release allows it."""
    modern = host.release.reports_versions
    gen2 = host.release.at_least("2012R2")
    return {"Name": "matrix-new", "Path": host.vm_path, "Generation": 2 if gen2 else 1,
            "Version": host.release.default_version if modern else "",
            "MemoryStartupBytes": 1024**3, "DynamicMemory": True,
            "MemoryMaximumBytes": 4 * 1024**3, "ProcessorCount": 2,
            "SwitchName": host.switches[0] if host.switches else "",
            "NewVhdPath": host.vhd_path + "\\matrix-new.vhdx", "NewVhdSizeBytes": 1024**3,
            "SecureBoot": "On" if gen2 else "",
            "SecureBootTemplate": "MicrosoftUEFICertificateAuthority" if modern else ""}


def _exported(vm: VM | None) -> dict[str, Any]:
    """The configuration file vm-export wrote for ``vm`` under C:\\Exports (importvm)."""
    return {"Path": config_file(f"C:\\Exports\\{vm.name}", vm)} if vm else {"Path": ""}


def parameters(estate: Estate, host: Host, script: str) -> Params:  # noqa: PLR0911
    vm = _vm(host)
    name = vm.name if vm else None
    checkpointed = _vm(host, lambda v: bool(v.checkpoints))
    replicated = _vm(host, lambda v: v.replication_mode == "Primary")
    replica = _vm(host, lambda v: v.replication_mode == "Replica")
    drive_vm = _vm(host, lambda v: bool(v.drives))
    running = _vm(host, lambda v: v.state == "Running")
    removable = _vm(host, lambda v: v.state in ("Off", "Saved") and not v.clustered)
    boot_vm = _vm(host, lambda v: v.generation == 2 and v.state == "Off" and bool(v.drives))
    cluster = estate.cluster_of(host)
    unclustered = _vm(host, lambda v: not v.clustered)  # importvm
    points = recovery_points(estate, replica) if replica else []
    role = next((g for g in cluster.groups if g.owner == host.name), None) if cluster else None
    table: dict[str, Params] = {
        "inventory": {},
        "doctor": question(),  # what hvtui doctor asks: every command and parameter
        "host-enhanced-session": {"Enabled": True},
        "host-migration": {"Enabled": True},
        "cluster-drain-on-shutdown": {"Enabled": True},
        "cluster-node-resume": {"NodeName": host.name},
        "cluster-node-suspend": {"NodeName": host.name},
        "cluster-role-move": ({"RoleName": role.name, "NodeName": _cluster_peer(estate, host),
                               "MigrationType": "Quick"}
                              if role and _cluster_peer(estate, host) else None),
        "checkpoint-new": {"Name": name, "CheckpointName": "matrix"} if name else None,
        "checkpoint-restore": ({"VMId": checkpointed.id,
                                "CheckpointId": checkpointed.checkpoints[0].id}
                               if checkpointed else None),
        "checkpoint-remove": ({"VMId": checkpointed.id,
                               "CheckpointId": checkpointed.checkpoints[-1].id}
                              if checkpointed else None),
        "replica-failover": {"VMName": replica.name, "AsTest": True} if replica else None,
        "replication-frequency": ({"VMName": replicated.name, "FrequencySec": 300}
                                  if replicated else None),
        "replication-suspend": {"VMName": replicated.name} if replicated else None,
        "replication-resume": {"VMName": replicated.name} if replicated else None,
        "replica-failover-stop": {"VMName": replica.name} if replica else None,
        "replica-failover-complete": {"VMName": replica.name} if replica else None,
        "replication-reverse": {"VMName": replica.name} if replica else None,
        "replication-resync": {"VMName": replicated.name} if replicated else None,
        "replication-remove": {"VMName": replicated.name} if replicated else None,
        "vhd-resize": ({"Path": drive_vm.drives[0].path, "SizeBytes": 200 * 1024**3}
                       if drive_vm else None),
        "vm-compare": ({"Name": name, "DestinationHost": _other_host(estate, host).name}
                       if name else None),
        "vm-move": ({"Name": name, "DestinationHost": _other_host(estate, host).name}
                    if name else None),
        "vm-copy-file": ({"Name": name, "SourcePath": next(iter(host.files.values())),
                          "DestinationPath": "C:\\Temp\\matrix.msi", "CreateFullPath": True}
                         if name and host.files else None),
        "vm-export": {"Name": name, "Path": "C:\\Exports"} if name else None,
        "vm-integration-service": ({"VMName": name, "ServiceId": HEARTBEAT, "Enabled": True}
                                   if name else None),
        "vm-processor-compat": {"VMName": name, "Enabled": True} if name else None,
        "vm-disk-add": ({"VMName": name, "ControllerType": "SCSI", "NewSizeBytes": 1024**3,
                         "Path": f"{_disk_folder(host)}\\matrix.vhdx"}
                        if name else None),
        "vm-disk-remove": _drive_of(drive_vm),
        "vm-dvd-drives": {"VMName": name} if name else None,
        "vm-dvd-media": ({"VMName": name, "ControllerNumber": 1, "ControllerLocation": 0,
                          "Path": _iso(host)} if name else None),
        "vm-new": _new_vm(host),
        "vm-rename": {"VMId": vm.id, "NewName": vm.name + " (renamed)"} if vm else None,
        "vm-remove": {"VMId": removable.id} if removable else None,
        "vm-upgrade-version": {"VMId": removable.id} if removable else None,
        # Settings a VM takes in any state, and a checkpoint type (guarded before 2016).
        "vm-settings": ({"VMName": name, "MemoryWeight": 60, "ProcessorWeight": 150,
                         "AutomaticStartDelay": 5, "CheckpointType": "Production",
                         "Notes": "matrix"} if name else None),
        # host settings (issue 11, hostcfg): what every release takes
        "host-settings": {"NumaSpanningEnabled": False, "MaximumStorageMigrations": 3,
                          "MaximumVirtualMachineMigrations": 3,
                          "AddMigrationNetworks": ["10.0.77.0/24"]},
        # Edit Disk, Move-VMStorage, Storage QoS (issue 11)
        "vhd-compact": {"Path": drive_vm.drives[0].path} if drive_vm else None,
        "vhd-chain": {"Path": drive_vm.drives[0].path} if drive_vm else None,
        "vhd-convert": ({"Path": drive_vm.drives[0].path, "VHDType": "Dynamic",
                         "DestinationPath": f"{_disk_folder(host)}\\matrix-copy.vhdx"}
                        if drive_vm else None),
        "vhd-merge": ({"Path": drive_vm.drives[0].path,
                       "DestinationPath": f"{_disk_folder(host)}\\matrix-parent.vhdx"}
                      if drive_vm else None),
        "vm-move-storage": ({"VMName": name,
                             "DestinationStoragePath": f"{_disk_folder(host)}\\matrix-moved"}
                            if name else None),
        "vm-disk-qos": ((_drive_of(drive_vm) or {}) | {"MinimumIOPS": 10, "MaximumIOPS": 100}
                        if drive_vm else None),
        # VM screen as text (issue 12, thumbs): every VM of the host in one call; keys to a
        # running one
        "vm-screen": {"VMId": [v.id for v in host.vms.values()], "Width": 32, "Height": 24},
        "vm-keys": ({"VMId": running.id, "SecretText": "matrix"} if running else None),
        # Networking (issue 11): VLAN and guards, which a VM takes in any state.
        "vm-network-adapter": ({"VMName": name, "Action": "Set", "Name": vm.adapters[0].name,
                                "VlanId": 12, "DhcpGuard": "On"}
                               if vm and vm.adapters else None),
        "host-switch": {"Action": "New", "Name": "Matrix 'Private'", "SwitchType": "Private"},
        # serial console (issue 12): COM 1 to a pipe, then one turn through it
        "vm-com-port": ({"VMName": name, "Number": 1, "Path": "\\\\.\\pipe\\matrix"}
                        if name else None),
        "vm-com-ports": {"VMName": name} if name else None,
        "vm-serial-exchange": {"PipeName": "matrix", "Send": "aGVscA0=", "WaitMs": 100,
                               "ConnectMs": 100},
        # events pane (issue 12)
        "host-events": {"SinceMinutes": 60, "Information": True},
        # generation 2 boot order (issue 11, hostcfg): a generation 2 VM that is off
        "vm-boot-order": ({"VMName": boot_vm.name, "FirstBootDevice": "HardDrive"}
                          if boot_vm else None),
        # import (issue 11, importvm): vm-export ran first (ORDER), so its copy is there.
        "vm-import-check": _exported(vm) if vm else None,
        "vm-import": {**_exported(vm), "Copy": True, "GenerateNewId": True} if vm else None,
        # high availability (issue 11, importvm): a VM of the node that is no role yet.
        "vm-make-ha": {"VMId": unclustered.id} if unclustered else None,
        # Replica setup (issue 12): to HV-DR1, a Replica server of the default estate (the
        # replica's own host refuses it, as Hyper-V does).
        "replication-enable": ({"VMName": name, "ReplicaServer": "HV-DR1", "Port": 80,
                                "AuthenticationType": "Kerberos", "FrequencySec": 300,
                                "StartNow": True} if name else None),
        "replica-server": {"Enabled": True, "AllowAnyServer": True},
        "replica-server-show": {},
        "replica-recovery-points": {"VMName": replica.name} if replica else None,
        "replica-failover-point": ({"VMName": replica.name, "RecoveryPointId": points[0].id}
                                   if replica and points else None),
    }
    for action in ("start", "stop", "turn-off", "save", "suspend", "resume", "restart"):
        table[f"vm-{action}"] = {"Name": name} if name else None
    if script not in table:
        raise AssertionError(f"the matrix has no parameters for {script}.ps1: add them")
    return table[script]


ORDER = sorted(catalog.all_scripts(), key=lambda s: (s in ("vm-move", "cluster-node-suspend",
                                                           "vm-remove"), s))
"""Scripts that take a VM or a node away run last on each host."""


def faults(result: PSResult) -> list[ErrorRecord]:
    return [e for e in result.errors if e.reason in FAULTS or "LabCmdletNotEmulated" in
            e.error_id or e.error_id.startswith("CommandNotFoundException")]


def refusal(host: Host, script: str) -> str | None:
    software = host.software
    return catalog.get(script).refusal(host.name, software.release, software.modules,
                                       software.edition)


RELEASES = {"2012", "2012 R2", "2016", "2019", "2022", "2025"}
"""Every release hvtui supports: the default estate has a host of each (issue 8)."""


def covered(lab: Lab) -> tuple[set[str], set[str], set[str]]:
    """The releases, PowerShell editions and display languages of the estate's hosts."""
    software = [h.software for h in lab.estate.hosts.values()]
    return ({s.release for s in software}, {s.edition for s in software},
            {s.language for s in software})


async def run_matrix(lab: Lab, invoke: Callable[..., Any]) -> tuple[int, list[str]]:
    releases, editions, languages = covered(lab)
    assert releases >= RELEASES and editions == {"Desktop", "Core"} and len(languages) > 1
    ran, problems = 0, []
    for host in list(lab.estate.hosts.values()):
        for script in ORDER:
            if refusal(host, script) is not None:
                continue
            params = parameters(lab.estate, host, script)
            if params is None:
                continue
            result = await invoke(host.name, catalog.get(script).text, params)
            ran += 1
            where = f"{script}.ps1 on {host.name} ({host.software.describe()})"
            for error in faults(result):
                problems.append(f"{where}: {error.reason} {error.error_id}: {error.message}")
            # Every object a script writes is one of its records: a cmdlet's own output
            # leaking into the stream (a record without Kind) is a fault of the script.
            # The inventory writes its records as one JSON document (inventory_records checks it).
            records = (inventory_records(host.name, result.objects)
                       if script == "inventory" and result.ok else result.objects)
            for leaked in [o for o in records if not isinstance(o, dict) or "Kind" not in o]:
                problems.append(f"{where}: wrote an object that is no record: {leaked!r}")
    return ran, problems


async def test_every_script_runs_on_every_host_in_process() -> None:
    lab = Lab.from_scenario(None, instant=True)

    async def invoke(host: str, text: str, params: dict[str, Any]) -> PSResult:
        return await lab.session(host).invoke(text, params, timeout=60)

    ran, problems = await run_matrix(lab, invoke)
    assert not problems, "\n".join(problems)
    assert ran >= 200  # most scripts apply on most hosts of the default estate


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[Lab, LabEndpoints]]:
    lab = Lab.from_scenario(None, instant=True)
    endpoints = await start_lab_servers(lab, tmp_path / "lab")
    try:
        yield lab, endpoints
    finally:
        await endpoints.close()


@pytest.mark.parametrize("transport", ["psrp", "ssh"])
async def test_every_script_runs_on_every_host_over_the_wire(
        served: tuple[Lab, LabEndpoints], transport: str, tmp_path: Path) -> None:
    lab, endpoints = served
    path = tmp_path / f"{transport}.toml"
    path.write_text(endpoints.inventory_toml(transport), encoding="utf-8")
    pool = inventory_pool(load_inventory(path))

    async def invoke(host: str, text: str, params: dict[str, Any]) -> PSResult:
        return await pool.invoke(host, text, params, timeout=60)

    try:
        ran, problems = await run_matrix(lab, invoke)
    finally:
        await pool.close()
    assert not problems, "\n".join(problems)
    assert ran >= 200
