"""Host and processor settings: Set-VMHost (enhanced session policy R-ESM-1, migration
settings R-LM-4..6), Enable-/Disable-VMMigration (R-LM-4) and Set-VMProcessor's
processor compatibility (R-LM-3). Each writes nothing unless -Passthru is given."""

from __future__ import annotations

from hvtui.lab import objects
from hvtui.lab.emulation import CmdletCall, emulates
from hvtui.lab.estate import VM
from hvtui.lab.failures import (
    SET_VMHOST_NOTHING,
    hyperv_error,
    invalid_argument,
    invalid_state,
)
from hvtui.lab.power import each_operand, only_modelled

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


def _processor_vms(call: CmdletCall) -> list[VM]:
    """The VMs of -VMName/-VM, or of the VMProcessor objects a script passed back."""
    if not call.given("VMProcessor"):
        return call.target_vms()
    return [vm for vm, _ in call.owners_of("VMProcessor")]


@emulates("Set-VMProcessor")
def set_vmprocessor(call: CmdletCall) -> None:
    """R-LM-3: CompatibilityForMigrationEnabled changes only while the VM is off (the host
    refuses it with the invalid-state text otherwise); so does -Count."""
    only_modelled(call, ("VMName", "VM", "VMProcessor", "CompatibilityForMigrationEnabled",
                         "Count", "Passthru"))

    def configure(vm: VM) -> None:
        if not call.inv.should_process(vm.name):
            return
        call.idle(vm)
        if call.given("CompatibilityForMigrationEnabled"):
            if vm.state != "Off":
                raise invalid_state(call.name, vm.name)
            vm.compat = bool(call.arg("CompatibilityForMigrationEnabled"))
        if call.given("Count"):
            _set_count(call, vm, int(call.arg("Count")))
        if call.switch("Passthru"):
            call.write(objects.processor_object(call.view, vm))

    with call.lock:
        each_operand(call, _processor_vms(call), configure)


def _set_count(call: CmdletCall, vm: VM, count: int) -> None:
    """The number of virtual processors: changed only while the VM is off, and never more
    than the host's logical processors (UNCONFIRMED wording of that refusal)."""
    if vm.state != "Off":
        raise invalid_state(call.name, vm.name)
    if not 1 <= count <= call.host.logical_processors:
        raise invalid_argument(
            call.name, f"The virtual machine '{vm.name}' cannot have {count} virtual "
                       f"processors: this host has {call.host.logical_processors} logical "
                       "processors.", vm.name)
    vm.cpus = count
