"""Everyday VM actions: power, checkpoints. Checks follow the state table (R-STATE-1).

A VM already in the asked-for state needs nothing (Hyper-V would only warn). A VM in a
state the action does not start from is refused with Hyper-V's own words, and skipped
when other selected VMs can proceed. Guest shutdown is refused up front when the Shutdown
integration service is unavailable (Stop-VM would otherwise turn the VM off).
"""

from __future__ import annotations

from dataclasses import dataclass

from hvtui.errors import PlanRefused
from hvtui.hyperv import lookup
from hvtui.hyperv.per_vm import VmPlanning, plan_each_vm
from hvtui.hyperv.plans import (
    Check,
    Plan,
    Step,
    VmAction,
    VmActionRequest,
    failed,
    make_step,
    passed,
    warned,
)
from hvtui.model import VM, Host
from hvtui.model.estate import same_name
from hvtui.model.vm import SHUTDOWN_SERVICE
from hvtui.remote.pool import SessionPool

INVALID_STATE = "The operation cannot be performed while the virtual machine is in its " \
                "current state."
SNAPSHOT_NOT_FOUND = "Unable to find a snapshot matching the given criteria."
SNAPSHOT_AMBIGUOUS = "More than one snapshot was found matching the given criteria."

_ANY_STEADY = ("Off", "Running", "Saved", "Paused", "FastSaved")


@dataclass(frozen=True, slots=True)
class _Rule:
    script: str
    verb: str
    """For people: ``Start``, ``Shut down`` ..."""
    allowed: tuple[str, ...]
    """States (without ``Critical``) the action starts from."""
    done: tuple[str, ...] = ()
    """States in which there is nothing to do."""
    destructive: bool = False
    long: bool = False
    name_param: str = "Name"


RULES: dict[VmAction, _Rule] = {
    VmAction.START: _Rule("vm-start", "Start", ("Off", "Saved", "Paused", "FastSaved",
                                                "Hibernated"), ("Running",)),
    VmAction.STOP: _Rule("vm-stop", "Shut down", ("Running",), ("Off",), long=True),
    VmAction.TURN_OFF: _Rule("vm-turn-off", "Turn off", ("Running", "Paused", "Saved",
                                                        "FastSaved"), ("Off",),
                             destructive=True),
    VmAction.SAVE: _Rule("vm-save", "Save", ("Running", "Paused"), ("Saved",)),
    VmAction.PAUSE: _Rule("vm-suspend", "Pause", ("Running",), ("Paused",)),
    VmAction.RESUME: _Rule("vm-resume", "Resume", ("Paused",), ("Running",)),
    # Restart-VM defaults to a reset: like pressing the reset button, unsaved guest data is lost.
    VmAction.RESTART: _Rule("vm-restart", "Restart (reset)", ("Running",), destructive=True),
    VmAction.CHECKPOINT: _Rule("checkpoint-new", "Checkpoint", _ANY_STEADY),
    VmAction.APPLY_CHECKPOINT: _Rule("checkpoint-restore", "Apply checkpoint", _ANY_STEADY,
                                     destructive=True, name_param="VMName"),
    VmAction.DELETE_CHECKPOINT: _Rule("checkpoint-remove", "Delete checkpoint", _ANY_STEADY,
                                      destructive=True, long=True, name_param="VMName"),
}

_CHECKPOINT_ACTIONS = (VmAction.APPLY_CHECKPOINT, VmAction.DELETE_CHECKPOINT)


def state_problem(vm: VM, action: VmAction) -> tuple[str, str] | None:
    """(why, fix) when ``action`` cannot run on ``vm`` in its state; None when it can."""
    rule = RULES[action]
    state = vm.state
    if state.is_critical:
        return (f"{vm.name} is {state.name}: its configuration or storage is not healthy. "
                f"{INVALID_STATE}", "fix the VM's storage or configuration on its host first")
    if state.base.name not in rule.allowed:
        wanted = " or ".join(rule.allowed)
        return (f"{vm.name} is {state.name}; {rule.verb.lower()} works from {wanted}. "
                f"{INVALID_STATE}", _state_fix(vm, action))
    if action is VmAction.STOP:
        shutdown = vm.service(SHUTDOWN_SERVICE)
        if shutdown is None or not shutdown.operational:
            return (f'Hyper-V can\'t shut down virtual machine "{vm.name}" because the Shutdown '
                    "integration service is unavailable.",
                    f"turn it off instead (`hvtui vm turn-off {vm.name}`): like pulling the "
                    "plug, unsaved work in the guest is lost")
    return None


def _state_fix(vm: VM, action: VmAction) -> str:
    base = vm.state.base.name
    if base in ("Starting", "Stopping", "Saving", "Pausing", "Resuming", "Reset"):
        return "wait until it settles, then try again"
    if action in (VmAction.PAUSE, VmAction.RESTART, VmAction.STOP) and base == "Paused":
        return f"resume {vm.name} first"
    if action is VmAction.RESUME and base != "Running":
        return f"start {vm.name} instead"
    return f"start {vm.name} first" if base in ("Off", "Saved") else "check the VM's state"


