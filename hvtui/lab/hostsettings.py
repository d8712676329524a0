"""Host and processor settings: Set-VMHost (enhanced session policy R-ESM-1, migration
settings R-LM-4..6) and Enable-/Disable-VMMigration (R-LM-4). Each writes nothing unless
-Passthru is given. (Set-VMProcessor is in :mod:`hvtui.lab.vmsettings`.)"""

from __future__ import annotations

from hvtui.lab import objects
from hvtui.lab.emulation import CmdletCall, emulates
from hvtui.lab.failures import SET_VMHOST_NOTHING, hyperv_error
from hvtui.lab.power import only_modelled

_MIGRATION = ("UseAnyNetworkForMigration", "MaximumVirtualMachineMigrations",
              "VirtualMachineMigrationAuthenticationType",
              "VirtualMachineMigrationPerformanceOption")
_SETTINGS = ("EnableEnhancedSessionMode", "VirtualHardDiskPath", "VirtualMachinePath",
             *_MIGRATION)
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
