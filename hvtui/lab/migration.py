"""Live migration: the Move-VM and Compare-VM cmdlets, rules R-LM-1..8 and R-VER-2.

Both run on the source host (the session's host), as hvtui runs them, so CredSSP always
has the sign-on it needs there (R-LM-7). How the real cmdlets go about it is read from the
decompiled Hyper-V module the reference cites as [BIN] (nforgeio/neonSDK,
``Microsoft/HyperV/PowerShell/VirtualMachine.cs`` and ``Commands/MoveVM.cs``,
``CompareVM.cs``, ``ParameterValidator.cs``):

1. ``-DestinationStoragePath`` must look like a path (PathUtility.IsValidPath), else
   "'{0}' is not a valid directory."; a storage path alone implies -IncludeStorage
   (``includeStorage |= !string.IsNullOrEmpty(destinationStoragePath)``).
2. Per VM (``-Name`` takes wildcards): the destination is resolved, ShouldProcess asks,
   then the module itself refuses a clustered VM whose storage would move, a host pair
   with migration disabled on either side, and a destination without migration networks
   (R-LM-4, R-LM-5: CreateOperationFailedException, before any report).
3. A sharable (shared VHDX) disk is not moved: the module writes a WARNING with R-LM-8's
   text and leaves the disk where it is (PrepareMigrationVirtualDiskSettingsForSingleLocation),
   so the destination must reach it there.
4. What the hosts then find (:func:`assess`) fails Move-VM's migration job with the first
   problem, and is what Compare-VM's report lists as Incompatibilities.

Every failure is written with WriteError (non-terminating), as the module does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hvtui.lab import objects, winevents
from hvtui.lab.emulation import CmdletCall, emulates
from hvtui.lab.estate import (
    VM,
    Drive,
    Estate,
    Host,
    basename,
    has_bad_path_chars,
    join,
    key,
    path_key,
)
from hvtui.lab.failures import (
    BAD_PATH_SYNTAX,
    CLUSTERED_VM,
    DESTINATION_MIGRATION_DISABLED,
    DISK_FULL,
    FILE_EXISTS,
    HARDWARE_INCOMPATIBLE,
    INVALID_DIRECTORY,
    INVALID_STATE,
    NO_CREDENTIALS,
    NO_MIGRATION_NETWORKS,
    PATH_NOT_FOUND,
    SHARABLE_VHD,
    SOURCE_MIGRATION_DISABLED,
    HostError,
    invalid_argument,
    invalid_operation,
    invalid_state,
    operation_failed,
    operation_refused,
)
from hvtui.lab.objects import View
from hvtui.lab.power import each_operand, only_modelled

MOVE = "Move-VM"
COMPARE = "Compare-VM"

MIGRATING = "Migrating virtual machine"
"""The VM's Status while it moves (UNCONFIRMED text)."""

MOVE_TASK = "Move a virtual machine"
COMPARE_TASK = "Compare a virtual machine for compatibility with another computer"
"""Progress activities: the module's task captions (TaskDescriptions.MoveVM / CompareVM);
the status is the percentage ("40%", TaskDescriptions.PercentCompleteTemplate).
UNCONFIRMED: a WMI job's own Name, when it has one, replaces the caption."""

_MODELLED = frozenset({"Name", "VM", "DestinationHost", "IncludeStorage",
                       "DestinationStoragePath", "Passthru"})
"""Parameters the lab models; the others (-Vhds, -VirtualMachinePath, -ComputerName,
-AsJob, -CompatibilityReport...) fail as not emulated."""

# Compare-VM MessageIds. 33012 is Hyper-V's "Could not find Ethernet switch" id; the
# others are the lab's own (UNCONFIRMED: the reference gives no ids).
ID_CLUSTERED = 21500
ID_STATE = 21501
ID_CREDENTIALS = 21505
ID_VERSION = 21506
ID_HARDWARE = 21507
ID_SWITCH = 33012
ID_STORAGE_UNREACHABLE = 21509
ID_STORAGE_PATH = 21510
ID_STORAGE_EXISTS = 21511
ID_STORAGE_SPACE = 21512