def checkpoint_problem(vm: VM, name: str) -> tuple[str, str] | None:
    wildcard = lookup.wildcard_problem("checkpoint", name)
    if wildcard:
        return wildcard, "rename it without * ? [ ] first (Rename-VMSnapshot)"
    # Restore-VMSnapshot / Remove-VMSnapshot -Name match without regard to case
    matches = [c for c in vm.checkpoints if same_name(c.name, name)]
    if len(matches) == 1:
        return None
    names = ", ".join(f"'{c.name}'" for c in vm.checkpoints) or "none"
    if not matches:
        return (f"{SNAPSHOT_NOT_FOUND} {vm.name} has no checkpoint '{name}'",
                f"pick one of its checkpoints: {names}")
    alike = ", ".join(f"'{c.name}'" for c in matches)
    return (f"{SNAPSHOT_AMBIGUOUS} {vm.name} has {len(matches)} checkpoints answering to "
            f"'{name}' ({alike}; Hyper-V ignores case)",
            "rename all but one of them (Rename-VMSnapshot) first")


def _describe(vm: VM, action: VmAction, checkpoint: str) -> str:
    rule = RULES[action]
    if action is VmAction.CHECKPOINT:
        return f"Checkpoint {vm.name} on {vm.host}" + (f" as '{checkpoint}'" if checkpoint else "")
    if action in _CHECKPOINT_ACTIONS:
        return f"{rule.verb} '{checkpoint}' of {vm.name} on {vm.host}"
    return f"{rule.verb} {vm.name} on {vm.host}"


def action_checks(vm: VM, action: VmAction, checkpoint: str) -> tuple[list[Check], Check | None,
                                                                      bool]:
    """(checks, refusal, nothing_to_do) for one VM."""
    rule = RULES[action]
    if vm.state.base.name in rule.done and not vm.state.is_critical:
        return [passed("State", f"already {vm.state.name}: nothing to do", vm.name)], None, True
    problem = state_problem(vm, action)
    if problem is None and action in _CHECKPOINT_ACTIONS:
        problem = checkpoint_problem(vm, checkpoint)
    if problem is not None:
        return [], failed(rule.verb, problem[0], problem[1], vm.name), False
    checks = [passed("State", f"{vm.name} is {vm.state.name}", vm.name)]
    if action is VmAction.APPLY_CHECKPOINT:
        after = {"Running": "saved, the checkpoint applied, and it starts again",
                 "Paused": "saved and the checkpoint applied; it stays saved"}.get(
            vm.state.base.name, "given the checkpoint's state")
        checks.append(warned("Apply checkpoint", f"{vm.name} is {after}; everything it did "
                                                 f"since '{checkpoint}' is lost",
                             "take a checkpoint first if you may want today's state back",
                             vm.name))
    elif action is VmAction.DELETE_CHECKPOINT:
        checks.append(passed("Delete checkpoint", f"'{checkpoint}' goes; Hyper-V merges its "
                                                  "disk changes in the background", vm.name))
    elif action is VmAction.CHECKPOINT and checkpoint and any(
            same_name(c.name, checkpoint) for c in vm.checkpoints):
        checks.append(warned("Checkpoint name", f"{vm.name} already has a checkpoint "
                                                f"'{checkpoint}'", "choose another name so "
                                                                   "each can be told apart",
                             vm.name))
    elif action is VmAction.TURN_OFF:
        loses = "its saved memory" if vm.state.base.name in ("Saved", "FastSaved") else \
            "unsaved work in the guest"
        checks.append(warned("Turn off", f"like pulling the plug: {vm.name} loses {loses}",
                             f"shut it down instead (`hvtui vm stop {vm.name}`) if the guest "
                             "answers", vm.name))
    return checks, None, False


def _step(vm: VM, host: Host, action: VmAction, checkpoint: str) -> Step:
    rule = RULES[action]
    describe = _describe(vm, action, checkpoint)
    if action in _CHECKPOINT_ACTIONS:
        # The script acts on this VM's checkpoint by their ids (checkpoint_problem has
        # found exactly one by that name); the shown command names both as the host will.
        chosen = next(c for c in vm.checkpoints if same_name(c.name, checkpoint))
        return make_step(host, rule.script, {"VMId": vm.id, "CheckpointId": chosen.id},
                         describe, target=vm.name, destructive=rule.destructive,
                         long=rule.long,
                         shown={"VMName": vm.name, "CheckpointName": chosen.name})
    params: dict[str, str] = {rule.name_param: vm.name}
    if checkpoint and action is VmAction.CHECKPOINT:
        params["CheckpointName"] = checkpoint
    return make_step(host, rule.script, params, describe,
                     target=vm.name, destructive=rule.destructive, long=rule.long)


async def plan_vm_action(pool: SessionPool, request: VmActionRequest) -> Plan:
    action = request.action
    if action in _CHECKPOINT_ACTIONS and not request.checkpoint:
        raise PlanRefused(f"{action.value} needs the checkpoint's name",
                          hint="give it with --name")

    def decide(vm: VM, host: Host, out: VmPlanning) -> None:
        vm_checks, refusal, nothing = action_checks(vm, action, request.checkpoint)
        out.checks += vm_checks
        if refusal is not None:
            out.cannot.append(refusal)
        elif not nothing:
            out.steps.append(_step(vm, host, action, request.checkpoint))

    verb = RULES[action].verb

    def title(what: str) -> str:
        if action in _CHECKPOINT_ACTIONS:
            return f"{verb} '{request.checkpoint}' of {what}"
        return f"{verb} {what}"

    return await plan_each_vm(pool, request, request.vms, decide, title)
