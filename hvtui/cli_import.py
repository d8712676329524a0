"""``hvtui vm import``: importing an exported VM from the command line (issue 11).

    hvtui vm import HOST PATH [--copy | --new-id] [--vhd-path P] [--vm-path P]

PATH is the exported VM's configuration file (``...\\Virtual Machines\\<id>.vmcx``). The
plan asks the host first (Compare-VM -Path) and explains what it reports; then Import-VM.
Same plan, pre-flight, confirmation and audit as every action (:mod:`hvtui.cli_actions`).
"""

from __future__ import annotations

import argparse
from typing import Any

from hvtui.hyperv.plans import Request
from hvtui.hyperv.vm_import import ImportVmRequest


def _request(a: argparse.Namespace) -> Request:
    mode = "new-id" if a.new_id else "copy" if a.copy else "register"
    return ImportVmRequest(host=a.host_name, path=a.path, mode=mode,
                           vhd_path=a.vhd_path or "", vm_path=a.vm_path or "")


def register(vsub: Any, common: Any, handler: Any) -> None:
    """Add ``import`` to ``hvtui vm``'s sub-parsers."""
    p = vsub.add_parser(
        "import", help="import an exported VM (Compare-VM -Path, then Import-VM)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Import a VM that Export-VM wrote. The host is asked first (Compare-VM "
                    "-Path) and\nwhat it reports is explained; then Import-VM:\n"
                    "  (default)   register it in place: its files stay, its id is kept\n"
                    "  --copy      copy its files to the host's folders (or --vhd-path, "
                    "--vm-path), same id\n"
                    "  --new-id    copy it with a new id (Import-VM -Copy -GenerateNewId), "
                    "so the same\n              export can be imported again")
    p.add_argument("host_name", metavar="HOST")
    p.add_argument("path", metavar="PATH", help="the exported VM's configuration file "
                                                "(...\\Virtual Machines\\<id>.vmcx)")
    how = p.add_mutually_exclusive_group()
    how.add_argument("--copy", action="store_true", help="copy the files, keep the id")
    how.add_argument("--new-id", action="store_true", help="copy the files with a new id")
    p.add_argument("--vhd-path", help="copy: folder for the disks (default: the host's "
                                      "virtual hard disk folder)")
    p.add_argument("--vm-path", help="copy: folder for the VM's files (default: the host's "
                                     "VM folder)")
    common(p, host=False)
    p.set_defaults(**handler(_request))
