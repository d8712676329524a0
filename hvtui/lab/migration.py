"""Live migration: vm-compare (Compare-VM) and vm-move (Move-VM), rules R-LM-1..8 and R-VER-2.

Both scripts run on the source host, as Move-VM does in hvtui, so CredSSP always has the
sign-on it needs on the source (R-LM-7). ``assess`` lists every problem once; Move-VM
fails with the first, Compare-VM reports them all as incompatibilities.
"""

from __future__ import annotations

from dataclasses import dataclass

from hvtui.lab.estate import (
    VM,
    Estate,
    Host,
    basename,
    has_bad_path_chars,
    is_absolute,
    join,
    key,
    path_key,
)
from hvtui.lab.failures import (
    CLUSTERED_VM,
    DESTINATION_MIGRATION_DISABLED,
    DISK_FULL,
    FILE_EXISTS,
    HARDWARE_INCOMPATIBLE,
    INVALID_STATE,
    NO_CREDENTIALS,
    NO_MIGRATION_NETWORKS,
    PATH_NOT_FOUND,
    SHARABLE_VHD,
    SOURCE_MIGRATION_DISABLED,
    HostError,
    invalid_operation,
    invalid_state,
    operation_failed,
)
from hvtui.lab.registry import Call, handles

MOVE = "Move-VM"
COMPARE = "Compare-VM"

# Compare-VM MessageIds. 33012 is Hyper-V's "Could not find Ethernet switch" id; the
# others are the lab's own (UNCONFIRMED: the reference gives no ids).
ID_CLUSTERED = 21500
ID_STATE = 21501
ID_SOURCE_DISABLED = 21502
ID_DESTINATION_DISABLED = 21503
ID_NO_NETWORKS = 21504
ID_CREDENTIALS = 21505
ID_VERSION = 21506
ID_HARDWARE = 21507
ID_SWITCH = 33012
ID_SHARABLE = 21508
ID_STORAGE_UNREACHABLE = 21509
ID_STORAGE_PATH = 21510
ID_STORAGE_EXISTS = 21511
ID_STORAGE_SPACE = 21512

_SECONDS_PER_GB = {"SMB": 1.0, "Compression": 2.5, "TCPIP": 6.0, "": 6.0}
"""Lab time to copy one GB of memory per migration performance option (R-LM-6)."""
STORAGE_BYTES_PER_SECOND = 200 * 1024**2


@dataclass(frozen=True, slots=True)
class Problem:
    message: str
    message_id: int
    error: HostError
    """How Move-VM fails on this problem."""


def _problem(message: str, message_id: int, error: HostError) -> Problem:
    return Problem(message, message_id, error)


def destination(estate: Estate, source: Host, name: str, cmdlet: str) -> Host:
    """The destination host, or the connection failure Move-VM reports."""
    dest = estate.host(name)
    if dest is None:
        # UNCONFIRMED wording around the Win32 text for WSAHOST_NOT_FOUND.
        raise operation_failed(
            cmdlet,
            "Virtual machine migration operation failed at migration Source. Failed to "
            f"establish a connection with host {name}: No such host is known. (0x80072AF9)",
            name,
        )
    if dest is source:
        # UNCONFIRMED wording.
        raise operation_failed(
            cmdlet,
            f"The virtual machine cannot be moved to '{name}' because it is already on that "
            "host. Choose another destination.",
            name,
        )
    return dest


def version_after_move(source: Host, dest: Host, vm: VM) -> str:
    """R-LM-1: a 2012 VM (4.0) arriving on 2012 R2 is upgraded to 5.0; nothing else changes."""
    if source.release.key == "2012" and dest.release.key == "2012R2" and vm.version == "4.0":
        return "5.0"
    return vm.version


def version_problem(source: Host, dest: Host, vm: VM, cmdlet: str) -> Problem | None:
    """R-VER-2 / R-LM-1: the destination must run the VM's configuration version."""
    version = version_after_move(source, dest, vm)
    if dest.release.supports(version):
        return None
    supported = ", ".join(dest.release.vm_versions)
    # UNCONFIRMED wording (the reference gives the rule, not the host's text).
    message = (
        f"The virtual machine '{vm.name}' has configuration version {vm.version}, which the "
        f"destination host '{dest.name}' ({dest.release.label}) does not support "
        f"(it supports {supported})."
    )
    return _problem(message, ID_VERSION, operation_failed(cmdlet, message, vm.name))


