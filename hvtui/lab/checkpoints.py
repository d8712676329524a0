"""Checkpoint cmdlets: Checkpoint-VM, Restore-VMSnapshot (R-STATE-5) and Remove-VMSnapshot.

Checkpoint names given to Restore-/Remove-VMSnapshot are wildcard patterns, as the module
reads them (BIN neonSDK ``Commands/RestoreVMSnapshot.cs``, ``RemoveVMSnapshot.cs``).
Restore-VMSnapshot needs exactly one match; Remove-VMSnapshot removes every match and,
when nothing matches, does nothing and says nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from hvtui.lab import objects
from hvtui.lab.emulation import CmdletCall, emulates, wildcard_match
from hvtui.lab.estate import VM, Checkpoint
from hvtui.lab.failures import (
    REPLICATION_WRONG_STATE,
    SNAPSHOT_AMBIGUOUS,
    SNAPSHOT_NOT_FOUND,
    invalid_argument,
    invalid_operation,
    invalid_state,
    object_not_found,
)
from hvtui.lab.power import (
    change_state,
    each_operand,
    only_modelled,
    power_off,
    power_on,
    save,
)

_Found = tuple[VM, Checkpoint]


def default_name(vm: VM, now: dt.datetime) -> str:
    """Hyper-V's own name for an unnamed checkpoint, in an en-US host's format
    (UNCONFIRMED: a host in another display language formats the date its own way)."""
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


def _write_snapshot(call: CmdletCall, vm: VM, checkpoint: Checkpoint) -> None:
    call.write(objects.snapshot_object(call.view, vm, checkpoint))


@emulates("Checkpoint-VM")
def checkpoint_vm(call: CmdletCall) -> None:
    """Writes the new VMSnapshot only with -Passthru."""
    only_modelled(call, ("Name", "VM", "SnapshotName", "Passthru"))
    wanted = str(call.arg("SnapshotName") or "")

    def take(vm: VM) -> None:
        if not call.inv.should_process(vm.name):
            return
        call.idle(vm)
        if vm.replication_mode in ("Replica", "ExtendedReplica"):
            raise invalid_operation(call.name, REPLICATION_WRONG_STATE.format(vm.name), vm.name)
        if vm.critical:
            raise invalid_state(call.name, vm.name)
        now = call.clock.now()
        checkpoint = Checkpoint(
            id=call.estate.new_id("checkpoint"),
            name=wanted or default_name(vm, now),
            parent_id=vm.current_checkpoint,
            created=now,
            captured_state=vm.state if takes_memory(vm) else "Off",
            # UNCONFIRMED: production checkpoints also read 'Standard' (SnapshotType has
            # no Production member).
            snapshot_type="Standard",
        )
        vm.checkpoints.append(checkpoint)
        vm.current_checkpoint = checkpoint.id
        if call.switch("Passthru"):
            _write_snapshot(call, vm, checkpoint)

    with call.lock:
        each_operand(call, call.target_vms(), take)


def _named(call: CmdletCall, vms: list[VM], patterns: list[str]) -> list[_Found]:
    """The checkpoints of ``vms`` whose names match any of ``patterns`` (all when none)."""
    return [(vm, c) for vm in vms for c in vm.checkpoints
            if not patterns or any(wildcard_match(p, c.name) for p in patterns)]


def _given_snapshots(call: CmdletCall) -> list[_Found]:
    """-VMSnapshot: the checkpoints behind the VMSnapshot objects a script passed back."""
    value = call.arg("VMSnapshot")
    found: list[_Found] = []
    for obj in value if isinstance(value, list) else [value]:
        vm = call.host.vms.get(str(obj.get("VMId")))
        wanted = str(obj.get("Id"))
        checkpoint = next((c for c in vm.checkpoints if c.id == wanted), None) if vm else None
        if vm is None or checkpoint is None:
            # UNCONFIRMED: the text for a checkpoint deleted since it was read.
            call.error(object_not_found(call.name, SNAPSHOT_NOT_FOUND))
            continue
        found.append((vm, checkpoint))
    return found


@emulates("Restore-VMSnapshot")
def restore_vmsnapshot(call: CmdletCall) -> None:
    """R-STATE-5: a running or paused VM is saved, the checkpoint applied, and the VM
    started again only if it had been running and the checkpoint left it saved (one with
    memory); one without memory leaves it off. ConfirmImpact High: it asks first."""
    only_modelled(call, ("VMName", "VM", "Name", "VMSnapshot", "Passthru"))
    with call.lock:
        if call.given("VMSnapshot"):
            found = _given_snapshots(call)
        else:
            found = _named(call, call.target_vms(), call.names("Name"))
        if not found:
            call.error(object_not_found(call.name, SNAPSHOT_NOT_FOUND))
            return
        if len(found) > 1:
            call.error(invalid_argument(call.name, SNAPSHOT_AMBIGUOUS))
            return
        each_operand(call, found, lambda item: _restore(call, *item))


def _restore(call: CmdletCall, vm: VM, checkpoint: Checkpoint) -> None:
    if not call.inv.should_process(checkpoint.name):
        return
    call.idle(vm)
    was = vm.state
    if was in ("Running", "Paused") and change_state(call, vm, "Save"):
        save(vm)
    if checkpoint.captured_state in ("Running", "Paused", "Saved"):
        vm.state, vm.started_at = "Saved", None
        vm.cpu_features = (call.host.cpu.vendor, 0 if vm.compat else call.host.cpu.level)
    else:
        power_off(vm)
    vm.current_checkpoint = checkpoint.id
    if call.switch("Passthru"):
        _write_snapshot(call, vm, checkpoint)
    if vm.state == "Saved" and was == "Running":
        power_on(call.estate, call.host, vm)


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


@emulates("Remove-VMSnapshot")
def remove_vmsnapshot(call: CmdletCall) -> None:
    """Every matching checkpoint, with its subtree under -IncludeAllChildSnapshots. Hyper-V
    merges the differencing disks in the background afterwards."""
    only_modelled(call, ("VMName", "VM", "Name", "VMSnapshot", "IncludeAllChildSnapshots",
                         "Passthru"))
    with_children = call.switch("IncludeAllChildSnapshots")

    def delete(item: _Found) -> None:
        vm, checkpoint = item
        if not call.inv.should_process(checkpoint.name):
            return
        call.idle(vm)
        # A checkpoint already gone with an earlier one's subtree is passed over
        # (UNCONFIRMED: what the host says for it).
        if any(c.id == checkpoint.id for c in vm.checkpoints):
            shown: Any = objects.snapshot_object(call.view, vm, checkpoint)
            remove(vm, checkpoint, with_children)
            if call.switch("Passthru"):
                call.write(shown)

    with call.lock:
        if call.given("VMSnapshot"):
            found = _given_snapshots(call)
        else:
            found = _named(call, call.target_vms(), call.names("Name"))
        each_operand(call, found, delete)

