"""Host and processor settings: Set-VMHost (enhanced session policy R-ESM-1, migration
settings R-LM-4..6, default folders, NUMA spanning, storage migrations),
Enable-/Disable-VMMigration (R-LM-4) and the migration networks (Get-/Add-/
Remove-VMMigrationNetwork, R-LM-5). Each writes nothing unless -Passthru is given.
(Set-VMProcessor is in :mod:`hvtui.lab.vmsettings`.)"""

from __future__ import annotations

import ipaddress

from hvtui.lab import objects
from hvtui.lab.emulation import CmdletCall, emulates
from hvtui.lab.failures import (
    MIGRATION_NETWORK_LINK_LOCAL,
    MIGRATION_NETWORK_LOOPBACK,
    SET_VMHOST_NOTHING,
    hyperv_error,
    invalid_argument,
)
from hvtui.lab.power import only_modelled
from hvtui.lab.pwsh import PSObject

_MIGRATION = ("UseAnyNetworkForMigration", "MaximumVirtualMachineMigrations",
              "VirtualMachineMigrationAuthenticationType",
              "VirtualMachineMigrationPerformanceOption")
_SETTINGS = ("EnableEnhancedSessionMode", "VirtualHardDiskPath", "VirtualMachinePath",
             "NumaSpanningEnabled", "MaximumStorageMigrations", *_MIGRATION)
"""What Set-VMHost changes that the lab models (the others are refused, not ignored)."""


def _write_host(call: CmdletCall) -> None:
    call.write(objects.vmhost_object(call.view))


@emulates("Set-VMHost")
def set_vmhost(call: CmdletCall) -> None:
    """-EnableEnhancedSessionMode exists from 2012 R2 (the binder refuses it on 2012), as
    does -VirtualMachineMigrationPerformanceOption. The CredSSP warning of R-LM-6 goes only
    to the module's trace log (BIN neonSDK ``Commands/SetVMHost.cs``: VMTrace.TraceWarning),
    so none is written here."""
    only_modelled(call, (*_SETTINGS, "Passthru"))
    host = call.host
    with call.lock:
        if not any(call.given(name) for name in _SETTINGS):
            call.error(hyperv_error(call.name, SET_VMHOST_NOTHING, category="InvalidOperation",
                                    error_id="InvalidOperation", target=host.name))
            return
        if not call.inv.should_process(host.name):
            return
        for name, attribute in (("VirtualHardDiskPath", "vhd_path"),
                                ("VirtualMachinePath", "vm_path")):
            if call.arg(name):
                setattr(host, attribute, str(call.arg(name)))
        if call.given("UseAnyNetworkForMigration"):
            host.use_any_network = bool(call.arg("UseAnyNetworkForMigration"))
        if call.given("MaximumVirtualMachineMigrations"):
            host.max_migrations = int(call.arg("MaximumVirtualMachineMigrations"))
        if call.given("VirtualMachineMigrationAuthenticationType"):
            host.migration_auth = call.arg("VirtualMachineMigrationAuthenticationType").name
        if call.given("VirtualMachineMigrationPerformanceOption"):
            host.migration_performance = call.arg("VirtualMachineMigrationPerformanceOption").name
        if call.given("EnableEnhancedSessionMode"):
            host.enhanced_session = bool(call.arg("EnableEnhancedSessionMode"))
        if call.given("NumaSpanningEnabled"):
            # Applied when the Virtual Machine Management service restarts; the lab keeps
            # the setting, which is what Get-VMHost reports at once.
            host.numa_spanning = bool(call.arg("NumaSpanningEnabled"))
        if call.given("MaximumStorageMigrations"):
            host.max_storage_migrations = int(call.arg("MaximumStorageMigrations"))
        if call.switch("Passthru"):
            _write_host(call)


def _migration(call: CmdletCall, enabled: bool) -> None:
    """R-LM-4: VirtualMachineMigrationEnabled, which both ends of a live migration need."""
    only_modelled(call, ("Passthru",))
    with call.lock:
        if not call.inv.should_process(call.host.name):
            return
        call.host.migration_enabled = enabled
        if call.switch("Passthru"):
            _write_host(call)


@emulates("Enable-VMMigration")
def enable_vmmigration(call: CmdletCall) -> None:
    _migration(call, True)


@emulates("Disable-VMMigration")
def disable_vmmigration(call: CmdletCall) -> None:
    _migration(call, False)


# --- migration networks (R-LM-5) ------------------------------------------------------------


def _network_object(call: CmdletCall, subnet: str) -> PSObject:
    """Get-VMMigrationNetwork's VMMigrationNetwork (Priority: the lab keeps none, 0)."""
    return PSObject([("Subnet", subnet), ("Priority", 0), ("ComputerName", call.host.name),
                     ("IsDeleted", False)],
                    type_names=("Microsoft.HyperV.PowerShell.VMMigrationNetwork",
                                "System.Object"),
                    to_string=lambda: subnet)


def _subnet(call: CmdletCall) -> str:
    """-Subnet as Hyper-V keeps it (an address or a prefix, ``10.0.0.0/24``); R-LM-5 refuses
    loopback and link-local subnets."""
    text = str(call.arg("Subnet") or "").strip()
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        # UNCONFIRMED wording: the reference gives no text for a subnet that is no address.
        raise invalid_argument(call.name, f"'{text}' is not a valid subnet.", text) from None
    if network.is_loopback:
        raise invalid_argument(call.name, MIGRATION_NETWORK_LOOPBACK, text)
    if network.is_link_local:
        raise invalid_argument(call.name, MIGRATION_NETWORK_LINK_LOCAL, text)
    return text if "/" in text else str(network.network_address)


@emulates("Get-VMMigrationNetwork")
def get_vmmigrationnetwork(call: CmdletCall) -> None:
    only_modelled(call, ())
    with call.lock:
        for subnet in call.host.migration_networks:
            call.write(_network_object(call, subnet))


@emulates("Add-VMMigrationNetwork")
def add_vmmigrationnetwork(call: CmdletCall) -> None:
    only_modelled(call, ("Subnet", "Passthru"))
    subnet = _subnet(call)
    with call.lock:
        if not call.inv.should_process(call.host.name):
            return
        networks = call.host.migration_networks
        if subnet.lower() not in {n.lower() for n in networks}:
            networks.append(subnet)
        if call.switch("Passthru"):
            call.write(_network_object(call, subnet))


@emulates("Remove-VMMigrationNetwork")
def remove_vmmigrationnetwork(call: CmdletCall) -> None:
    """A subnet the host does not list removes nothing (UNCONFIRMED: whether a real host
    then writes an error)."""
    only_modelled(call, ("Subnet", "Passthru"))
    wanted = str(call.arg("Subnet") or "").strip().lower()
    with call.lock:
        if not call.inv.should_process(call.host.name):
            return
        networks = call.host.migration_networks
        gone = [n for n in networks if n.lower() == wanted]
        networks[:] = [n for n in networks if n.lower() != wanted]
        if call.switch("Passthru"):
            for subnet in gone:
                call.write(_network_object(call, subnet))
