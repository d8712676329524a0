"""Remove-VM, Rename-VM (R-DEL-1, R-DEL-2) and Update-VMVersion (R-VER-3).

Remove-VM deletes the VM's configuration, saved state and checkpoints (merged into its
disks) and leaves its virtual hard disk files where they are; the host removes only a VM
that is off or saved, and a clustered VM only once it is out of the cluster (R-CL-4).
Rename-VM changes the name only; like New-VM it does not refuse a name another VM has.
"""

from __future__ import annotations

from hvtui.lab import objects
from hvtui.lab.emulation import CmdletCall, emulates
from hvtui.lab.estate import VM
from hvtui.lab.failures import (
    CLUSTERED_VM,
    VERSION_AT_MAXIMUM,
    invalid_operation,
    invalid_state,
)
from hvtui.lab.power import each_operand, only_modelled


@emulates("Remove-VM")
def remove_vm(call: CmdletCall) -> None:
    only_modelled(call, ("Name", "VM", "Force", "Passthru"))
    with call.lock:
        vms = call.target_vms()

    def remove(vm: VM) -> None:
        # -Force answers the module's own "Are you sure" query (R-DEL-1), which the lab
        # does not ask: -WhatIf and -Confirm still apply.
        if not call.inv.should_process(vm.name):
            return
        with call.lock:
            call.idle(vm)
            if vm.clustered:
                raise invalid_operation(call.name, CLUSTERED_VM, vm.name)
            if vm.state not in ("Off", "Saved"):
                raise invalid_state(call.name, vm.name)
            call.host.vms.pop(vm.id, None)
            if vm.replication_mode != "None":
                call.estate.replications.pop(vm.id, None)
            if call.switch("Passthru"):
                call.write(objects.vm_object(call.view, vm))

    each_operand(call, vms, remove)


@emulates("Rename-VM")
def rename_vm(call: CmdletCall) -> None:
    only_modelled(call, ("Name", "VM", "NewName", "Passthru"))
    new_name = str(call.arg("NewName"))
    with call.lock:
        vms = call.target_vms()

    def rename(vm: VM) -> None:
        if not call.inv.should_process(vm.name):
            return
        with call.lock:
            vm.name = new_name
            if call.switch("Passthru"):
                call.write(objects.vm_object(call.view, vm))

    each_operand(call, vms, rename)





def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


@emulates("Update-VMVersion")
def update_vm_version(call: CmdletCall) -> None:
    """R-VER-3: only an Off, Saved (or FastSaved) VM; a saved state is discarded, then the
    version becomes the host's highest (the lab's hosts' default is their highest,
    UNCONFIRMED for 2022 and 2025 as R-VER-1 says)."""
    only_modelled(call, ("Name", "VM", "Force", "Passthru"))
    with call.lock:
        vms = call.target_vms()

    def upgrade(vm: VM) -> None:
        if not call.inv.should_process(vm.name):
            return
        with call.lock:
            call.idle(vm)
            if vm.state not in ("Off", "Saved"):
                raise invalid_state(call.name, vm.name)
            newest = max(call.host.release.vm_versions, key=_version_key)
            if _version_key(vm.version) >= _version_key(newest):
                call.warn(VERSION_AT_MAXIMUM.format(vm.name))
                return
            if vm.state == "Saved":
                vm.state = "Off"
            vm.version = newest
            if call.switch("Passthru"):
                call.write(objects.vm_object(call.view, vm))

    each_operand(call, vms, upgrade)
