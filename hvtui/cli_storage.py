"""Storage and networking commands (issue 11), registered beside the other actions.

    hvtui disk add VM PATH [--controller SCSI|IDE] [--new SIZE [--fixed]]
    hvtui disk remove VM DISK               DISK: path, 'SCSI 0:1' or index from 0
    hvtui iso mount VM PATH | eject VM
    hvtui disk compact|merge VM DISK        Edit Disk (Optimize-VHD, Merge-VHD)
    hvtui disk convert VM DISK NEWPATH [--type Dynamic|Fixed]   (Convert-VHD)
    hvtui disk qos VM DISK --min N --max N  storage QoS (Set-VMHardDiskDrive)
    hvtui vm move-storage VM PATH           (Move-VMStorage)

They run through :func:`hvtui.cli_actions.run_request` like every action: pre-flight,
checklist and exact PowerShell, ``--dry-run``, ``--yes``, the audit log.
"""

from __future__ import annotations

import argparse
from typing import Any

from hvtui.cli_actions import common_options, handler
from hvtui.hyperv.plans import Request, VmRef
from hvtui.hyperv.vhd_edit import (
    VHD_TYPES,
    DiskCompactRequest,
    DiskConvertRequest,
    DiskMergeRequest,
    DiskQosRequest,
    MoveStorageRequest,
)
from hvtui.hyperv.vm_disks import CONTROLLERS, DiskAddRequest, DiskRemoveRequest
from hvtui.hyperv.vm_dvd import IsoRequest


def _disk_add(a: argparse.Namespace) -> Request:
    return DiskAddRequest(VmRef(a.vm, a.host), a.path, a.controller.upper(), a.new or "",
                          a.fixed)


def register(sub: Any) -> None:
    """Add the storage and networking commands to ``hvtui``'s sub-parsers."""
    disk = sub.add_parser("disk", help="add, remove and edit a VM's virtual hard disks "
                                       "(New-VHD, Add-VMHardDiskDrive, Remove-VMHardDiskDrive, "
                                       "Optimize-VHD, Convert-VHD, Merge-VHD, "
                                       "Set-VMHardDiskDrive)")
    dsub = disk.add_subparsers(dest="disk_command", required=True)
    p = dsub.add_parser(
        "add", help="attach an existing disk, or a new one, to a VM (Add-VMHardDiskDrive; "
                    "New-VHD with --new)",
        description="Attach a virtual hard disk to a VM at the first free location of its "
                    "SCSI or IDE controllers. SCSI takes disks while the VM runs; IDE only "
                    "while it is off; a generation 2 VM has no IDE.")
    p.add_argument("vm", metavar="VM")
    p.add_argument("path", metavar="PATH", help="the .vhdx/.vhd file on the VM's host")
    p.add_argument("--controller", default="SCSI", type=str.upper, choices=CONTROLLERS,
                   help="SCSI (default) or IDE")
    p.add_argument("--new", metavar="SIZE", help="create the disk first, this size "
                                                 "('40 GiB', '1T'), dynamic unless --fixed")
    p.add_argument("--fixed", action="store_true",
                   help="with --new: a fixed-size disk (takes all its space now)")
    common_options(p)
    p.set_defaults(**handler(_disk_add))

    p = dsub.add_parser(
        "remove", help="detach a disk from a VM; the file stays (Remove-VMHardDiskDrive)",
        description="Detach a virtual hard disk from a VM. SCSI disks come off while the VM "
                    "runs, IDE disks only while it is off. The disk file is not deleted.")
    p.add_argument("vm", metavar="VM")
    p.add_argument("disk", metavar="DISK", help="path, location such as 'SCSI 0:1', or index "
                                                "from 0")
    common_options(p)
    p.set_defaults(**handler(lambda a: DiskRemoveRequest(VmRef(a.vm, a.host), a.disk)))

    _register_edit_disk(dsub)

    iso = sub.add_parser("iso", help="mount or eject an ISO in a VM's DVD drive "
                                     "(Set-VMDvdDrive; Add-VMDvdDrive)")
    isub = iso.add_subparsers(dest="iso_command", required=True)
    p = isub.add_parser(
        "mount", help="put an ISO file in the VM's DVD drive (Set-VMDvdDrive -Path; "
                      "Add-VMDvdDrive when it has none)",
        description="Put an ISO file of the VM's host in its DVD drive; the VM may run. A VM "
                    "without a DVD drive gets one, which needs the VM off.")
    p.add_argument("vm", metavar="VM")
    p.add_argument("path", metavar="PATH", help="the .iso file on the VM's host")
    common_options(p)
    p.set_defaults(**handler(lambda a: IsoRequest(VmRef(a.vm, a.host), a.path)))
    p = isub.add_parser("eject", help="empty the VM's DVD drive (Set-VMDvdDrive -Path $null)")
    p.add_argument("vm", metavar="VM")
    common_options(p)
    p.set_defaults(**handler(lambda a: IsoRequest(VmRef(a.vm, a.host), "")))


