"""Networking commands (issue 11), registered beside the other actions.

    hvtui nic add VM [--name NAME] [--switch SWITCH] [--legacy]
    hvtui nic remove VM NAME
    hvtui nic connect VM NAME SWITCH | hvtui nic connect VM NAME --none
    hvtui nic set VM NAME [--vlan ID|untagged] [--mac-spoofing on|off] [--dhcp-guard on|off]
                          [--router-guard on|off]
    hvtui switch new HOST NAME --type internal|private | --type external --adapter NIC
                               [--no-management-os]
    hvtui switch rename HOST NAME NEW_NAME
    hvtui switch remove HOST NAME

They run through :func:`hvtui.cli_actions.run_request` like every action: pre-flight,
checklist and exact PowerShell, ``--dry-run``, ``--yes``, the audit log.
"""

from __future__ import annotations

import argparse
from typing import Any

from hvtui.cli_actions import common_options, handler
from hvtui.errors import PlanRefused
from hvtui.hyperv.plans import Request, VmRef
from hvtui.hyperv.switches import (
    SWITCH_TYPES,
    SwitchNewRequest,
    SwitchRemoveRequest,
    SwitchRenameRequest,
)
from hvtui.hyperv.vm_nics import (
    VLAN_MAX,
    NicAddRequest,
    NicConnectRequest,
    NicRemoveRequest,
    NicSetRequest,
)


def _vlan(text: str) -> int:
    """``untagged``/``none``/``0`` -> 0, else the VLAN id (the plan checks its range)."""
    if text.strip().lower() in ("untagged", "none", "0"):
        return 0
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a VLAN id (1 to {VLAN_MAX}, or 'untagged')") from None


def _on_off(text: str) -> bool:
    return text.lower() == "on"


def _connect(a: argparse.Namespace) -> Request:
    if bool(a.switch) == a.none:
        raise PlanRefused("give the switch to connect to, or --none to disconnect",
                          hint=f"hvtui nic connect {a.vm} '{a.name}' SWITCH")
    return NicConnectRequest(VmRef(a.vm, a.host), a.name, "" if a.none else a.switch)


def _set(a: argparse.Namespace) -> Request:
    if a.vlan is None and a.mac_spoofing is None and a.dhcp_guard is None \
            and a.router_guard is None:
        raise PlanRefused("nothing to change",
                          hint="give --vlan, --mac-spoofing, --dhcp-guard or --router-guard")
    return NicSetRequest(VmRef(a.vm, a.host), a.name, a.vlan,
                         None if a.mac_spoofing is None else _on_off(a.mac_spoofing),
                         None if a.dhcp_guard is None else _on_off(a.dhcp_guard),
                         None if a.router_guard is None else _on_off(a.router_guard))


def _switch_new(a: argparse.Namespace) -> Request:
    if a.type == "External" and not a.adapter:
        raise PlanRefused("an external switch needs --adapter: the host's physical adapter",
                          hint=f"hvtui switch new {a.host_name} '{a.name}' --type external "
                               f"--adapter 'Ethernet 2'")
    return SwitchNewRequest(a.host_name, a.name, a.type, a.adapter or "",
                            not a.no_management_os)