_SECONDS_PER_GB = {"SMB": 1.0, "Compression": 2.5, "TCPIP": 6.0, "": 6.0}
"""Lab time to copy one GB of memory per migration performance option (R-LM-6)."""
STORAGE_BYTES_PER_SECOND = 200 * 1024**2

_PATH_LIKE = re.compile(r"[a-z]:|^\\\\", re.IGNORECASE)
"""PathUtility.IsValidPath, near enough: its pattern (a drive, a UNC share or a volume GUID
path) is matched anywhere in the text, not anchored, so 'D:\\Ex|ports' passes and
'exports' does not."""


@dataclass(frozen=True, slots=True)
class Problem:
    """Something the hosts find wrong with a move: a Compare-VM incompatibility."""

    message: str
    message_id: int
    error: HostError
    """How Move-VM's migration fails on it."""


@dataclass(frozen=True, slots=True)
class Move:
    """One requested move: what the arguments ask of one VM."""

    source: Host
    dest: Host
    vm: VM
    storage: bool
    """The storage moves too (-IncludeStorage, or a -DestinationStoragePath)."""
    path: str

    @property
    def moving(self) -> list[Drive]:
        """The disks that travel with the VM (a sharable one never does, R-LM-8)."""
        return [d for d in self.vm.drives if self.storage and not d.shared]

    @property
    def staying(self) -> list[Drive]:
        return [d for d in self.vm.drives if not self.storage or d.shared]


def _problem(message: str, message_id: int, error: HostError) -> Problem:
    return Problem(message, message_id, error)


def valid_directory(path: str) -> bool:
    return bool(_PATH_LIKE.search(path))


def destination(estate: Estate, source: Host, name: str, cmdlet: str) -> Host:
    """The destination host, or the connection failure the cmdlet reports."""
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
    """With one -DestinationStoragePath, disks land in its 'Virtual Hard Disks' folder
    (``Path.Combine(destinationStoragePath, "Virtual Hard Disks")`` in the module)."""
    return join(join(vm_path_root, "Virtual Hard Disks"), basename(source_path))


def storage_plan(move: Move) -> dict[str, str]:
    """Source disk path -> destination path of each disk that moves. Without a storage
    path, -IncludeStorage keeps each disk's path (the module leaves each disk setting's
    path as it is: PrepareMigrationVirtualDiskSettingsForSingleLocation)."""
    if move.path:
        return {d.path: storage_target(move.path, d.path) for d in move.moving}
    return {d.path: d.path for d in move.moving}


def storage_problems(
    estate: Estate, source: Host, dest: Host, vm: VM, include: bool, storage_path: str, cmdlet: str
) -> list[Problem]:
    """Why the VM's disks cannot end up where the destination runs it (also used by the
    cluster's role moves, whose storage stays)."""
    return _storage_problems(estate, Move(source, dest, vm, include, storage_path), cmdlet)


def _storage_problems(estate: Estate, move: Move, cmdlet: str) -> list[Problem]:
    source, dest, vm = move.source, move.dest, move.vm
    problems: list[Problem] = []
    # A disk that stays where it is must be where the destination can reach it.
    for drive in move.staying:
        scope = estate.storage_scope(source, drive.path)
        if scope == "unc" or scope == estate.storage_scope(dest, drive.path):
            continue
        # UNCONFIRMED wording.
        if move.storage:  # a sharable disk, left behind
            message = (
                f"The virtual hard disk '{drive.path}' stays on storage of '{source.name}' "
                f"(it is sharable), and '{dest.name}' cannot reach it there. Keep a guest "
                "cluster's shared disks on storage that both hosts reach."
            )
        else:
            message = (
                f"The virtual hard disk '{drive.path}' is on storage of '{source.name}' that "
                f"'{dest.name}' cannot reach. Move the storage with the virtual machine "
                "(-IncludeStorage) or keep its disks on shared storage."
            )
        problems.append(
            _problem(message, ID_STORAGE_UNREACHABLE, operation_failed(cmdlet, message, vm.name))
        )
    if not move.storage:
        return problems
    if move.path and (has_bad_path_chars(move.path) or not estate.path_exists_on(dest, move.path)):
        why = BAD_PATH_SYNTAX if has_bad_path_chars(move.path) else PATH_NOT_FOUND
        message = f"'{move.path}' cannot be used on '{dest.name}': {why}"
        return [*problems,
                _problem(message, ID_STORAGE_PATH, operation_failed(cmdlet, message, vm.name))]
    needed: dict[int, int] = {}
    spaces: dict[int, object] = {}
    for source_path, target in storage_plan(move).items():
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