# --- Edit Disk, Move-VMStorage, Storage QoS (hvtui.hyperv.vhd_edit) ---------------------------

_DISK_HELP = "path, location such as 'SCSI 0:1', or index from 0"


def _vm_and_disk(p: argparse.ArgumentParser) -> None:
    p.add_argument("vm", metavar="VM")
    p.add_argument("disk", metavar="DISK", help=_DISK_HELP)


def _iops(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number of IOPS") from None
    if value < 0:
        raise argparse.ArgumentTypeError("IOPS cannot be negative (0 means none)")
    return value


def _register_edit_disk(dsub: Any) -> None:
    p = dsub.add_parser(
        "compact", help="compact a dynamic or differencing disk, VM off (Optimize-VHD)",
        description="Reclaim the unused blocks of a dynamic or differencing virtual hard "
                    "disk (Optimize-VHD). A fixed disk cannot be compacted; the VM must be "
                    "off.")
    _vm_and_disk(p)
    common_options(p)
    p.set_defaults(**handler(lambda a: DiskCompactRequest(VmRef(a.vm, a.host), a.disk)))

    p = dsub.add_parser(
        "convert", help="copy a disk into a new VHD/VHDX, fixed or dynamic, VM off "
                        "(Convert-VHD)",
        description="Copy a virtual hard disk into a new file (Convert-VHD): the new "
                    "file's extension (.vhdx or .vhd) is its format, --type its type. The VM "
                    "must be off; it keeps using the old disk unless --replace.")
    _vm_and_disk(p)
    p.add_argument("destination", metavar="NEWPATH", help="the new .vhdx/.vhd file on the "
                                                          "VM's host")
    p.add_argument("--type", default="", type=str.capitalize, choices=VHD_TYPES,
                   help="Dynamic or Fixed (default: the disk's own type)")
    p.add_argument("--replace", action="store_true",
                   help="then attach the new file in the old one's place "
                        "(Set-VMHardDiskDrive -Path); the old file stays")
    common_options(p)
    p.set_defaults(**handler(lambda a: DiskConvertRequest(VmRef(a.vm, a.host), a.disk,
                                                          a.destination, a.type, a.replace)))

    p = dsub.add_parser(
        "merge", help="merge a differencing disk into its parent, VM off (Merge-VHD, "
                      "Set-VMHardDiskDrive)",
        description="Merge a differencing virtual hard disk into its parent (Merge-VHD) and "
                    "attach the parent in its place (Set-VMHardDiskDrive -Path). The VM must "
                    "be off and have no checkpoints.")
    _vm_and_disk(p)
    common_options(p)
    p.set_defaults(**handler(lambda a: DiskMergeRequest(VmRef(a.vm, a.host), a.disk)))

    p = dsub.add_parser(
        "qos", help="set a disk's storage QoS minimum/maximum IOPS, 2012 R2+ "
                    "(Set-VMHardDiskDrive)",
        description="Set a disk's storage QoS (Set-VMHardDiskDrive -MinimumIOPS "
                    "-MaximumIOPS) in normalized IOPS: each 8 KB of I/O counts as one. 0 "
                    "means none. The VM may run; hosts from Windows Server 2012 R2.")
    _vm_and_disk(p)
    p.add_argument("--min", type=_iops, required=True, metavar="IOPS",
                   help="reserved IOPS (0: none)")
    p.add_argument("--max", type=_iops, required=True, metavar="IOPS",
                   help="IOPS limit (0: unlimited)")
    common_options(p)
    p.set_defaults(**handler(lambda a: DiskQosRequest(VmRef(a.vm, a.host), a.disk, a.min,
                                                      a.max)))


def register_vm(vsub: Any) -> None:
    """``hvtui vm move-storage``, beside the other ``vm`` actions."""
    p = vsub.add_parser(
        "move-storage", help="move a VM's files to another folder of its host, running or "
                             "not (Move-VMStorage)",
        description="Move a VM's configuration to PATH and its disks to PATH\\Virtual Hard "
                    "Disks on the same host (Move-VMStorage -DestinationStoragePath). The VM "
                    "may keep running.")
    p.add_argument("vm", metavar="VM")
    p.add_argument("path", metavar="PATH", help="the folder on the VM's host")
    common_options(p)
    p.set_defaults(**handler(lambda a: MoveStorageRequest(VmRef(a.vm, a.host), a.path)))
