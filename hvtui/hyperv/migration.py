"""Live migration (Move-VM, or a cluster role move): pre-flight checks and the plan.

The checks follow hyperv-rules.md R-VER and R-LM: the destination must run the VM's
configuration version (2012 -> 2012 R2 is the one cross-version move, never back), the
processors must match, both hosts must allow migration, the switches must exist on the
destination, and the disks must either stay on shared storage or travel with the VM.
Compare-VM, run on the source, has the last word before anything moves.
"""

from __future__ import annotations

from collections.abc import Sequence

from hvtui.errors import HvtuiError
from hvtui.hyperv import lookup
from hvtui.hyperv.paths import is_absolute_windows_path, is_shared_path
from hvtui.hyperv.plans import (
    Check,
    MigrateRequest,
    Outcome,
    Plan,
    Step,
    failed,
    make_step,
    passed,
    warned,
)
from hvtui.hyperv.sizes import human
from hvtui.model import (
    VM,
    Cluster,
    Disk,
    Estate,
    Host,
    MigrationAuthentication,
    MigrationPerformance,
)
from hvtui.model.versions import WS2012, WS2012R2
from hvtui.ps import catalog
from hvtui.remote.pool import SessionPool

SOURCE_NOT_CONFIGURED = (
    "The source host is not configured for live migration. Use the Enable-VMMigration cmdlet "
    "to modify the Hyper-V settings on the source host to enable migration.")
DESTINATION_NOT_CONFIGURED = (
    "The destination host is not configured for live migration. Use the Enable-VMMigration "
    "cmdlet to modify the Hyper-V settings on the destination host to enable migration.")
CLUSTERED_VM = (
    "This operation is not supported on a clustered virtual machine. To perform this "
    "operation, remove the virtual machine from the cluster and then try again.")

_PERFORMANCE_WORDS = {
    MigrationPerformance.TCPIP: "TCP/IP: memory is copied as is over TCP port 6600 (as in 2012)",
    MigrationPerformance.Compression: (
        "Compression (the default): memory is compressed before it crosses TCP port 6600, "
        "using spare processor time on both hosts"),
    MigrationPerformance.SMB: (
        "SMB: memory travels over SMB 3.0, using SMB Direct (RDMA) and SMB Multichannel when "
        "the network has them (fastest on 10 Gbps and up)"),
}


def version_check(vm: VM, source: Host, dest: Host) -> Check:
    """R-VER-2 / R-LM-1: the destination must run the VM's configuration version."""
    name = "Configuration version"
    version = vm.version
    supported = ", ".join(dest.supported_versions)
    if not version:
        return warned(name, f"{vm.name} did not report its configuration version",
                      "Compare-VM below still checks it; refresh and look again", vm.name)
    if version == "4.0" and source.release == WS2012 and dest.release == WS2012R2:
        return passed(name, (
            f"cross-version live migration from {WS2012.name} to {WS2012R2.name} (new in "
            f"2012 R2): the VM's configuration version 4.0 becomes 5.0 on {dest.name}, and "
            "it can never move back to a 2012 host"), vm.name)
    if dest.supports_version(version):
        return passed(name, f"{dest.name} ({dest.release.short}) runs configuration version "
                            f"{version}", vm.name)
    detail = (f"{dest.name} runs {dest.release.name}, which supports configuration version(s) "
              f"{supported}; {vm.name} is version {version}")
    if dest.release < source.release:
        detail += (f". Live migration never goes from a newer release ({source.release.short}) "
                   f"to an older one ({dest.release.short})")
        fix = f"choose a destination running {source.release.name} or later"
    elif version == "4.0":
        fix = (f"move it to a {WS2012R2.name} host first (it becomes version 5.0 there), "
               "then onwards")
    else:
        fix = ("choose a destination that supports this version, or upgrade the VM with "
               "Update-VMVersion while it is off (one-way: it then never runs on older hosts)")
    return failed(name, detail, fix, vm.name)


