"""A VM's hard disk drives and new disk files: Add-VMHardDiskDrive, Remove-VMHardDiskDrive
and New-VHD, with the controller and online rules of R-VHD-4 and R-GEN-2.

R-VHD-4 (tests/data/hyperv-rules.md): a generation 1 VM has two IDE controllers of two
locations each and one SCSI controller; a generation 2 VM has one SCSI controller and no
IDE. A disk is added to or removed from an IDE controller only while the VM is off; the
SCSI controller takes and gives up disks while the VM runs (hot add/remove, on every
release hvtui supports). A saved or paused VM takes no hardware change (UNCONFIRMED: the
reference says nothing of those states; the lab refuses, as Hyper-V Manager greys the
controls out). The lab models one SCSI controller per VM, as New-VM creates; a VM with
more (Add-VMScsiController) is not modelled. Without -ControllerNumber/-ControllerLocation
the module picks the first vacant location of the first controller of the type, and says
CannotFindVacantControllerLocation when there is none ([BIN] OM).
"""

from __future__ import annotations

from hvtui.lab import objects
from hvtui.lab.emulation import CmdletCall, emulates
from hvtui.lab.estate import VM, Drive, DvdDrive, Host, Vhd, basename, parent, path_key
from hvtui.lab.failures import (
    DISK_FULL,
    FILE_EXISTS,
    FILE_NOT_FOUND,
    GEN2_NO_IDE,
    GEN2_NO_VHD,
    INVALID_DVD_PATH,
    NO_VACANT_LOCATION,
    NOT_A_VHD,
    PATH_NOT_FOUND,
    HostError,
    invalid_argument,
    invalid_state,
    object_not_found,
    operation_failed,
)
from hvtui.lab.power import each_operand, only_modelled
from hvtui.lab.storage import MAX_SIZE, SECTOR, ZERO_BYTES_PER_SECOND, attached

LOCATIONS = {"IDE": (2, 2), "SCSI": (1, 64)}
"""Controllers x locations per controller type the lab models (R-VHD-4)."""
ONLINE = {"IDE": ("Off",), "SCSI": ("Off", "Running")}
"""The states in which a drive may be added to or removed from each controller type."""
NEW_VHD_TASK = "Create the virtual hard disk"
"""Progress activity while a fixed disk is written out (UNCONFIRMED caption)."""
BLOCK = {"VHDX": 32 * 1024**2, "VHD": 2 * 1024**2}
"""Default block sizes of a new dynamic disk (New-VHD help: 32 MB VHDX, 2 MB VHD)."""


IN_USE = ("The process cannot access the file '{0}' because it is being used by another "
          "process. (0x80070020)")
"""UNCONFIRMED wording: Windows' ERROR_SHARING_VIOLATION with the file named, which is what
the host reports when a second VM opens a disk already open."""


NO_DRIVE = "No device was found by given criteria."
"""UNCONFIRMED that Remove-VMHardDiskDrive says this ([BIN] OM's generic
VMRemoteFx3DVideoAdapter_DeviceNotFound text) for a location that holds no drive."""


def controller_types(vm: VM) -> tuple[str, ...]:
    return ("SCSI",) if vm.generation == 2 else ("IDE", "SCSI")


def _occupied(vm: VM) -> set[tuple[str, int, int]]:
    """The locations that hold a hard disk or a DVD drive."""
    taken = {(d.controller_type, d.controller_number, d.controller_location) for d in vm.drives}
    return taken | {(d.controller_type, d.controller_number, d.controller_location)
                    for d in vm.dvds}


def vacant(vm: VM, kind: str, number: int | None) -> tuple[int, int] | None:
    """The first free (controller, location) of ``kind`` (on controller ``number`` when
    given), or None."""
    controllers, locations = LOCATIONS[kind]
    taken = _occupied(vm)
    for n in range(controllers) if number is None else [number]:
        for location in range(locations):
            if (kind, n, location) not in taken:
                return n, location
    return None


def _vhd_format(path: str) -> str | None:
    lowered = path.lower()
    if lowered.endswith((".vhdx", ".avhdx")):
        return "VHDX"
    if lowered.endswith((".vhd", ".avhd")):
        return "VHD"
    return None


def _check_controller(call: CmdletCall, vm: VM, kind: str) -> None:
    if kind not in controller_types(vm):
        raise invalid_argument(call.name, GEN2_NO_IDE, vm.name)
    call.idle(vm)
    if vm.state not in ONLINE[kind]:
        raise invalid_state(call.name, vm.name)


# --- Add-VMHardDiskDrive ----------------------------------------------------------------------

_ADD = ("VMName", "VM", "Path", "ControllerType", "ControllerNumber", "ControllerLocation",
        "Passthru")


