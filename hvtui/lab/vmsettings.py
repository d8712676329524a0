"""A VM's settings: Set-VMMemory, Set-VMProcessor, Set-VM and Get-VMMemory.

What may change while a VM is not off (R-SET-1 in tests/data/hyperv-rules.md): buffer,
memory weight, processor reserve, limit and weight, the automatic start action and delay,
the checkpoint type and location, and notes, at any time; while running, the maximum of
dynamic memory may grow and its minimum shrink, and the startup memory of a VM without
dynamic memory may change on 2016 and later at configuration version 6.2 or later (runtime
memory resize). Everything else (dynamic memory on or off, startup memory otherwise,
processor count, processor compatibility, the automatic stop action) needs the VM off; the
host refuses with the invalid-state text. Each cmdlet writes nothing unless -Passthru.
"""

from __future__ import annotations

from hvtui.lab import objects
from hvtui.lab.emulation import CmdletCall, emulates
from hvtui.lab.estate import VM
from hvtui.lab.failures import MEMORY_NEEDS_DYNAMIC, HostError, hyperv_error, invalid_state
from hvtui.lab.power import each_operand, only_modelled
from hvtui.lab.releases import has_feature

_MEMORY = ("DynamicMemoryEnabled", "StartupBytes", "MinimumBytes", "MaximumBytes", "Buffer",
           "Priority")
_DYNAMIC_ONLY = ("MinimumBytes", "MaximumBytes", "Buffer")
_RUNTIME_RESIZE_VERSION = (6, 2)
"""R-VER-4: hot add/remove of memory needs configuration version 6.2."""


def _version(text: str) -> tuple[int, int]:
    major, _, minor = text.partition(".")
    return (int(major), int(minor or 0)) if major.isdigit() and (minor or "0").isdigit() \
        else (0, 0)


def _needs_dynamic(call: CmdletCall) -> HostError:
    """CM SetVMMemory_ParameterMismatch (ExceptionHelper.CreateInvalidArgumentException)."""
    return hyperv_error(call.name, MEMORY_NEEDS_DYNAMIC, category="InvalidArgument",
                        error_id="InvalidParameter")


def _off(vm: VM) -> bool:
    return vm.state == "Off"


@emulates("Get-VMMemory")
def get_vmmemory(call: CmdletCall) -> None:
    only_modelled(call, ("VMName", "VM"))
    with call.lock:
        for vm in call.target_vms():
            call.write(objects.memory_object(call.view, vm))


@emulates("Set-VMMemory")
def set_vmmemory(call: CmdletCall) -> None:
    only_modelled(call, ("VMName", "VM", "VMMemory", *_MEMORY, "Passthru"))
    dynamic_given = call.given("DynamicMemoryEnabled")
    if dynamic_given and not call.arg("DynamicMemoryEnabled") and \
            any(call.given(name) for name in _DYNAMIC_ONLY):
        call.error(_needs_dynamic(call))  # ValidateParameters: before any VM is touched
        return

    def configure(vm: VM) -> None:
        if not call.inv.should_process(vm.name):
            return
        call.idle(vm)
        dynamic = bool(call.arg("DynamicMemoryEnabled")) if dynamic_given else vm.dynamic_memory
        if not dynamic and any(call.given(name) for name in _DYNAMIC_ONLY):
            raise _needs_dynamic(call)
        if not _off(vm):
            _check_running_change(call, vm, dynamic)
        vm.dynamic_memory = dynamic
        if call.given("StartupBytes"):
            vm.memory_startup = int(call.arg("StartupBytes"))
        if call.given("MinimumBytes"):
            vm.memory_minimum = int(call.arg("MinimumBytes"))
        if call.given("MaximumBytes"):
            vm.memory_maximum = int(call.arg("MaximumBytes"))
        if call.given("Buffer"):
            vm.memory_buffer = int(call.arg("Buffer"))
        if call.given("Priority"):
            vm.memory_priority = int(call.arg("Priority"))
        if call.switch("Passthru"):
            call.write(objects.memory_object(call.view, vm))

    with call.lock:
        operands = ([vm for vm, _ in call.owners_of("VMMemory")] if call.given("VMMemory")
                    else call.target_vms())
        each_operand(call, operands, configure)