def refusal(move: Move, cmdlet: str) -> HostError | None:
    """What the module refuses before the hosts are asked anything, in its order
    (PrepareMigrationParametersForSingleDestination, then PrepareMigrationSettings)."""
    source, dest, vm = move.source, move.dest, move.vm
    if vm.clustered and move.storage:
        return operation_refused(cmdlet, CLUSTERED_VM, vm.name)
    # R-LM-4: both hosts must allow migrations.
    if not source.migration_enabled:
        return operation_refused(cmdlet, SOURCE_MIGRATION_DISABLED, vm.name)
    if not dest.migration_enabled:
        return operation_refused(cmdlet, DESTINATION_MIGRATION_DISABLED, vm.name)
    # R-LM-5: the destination needs a network to receive on.
    if not dest.use_any_network and not dest.migration_networks:
        return operation_refused(cmdlet, NO_MIGRATION_NETWORKS, vm.name)
    return None


def unmovable_warnings(move: Move) -> list[str]:
    """R-LM-8: the WARNING the module writes for each sharable disk it leaves behind."""
    return [SHARABLE_VHD.format(d.path) for d in move.vm.drives if move.storage and d.shared]


def assess(estate: Estate, move: Move, cmdlet: str) -> list[Problem]:
    """Every reason the hosts fail the move of ``move.vm``, in check order."""
    source, dest, vm = move.source, move.dest, move.vm
    problems: list[Problem] = []
    if vm.clustered:
        # R-CL-4; without its storage the module lets it through to the hosts, which
        # refuse it (UNCONFIRMED: the hosts' text; R-CL-4's is used).
        problems.append(
            _problem(CLUSTERED_VM, ID_CLUSTERED, invalid_operation(cmdlet, CLUSTERED_VM, vm.name))
        )
    if vm.busy or vm.critical:
        problems.append(_problem(INVALID_STATE, ID_STATE, invalid_state(cmdlet, vm.name)))
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
    problems.extend(_storage_problems(estate, move, cmdlet))
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


def move_storage(estate: Estate, move: Move) -> None:
    source, dest, vm = move.source, move.dest, move.vm
    plan = storage_plan(move)
    for drive in move.moving:
        target = plan[drive.path]
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
    if move.path:
        vm.path = move.path


def migration_seconds(host: Host, vm: VM, storage_bytes: int) -> float:
    """Lab time a move takes: memory copy at the source's performance option, plus storage."""
    memory_gb = vm.memory_startup / 1024**3 if vm.active else 0.0
    per_gb = _SECONDS_PER_GB.get(host.migration_performance, 6.0)
    return 3.0 + memory_gb * per_gb + storage_bytes / STORAGE_BYTES_PER_SECOND


def blackout_seconds(vm: VM) -> float:
    """The pause a live migration's event reports (the lab's model, UNCONFIRMED: a tenth of
    a second per GB of memory, at least 0.1 s; Hyper-V reports what it measured)."""
    return max(0.1, vm.memory_startup / 1024**3 * 0.1)


def _percent(p: int) -> str:
    return f"{p}%"


def _arguments(call: CmdletCall) -> tuple[bool, str] | None:
    """-IncludeStorage (implied by a storage path) and the storage path, or None when the
    path is refused (written as the module's non-terminating InvalidArgument error)."""
    only_modelled(call, _MODELLED)
    path = str(call.arg("DestinationStoragePath") or "")
    if path and not valid_directory(path):
        call.error(invalid_argument(call.name, INVALID_DIRECTORY.format(path)))
        return None
    return call.switch("IncludeStorage") or bool(path), path