@emulates("Add-VMHardDiskDrive")
def add_vmharddiskdrive(call: CmdletCall) -> None:
    """The VMName and VMObject sets; a pass-through disk (-DiskNumber), QoS, a shared VHDX
    and resource pools are not modelled (refused, not ignored)."""
    only_modelled(call, _ADD)
    asked = call.arg("ControllerType").name if call.given("ControllerType") else None
    number = int(call.arg("ControllerNumber")) if call.given("ControllerNumber") else None
    location = int(call.arg("ControllerLocation")) if call.given("ControllerLocation") else None
    path = str(call.arg("Path") or "")

    def add(vm: VM) -> None:
        if not call.inv.should_process(vm.name):
            return
        # no -ControllerType: the VM's first controller type (IDE on generation 1)
        kind = asked or controller_types(vm)[0]
        _check_controller(call, vm, kind)
        vhd = call.estate.vhd(call.host, path) if path else None
        if vhd is None:
            if path and call.estate.file_exists(call.host, path):
                raise invalid_argument(call.name, NOT_A_VHD.format(path), path)
            raise operation_failed(call.name, FILE_NOT_FOUND, path)
        if vm.generation == 2 and vhd.format == "VHD":
            raise invalid_argument(call.name, GEN2_NO_VHD, path)
        for _owner, other in attached(call.estate, call.host, vhd.path):
            # Hyper-V opens a disk for one VM at a time unless it is shared (a guest
            # cluster's VHDX, not modelled here): the second VM cannot have it.
            if other is not vm or any(path_key(d.path) == path_key(vhd.path)
                                      for d in vm.drives):
                raise operation_failed(call.name, IN_USE.format(vhd.path), path)
        if location is None or number is None:
            free = vacant(vm, kind, number)
            if free is None:
                raise operation_failed(call.name, NO_VACANT_LOCATION, vm.name)
            slot = free if location is None else (free[0], location)
        else:
            slot = (number, location)
        controllers, locations = LOCATIONS[kind]
        if not (0 <= slot[0] < controllers and 0 <= slot[1] < locations):
            raise invalid_argument(call.name, NO_VACANT_LOCATION, vm.name)
        if (kind, *slot) in _occupied(vm):
            raise operation_failed(call.name, NO_VACANT_LOCATION, vm.name)
        drive = Drive(vhd.path, kind, slot[0], slot[1])
        vm.drives.append(drive)
        if call.switch("Passthru"):
            call.write(objects.drive_object(call.view, vm, drive))

    with call.lock:
        each_operand(call, call.target_vms(), add)


# --- Remove-VMHardDiskDrive -------------------------------------------------------------------


@emulates("Remove-VMHardDiskDrive")
def remove_vmharddiskdrive(call: CmdletCall) -> None:
    """Detaches the drive; the disk file stays where it is (the cmdlet deletes no file)."""
    only_modelled(call, ("VMName", "VMHardDiskDrive", "ControllerType", "ControllerNumber",
                         "ControllerLocation", "Passthru"))
    with call.lock:
        if call.given("VMHardDiskDrive"):
            targets = [(vm, (str(obj.get("ControllerType")), int(obj.get("ControllerNumber")),
                             int(obj.get("ControllerLocation"))))
                       for vm, obj in call.owners_of("VMHardDiskDrive")]
        else:
            slot = (call.arg("ControllerType").name, int(call.arg("ControllerNumber")),
                    int(call.arg("ControllerLocation")))
            targets = [(vm, slot) for vm in call.target_vms()]

        def remove(target: tuple[VM, tuple[str, int, int]]) -> None:
            vm, slot = target
            if not call.inv.should_process(vm.name):
                return
            drive = next((d for d in vm.drives if (d.controller_type, d.controller_number,
                                                   d.controller_location) == slot), None)
            if drive is None:
                raise object_not_found(call.name, NO_DRIVE, vm.name)
            _check_controller(call, vm, drive.controller_type)
            vm.drives.remove(drive)
            if call.switch("Passthru"):
                call.write(objects.drive_object(call.view, vm, drive))

        each_operand(call, targets, remove)


# --- New-VHD ----------------------------------------------------------------------------------


@emulates("New-VHD")
def new_vhd(call: CmdletCall) -> None:
    """The Dynamic- and FixedWithoutSource sets (a differencing disk or a copy of a
    physical disk is not modelled). The format follows the file's extension; a dynamic
    disk starts at a few MB, a fixed one takes its whole size at once, written out over
    lab time."""
    only_modelled(call, ("Path", "SizeBytes", "Dynamic", "Fixed"))
    size = int(call.arg("SizeBytes"))
    fixed = call.switch("Fixed")
    estate, host = call.estate, call.host

    def create(path: str) -> None:
        if not call.inv.should_process(path):
            return
        with call.lock:
            vhd = _new_disk(call, host, path, size, fixed)
        if fixed:
            seconds = size / ZERO_BYTES_PER_SECOND
            call.spend(seconds, NEW_VHD_TASK, lambda p: f"{p}%")
        with call.lock:
            if estate.file_exists(host, path):
                raise operation_failed(call.name, FILE_EXISTS, path)
            estate.add_vhd(host, vhd)
            space = estate.space(host, path)
            if space is not None:
                space.free = max(0, space.free - vhd.file_size)
            call.write(objects.vhd_object(call.view, vhd, False))

    each_operand(call, call.names("Path"), create)


