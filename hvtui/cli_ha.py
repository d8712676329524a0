"""``hvtui vm make-ha``: making a VM of a cluster node highly available (issue 11).

    hvtui vm make-ha VM [--host H] [--dry-run] [--yes] [-o json]

Add-ClusterVirtualMachineRole on the VM's node; refused before the host is asked when the
host is no cluster node, the VM is a role already, or a file of it is not on a Cluster
Shared Volume. Same plan, pre-flight, confirmation and audit as every action.
"""

from __future__ import annotations

import argparse
from typing import Any

from hvtui.hyperv.plans import VmRef
from hvtui.hyperv.vm_ha import MakeHaRequest


def register(vsub: Any, common: Any, handler: Any) -> None:
    """Add ``make-ha`` to ``hvtui vm``'s sub-parsers."""
    p = vsub.add_parser(
        "make-ha", help="make a VM of a cluster node highly available "
                        "(Add-ClusterVirtualMachineRole)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Make a VM a role of the failover cluster its host is a node of\n"
                    "(Add-ClusterVirtualMachineRole, FailoverClusters module). Its "
                    "configuration and\nevery disk must be on a Cluster Shared Volume "
                    "(C:\\ClusterStorage\\...); the plan\nnames each file that is not.")
    p.add_argument("vm", metavar="VM")
    common(p)
    p.set_defaults(**handler(lambda a: MakeHaRequest(VmRef(a.vm, a.host))))