def state_check(vm: VM) -> Check:
    name = "VM state"
    state = vm.state
    if state.is_critical:
        return failed(name, f"{vm.name} is {state.name}: its storage or configuration is not "
                            "healthy", "fix the VM's storage on its host first", vm.name)
    base = state.base.name
    if base in ("Running", "Paused"):
        return passed(name, f"{vm.name} is {base}: it keeps running while its memory is "
                            "copied (live migration)", vm.name)
    if base in ("Off", "Saved", "FastSaved"):
        return passed(name, f"{vm.name} is {base}: only its configuration (and storage, if "
                            "asked) moves", vm.name)
    return failed(name, f"{vm.name} is {base}, between states", "wait until it settles, then "
                  "check again", vm.name)


def processor_checks(vm: VM, source: Host, dest: Host) -> list[Check]:
    """R-LM-2 (same vendor) and R-LM-3 (compatibility mode)."""
    moving_live = vm.state.base.name in ("Running", "Paused", "Saved", "FastSaved")
    checks: list[Check] = []
    src_vendor, dst_vendor = source.processor_vendor.strip(), dest.processor_vendor.strip()
    if src_vendor and dst_vendor and src_vendor.lower() != dst_vendor.lower():
        if moving_live:
            checks.append(failed(
                "Processor vendor",
                f"{source.name} has {src_vendor} processors and {dest.name} has {dst_vendor}; "
                f"a running or saved VM never moves between vendors",
                f"shut {vm.name} down first; an off VM can move", vm.name))
            return checks
        checks.append(passed("Processor vendor", f"{src_vendor} -> {dst_vendor}: fine for a VM "
                                                 "that is off", vm.name))
    else:
        checks.append(passed("Processor vendor", f"both hosts: {src_vendor or 'not reported'}",
                             vm.name))
    same_model = source.processor_name.strip().lower() == dest.processor_name.strip().lower()
    if not moving_live or same_model:
        checks.append(passed("Processor compatibility",
                             "same processor model on both hosts" if same_model else
                             f"{vm.name} is off, so processor features do not matter", vm.name))
    elif vm.processor_compatibility:
        checks.append(passed("Processor compatibility",
                             "compatibility mode is on: the VM sees only common features",
                             vm.name))
    else:
        checks.append(warned(
            "Processor compatibility",
            f"different processor models ({source.processor_name or '?'} -> "
            f"{dest.processor_name or '?'}) and compatibility mode is off: the move fails if "
            "the destination lacks a feature the VM uses",
            f"shut {vm.name} down, turn compatibility mode on (`hvtui processor-compat "
            f"{vm.name} on`: Set-VMProcessor -CompatibilityForMigrationEnabled $true), "
            "start it, then migrate", vm.name))
    return checks


