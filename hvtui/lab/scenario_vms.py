"""Scenario VMs: a [[host.vm]] table with its disks, checkpoints and adapters, validated."""

from __future__ import annotations

import datetime as dt

from hvtui.lab import live
from hvtui.lab.estate import (
    BASE_STATES,
    VM,
    Adapter,
    Checkpoint,
    ClusterGroup,
    Drive,
    Estate,
    Host,
    Vhd,
    default_dvd,
    guid,
    is_absolute,
    key,
)
from hvtui.lab.scenario_reader import GB, MB, PendingRole, Reader
from hvtui.lab.services import services_for

PRIORITIES = {"High": 3000, "Medium": 2000, "Low": 1000, "NoAutoStart": 0}
"""Cluster group priorities by name (R-CL-2)."""


def build_vm(estate: Estate, host: Host, reader: Reader, pending: list[PendingRole]) -> VM:
    name = reader.get("name", str)
    if not name.strip():
        raise reader.fail("a VM name cannot be empty", "give the VM a name")
    generation = reader.get("generation", int, 1, choices=[1, 2])
    version = reader.get("version", str, host.release.default_version)
    upgraded = reader.get("in_place_upgrade", bool, False)
    if not host.release.supports(version) and not upgraded:
        raise reader.fail(
            f"configuration version {version} is not supported by {host.release.label} "
            f"(supported: {', '.join(host.release.vm_versions)})",
            "use a supported version, or set in_place_upgrade = true for a VM left behind by "
            "an OS upgrade",
        )
    if generation == 2 and version == "4.0":
        raise reader.fail(
            "generation 2 VMs need configuration version 5.0 or later", "use generation = 1"
        )
    state = reader.get("state", str, "Off", choices=list(BASE_STATES))
    guest_os = reader.get("os", str, "")
    vm_id = reader.get("id", str, "") or guid(estate.seed, f"vm|{host.name}|{name}")
    memory = int(reader.get("memory_gb", (int, float), 2, minimum=0.03125) * GB)
    vm = VM(
        id=vm_id.lower(),
        name=name,
        generation=generation,
        version=version,
        state=state,
        critical=reader.get("critical", bool, False),
        status=reader.get("status", str, ""),
        cpus=reader.get("cpus", int, 2, minimum=1),
        memory_startup=memory,
        memory_maximum=int(reader.get("maximum_memory_gb", (int, float), memory / GB) * GB),
        dynamic_memory=reader.get("dynamic_memory", bool, False),
        load=reader.get("load", (int, float), 10.0, minimum=0),
        compat=reader.get("compat", bool, False),
        guest_os=guest_os,
        linux=reader.get("linux", bool, bool(guest_os) and "windows" not in guest_os.lower()),
        guest_ics=reader.get("integration_components", bool, True),
        app_health=reader.get("app_health", str, "", choices=["Healthy", "Critical", "Unknown"]),
        path=reader.get("path", str, host.vm_path),
        notes=reader.get("notes", str, ""),
        phase=live.phase_for(estate.seed, vm_id),
    )
    if not vm.app_health:
        # Linux integration services report no application status.
        vm.app_health = "Unknown" if vm.linux else "Healthy"
    # VM screen as text (issue 12, thumbs): a crashed guest, or one caught in a boot loop
    vm.guest_fault = reader.get("guest_fault", str, "", choices=["", "BugCheck", "BootLoop"])
    if any(other.id == vm.id for _h, other in estate.all_vms()) or vm.id in host.vms:
        raise reader.fail(f"VM id {vm.id} is used twice", "remove the id key or make it unique")
    if vm.active:
        uptime = reader.get("uptime_days", (int, float), 3.0, minimum=0) * 86400
        vm.started_at = -uptime
    else:
        reader.get("uptime_days", (int, float), 0)
    if vm.carries_cpu_state:
        vm.cpu_features = (host.cpu.vendor, 0 if vm.compat else host.cpu.level)
    _integration(host, vm, reader)
    for disk in reader.tables("disk", "disk"):
        _disk(estate, host, vm, disk)
    default_dvd(vm)
    _checkpoints(estate, vm, reader)
    for adapter in reader.tables("adapter", "adapter"):
        _adapter(estate, host, vm, adapter)
    role = reader.table("cluster_role")
    if role is not None:
        if not host.cluster:
            raise role.fail(
                f"host '{host.name}' is not a cluster node",
                "remove cluster_role or move the VM to a node",
            )
        priority = role.get("priority", str, "Medium", choices=list(PRIORITIES))
        group = ClusterGroup(
            name=role.get("name", str, vm.name),
            vm_id=vm.id,
            owner=host.name,
            priority=PRIORITIES[priority],
            failback=role.get("failback", bool, False),
        )
        vm.clustered = True
        role.done()
        pending.append(PendingRole(host.cluster, group, reader))
    reader.done()
    return vm