def cpu_compatible(vm: VM, dest: Host) -> bool:
    """R-LM-2/3: a VM that holds processor state needs the same vendor and every feature
    it uses. It uses its first host's features, or only the baseline in compatibility
    mode, so older->newer generation works and newer->older needs compatibility mode.
    (The reference's doc text says "different processor versions"; that a move to a newer
    generation succeeds is the documented pre-flight mechanism, UNCONFIRMED as a rule.)"""
    if not vm.carries_cpu_state or vm.cpu_features is None:
        return True
    vendor, level = vm.cpu_features
    return vendor == dest.cpu.vendor and level <= dest.cpu.level


def hardware_problem(vm: VM, dest: Host, cmdlet: str) -> Problem | None:
    if cpu_compatible(vm, dest):
        return None
    return _problem(
        HARDWARE_INCOMPATIBLE, ID_HARDWARE, operation_failed(cmdlet, HARDWARE_INCOMPATIBLE, vm.name)
    )


def switch_problems(vm: VM, dest: Host, cmdlet: str) -> list[Problem]:
    """A connected adapter needs a switch of the same name on the destination (R-LM-1,
    KB 2956020). UNCONFIRMED wording; applied to every move, as Compare-VM does."""
    problems = []
    for adapter in vm.adapters:
        if adapter.switch and not dest.has_switch(adapter.switch):
            message = (
                f"Could not find Ethernet switch '{adapter.switch}'. The network adapter "
                f"'{adapter.name}' of '{vm.name}' is connected to it, and the destination "
                f"host '{dest.name}' has no virtual switch with that name."
            )
            problems.append(
                _problem(message, ID_SWITCH, operation_failed(cmdlet, message, vm.name))
            )
    return problems


def storage_target(vm_path_root: str, source_path: str) -> str:
    # UNCONFIRMED: with one -DestinationStoragePath, disks land in its 'Virtual Hard Disks'.
    return join(join(vm_path_root, "Virtual Hard Disks"), basename(source_path))


def storage_plan(
    estate: Estate, source: Host, dest: Host, vm: VM, storage_path: str
) -> dict[str, str]:
    """Source disk path -> destination path when the storage moves with the VM."""
    if storage_path:
        return {d.path: storage_target(storage_path, d.path) for d in vm.drives}
    return {d.path: d.path for d in vm.drives}


def storage_problems(
    estate: Estate, source: Host, dest: Host, vm: VM, include: bool, storage_path: str, cmdlet: str
) -> list[Problem]:
    problems: list[Problem] = []
    if not include:
        # Without -IncludeStorage the destination must reach the disks where they are.
        for drive in vm.drives:
            scope = estate.storage_scope(source, drive.path)
            if scope == "unc" or scope == estate.storage_scope(dest, drive.path):
                continue
            # UNCONFIRMED wording.
            message = (
                f"The virtual hard disk '{drive.path}' is on storage of '{source.name}' that "
                f"'{dest.name}' cannot reach. Move the storage with the virtual machine "
                "(-IncludeStorage) or keep its disks on shared storage."
            )
            problems.append(
                _problem(
                    message, ID_STORAGE_UNREACHABLE, operation_failed(cmdlet, message, vm.name)
                )
            )
        return problems
    for drive in vm.drives:
        if drive.shared:
            message = SHARABLE_VHD.format(drive.path)
            problems.append(
                _problem(message, ID_SHARABLE, invalid_operation(cmdlet, message, vm.name))
            )
    if problems:
        return problems
    if storage_path and (
        not is_absolute(storage_path)
        or has_bad_path_chars(storage_path)
        or not estate.path_exists_on(dest, storage_path)
    ):
        message = f"'{storage_path}' cannot be used on '{dest.name}': {PATH_NOT_FOUND}"
        return [_problem(message, ID_STORAGE_PATH, operation_failed(cmdlet, message, vm.name))]
    needed: dict[int, int] = {}
    spaces: dict[int, object] = {}
    for source_path, target in storage_plan(estate, source, dest, vm, storage_path).items():
        space = estate.space(dest, target)
        if space is None and not target.startswith("\\\\"):
            message = f"'{target}' cannot be used on '{dest.name}': {PATH_NOT_FOUND}"
            problems.append(
                _problem(message, ID_STORAGE_PATH, operation_failed(cmdlet, message, vm.name))
            )
            continue
        if estate.file_exists(dest, target) and not (
            estate.storage_scope(dest, target) == estate.storage_scope(source, source_path)
            and path_key(target) == path_key(source_path)
        ):
            message = f"'{target}' already exists on '{dest.name}': {FILE_EXISTS}"
            problems.append(
                _problem(message, ID_STORAGE_EXISTS, operation_failed(cmdlet, message, vm.name))
            )
        vhd = estate.vhd(source, source_path)
        if space is not None and vhd is not None:
            needed[id(space)] = needed.get(id(space), 0) + vhd.file_size
            spaces[id(space)] = space
    for space_id, total in needed.items():
        if total > getattr(spaces[space_id], "free", 0):
            message = f"The storage of '{vm.name}' does not fit on '{dest.name}': {DISK_FULL}"
            problems.append(
                _problem(message, ID_STORAGE_SPACE, operation_failed(cmdlet, message, vm.name))
            )
    return problems