def host_settings_checks(source: Host, dest: Host) -> list[Check]:
    """R-LM-4..6: migration enabled, networks, authentication and performance, in plain words."""
    checks: list[Check] = []
    for host, text, side in ((source, SOURCE_NOT_CONFIGURED, "source"),
                             (dest, DESTINATION_NOT_CONFIGURED, "destination")):
        if host.migration.enabled:
            checks.append(passed(f"Migration enabled ({side})", f"{host.name} allows live "
                                                                 "migrations"))
        else:
            checks.append(failed(f"Migration enabled ({side})", f"{host.name}: {text}",
                                 f"allow migrations on {host.name} (Enable-VMMigration, or "
                                 f"`hvtui host-migration {host.name} on`)"))
    if dest.migration.use_any_network:
        checks.append(passed("Migration network", f"{dest.name} accepts migrations on any "
                                                  "network"))
    else:
        checks.append(warned(
            "Migration network",
            f"{dest.name} accepts live migrations only on the networks added with "
            "Add-VMMigrationNetwork, which the inventory does not list",
            f"if the move fails for want of a network, run Set-VMHost "
            f"-UseAnyNetworkForMigration $true on {dest.name} or add a migration network"))
    auth = source.migration.authentication
    if auth is MigrationAuthentication.CredSSP:
        checks.append(passed("Authentication", (
            f"CredSSP: {source.name} passes your own sign-in on to {dest.name}, so the move "
            f"must start from a session on {source.name}. hvtui runs Move-VM inside its session "
            f"on {source.name}, which is such a session. If the host answers 'No credentials "
            f"are available in the security package', sign in to {source.name} directly "
            "(console or RDP) or switch both hosts to Kerberos")))
    else:
        checks.append(warned("Authentication", (
            "Kerberos: no sign-on is passed along, but each host's computer account must "
            "be trusted in Active Directory to delegate to the other ('Microsoft Virtual "
            "System Migration Service', and 'cifs' to move storage). hvtui cannot read that "
            "setting"), "if the move is refused for lack of credentials, set up constrained "
                        "delegation for both computer accounts, or use CredSSP"))
    words = _PERFORMANCE_WORDS[source.migration.performance]
    checks.append(passed("Performance option", f"{source.name} sends with {words}"))
    return checks


def switch_checks(vm: VM, dest: Host) -> list[Check]:
    """The destination needs a virtual switch of the same name for each connected adapter."""
    checks: list[Check] = []
    have = {s.lower() for s in dest.switches}
    for adapter in vm.network_adapters:
        if not adapter.switch_name:
            continue
        if adapter.switch_name.lower() in have:
            checks.append(passed("Virtual switch", f"'{adapter.switch_name}' exists on "
                                                   f"{dest.name}", vm.name))
        else:
            checks.append(failed(
                "Virtual switch",
                f"adapter '{adapter.name}' is connected to '{adapter.switch_name}', which "
                f"{dest.name} does not have",
                f"create a switch named '{adapter.switch_name}' on {dest.name} (New-VMSwitch), "
                "or connect the adapter to a switch the destination has", vm.name))
    if not checks:
        checks.append(passed("Virtual switch", "no adapter is connected to a switch", vm.name))
    return checks


def _storage_total(disks: Sequence[Disk]) -> int:
    return sum(d.file_size or d.size for d in disks)


def storage_checks(vm: VM, source_cluster: Cluster | None, dest: Host, include_storage: bool,
                   storage_path: str) -> list[Check]:
    """Shared storage stays put; local storage must travel with the VM (R-LM-8)."""
    name = "Storage"
    disks = list(vm.disks)
    if not disks:
        return [passed(name, "the VM has no virtual hard disks", vm.name)]
    local = [d for d in disks if not is_shared_path(d.path, source_cluster)]
    if not include_storage:
        if local:
            shown = ", ".join(d.path for d in local[:2]) + (" ..." if len(local) > 2 else "")
            return [failed(name, f"{len(local)} disk(s) are on {vm.host}'s own storage ({shown}),"
                                 f" which {dest.name} cannot reach",
                           "move the storage with the VM (--include-storage "
                           "--storage-path D:\\VMs\\" + vm.name + ")", vm.name)]
        return [passed(name, "the disks stay on shared storage (SMB 3.0 share or CSV) that "
                             f"{dest.name} must also reach", vm.name)]
    checks: list[Check] = []
    shared_vhdx = [d for d in disks if d.shared]
    for disk in shared_vhdx:
        checks.append(failed(name, f"The virtual hard disk '{disk.path}' cannot be moved because "
                                   "it is sharable by multiple virtual machines.",
                             "shared VHDX stays on its CSV or share: migrate without "
                             "--include-storage", vm.name))
    if storage_path and not is_absolute_windows_path(storage_path):
        checks.append(failed(name, f"'{storage_path}' is not a full path on {dest.name}",
                             "give a path such as D:\\VMs\\" + vm.name + " or \\\\server\\share",
                             vm.name))
        return checks
    need = _storage_total(disks)
    if not storage_path:  # Move-VM keeps each disk's path: the destination needs those
        return checks + _same_paths_checks(vm, dest, local)
    where = storage_path
    volume = dest.volume_for(where)
    described = (f"{dest.name}'s default folder '{where}'"
                 if storage_path == default_storage_path(dest, vm) else f"'{where}'")
    if volume is None or volume.size == 0:
        checks.append(warned(name, f"the storage ({human(need)}) moves to {described}; "
                                   f"{dest.name} does not report that volume's free space",
                             f"make sure {human(need)} is free there", vm.name))
    elif volume.free < need:
        checks.append(failed(name, f"the storage needs {human(need)} but {volume.drive_letter}: "
                                   f"on {dest.name} has {human(volume.free)} free",
                             "free space there or choose another path", vm.name))
    else:
        checks.append(passed(name, f"the storage ({human(need)}) moves to {described}, which has "
                                   f"{human(volume.free)} free", vm.name))
    return checks


