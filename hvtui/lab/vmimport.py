"""Import-VM and Compare-VM -Path: registering or copying a VM that Export-VM wrote (R-EXP-2).

What the module does is read from the decompile the reference cites as [BIN]
(nforgeio/neonSDK ``Commands/ImportVM.cs``, ``VMCompatibilityReport.CreateReportForRegisterImport``
/ ``CreateReportForCopyImport``, ``VirtualMachine.Import``):

- ``-Path`` names the configuration file, ``<folder>\\Virtual Machines\\<id>.vmcx`` (``.xml``
  for configuration versions before 6.x); the VM's folder is the parent of its folder.
- The host first imports the definition as a planned VM (ImportSystemDefinition, keeping the
  id unless ``-GenerateNewId``): a VM with that id already on the host fails it there, before
  any report (UNCONFIRMED: the host's own words, see :data:`SAME_ID`).
- Register (the default set): the VM stays where the files are; its disks are the export's
  ``Virtual Hard Disks``. Copy (``-Copy``): the disks are copied to ``-VhdDestinationPath``
  (default: the host's virtual hard disk folder) and the VM's files to ``-VirtualMachinePath``
  (default: the host's VM folder).
- The report's incompatibilities (configuration version R-VER-2, a missing switch) are what
  Compare-VM -Path lists; Import-VM refuses any with ``ImportVM_FailedValidate``.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass

from hvtui.lab import objects
from hvtui.lab.emulation import CmdletCall, emulates
from hvtui.lab.estate import (
    VM,
    Estate,
    Host,
    basename,
    is_absolute,
    join,
    parent,
    path_key,
)
from hvtui.lab.failures import (
    DISK_FULL,
    FILE_EXISTS,
    FILE_NOT_FOUND,
    HostError,
    operation_failed,
)
from hvtui.lab.migration import switch_problems
from hvtui.lab.power import only_modelled
from hvtui.lab.pwsh import PSObject

IMPORT = "Import-VM"

IMPORT_FAILED_VALIDATE = (
    "Unable to import virtual machine due to configuration errors.  Please use Compare-VM to "
    "repair the virtual machine."
)
"""CM ImportVM_FailedValidate (R-EXP-2): a report with incompatibilities."""
NOT_GUID_NAME = 'The file name at "{0}" is not in GUID format.'
"""OM Import_InvalidFileName (R-EXP-2)."""
IMPORT_FILE_FAILED = "Importing the virtual machine from file '{0}' failed."
"""MM ImportComputerSystemFailed: ImportSystemDefinition failed on the host."""
SAME_ID = ("The operation failed because a virtual machine with the same identifier already "
           "exists. Select a new identifier and try the operation again.")
"""UNCONFIRMED: the host's reason when a VM with the file's id is registered already (no
source in the reference; the words Hyper-V Manager's import shows, from memory)."""
VERSION_UNSUPPORTED = (
    "Failed to import a virtual machine. Error Code 32784: VM version is unsupported")
"""R-VER-2's import failure as a compatibility report shows it (3P hashicorp/vagrant#10384);
the lab joins the reference's three parts in one line (UNCONFIRMED layout)."""

ID_VERSION = 32784
ID_MISSING_DISK = 40010
"""UNCONFIRMED: the lab's own MessageId for a missing disk file."""
IMPORT_TASK = "Importing virtual machine"
"""Progress activity (TaskDescriptions.Task_ImportVM; UNCONFIRMED wording)."""
COPY_BYTES_PER_SECOND = 250 * 1024**2
_GUID_FILE = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.(vmcx|xml)$", re.IGNORECASE)
_MODELLED = ("Path", "Copy", "Register", "GenerateNewId", "VhdDestinationPath",
             "VirtualMachinePath")


def config_file(folder: str, vm: VM) -> str:
    """Where Export-VM writes the configuration of ``vm`` in its export folder."""
    extension = ".xml" if vm.version in ("1.0", "2.0", "3.0", "4.0", "5.0") else ".vmcx"
    return join(join(folder, "Virtual Machines"), vm.id.upper() + extension)


def _copy_disk(estate: Estate, host: Host, path: str, target_folder: str,
               copied: dict[str, str]) -> str:
    """Copy one disk file (and its parents) into ``target_folder``; the new path."""
    if path_key(path) in copied:
        return copied[path_key(path)]
    target = join(target_folder, basename(path))
    vhd = estate.vhd(host, path)
    if vhd is not None:
        twin = copy.copy(vhd)
        twin.path = target
        if vhd.parent_path:
            twin.parent_path = _copy_disk(estate, host, vhd.parent_path, target_folder, copied)
        estate.add_vhd(host, twin)
    copied[path_key(path)] = target
    return target


def record_export(estate: Estate, host: Host, vm: VM, folder: str) -> None:
    """What Export-VM leaves on the host: the configuration file, the disk copies in
    ``Virtual Hard Disks``, and the VM as the file describes it (read by Import-VM)."""
    exported = copy.deepcopy(vm)
    exported.busy = ""
    exported.clustered = False
    exported.replication_mode = "None"
    exported.state = "Off" if vm.state == "Off" else "Saved"
    exported.started_at = None
    exported.path = folder
    disks = join(folder, "Virtual Hard Disks")
    copied: dict[str, str] = {}
    for drive in exported.drives:
        drive.path = _copy_disk(estate, host, drive.path, disks, copied)
    config = config_file(folder, vm)
    host.files[path_key(config)] = config
    host.exported[path_key(config)] = exported


def find_export(estate: Estate, host: Host, path: str) -> VM | None:
    """The exported VM ``path`` holds, as ``host`` sees it (its own storage, a CSV of its
    cluster, or a share)."""
    scope = estate.storage_scope(host, path)
    for owner in estate.hosts.values():
        found = owner.exported.get(path_key(path))
        if found is not None and estate.storage_scope(owner, path) == scope:
            return found
    return None


@dataclass(frozen=True, slots=True)
class Plan:
    """One import as the arguments ask it: what the host would register, and where."""

    path: str
    source: VM
    copy: bool
    new_id: bool
    vm_path: str
    vhd_path: str

    @property
    def register(self) -> bool:
        return not self.copy

    def disk_targets(self) -> dict[str, str]:
        """Each of the export's disk paths -> where the imported VM uses it."""
        if self.register:
            return {d.path: d.path for d in self.source.drives}
        return {d.path: join(self.vhd_path, basename(d.path)) for d in self.source.drives}


def plan(call: CmdletCall) -> Plan:
    """Read the arguments and the file; raise what the module or the host raises first."""
    only_modelled(call, _MODELLED)
    path = str(call.arg("Path"))
    if not _GUID_FILE.match(basename(path)):
        raise operation_failed(call.name, NOT_GUID_NAME.format(path), path)
    source = find_export(call.estate, call.host, path) if is_absolute(path) else None
    if source is None:
        # The module's GetFullPath, then the host does not find it (UNCONFIRMED wrapping).
        raise operation_failed(call.name, f"{IMPORT_FILE_FAILED.format(path)} {FILE_NOT_FOUND}",
                               path)
    copying = call.switch("Copy")
    new_id = copying and call.switch("GenerateNewId")
    if not new_id and source.id in call.host.vms:
        raise operation_failed(call.name, f"{IMPORT_FILE_FAILED.format(path)} {SAME_ID}", path)
    host = call.host
    return Plan(path, source, copying, new_id,
                str(call.arg("VirtualMachinePath") or host.vm_path) if copying else
                parent(parent(path)),
                str(call.arg("VhdDestinationPath") or host.vhd_path) if copying else "")


def problems(estate: Estate, host: Host, p: Plan, cmdlet: str) -> list[tuple[str, int]]:
    """The report's incompatibilities: (message, MessageId)."""
    found: list[tuple[str, int]] = []
    if not host.release.supports(p.source.version):
        found.append((VERSION_UNSUPPORTED, ID_VERSION))
    found.extend((x.message, x.message_id) for x in switch_problems(p.source, host, cmdlet))
    for drive in p.source.drives:
        if estate.vhd(host, drive.path) is None:
            # UNCONFIRMED wording.
            found.append((f"The virtual hard disk '{drive.path}' of '{p.source.name}' "
                          "cannot be found.", ID_MISSING_DISK))
    return found


def _storage_error(estate: Estate, host: Host, p: Plan, cmdlet: str) -> HostError | None:
    """A copy that cannot be written where it is asked (UNCONFIRMED wrapping)."""
    if not p.copy:
        return None
    total = 0
    for source, target in p.disk_targets().items():
        if estate.file_exists(host, target):
            return operation_failed(cmdlet, f"'{target}': {FILE_EXISTS}", p.source.name)
        vhd = estate.vhd(host, source)
        total += vhd.file_size if vhd else 0
    space = estate.space(host, p.vhd_path)
    if space is not None and total > space.free:
        return operation_failed(cmdlet, f"'{p.vhd_path}': {DISK_FULL}", p.source.name)
    return None


def report_object(call: CmdletCall, p: Plan) -> PSObject:
    """Compare-VM -Path's VMCompatibilityReport (OperationType ImportVirtualMachine)."""
    planned = objects.vm_object(call.view, _imported(call, p, planned_only=True))
    found = problems(call.estate, call.host, p, call.name)
    folder = parent(parent(p.path))
    return objects.import_report_object(call.view, planned, {
        "Path": p.path,
        "SnapshotPath": join(folder, "Snapshots"),
        "VhdDestinationPath": p.vhd_path or None,
        "VhdSourcePath": join(folder, "Virtual Hard Disks") if p.copy else None,
    }, [objects.compatibility_error_object(call.view, m, i) for m, i in found])


def _imported(call: CmdletCall, p: Plan, *, planned_only: bool = False) -> VM:
    vm = copy.deepcopy(p.source)
    if p.new_id:
        vm.id = call.estate.new_id("import") if not planned_only else vm.id
    vm.path = p.vm_path
    targets = p.disk_targets()
    for drive in vm.drives:
        drive.path = targets.get(drive.path, drive.path)
    return vm


@emulates("Import-VM")
def import_vm(call: CmdletCall) -> None:
    if not call.inv.should_process(str(call.arg("Path"))):
        return
    estate, host = call.estate, call.host
    with call.lock:
        p = plan(call)
        found = problems(estate, host, p, call.name)
        if found:
            raise operation_failed(call.name, IMPORT_FAILED_VALIDATE, p.source.name)
        refused = _storage_error(estate, host, p, call.name)
        if refused is not None:
            raise refused
        size = sum(v.file_size for d in p.source.drives
                   if p.copy and (v := estate.vhd(host, d.path)) is not None)
    call.spend(2.0 + size / COPY_BYTES_PER_SECOND, IMPORT_TASK, lambda n: f"{n}%")
    with call.lock:
        p = plan(call)  # the host may have changed while the files were copied
        refused = _storage_error(estate, host, p, call.name)
        if refused is not None:
            raise refused
        vm = _imported(call, p)
        if p.copy:
            copied: dict[str, str] = {}
            for drive in p.source.drives:
                _copy_disk(estate, host, drive.path, p.vhd_path, copied)
            space = estate.space(host, p.vhd_path)
            if space is not None:
                space.free = max(0, space.free - size)
        else:
            # Registered in place: the export's files are the VM's now.
            for owner in estate.hosts.values():
                owner.exported.pop(path_key(p.path), None)
        host.vms[vm.id] = vm
        call.write(objects.vm_object(call.view, vm))