def _new_disk(call: CmdletCall, host: Host, path: str, size: int, fixed: bool) -> Vhd:
    """The disk New-VHD would create at ``path``, after the host's checks."""
    estate = call.estate
    fmt = _vhd_format(path)
    if fmt is None:
        raise invalid_argument(call.name, NOT_A_VHD.format(path), path)
    if not basename(path) or not estate.path_exists_on(host, parent(path) or path):
        raise operation_failed(call.name, PATH_NOT_FOUND, path)
    if estate.file_exists(host, path):
        raise operation_failed(call.name, FILE_EXISTS, path)
    if size <= 0 or size % SECTOR or size > MAX_SIZE[fmt]:
        raise invalid_argument(call.name, f"The size must be a multiple of {SECTOR} bytes, "
                                          f"at most {MAX_SIZE[fmt]} bytes for a {fmt}.", path)
    file_size = size + (512 if fmt == "VHD" else 4 * 1024**2) if fixed else 4 * 1024**2
    space = estate.space(host, path)
    if space is not None and file_size > space.free:
        raise operation_failed(call.name, DISK_FULL, path)
    # An empty VHDX can shrink to almost nothing (UNCONFIRMED: 3 MB, its metadata).
    return Vhd(path, fmt, "Fixed" if fixed else "Dynamic", size, file_size,
               3 * 1024**2 if fmt == "VHDX" else None, 0 if fixed else BLOCK[fmt])


# --- DVD drives: Get-, Set- and Add-VMDvdDrive ------------------------------------------------
# R-VHD-4: media changes while the VM runs (Hyper-V Manager's "Insert Disk"); a new DVD
# drive goes on IDE (generation 1) or SCSI (generation 2), only while the VM is off
# (UNCONFIRMED for SCSI: the reference says nothing of adding a DVD drive to a running
# generation 2 VM; the lab refuses). Set-VMDvdDrive without -ControllerNumber/-Location
# configures every DVD drive of the VM (its help: "If not specified, DVD drives in all
# controller locations are configured"); -Path $null ejects.


def _iso_problem(call: CmdletCall, path: str) -> HostError | None:
    """Why ``path`` cannot be a DVD drive's media, or None (an existing .iso file)."""
    if not path.lower().endswith(".iso"):
        return invalid_argument(call.name, INVALID_DVD_PATH, path)
    if path_key(path) not in call.host.files:
        return operation_failed(call.name, FILE_NOT_FOUND, path)
    return None


@emulates("Get-VMDvdDrive")
def get_vmdvddrive(call: CmdletCall) -> None:
    only_modelled(call, ("VMName", "VM", "ControllerNumber", "ControllerLocation"))
    with call.lock:
        for vm in call.target_vms():
            for dvd in _dvds_at(call, vm):
                call.write(objects.dvd_object(call.view, vm, dvd))


def _dvds_at(call: CmdletCall, vm: VM) -> list[DvdDrive]:
    number = call.arg("ControllerNumber") if call.given("ControllerNumber") else None
    location = call.arg("ControllerLocation") if call.given("ControllerLocation") else None
    return [d for d in vm.dvds if (number is None or d.controller_number == int(number))
            and (location is None or d.controller_location == int(location))]


@emulates("Set-VMDvdDrive")
def set_vmdvddrive(call: CmdletCall) -> None:
    """Media only: moving a drive (-ToController...) and resource pools are not modelled."""
    only_modelled(call, ("VMName", "ControllerNumber", "ControllerLocation", "Path",
                         "Passthru"))
    path = str(call.arg("Path") or "")

    def configure(vm: VM) -> None:
        if not call.inv.should_process(vm.name):
            return
        call.idle(vm)
        dvds = _dvds_at(call, vm)
        if not dvds:
            raise object_not_found(call.name, NO_DRIVE, vm.name)
        if path:
            problem = _iso_problem(call, path)
            if problem is not None:
                raise problem
        for dvd in dvds:
            dvd.path = path
            if call.switch("Passthru"):
                call.write(objects.dvd_object(call.view, vm, dvd))

    with call.lock:
        each_operand(call, call.target_vms(), configure)


@emulates("Add-VMDvdDrive")
def add_vmdvddrive(call: CmdletCall) -> None:
    only_modelled(call, ("VMName", "VM", "ControllerNumber", "ControllerLocation", "Path",
                         "Passthru"))
    path = str(call.arg("Path") or "")
    number = int(call.arg("ControllerNumber")) if call.given("ControllerNumber") else None

    def add(vm: VM) -> None:
        if not call.inv.should_process(vm.name):
            return
        kind = controller_types(vm)[0]
        call.idle(vm)
        if vm.state != "Off":
            raise invalid_state(call.name, vm.name)
        if path:
            problem = _iso_problem(call, path)
            if problem is not None:
                raise problem
        free = vacant(vm, kind, number)
        if free is None:
            raise operation_failed(call.name, NO_VACANT_LOCATION, vm.name)
        dvd = DvdDrive(kind, free[0], free[1], path)
        vm.dvds.append(dvd)
        if call.switch("Passthru"):
            call.write(objects.dvd_object(call.view, vm, dvd))

    with call.lock:
        each_operand(call, call.target_vms(), add)
