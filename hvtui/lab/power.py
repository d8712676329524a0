"""Power actions: the state machine of R-STATE-1..3 and the vm-* power scripts.

Each script acts on every VM of the host with the given name (Hyper-V allows duplicate
names), then re-reads them with ``Get-VM -Name`` and emits one VMState record each.
"""

from __future__ import annotations

from hvtui.lab import records
from hvtui.lab.estate import VM, Estate, Host
from hvtui.lab.failures import (
    ALREADY_IN_STATE,
    REPLICATION_WRONG_STATE,
    invalid_operation,
    invalid_state,
    operation_failed,
)
from hvtui.lab.registry import Call, handles

# R-STATE-1 (VirtualMachine.cs gm_StateTransitionMap): action -> (allowed from, target).
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "Start": (frozenset({"Off", "Saved", "Paused"}), "Running"),
    "TurnOff": (frozenset({"Running", "Paused", "Saved"}), "Off"),
    "ShutDown": (frozenset({"Running"}), "Off"),
    "Save": (frozenset({"Running", "Paused"}), "Saved"),
    "Restart": (frozenset({"Running"}), "Running"),
    "Suspend": (frozenset({"Running"}), "Paused"),
    "Resume": (frozenset({"Paused"}), "Running"),
}

_FAILED_OVER = ("FailedOverWaitingCompletion", "FailedOver")


def check_transition(call: Call, vm: VM, action: str, cmdlet: str) -> bool:
    """True when the action should run; False (with R-STATE-2's warning) when already there."""
    allowed, target = TRANSITIONS[action]
    call.idle(vm, cmdlet)
    if vm.state == target and action != "Restart":
        call.warn(ALREADY_IN_STATE)
        return False
    if vm.state not in allowed:
        raise invalid_state(cmdlet, vm.name)
    return True


def start_failure(estate: Estate, host: Host, vm: VM, cmdlet: str) -> None:
    """Raise why this VM cannot start on this host, if it cannot."""
    if vm.replication_mode in ("Replica", "ExtendedReplica"):
        chain = estate.replications.get(vm.id)
        link = None
        if chain is not None:
            link = chain.primary if vm.replication_mode == "Replica" else chain.extended
        if link is None or link.state not in _FAILED_OVER:
            # A replica VM starts only after a failover (R-REP-4).
            raise invalid_operation(cmdlet, REPLICATION_WRONG_STATE.format(vm.name), vm.name)
    if vm.critical and vm.state == "Off":
        # UNCONFIRMED wording; the first sentence is the start-failure text of KB 2804678.
        raise operation_failed(
            cmdlet,
            f"'{vm.name}' failed to start. The virtual machine's configuration or its virtual "
            "hard disks cannot be accessed; check the storage it lives on.",
            vm.name,
        )
    if not host.release.supports(vm.version):
        # R-VER-2; UNCONFIRMED wording after the first sentence.
        supported = ", ".join(host.release.vm_versions)
        raise operation_failed(
            cmdlet,
            f"'{vm.name}' failed to start. Its configuration version {vm.version} is not "
            f"supported by this host (supported: {supported}). Upgrade the virtual machine "
            "with Update-VMVersion, or run it on a host that supports its version.",
            vm.name,
        )


def power_on(estate: Estate, host: Host, vm: VM) -> None:
    """Off/Saved -> Running: a fresh run takes this host's processor features."""
    now = estate.clock.elapsed()
    if vm.state == "Off" or vm.cpu_features is None:
        vm.cpu_features = (host.cpu.vendor, 0 if vm.compat else host.cpu.level)
    if vm.state in ("Off", "Saved"):
        vm.started_at = now
    vm.state = "Running"


def power_off(vm: VM) -> None:
    vm.state = "Off"
    vm.started_at = None
    vm.cpu_features = None


def save(vm: VM) -> None:
    vm.state = "Saved"
    vm.started_at = None


GUEST_SHUTDOWN_SECONDS = 8.0
"""Lab time a guest takes to shut down through the Shutdown integration service."""


def _state_records(call: Call, name: str) -> None:
    for vm in call.host.find_vms(name):
        call.emit(records.vm_state_record(vm))


async def _power(call: Call, action: str, cmdlet: str) -> None:
    name = call.params["Name"]
    with call.lock:
        for vm in call.vms(name, cmdlet):
            if not check_transition(call, vm, action, cmdlet):
                continue
            if action in ("Start", "Resume"):
                if action == "Start":
                    start_failure(call.estate, call.host, vm, cmdlet)
                power_on(call.estate, call.host, vm)
            elif action == "TurnOff":
                power_off(vm)
            elif action == "Save":
                save(vm)
            elif action == "Suspend":
                vm.state = "Paused"
            elif action == "Restart":
                vm.started_at = call.clock.elapsed()
        _state_records(call, name)


@handles("vm-start")
async def vm_start(call: Call) -> None:
    await _power(call, "Start", "Start-VM")


@handles("vm-stop")
async def vm_stop(call: Call) -> None:
    """Stop-VM -Force (R-STATE-3): a guest shutdown through the Shutdown integration service
    when it works (the cmdlet waits for the guest), otherwise -Force answers Hyper-V's
    prompt and the VM is turned off at once. Both end Off."""
    name, cmdlet = call.params["Name"], "Stop-VM"
    with call.lock:
        guests: list[VM] = []
        for vm in call.vms(name, cmdlet):
            call.idle(vm, cmdlet)
            if vm.state == "Off":
                call.warn(ALREADY_IN_STATE)
            elif vm.state == "Running" and records.service_works(vm, "Shutdown"):
                guests.append(vm)
            else:
                power_off(vm)
    for vm in guests:
        with call.holding(vm, "Shutting down"):
            await call.clock.sleep(GUEST_SHUTDOWN_SECONDS)
        with call.lock:
            if vm.state in TRANSITIONS["TurnOff"][0]:
                power_off(vm)
    with call.lock:
        _state_records(call, name)


@handles("vm-turn-off")
async def vm_turn_off(call: Call) -> None:
    await _power(call, "TurnOff", "Stop-VM")


@handles("vm-save")
async def vm_save(call: Call) -> None:
    await _power(call, "Save", "Save-VM")


@handles("vm-suspend")
async def vm_suspend(call: Call) -> None:
    await _power(call, "Suspend", "Suspend-VM")


@handles("vm-resume")
async def vm_resume(call: Call) -> None:
    await _power(call, "Resume", "Resume-VM")


@handles("vm-restart")
async def vm_restart(call: Call) -> None:
    await _power(call, "Restart", "Restart-VM")