def assess(
    estate: Estate, source: Host, dest: Host, vm: VM, include: bool, storage_path: str, cmdlet: str
) -> list[Problem]:
    """Every reason Move-VM of ``vm`` from ``source`` to ``dest`` would fail, in check order."""
    problems: list[Problem] = []
    if vm.clustered:
        problems.append(
            _problem(CLUSTERED_VM, ID_CLUSTERED, invalid_operation(cmdlet, CLUSTERED_VM, vm.name))
        )
    if vm.busy or vm.critical:
        problems.append(_problem(INVALID_STATE, ID_STATE, invalid_state(cmdlet, vm.name)))
    # R-LM-4: both hosts must allow migrations.
    if not source.migration_enabled:
        problems.append(
            _problem(
                SOURCE_MIGRATION_DISABLED,
                ID_SOURCE_DISABLED,
                invalid_operation(cmdlet, SOURCE_MIGRATION_DISABLED, vm.name),
            )
        )
    if not dest.migration_enabled:
        problems.append(
            _problem(
                DESTINATION_MIGRATION_DISABLED,
                ID_DESTINATION_DISABLED,
                invalid_operation(cmdlet, DESTINATION_MIGRATION_DISABLED, vm.name),
            )
        )
    # R-LM-5: the destination needs a network to receive on.
    if dest.migration_enabled and not dest.use_any_network and not dest.migration_networks:
        problems.append(
            _problem(
                NO_MIGRATION_NETWORKS,
                ID_NO_NETWORKS,
                invalid_operation(cmdlet, NO_MIGRATION_NETWORKS, vm.name),
            )
        )
    # R-LM-7: Kerberos needs constrained delegation from the source toward the destination;
    # CredSSP works because the session runs on the source (the caller is signed in there).
    if source.migration_auth == "Kerberos" and key(dest.name) not in source.delegation:
        message = NO_CREDENTIALS.format(dest.fqdn)
        problems.append(
            _problem(message, ID_CREDENTIALS, operation_failed(cmdlet, message, vm.name))
        )
    version = version_problem(source, dest, vm, cmdlet)
    if version:
        problems.append(version)
    hardware = hardware_problem(vm, dest, cmdlet)
    if hardware:
        problems.append(hardware)
    problems.extend(switch_problems(vm, dest, cmdlet))
    problems.extend(storage_problems(estate, source, dest, vm, include, storage_path, cmdlet))
    return problems


