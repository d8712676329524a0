"""``hvtui vm new|delete|rename``: creating and retiring VMs from the command line.

    hvtui vm delete VM [--host H] [--with-disks] [--yes]
                                                    (Remove-VM; Remove-Item on the disks)
    hvtui vm rename VM NEW_NAME [--host H]          (Rename-VM)
    hvtui vm upgrade VM [--host H] [--yes]          (Update-VMVersion; one way)
    hvtui vm new HOST NAME [--generation 1|2] [--version V] [--memory 4GB] [--dynamic-memory
                 [--max-memory 16GB]] [--processors N] [--switch S] [--disk-size 60GB
                 [--disk-path P] [--fixed] | --disk PATH] [--iso PATH] [--linux]
                 [--no-secure-boot] [--path FOLDER]

Each goes through the same plan, pre-flight, confirmation and audit as every action
(:mod:`hvtui.cli_actions`); ``-o json`` prints the plan (and the result) as one JSON
document instead of text.
"""

from __future__ import annotations

import argparse
from typing import Any

from hvtui.hyperv.plans import Request, VmRef
from hvtui.hyperv.vm_create import NewVmRequest
from hvtui.hyperv.vm_retire import DeleteVmRequest, RenameVmRequest, UpgradeVersionRequest


def _new(a: argparse.Namespace) -> Request:
    return NewVmRequest(
        host=a.host_name, name=a.name, generation=a.generation or 0, version=a.version or "",
        memory=a.memory, dynamic_memory=a.dynamic_memory, memory_maximum=a.max_memory or "",
        processors=a.processors, switch=a.switch or "", disk_size=a.disk_size or "",
        disk_path=a.disk_path or "", fixed=a.fixed, existing_disk=a.disk or "",
        iso=a.iso or "", secure_boot=not a.no_secure_boot, linux=a.linux, path=a.path or "",
        highly_available=a.highly_available)


def register(vsub: Any, common: Any, handler: Any) -> None:
    """Add ``new``, ``delete`` and ``rename`` to ``hvtui vm``'s sub-parsers; ``common`` adds
    --dry-run/--yes, ``handler`` makes the command run a request."""
    p = vsub.add_parser(
        "new", help="create a VM (New-VM, New-VHD, Connect-VMNetworkAdapter, Set-VMMemory, "
                    "Set-VMProcessor, Set-/Add-VMDvdDrive, Set-VMFirmware)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Create a VM on a host. Runs New-VM, with (each only when asked):\n"
                    "  New-VHD                   for a new disk\n"
                    "  Connect-VMNetworkAdapter  for a switch\n"
                    "  Set-VMMemory              for dynamic memory\n"
                    "  Set-VMProcessor           for the processor count\n"
                    "  Set-VMDvdDrive            for an ISO (generation 1: New-VM's drive)\n"
                    "  Add-VMDvdDrive            for an ISO (generation 2: a new drive)\n"
                    "  Set-VMFirmware            for Secure Boot (generation 2)")
    p.add_argument("host_name", metavar="HOST")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--generation", type=int, choices=[1, 2],
                   help="1 or 2 (default: 2 where the host has it, 2012 R2 and later)")
    p.add_argument("--version", help="configuration version (default: the host's default; "
                                     "2016 and later hosts offer several)")
    p.add_argument("--memory", default="2GB", help="startup memory (default 2GB)")
    p.add_argument("--dynamic-memory", action="store_true", help="turn dynamic memory on")
    p.add_argument("--max-memory", help="dynamic memory's maximum (default 1 TB)")
    p.add_argument("--processors", type=int, default=1, help="virtual processors (default 1)")
    p.add_argument("--switch", help="virtual switch to connect the network adapter to")
    p.add_argument("--disk-size", help="create a new VHDX of this size, e.g. 60GB")
    p.add_argument("--disk-path", help="the new VHDX's path (default: the host's disk "
                                       "folder, NAME.vhdx)")
    p.add_argument("--fixed", action="store_true", help="a fixed-size new disk (default "
                                                        "dynamic)")
    p.add_argument("--disk", help="attach this existing virtual disk instead")
    p.add_argument("--iso", help="an ISO file on the host to boot from")
    p.add_argument("--linux", action="store_true",
                   help="a Linux guest: Secure Boot uses the MicrosoftUEFICertificateAuthority "
                        "template (generation 2, 2016 and later)")
    p.add_argument("--no-secure-boot", action="store_true", help="turn Secure Boot off "
                                                                 "(generation 2)")
    p.add_argument("--path", help="folder for the VM's own folder (default: the host's VM "
                                  "folder)")
    p.add_argument("--highly-available", action="store_true",
                   help="then make it a role of the host's cluster "
                        "(Add-ClusterVirtualMachineRole; its folder and disk on a CSV)")
    common(p, host=False)
    p.set_defaults(**handler(_new))

    p = vsub.add_parser("delete", help="delete a VM, keeping its disk files unless "
                                       "--with-disks (Remove-VM, Remove-Item)",
                        description="Delete a VM (Remove-VM): its configuration, saved state "
                                    "and checkpoints (merged into its disks). Its virtual hard "
                                    "disk files stay on the host, and the plan lists them, "
                                    "unless --with-disks: then each is deleted too "
                                    "(Remove-Item) with the parents of its differencing chain, "
                                    "except a shared disk and any file another VM uses. The VM "
                                    "must be off or saved.")
    p.add_argument("vm", metavar="VM")
    p.add_argument("--with-disks", action="store_true",
                   help="also delete its disk files that no other VM uses (Remove-Item)")
    common(p)
    p.set_defaults(**handler(lambda a: DeleteVmRequest(VmRef(a.vm, a.host),
                                                       with_disks=a.with_disks)))

    p = vsub.add_parser("rename", help="rename a VM (Rename-VM)",
                        description="Rename a VM (Rename-VM). Its files keep their names; the "
                                    "new name must not be another VM's on the host.")
    p.add_argument("vm", metavar="VM")
    p.add_argument("new_name", metavar="NEW_NAME")
    common(p)
    p.set_defaults(**handler(lambda a: RenameVmRequest(VmRef(a.vm, a.host), a.new_name)))

    p = vsub.add_parser("upgrade", help="upgrade a VM's configuration version, one way "
                                        "(Update-VMVersion)",
                        description="Upgrade a VM's configuration version to the host's "
                                    "highest (Update-VMVersion, Windows Server 2016 and later). "
                                    "One way: hosts that lack the new version can no longer "
                                    "run the VM. The VM must be off or saved.")
    p.add_argument("vm", metavar="VM")
    common(p)
    p.set_defaults(**handler(lambda a: UpgradeVersionRequest(VmRef(a.vm, a.host))))