def _plan(call: CmdletCall, vm: VM, storage: bool, path: str) -> Move:
    dest = destination(call.estate, call.host, str(call.arg("DestinationHost")), call.name)
    return Move(call.host, dest, vm, storage, path)


def _prepare(call: CmdletCall, move: Move) -> None:
    """What the module does before the hosts are asked: refuse, or warn and go on."""
    refused = refusal(move, call.name)
    if refused is not None:
        raise refused
    for text in unmovable_warnings(move):
        call.warn(text)


@emulates("Compare-VM")
def compare_vm(call: CmdletCall) -> None:
    """One VMCompatibilityReport per VM; problems the hosts find are its Incompatibilities.
    With -Path it reports on importing an exported VM instead (hvtui.lab.vmimport)."""
    if call.given("Path"):
        from hvtui.lab import vmimport  # noqa: PLC0415 - vmimport builds on this module
        with call.lock:
            imported = vmimport.report_object(call, vmimport.plan(call))
        call.write(imported)
        return
    arguments = _arguments(call)
    if arguments is None:
        return
    storage, path = arguments
    if not call.inv.should_process(str(call.arg("DestinationHost"))):
        return
    with call.lock:
        vms = call.target_vms()

    def report(vm: VM) -> None:
        with call.lock:
            move = _plan(call, vm, storage, path)
            _prepare(call, move)
            problems = assess(call.estate, move, COMPARE)
            dest_view = View(call.estate, move.dest, move.dest.software.language)
            planned = objects.vm_object(dest_view, vm)
        call.spend(0.0, COMPARE_TASK, _percent, steps=1)
        call.write(objects.compatibility_report_object(
            call.view, planned, storage, str(call.arg("DestinationHost")),
            [objects.compatibility_error_object(call.view, p.message, p.message_id)
             for p in problems]))

    each_operand(call, vms, report)


@emulates("Move-VM")
def move_vm(call: CmdletCall) -> None:
    arguments = _arguments(call)
    if arguments is None:
        return
    storage, path = arguments
    with call.lock:
        vms = call.target_vms()
    each_operand(call, vms, lambda vm: _move_one(call, vm, storage, path))


def _logged(call: CmdletCall, vm: VM, error: HostError) -> HostError:
    """A migration the hosts refused or that failed leaves an event at the source (events
    pane); a refusal of the module's own, before the hosts are asked, leaves none."""
    winevents.record(call.clock, call.host, "migration-failed", vm=vm,
                     reason=error.record.message)
    return error


def _move_one(call: CmdletCall, vm: VM, storage: bool, path: str) -> None:
    estate = call.estate
    with call.lock:
        move = _plan(call, vm, storage, path)
    if not call.inv.should_process(vm.name):
        return
    with call.lock:
        _prepare(call, move)
        problems = assess(estate, move, MOVE)
        if problems:
            raise _logged(call, vm, problems[0].error)
        storage_bytes = sum(vhd.file_size for d in move.moving
                            if (vhd := estate.vhd(move.source, d.path)) is not None)
        seconds = migration_seconds(move.source, vm, storage_bytes)
        # Busy from the same instant as the checks, so a second move (or an export) of
        # the VM started meanwhile finds it in an invalid state.
        vm.busy = MIGRATING
    try:
        call.spend(seconds, MOVE_TASK, _percent)
    except BaseException:
        with call.lock:
            vm.busy = ""
        raise
    with call.lock:
        vm.busy = ""
        # The estate may have changed while the memory was copied: check again.
        if vm.id not in move.source.vms:
            raise _logged(call, vm, operation_failed(
                MOVE, f"'{vm.name}' is no longer on {move.source.name}.", vm.name))
        problems = assess(estate, move, MOVE)
        if problems:
            raise _logged(call, vm, problems[0].error)
        if storage:
            move_storage(estate, move)
        relocate(estate, move.source, move.dest, vm)
        winevents.record(estate.clock, move.source, "migration-done", vm=vm,
                         other=f"{blackout_seconds(vm):.1f}")
        if call.switch("Passthru"):
            # The VM as the destination now has it (GetVirtualMachineById(server, id)).
            dest_view = View(estate, move.dest, move.dest.software.language)
            call.write(objects.vm_object(dest_view, vm))