def relocate(estate: Estate, source: Host, dest: Host, vm: VM) -> None:
    """Move the VM object between hosts and keep replication pointing at it."""
    del source.vms[vm.id]
    vm.version = version_after_move(source, dest, vm)
    dest.vms[vm.id] = vm
    chain = estate.replications.get(vm.id)
    if chain is None:
        return
    if vm.replication_mode == "Primary":
        chain.primary.source = dest.name
    elif vm.replication_mode == "Replica":
        chain.primary.target = dest.name
        if chain.extended:
            chain.extended.source = dest.name
    elif vm.replication_mode == "ExtendedReplica" and chain.extended:
        chain.extended.target = dest.name


def move_storage(estate: Estate, source: Host, dest: Host, vm: VM, storage_path: str) -> None:
    for drive in vm.drives:
        target = storage_plan(estate, source, dest, vm, storage_path)[drive.path]
        vhd = estate.remove_vhd(source, drive.path)
        if vhd is not None:
            freed = estate.space(source, drive.path)
            if freed is not None:
                freed.free += vhd.file_size
            taken = estate.space(dest, target)
            if taken is not None:
                taken.free = max(0, taken.free - vhd.file_size)
            vhd.path = target
            estate.add_vhd(dest, vhd)
        drive.path = target
    if storage_path:
        vm.path = storage_path


def migration_seconds(host: Host, vm: VM, storage_bytes: int) -> float:
    """Lab time a move takes: memory copy at the source's performance option, plus storage."""
    memory_gb = vm.memory_startup / 1024**3 if vm.active else 0.0
    per_gb = _SECONDS_PER_GB.get(host.migration_performance, 6.0)
    return 3.0 + memory_gb * per_gb + storage_bytes / STORAGE_BYTES_PER_SECOND


def _include(call: Call) -> tuple[bool, str]:
    path = call.params["DestinationStoragePath"]
    # A storage path implies moving the storage (UNCONFIRMED: Move-VM accepts it alone).
    return bool(call.params["IncludeStorage"]) or bool(path), path


@handles("vm-compare")
async def vm_compare(call: Call) -> None:
    """Compare-VM: every problem as an Incompatibility record (none: compatible)."""
    include, path = _include(call)
    with call.lock:
        vm = call.vms(call.params["Name"], COMPARE)[0]
        dest = destination(call.estate, call.host, call.params["DestinationHost"], COMPARE)
        for problem in assess(call.estate, call.host, dest, vm, include, path, COMPARE):
            call.emit(
                {
                    "Kind": "Incompatibility",
                    "Message": problem.message,
                    "MessageId": problem.message_id,
                }
            )


@handles("vm-move")
async def vm_move(call: Call) -> None:
    include, path = _include(call)
    estate, source = call.estate, call.host
    with call.lock:
        vm = call.vms(call.params["Name"], MOVE)[0]
        dest = destination(estate, source, call.params["DestinationHost"], MOVE)
        problems = assess(estate, source, dest, vm, include, path, MOVE)
        if problems:
            raise problems[0].error
        storage_bytes = 0
        if include:
            storage_bytes = sum(
                vhd.file_size for d in vm.drives if (vhd := estate.vhd(source, d.path)) is not None
            )
        seconds = migration_seconds(source, vm, storage_bytes)
        activity = f"Moving virtual machine '{vm.name}' to {dest.name}"
        live = vm.active
    with call.holding(vm, "Migrating virtual machine"):
        await call.spend(seconds, activity, lambda p: _move_status(p, live, include))
    with call.lock:
        # The estate may have changed while the memory was copied: check again.
        if vm.id not in source.vms:
            raise operation_failed(MOVE, f"'{vm.name}' is no longer on {source.name}.", vm.name)
        problems = assess(estate, source, dest, vm, include, path, MOVE)
        if problems:
            raise problems[0].error
        if include:
            move_storage(estate, source, dest, vm, path)
        relocate(estate, source, dest, vm)
        call.emit(
            {
                "Kind": "Moved",
                "Name": call.params["Name"],
                "DestinationHost": call.params["DestinationHost"],
            }
        )


def _move_status(percent: int, live: bool, storage: bool) -> str:
    if percent == 0:
        return "Checking compatibility"
    if percent == 100:
        return "Completed"
    if storage and percent < 60:
        return f"Copying virtual hard disks ({percent}% complete)"
    what = "Copying memory" if live else "Moving configuration"
    return f"{what} ({percent}% complete)"