def _integration(host: Host, vm: VM, reader: Reader) -> None:
    offered = services_for(host.release)
    for field_name, enabled in (("integration_on", True), ("integration_off", False)):
        for service in reader.strings(field_name):
            if service not in offered:
                raise reader.fail(
                    f"{field_name} names '{service}', which {host.release.label} does not offer",
                    f"use one of: {', '.join(offered)}",
                )
            vm.ic_overrides[service] = enabled
    blocked = reader.strings("guest_blocked")
    for service in blocked:
        if service not in offered:
            raise reader.fail(
                f"guest_blocked names unknown service '{service}'",
                f"use one of: {', '.join(offered)}",
            )
    vm.guest_blocked = frozenset(blocked)


def _disk(estate: Estate, host: Host, vm: VM, reader: Reader) -> None:
    path = reader.get("path", str)
    if not is_absolute(path):
        raise reader.fail(
            f"disk path '{path}' is not a full path", "write it like D:\\VMs\\disk.vhdx"
        )
    extension = path.rsplit(".", 1)[-1].lower()
    if extension not in ("vhd", "vhdx", "avhdx"):
        raise reader.fail(
            f"disk path '{path}' is not a .vhd or .vhdx file", "end the path with .vhdx or .vhd"
        )
    fmt = "VHD" if extension == "vhd" else "VHDX"
    controller = reader.get(
        "controller", str, "SCSI" if vm.generation == 2 else "IDE", choices=["IDE", "SCSI"]
    )
    if vm.generation == 2 and controller == "IDE":
        raise reader.fail(
            "Generation 2 virtual machines do not support IDE.", "put the disk on SCSI"
        )
    if vm.generation == 2 and fmt == "VHD":
        raise reader.fail(
            "Generation 2 virtual machines do not support .vhd or .avhd format.", "use a .vhdx"
        )
    vhd_type = reader.get("type", str, "Dynamic", choices=["Fixed", "Dynamic", "Differencing"])
    size = int(reader.get("size_gb", (int, float), minimum=0.001) * GB) // 512 * 512
    used = int(reader.get("used_gb", (int, float), size / GB / 3, minimum=0) * GB)
    overhead = 4 * MB if fmt == "VHDX" else 512
    file_size = size + overhead if vhd_type == "Fixed" else min(used, size) + overhead
    minimum = None
    if fmt == "VHDX":
        minimum = int(reader.get("minimum_gb", (int, float), size / GB, minimum=0) * GB) // MB * MB
        minimum = min(minimum, size)
    elif "minimum_gb" in reader.data:
        raise reader.fail("a VHD has no minimum size (only VHDX can shrink)", "remove minimum_gb")
    default_block = 0 if vhd_type == "Fixed" else (32 if fmt == "VHDX" else 2)
    block = int(reader.get("block_size_mb", (int, float), default_block, minimum=0) * MB)
    parent_path = reader.get("parent", str, "")
    if (vhd_type == "Differencing") != bool(parent_path):
        raise reader.fail(
            "a differencing disk needs parent, and only it",
            "set type = \"Differencing\" with parent = '...'",
        )
    shared = reader.get("shared", bool, False)
    cluster = estate.cluster_of(host)
    if shared and (fmt != "VHDX" or cluster is None or cluster.csv_for(path) is None):
        raise reader.fail(
            "a shared disk must be a VHDX on a Cluster Shared Volume",
            "put it under C:\\ClusterStorage\\VolumeN of this host's cluster, or remove shared",
        )
    min_iops = reader.get("min_iops", int, 0, minimum=0)
    max_iops = reader.get("max_iops", int, 0, minimum=0)
    if (min_iops or max_iops) and not host.release.at_least("2012R2"):
        raise reader.fail(
            "storage QoS (min_iops/max_iops) is new in 2012 R2", "remove min_iops and max_iops"
        )
    if estate.space(host, path) is None and not path.startswith("\\\\"):
        raise reader.fail(
            f"disk path '{path}' is on no volume of host '{host.name}'",
            "add a [[host.volume]] for that drive or use a path on an existing one",
        )
    number, location = _slot(vm, controller, reader)
    vm.drives.append(Drive(path, controller, number, location, min_iops, max_iops, shared))
    existing = estate.vhd(host, path)
    if existing is not None:
        if not shared:
            raise reader.fail(
                f"disk '{path}' is already used by another VM", "give each VM its own disk file"
            )
    elif not reader.get("missing", bool, False):
        # missing = true: the VM refers to a file that is gone (a critical VM's lost storage).
        estate.add_vhd(host, Vhd(path, fmt, vhd_type, size, file_size, minimum, block, parent_path))
        if parent_path and estate.vhd(host, parent_path) is None:
            # The parent a differencing disk names is a disk too: a dynamic one of the same
            # format and size, holding what the child does not (Edit Disk merges into it).
            estate.add_vhd(host, Vhd(parent_path, fmt, "Dynamic", size, size // 3 + overhead,
                                     minimum, 32 * MB if fmt == "VHDX" else 2 * MB))
    reader.done()