def default_storage_path(dest: Host, vm: VM) -> str:
    """Where "the destination's default folder" is for ``vm``: a folder named after it in
    the host's default virtual machine path (its disks go to 'Virtual Hard Disks' in it).

    Move-VM -IncludeStorage without -DestinationStoragePath does not use that default: it
    keeps each disk's path (the module leaves the disk settings as they are), so a disk on
    D: needs a D: on the destination. A plan for "the default folder" therefore names the
    folder itself, and its checks, Compare-VM and the PowerShell shown agree on it. Empty
    when the host reports no default path."""
    base = dest.virtual_machine_path or dest.virtual_hard_disk_path
    return base.rstrip("\\/") + "\\" + vm.name if base else ""


def _same_paths_checks(vm: VM, dest: Host, disks: Sequence[Disk]) -> list[Check]:
    """The disks keep their paths on ``dest``: each needs its volume there, and room."""
    checks: list[Check] = []
    needs: dict[str, int] = {}
    for disk in disks:
        volume = dest.volume_for(disk.path)
        if volume is None:
            checks.append(failed("Storage", f"'{disk.path}' keeps its path on {dest.name}, "
                                            f"which has no such volume",
                                 f"give a storage folder on {dest.name} (--storage-path)",
                                 vm.name))
            continue
        needs[volume.drive_letter] = needs.get(volume.drive_letter, 0) + (
            disk.file_size or disk.size)
    for letter, need in needs.items():
        volume = next(v for v in dest.volumes if v.drive_letter == letter)
        if volume.size and volume.free < need:
            checks.append(failed("Storage", f"the storage needs {human(need)} but {letter}: "
                                            f"on {dest.name} has {human(volume.free)} free",
                                 "free space there or choose another path", vm.name))
    if not checks:
        checks.append(passed("Storage", f"the disks keep their paths on {dest.name}", vm.name))
    return checks


def replication_check(vm: VM) -> Check | None:
    if vm.replication is None:
        return None
    return warned("Replication", f"{vm.name} is a Hyper-V Replica {vm.replication.mode} VM",
                  "after the move, check its replication health; the replica server must "
                  "accept the new host", vm.name)


async def compare_checks(pool: SessionPool, vm: VM, dest: Host, include_storage: bool,
                         storage_path: str) -> list[Check]:
    """Ask the source host (Compare-VM) whether the destination can take the VM."""
    params = _move_parameters(vm, dest, include_storage, storage_path)
    try:
        result = await pool.invoke(vm.host, catalog.get("vm-compare").text, params)
    except HvtuiError as exc:
        return [failed("Compare-VM", f"could not ask {vm.host}: {exc.user_message()}",
                       "check the host is reachable and retry", vm.name)]
    if not result.ok:
        messages = [e.message for e in result.errors] or ["Compare-VM failed without a message"]
        return [failed("Compare-VM", f"{vm.host} said: {m}", _compare_fix(m, vm, dest), vm.name)
                for m in messages]
    problems = [o for o in result.objects if str(o.get("Kind", "")) == "Incompatibility"]
    if not problems:
        return [passed("Compare-VM", f"{vm.host} reports no incompatibility with {dest.name}",
                       vm.name)]
    return [failed("Compare-VM", f"{o.get('Message')!s} (message id {o.get('MessageId')!s})",
                   _compare_fix(str(o.get("Message", "")), vm, dest), vm.name)
            for o in problems]