def register(sub: Any) -> None:
    """Add the networking commands to ``hvtui``'s sub-parsers."""
    nic = sub.add_parser(
        "nic", help="add, remove, connect and configure VMs' network adapters "
                    "(Add-/Remove-/Connect-/Disconnect-VMNetworkAdapter, "
                    "Set-VMNetworkAdapterVlan, Set-VMNetworkAdapter)")
    nsub = nic.add_subparsers(dest="nic_command", required=True)
    p = nsub.add_parser(
        "add", help="add a network adapter to a VM (Add-VMNetworkAdapter)",
        description="Add a network adapter to a VM, connected to a switch of its host. A "
                    "generation 2 VM takes one while it runs from Windows Server 2016; "
                    "otherwise the VM must be off. A legacy adapter (generation 1 only) "
                    "needs the VM off.")
    p.add_argument("vm", metavar="VM")
    p.add_argument("--name", default="",
                   help="the adapter's name, one the VM does not use yet (default: "
                        "'Network Adapter', else 'Network Adapter 2', ...)")
    p.add_argument("--switch", default="", metavar="SWITCH",
                   help="the virtual switch to connect it to (default: not connected)")
    p.add_argument("--legacy", action="store_true",
                   help="an emulated adapter a generation 1 guest can PXE-boot from")
    common_options(p)
    p.set_defaults(**handler(lambda a: NicAddRequest(VmRef(a.vm, a.host), a.name, a.switch,
                                                     a.legacy)))

    p = nsub.add_parser(
        "remove", help="remove a VM's network adapter (Remove-VMNetworkAdapter)",
        description="Remove the VM's network adapter of that name (every one of that name: "
                    "Hyper-V selects adapters by name). Same state rules as adding.")
    p.add_argument("vm", metavar="VM")
    p.add_argument("name", metavar="NAME", help="the adapter's name")
    common_options(p)
    p.set_defaults(**handler(lambda a: NicRemoveRequest(VmRef(a.vm, a.host), a.name)))

    p = nsub.add_parser(
        "connect", help="connect an adapter to another switch, or disconnect it "
                        "(Connect-VMNetworkAdapter; Disconnect-VMNetworkAdapter)",
        description="Connect the VM's adapter to a virtual switch of its host, or with "
                    "--none to no switch. Works while the VM runs; the guest's connection "
                    "moves at once.")
    p.add_argument("vm", metavar="VM")
    p.add_argument("name", metavar="NAME", help="the adapter's name")
    p.add_argument("switch", metavar="SWITCH", nargs="?", default="",
                   help="the virtual switch")
    p.add_argument("--none", action="store_true", help="disconnect the adapter")
    common_options(p)
    p.set_defaults(**handler(_connect))

    p = nsub.add_parser(
        "set", help="access VLAN, MAC address spoofing, DHCP and router guard "
                    "(Set-VMNetworkAdapterVlan, Set-VMNetworkAdapter)",
        description="Change an adapter's access VLAN and guards; they change while the VM "
                    "runs, and its guest feels the VLAN at once.")
    p.add_argument("vm", metavar="VM")
    p.add_argument("name", metavar="NAME", help="the adapter's name")
    p.add_argument("--vlan", type=_vlan, metavar="ID",
                   help=f"access VLAN id 1 to {VLAN_MAX}, or 'untagged'")
    for option, what in (("--mac-spoofing", "let the guest send from other MAC addresses"),
                         ("--dhcp-guard", "drop DHCP server messages from the guest"),
                         ("--router-guard", "drop router advertisements and redirects "
                                            "from the guest")):
        p.add_argument(option, type=str.lower, choices=("on", "off"), help=what)
    common_options(p)
    p.set_defaults(**handler(_set))

    register_switch(sub)


def register_switch(sub: Any) -> None:
    """``hvtui switch``: the Virtual Switch Manager's create, rename and remove."""
    switch = sub.add_parser("switch", help="create, rename and remove hosts' virtual switches "
                                           "(New-VMSwitch, Rename-VMSwitch, Remove-VMSwitch)")
    ssub = switch.add_subparsers(dest="switch_command", required=True)
    p = ssub.add_parser(
        "new", help="create an external, internal or private switch (New-VMSwitch)",
        description="Create a virtual switch on a host. External binds a physical adapter of "
                    "the host: creating it moves the host's own connection on that adapter "
                    "and can cut hvtui's session to the host. Internal connects the host's "
                    "VMs and the host; private only the VMs.")
    p.add_argument("host_name", metavar="HOST")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--type", required=True, type=str.capitalize, choices=SWITCH_TYPES,
                   help="external, internal or private")
    p.add_argument("--adapter", metavar="NIC",
                   help="external: the host's physical adapter (its name, e.g. 'Ethernet 2')")
    p.add_argument("--no-management-os", action="store_true",
                   help="external: the host does not share the adapter (it loses its own "
                        "connection on it)")
    common_options(p, host=False)
    p.set_defaults(**handler(_switch_new))

    p = ssub.add_parser(
        "rename", help="rename a switch; VMs' adapters follow (Rename-VMSwitch)",
        description="Rename a virtual switch. Live migration and Replica look for a switch "
                    "of the same name on the other host: rename it there too.")
    p.add_argument("host_name", metavar="HOST")
    p.add_argument("name", metavar="NAME")
    p.add_argument("new_name", metavar="NEW_NAME")
    common_options(p, host=False)
    p.set_defaults(**handler(lambda a: SwitchRenameRequest(a.host_name, a.name, a.new_name)))

    p = ssub.add_parser(
        "remove", help="remove a switch no VM uses (Remove-VMSwitch)",
        description="Remove a virtual switch. hvtui refuses while a VM's adapter is connected "
                    "to it (Hyper-V would leave those adapters connected to nothing).")
    p.add_argument("host_name", metavar="HOST")
    p.add_argument("name", metavar="NAME")
    common_options(p, host=False)
    p.set_defaults(**handler(lambda a: SwitchRemoveRequest(a.host_name, a.name)))