def _check_running_change(call: CmdletCall, vm: VM, dynamic: bool) -> None:
    """R-SET-1's memory rules for a VM that is not off."""
    if dynamic != vm.dynamic_memory:
        raise invalid_state(call.name, vm.name)
    startup = call.arg("StartupBytes")
    if startup is not None and int(startup) != vm.memory_startup:
        resizable = (not vm.dynamic_memory and vm.state == "Running"
                     and has_feature(call.host.release, "runtime_memory_resize")
                     and _version(vm.version) >= _RUNTIME_RESIZE_VERSION)
        if not resizable:
            raise invalid_state(call.name, vm.name)
    minimum, maximum = call.arg("MinimumBytes"), call.arg("MaximumBytes")
    if minimum is not None and int(minimum) > min(vm.memory_startup, vm.memory_minimum):
        raise invalid_state(call.name, vm.name)
    if maximum is not None and int(maximum) < vm.memory_maximum:
        raise invalid_state(call.name, vm.name)


def _processor_vms(call: CmdletCall) -> list[VM]:
    """The VMs of -VMName/-VM, or of the VMProcessor objects a script passed back."""
    if not call.given("VMProcessor"):
        return call.target_vms()
    return [vm for vm, _ in call.owners_of("VMProcessor")]


@emulates("Set-VMProcessor")
def set_vmprocessor(call: CmdletCall) -> None:
    """R-LM-3: CompatibilityForMigrationEnabled changes only while the VM is off, as does
    the processor count (R-SET-1); reserve, limit and weight change at any time."""
    only_modelled(call, ("VMName", "VM", "VMProcessor", "CompatibilityForMigrationEnabled",
                         "Count", "Reserve", "Maximum", "RelativeWeight", "Passthru"))

    def configure(vm: VM) -> None:
        if not call.inv.should_process(vm.name):
            return
        call.idle(vm)
        if call.given("CompatibilityForMigrationEnabled"):
            if not _off(vm):
                raise invalid_state(call.name, vm.name)
            vm.compat = bool(call.arg("CompatibilityForMigrationEnabled"))
        if call.given("Count") and int(call.arg("Count")) != vm.cpus:
            if not _off(vm):
                raise invalid_state(call.name, vm.name)
            vm.cpus = int(call.arg("Count"))
        for parameter, attribute in (("Reserve", "cpu_reserve"), ("Maximum", "cpu_limit"),
                                     ("RelativeWeight", "cpu_weight")):
            if call.given(parameter):
                setattr(vm, attribute, int(call.arg(parameter)))
        if call.switch("Passthru"):
            call.write(objects.processor_object(call.view, vm))

    with call.lock:
        each_operand(call, _processor_vms(call), configure)


@emulates("Set-VM")
def set_vm(call: CmdletCall) -> None:
    """-CheckpointType exists from 2016 (the binder refuses it before); the automatic stop
    action changes only while the VM is off (R-SET-1)."""
    only_modelled(call, ("Name", "VM", "AutomaticStartAction", "AutomaticStartDelay",
                         "AutomaticStopAction", "CheckpointType", "SnapshotFileLocation",
                         "Notes", "Passthru"))

    def configure(vm: VM) -> None:
        if not call.inv.should_process(vm.name):
            return
        call.idle(vm)
        stop = call.arg("AutomaticStopAction")
        if stop is not None and stop.name != vm.stop_action:
            if not _off(vm):
                raise invalid_state(call.name, vm.name)
            vm.stop_action = stop.name
        if call.given("AutomaticStartAction"):
            vm.start_action = call.arg("AutomaticStartAction").name
        if call.given("AutomaticStartDelay"):
            vm.start_delay = int(call.arg("AutomaticStartDelay"))
        if call.given("CheckpointType"):
            vm.checkpoint_type = call.arg("CheckpointType").name
        if call.given("SnapshotFileLocation"):
            vm.snapshot_location = str(call.arg("SnapshotFileLocation"))
        if call.given("Notes"):
            vm.notes = str(call.arg("Notes") or "")
        if call.switch("Passthru"):
            call.write(objects.vm_object(call.view, vm))

    with call.lock:
        each_operand(call, call.target_vms(), configure)
