"""Storage and networking commands (issue 11), registered beside the other actions.

    hvtui disk add VM PATH [--controller SCSI|IDE] [--new SIZE [--fixed]]
    hvtui disk remove VM DISK               DISK: path, 'SCSI 0:1' or index from 0
    hvtui iso mount VM PATH | eject VM

They run through :func:`hvtui.cli_actions.run_request` like every action: pre-flight,
checklist and exact PowerShell, ``--dry-run``, ``--yes``, the audit log.
"""

from __future__ import annotations

import argparse
from typing import Any

from hvtui.cli_actions import common_options, handler
from hvtui.hyperv.plans import Request, VmRef
from hvtui.hyperv.vm_disks import CONTROLLERS, DiskAddRequest, DiskRemoveRequest
from hvtui.hyperv.vm_dvd import IsoRequest


def _disk_add(a: argparse.Namespace) -> Request:
    return DiskAddRequest(VmRef(a.vm, a.host), a.path, a.controller.upper(), a.new or "",
                          a.fixed)


def register(sub: Any) -> None:
    """Add the storage and networking commands to ``hvtui``'s sub-parsers."""
    disk = sub.add_parser("disk", help="add or remove a VM's virtual hard disks "
                                       "(New-VHD, Add-VMHardDiskDrive, Remove-VMHardDiskDrive)")
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