def _compare_fix(message: str, vm: VM, dest: Host) -> str:
    lowered = message.lower()
    if "switch" in lowered:
        return f"create the missing virtual switch on {dest.name}, or reconnect the adapter"
    if "processor" in lowered or "hardware" in lowered:
        return (f"shut {vm.name} down and turn on processor compatibility mode, or choose a "
                "host with the same processors")
    if "version" in lowered:
        return "choose a destination that supports the VM's configuration version"
    if "migration" in lowered and "enable" in lowered:
        return "allow migrations on both hosts (Enable-VMMigration)"
    return "fix what the host reports, then check again"


async def plan_migration(pool: SessionPool, request: MigrateRequest) -> Plan:
    destination = lookup.canonical_host(pool, request.destination)
    estate = await lookup.fresh_estate(pool, lookup.hosts_for(pool, request.vms, destination))
    dest = lookup.host(estate, destination)
    vms = lookup.vms(estate, request.vms)
    checks: list[Check] = []
    steps: list[Step] = []
    notes: list[str] = []
    settings_checked: set[str] = set()
    for vm in vms:
        source = lookup.host(estate, vm.host)
        source_status = estate.status(vm.host)
        source_cluster = source_status.inventory.cluster if source_status and \
            source_status.inventory else None
        dest_status = estate.status(dest.name)
        dest_cluster = dest_status.inventory.cluster if dest_status and dest_status.inventory \
            else None
        if vm.host.lower() == dest.name.lower():
            checks.append(failed("Destination", f"{vm.name} is already on {dest.name}",
                                 "choose another host", vm.name))
            continue
        path = request.storage_path
        if path and len(vms) > 1:  # one folder per VM, so their files never collide
            path = path.rstrip("\\/") + "\\" + vm.name
        elif request.include_storage and not path and not vm.is_clustered:
            path = default_storage_path(dest, vm)
        vm_checks = [state_check(vm), version_check(vm, source, dest),
                     *processor_checks(vm, source, dest)]
        if vm.is_clustered:
            vm_checks += _cluster_route_checks(vm, source_cluster, dest_cluster, dest)
        else:
            if source.name not in settings_checked:  # host settings: once per source host
                vm_checks += host_settings_checks(source, dest)
                settings_checked.add(source.name)
            vm_checks += switch_checks(vm, dest)
            vm_checks += storage_checks(vm, source_cluster, dest, request.include_storage, path)
        rep = replication_check(vm)
        if rep is not None:
            vm_checks.append(rep)
        if not any(c.outcome is Outcome.FAIL for c in vm_checks) and not vm.is_clustered:
            vm_checks += await compare_checks(pool, vm, dest, request.include_storage, path)
        checks += vm_checks
        if vm.is_clustered and dest_cluster is not None:
            steps.append(_role_move_step(vm, source, dest, dest_cluster))
        elif not vm.is_clustered:
            steps.append(_move_step(vm, source, dest, request.include_storage, path))
        if vm.version == "4.0" and dest.release == WS2012R2:
            notes.append(f"{vm.name} is configuration version 5.0 from now on: it can no "
                         "longer run on a Windows Server 2012 host")
    limits = _limits(estate, [s.host for s in steps] + [dest.name])
    if len(steps) > 1:
        shown = ", ".join(f"{h} {n}" for h, n in limits)
        checks.append(passed("Simultaneous migrations", f"hosts' limits: {shown}; hvtui queues "
                                                        "the rest"))
    title = (f"Live-migrate {vms[0].name} to {dest.name}" if len(vms) == 1 else
             f"Live-migrate {len(vms)} VMs to {dest.name}")
    return Plan(title=title, request=request, checks=tuple(checks), steps=tuple(steps),
                notes=tuple(notes), limits=tuple(limits))


