"""Checkpoints: checkpoint-new, checkpoint-restore (R-STATE-5) and checkpoint-remove."""

from __future__ import annotations

import datetime as dt

from hvtui.lab import records
from hvtui.lab.estate import VM, Checkpoint, key
from hvtui.lab.failures import (
    REPLICATION_WRONG_STATE,
    SNAPSHOT_AMBIGUOUS,
    SNAPSHOT_NOT_FOUND,
    invalid_argument,
    invalid_operation,
    invalid_state,
    object_not_found,
)
from hvtui.lab.power import power_off, power_on
from hvtui.lab.registry import Call, handles


def default_name(vm: VM, now: dt.datetime) -> str:
    """Hyper-V's own name for an unnamed checkpoint, in an en-US host's format."""
    hour = now.hour % 12 or 12
    ampm = "AM" if now.hour < 12 else "PM"
    stamp = f"{now.month}/{now.day}/{now.year} - {hour}:{now.minute:02d}:{now.second:02d} {ampm}"
    return f"{vm.name} - ({stamp})"


def _version(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def takes_memory(vm: VM) -> bool:
    """Standard checkpoints capture memory; production ones (the default for VMs of
    configuration version 6.2 and later, R-STATE-6) capture none."""
    return _version(vm.version) < (6, 2)


def _matches(vm: VM, name: str, cmdlet: str) -> list[Checkpoint]:
    found = [c for c in vm.checkpoints if key(c.name) == key(name)]
    if not found:
        raise object_not_found(cmdlet, SNAPSHOT_NOT_FOUND, name)
    return found


@handles("checkpoint-new")
async def checkpoint_new(call: Call) -> None:
    cmdlet = "Checkpoint-VM"
    name, wanted = call.params["Name"], call.params["CheckpointName"]
    with call.lock:
        taken: list[tuple[VM, Checkpoint]] = []
        for vm in call.vms(name, cmdlet):
            call.idle(vm, cmdlet)
            if vm.replication_mode in ("Replica", "ExtendedReplica"):
                raise invalid_operation(cmdlet, REPLICATION_WRONG_STATE.format(vm.name), vm.name)
            if vm.critical:
                raise invalid_state(cmdlet, vm.name)
            now = call.clock.now()
            captured = vm.state if takes_memory(vm) else "Off"
            checkpoint = Checkpoint(
                id=call.estate.new_id("checkpoint"),
                name=wanted or default_name(vm, now),
                parent_id=vm.current_checkpoint,
                created=now,
                captured_state=captured,
                # UNCONFIRMED: production checkpoints also read 'Standard' (SnapshotType has
                # no Production member).
                snapshot_type="Standard",
            )
            vm.checkpoints.append(checkpoint)
            vm.current_checkpoint = checkpoint.id
            taken.append((vm, checkpoint))
        for vm, checkpoint in taken:
            call.emit(records.checkpoint_record(vm, checkpoint))


@handles("checkpoint-restore")
async def checkpoint_restore(call: Call) -> None:
    """R-STATE-5: a running VM is saved, the checkpoint applied, and the VM restarted only
    if it had been running; a paused one stays saved. A checkpoint with memory leaves the
    VM saved, one without leaves it off."""
    cmdlet = "Restore-VMSnapshot"
    name, wanted = call.params["VMName"], call.params["CheckpointName"]
    with call.lock:
        for vm in call.vms(name, cmdlet):
            call.idle(vm, cmdlet)
            found = _matches(vm, wanted, cmdlet)
            if len(found) > 1:
                raise invalid_argument(cmdlet, SNAPSHOT_AMBIGUOUS, wanted)
            checkpoint = found[0]
            was_running = vm.state == "Running"
            if checkpoint.captured_state in ("Running", "Paused", "Saved"):
                vm.state, vm.started_at = "Saved", None
                vm.cpu_features = (call.host.cpu.vendor, 0 if vm.compat else call.host.cpu.level)
            else:
                power_off(vm)
            vm.current_checkpoint = checkpoint.id
            if was_running:
                power_on(call.estate, call.host, vm)
        for vm in call.host.find_vms(name):
            call.emit(records.vm_state_record(vm))


def _subtree(vm: VM, root: str) -> set[str]:
    ids, frontier = {root}, [root]
    while frontier:
        current = frontier.pop()
        for child in vm.checkpoints:
            if child.parent_id == current and child.id not in ids:
                ids.add(child.id)
                frontier.append(child.id)
    return ids


def remove(vm: VM, checkpoint: Checkpoint, with_children: bool) -> None:
    """Delete a checkpoint; its children move up to its parent unless deleted with it."""
    doomed = _subtree(vm, checkpoint.id) if with_children else {checkpoint.id}
    for child in vm.checkpoints:
        if child.parent_id == checkpoint.id and child.id not in doomed:
            child.parent_id = checkpoint.parent_id
    if vm.current_checkpoint in doomed:
        vm.current_checkpoint = checkpoint.parent_id
    vm.checkpoints = [c for c in vm.checkpoints if c.id not in doomed]


@handles("checkpoint-remove")
async def checkpoint_remove(call: Call) -> None:
    cmdlet = "Remove-VMSnapshot"
    name, wanted = call.params["VMName"], call.params["CheckpointName"]
    with_children = bool(call.params["IncludeChildren"])
    with call.lock:
        for vm in call.vms(name, cmdlet):
            call.idle(vm, cmdlet)
            for checkpoint in _matches(vm, wanted, cmdlet):
                if any(c.id == checkpoint.id for c in vm.checkpoints):
                    remove(vm, checkpoint, with_children)
        call.emit({"Kind": "CheckpointRemoved", "VMName": name, "Name": wanted})
