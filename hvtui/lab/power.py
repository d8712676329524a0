"""Power cmdlets: Start-VM, Stop-VM, Save-VM, Suspend-VM, Resume-VM and Restart-VM.

They follow the state machine of R-STATE-1..4. Like every Hyper-V action cmdlet, each
processes its VMs one by one and reports one VM's failure as a non-terminating error
before going on with the next (``VirtualizationCmdlet.ProcessOperands`` writes each
operand's exception; so does ``ProcessRecord`` for a failed parameter check: BIN
neonSDK ``Commands/VirtualizationCmdlet.cs``, ``VirtualizationCmdletBase.cs``). A script
with ``$ErrorActionPreference = 'Stop'`` stops at the first. That decompile is of the
module 2.0 era; the lab does the same on 2012 and 2012 R2 (UNCONFIRMED there). They write
nothing unless ``-Passthru`` is given, and then the VirtualMachine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from hvtui.lab import objects, services, winevents
from hvtui.lab.emulation import CmdletCall, emulates
from hvtui.lab.estate import VM, Estate, Host
from hvtui.lab.failures import (
    ALREADY_IN_STATE,
    REPLICATION_WRONG_STATE,
    RESTART_PROMPT,
    SAVE_AND_TURN_OFF,
    SHUTDOWN_UNAVAILABLE_PROMPT,
    START_PAUSED_WARNING,
    HostError,
    invalid_argument,
    invalid_operation,
    invalid_state,
    lab_not_emulated,
    operation_failed,
)

T = TypeVar("T")

# R-STATE-1 (VirtualMachine.cs gm_StateTransitionMap): action -> (allowed from, target).
# Restart's target is the transient Reset, so a running VM is never "already" there.
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "Start": (frozenset({"Off", "Saved", "Paused"}), "Running"),
    "TurnOff": (frozenset({"Running", "Paused", "Saved"}), "Off"),
    "ShutDown": (frozenset({"Running"}), "Off"),
    "Save": (frozenset({"Running", "Paused"}), "Saved"),
    "Restart": (frozenset({"Running"}), "Reset"),
    "Suspend": (frozenset({"Running"}), "Paused"),
    "Resume": (frozenset({"Paused"}), "Running"),
}

GUEST_SHUTDOWN_SECONDS = 8.0
"""Lab time a guest takes to shut down through the Shutdown integration service."""

SHUTDOWN_ACTIVITY = "Shut down a virtual machine"
"""The progress caption of a guest shutdown (TaskDescriptions.ShutdownVM)."""

_FAILED_OVER = ("FailedOverWaitingCompletion", "FailedOver")

_BY_NAME_OR_VM = ("Name", "VM", "Passthru")


# --- what every action cmdlet of this family shares ---------------------------------------------


def each_operand(call: CmdletCall, operands: Iterable[T], process: Callable[[T], None]) -> None:
    """ProcessOperands: ``process`` each operand; a HostError becomes a non-terminating
    error for that operand and the next one is processed."""
    for operand in operands:
        try:
            process(operand)
        except HostError as exc:
            call.error(exc)


def only_modelled(call: CmdletCall, modelled: Iterable[str]) -> None:
    """Refuse the parameters whose effect the lab does not model (-ComputerName, -AsJob...),
    rather than ignore them."""
    known = {name.lower() for name in modelled}
    extra = sorted(name for name in call.args if name.lower() not in known)
    if extra:
        raise lab_not_emulated(call.name, extra)


def write_vm(call: CmdletCall, vm: VM) -> None:
    """-Passthru: the VirtualMachine as Get-VM writes it."""
    call.write(objects.vm_object(call.view, vm))


def change_state(call: CmdletCall, vm: VM, action: str) -> bool:
    """VirtualMachine.ChangeState's checks: True when the VM is to change state; False
    (with R-STATE-2's warning) when it is already there; raises when not allowed."""
    allowed, target = TRANSITIONS[action]
    call.idle(vm)
    if vm.state == target:
        call.warn(ALREADY_IN_STATE)
        return False
    if vm.state not in allowed:
        raise invalid_state(call.name, vm.name)
    return True


# --- state changes (also used by checkpoints, failover and cluster moves) -------------------


def start_failure(estate: Estate, host: Host, vm: VM, cmdlet: str) -> None:
    """Raise why this VM cannot start on this host, if it cannot."""
    if vm.replication_mode in ("Replica", "ExtendedReplica"):
        chain = estate.replications.get(vm.id)
        link = None
        if chain is not None:
            link = chain.primary if vm.replication_mode == "Replica" else chain.extended
        if link is None or link.state_of(receiving=True) not in _FAILED_OVER:
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
    """Off/Saved/Paused -> Running: a fresh run takes this host's processor features."""
    now = estate.clock.elapsed()
    if vm.state == "Off" or vm.cpu_features is None:
        vm.cpu_features = (host.cpu.vendor, 0 if vm.compat else host.cpu.level)
    if vm.state == "Off":
        vm.boot(now)
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


# --- the cmdlets -----------------------------------------------------------------------------


def log_event(call: CmdletCall, kind: str, vm: VM | None = None, reason: str = "",
              other: str = "") -> None:
    """Write what happened to the host's event log (hvtui.lab.winevents; events pane)."""
    with call.lock:
        winevents.record(call.clock, call.host, kind, vm=vm, reason=reason, other=other)



@emulates("Start-VM")
def start_vm(call: CmdletCall) -> None:
    only_modelled(call, _BY_NAME_OR_VM)

    def start(vm: VM) -> None:
        if not call.inv.should_process(vm.name):
            return
        call.idle(vm)
        if vm.state == "Paused":
            call.warn(START_PAUSED_WARNING.format(vm.name))
        if change_state(call, vm, "Start"):
            try:
                start_failure(call.estate, call.host, vm, call.name)
            except HostError as exc:
                log_event(call, "operation-failed", vm, exc.record.message)
                raise
            power_on(call.estate, call.host, vm)
            log_event(call, "vm-started", vm)
        if call.switch("Passthru"):
            write_vm(call, vm)

    with call.lock:
        each_operand(call, call.target_vms(), start)


@emulates("Stop-VM")
def stop_vm(call: CmdletCall) -> None:
    """R-STATE-3. Without -TurnOff or -Save: a guest shutdown through the Shutdown
    integration service when it works (the cmdlet waits for the guest; -Force only gives
    the guest less say), otherwise Hyper-V asks whether to turn the VM off, which -Force
    answers (and a remote session without a user cannot)."""
    only_modelled(call, (*_BY_NAME_OR_VM, "Force", "TurnOff", "Save"))
    if call.switch("Save") and call.switch("TurnOff"):
        call.error(invalid_argument(call.name, SAVE_AND_TURN_OFF))
        return

    def stop(vm: VM) -> None:
        if not call.inv.should_process(vm.name):
            return
        guest = False
        with call.lock:
            if call.switch("Save"):
                if change_state(call, vm, "Save"):
                    save(vm)
                    log_event(call, "vm-saved", vm)
            elif call.switch("TurnOff"):
                if change_state(call, vm, "TurnOff"):
                    power_off(vm)
                    log_event(call, "vm-turned-off", vm)
            else:
                call.idle(vm)
                guest = vm.state == "Running" and services.service_works(vm, "Shutdown")
                if vm.state == "Off":
                    call.warn(ALREADY_IN_STATE)
                elif not guest and _turn_off_allowed(call, vm) and change_state(
                        call, vm, "TurnOff"):
                    power_off(vm)
                    log_event(call, "vm-turned-off", vm)
        if guest:
            with call.holding(vm, "Shutting down"):
                # One progress record per lab second (whole steps keep the clock exact).
                call.spend(GUEST_SHUTDOWN_SECONDS, SHUTDOWN_ACTIVITY, lambda p: f"{p}%",
                           steps=max(1, int(GUEST_SHUTDOWN_SECONDS)))
            with call.lock:
                if vm.state in TRANSITIONS["TurnOff"][0]:
                    power_off(vm)
                    log_event(call, "vm-shut-down", vm)
        if call.switch("Passthru"):
            write_vm(call, vm)

    with call.lock:
        vms = call.target_vms()
    each_operand(call, vms, stop)


def _turn_off_allowed(call: CmdletCall, vm: VM) -> bool:
    """Stop-VM's question when the guest cannot shut down: -Force (or -AsJob) answers yes;
    otherwise it is a prompt, which a remote session without a user refuses."""
    return call.switch("Force") or call.inv.should_continue(
        SHUTDOWN_UNAVAILABLE_PROMPT.format(vm.name), "Confirm")


def _simple(call: CmdletCall, action: str, apply: Callable[[VM], None]) -> None:
    """A cmdlet that only changes the state: Save-VM, Suspend-VM, Resume-VM."""
    only_modelled(call, _BY_NAME_OR_VM)

    def change(vm: VM) -> None:
        if not call.inv.should_process(vm.name):
            return
        if change_state(call, vm, action):
            apply(vm)
        if call.switch("Passthru"):
            write_vm(call, vm)

    with call.lock:
        each_operand(call, call.target_vms(), change)


@emulates("Save-VM")
def save_vm(call: CmdletCall) -> None:
    def save_logged(vm: VM) -> None:
        save(vm)
        log_event(call, "vm-saved", vm)

    _simple(call, "Save", save_logged)


@emulates("Suspend-VM")
def suspend_vm(call: CmdletCall) -> None:
    def pause(vm: VM) -> None:
        vm.state = "Paused"

    _simple(call, "Suspend", pause)


@emulates("Resume-VM")
def resume_vm(call: CmdletCall) -> None:
    _simple(call, "Resume", lambda vm: power_on(call.estate, call.host, vm))


@emulates("Restart-VM")
def restart_vm(call: CmdletCall) -> None:
    """R-STATE-4: a reset (Type Reset), after a prompt that only -Force answers in a remote
    session. -Wait/-For/-Timeout (2016+) are not modelled."""
    only_modelled(call, (*_BY_NAME_OR_VM, "Force"))

    def restart(vm: VM) -> None:
        if not call.inv.should_process(vm.name):
            return
        if not call.switch("Force") and not call.inv.should_continue(
                RESTART_PROMPT.format(vm.name), "Confirm"):
            return
        if change_state(call, vm, "Restart"):
            vm.started_at = call.clock.elapsed()
            vm.boot(vm.started_at)
        if call.switch("Passthru"):
            write_vm(call, vm)

    with call.lock:
        each_operand(call, call.target_vms(), restart)