def _limits(estate: Estate, hosts: Sequence[str]) -> list[tuple[str, int]]:
    out: dict[str, int] = {}
    for name in hosts:
        h = estate.host(name)
        if h is not None:
            out.setdefault(h.name, max(1, h.migration.simultaneous or 2))
    return list(out.items())


def _cluster_route_checks(vm: VM, source_cluster: Cluster | None,
                          dest_cluster: Cluster | None, dest: Host) -> list[Check]:
    name = "Clustered VM"
    if source_cluster is None:
        return [failed(name, f"{vm.name} is clustered but {vm.host} reported no cluster",
                       "refresh and check the cluster service on the host", vm.name)]
    if dest_cluster is None or dest_cluster.name.lower() != source_cluster.name.lower():
        return [failed(name, f"{vm.name} is a role of cluster {source_cluster.name} and "
                             f"{dest.name} is not one of its nodes: {CLUSTERED_VM}",
                       f"move it to another node of {source_cluster.name}, or remove it from "
                       "the cluster first", vm.name)]
    node = _node_name(dest_cluster, dest)
    state = dest_cluster.node(node)
    checks = [passed(name, f"{vm.name} is a role of cluster {source_cluster.name}: it moves as a "
                           "cluster role (Move-ClusterVirtualMachineRole -MigrationType Live), "
                           "its disks stay on the cluster's shared volumes", vm.name)]
    if state is not None and state.state.name != "Up":
        checks.append(failed("Destination node", f"{node} is {state.state.name}",
                             f"resume {node} first (`hvtui cluster resume {node}`)", vm.name))
    return checks


def _node_name(cluster: Cluster, host: Host) -> str:
    for candidate in (host.name, host.computer_name, host.name.split(".")[0]):
        if candidate and cluster.node(candidate) is not None:
            node = cluster.node(candidate)
            assert node is not None
            return node.name
    return host.computer_name or host.name


def _role_move_step(vm: VM, source: Host, dest: Host, cluster: Cluster) -> Step:
    node = _node_name(cluster, dest)
    role = next((r.name for r in cluster.roles if r.name.lower() == vm.name.lower()), vm.name)
    return make_step(source, "cluster-role-move",
                     {"RoleName": role, "NodeName": node, "MigrationType": "Live"},
                     f"Live-migrate cluster role {role} from {vm.host} to node {node}",
                     target=vm.name, long=True, peers=(dest.name,))


def _move_parameters(vm: VM, dest: Host, include_storage: bool, path: str
                     ) -> dict[str, str | bool]:
    """Parameters shared by vm-compare and vm-move (the storage ones only when given)."""
    params: dict[str, str | bool] = {"Name": vm.name,
                                     "DestinationHost": dest.computer_name or dest.name}
    if include_storage:
        params["IncludeStorage"] = True
    if path:
        params["DestinationStoragePath"] = path
    return params


def _move_step(vm: VM, source: Host, dest: Host, include_storage: bool, path: str) -> Step:
    params = _move_parameters(vm, dest, include_storage, path)
    verb = "Live-migrate" if vm.state.base.name in ("Running", "Paused") else "Move"
    text = f"{verb} {vm.name} from {vm.host} to {dest.name}"
    if include_storage:
        text += f", with its storage to {path}" if path else ", with its storage"
    return make_step(source, "vm-move", params, text, target=vm.name, long=True,
                     peers=(dest.name,))