def _slot(vm: VM, controller: str, reader: Reader) -> tuple[int, int]:
    taken = {
        (d.controller_number, d.controller_location)
        for d in vm.drives
        if d.controller_type == controller
    }
    number = reader.get("number", int, None)
    location = reader.get("location", int, None)
    if number is None or location is None:
        slots = (
            (n, loc)
            for n in range(4 if controller == "SCSI" else 2)
            for loc in range(64 if controller == "SCSI" else 2)
        )
        number, location = next(s for s in slots if s not in taken)
    if (number, location) in taken:
        raise reader.fail(
            f"{controller} {number}:{location} holds two disks", "give each disk its own location"
        )
    if controller == "IDE" and (number > 1 or location > 1):
        raise reader.fail(
            "IDE has controllers 0-1 and locations 0-1", "pick a free IDE slot or use SCSI"
        )
    return number, location


def _checkpoints(estate: Estate, vm: VM, reader: Reader) -> None:
    """A tree listed parents first; the VM runs on the last one unless one says current."""
    by_name: dict[str, Checkpoint] = {}
    current = ""
    for table in reader.tables("checkpoint", "checkpoint"):
        name = table.get("name", str)
        parent_name = table.get("parent", str, "")
        if parent_name and key(parent_name) not in by_name:
            raise table.fail(
                f"parent checkpoint '{parent_name}' is not listed before it", "list parents first"
            )
        age = table.get("age_days", (int, float), 1.0, minimum=0)
        checkpoint = Checkpoint(
            id=guid(estate.seed, f"checkpoint|{vm.id}|{name}"),
            name=name,
            parent_id=by_name[key(parent_name)].id if parent_name else "",
            created=estate.clock.start - dt.timedelta(days=age),
            captured_state=table.get("state", str, "Off", choices=list(BASE_STATES)),
        )
        by_name[key(name)] = checkpoint
        vm.checkpoints.append(checkpoint)
        if table.get("current", bool, False):
            current = checkpoint.id
        table.done()
    vm.current_checkpoint = current or (vm.checkpoints[-1].id if vm.checkpoints else "")


def _adapter(estate: Estate, host: Host, vm: VM, reader: Reader) -> None:
    switch = reader.get("switch", str, "")
    if switch and not host.has_switch(switch):
        raise reader.fail(
            f"switch '{switch}' is not one of host '{host.name}' "
            f"({', '.join(host.switches) or 'none'})",
            "add it to the host's switches or correct the name",
        )
    mac = reader.get("mac", str, "")
    if not mac:
        digest = guid(estate.seed, f"mac|{vm.id}|{len(vm.adapters)}").replace("-", "")
        mac = "00155D" + digest[:6].upper()
    default_name = (
        "Legacy Network Adapter" if reader.get("legacy", bool, False) else "Network Adapter"
    )
    if default_name.startswith("Legacy") and vm.generation == 2:
        raise reader.fail(
            "Generation 2 virtual machines do not support legacy network adapters.", "remove legacy"
        )
    vm.adapters.append(
        Adapter(reader.get("name", str, default_name), switch, mac, reader.strings("ips"),
                legacy=default_name.startswith("Legacy"))
    )
    reader.done()
