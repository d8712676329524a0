"""Deleting, renaming and upgrading a VM: checks against the host as it is now, and the plan.

Delete (Remove-VM, R-DEL-1) removes the VM's configuration, saved state and checkpoints
(merged into its disks) and keeps its disk files; the host deletes only a VM that is off
or saved, and a clustered VM only once it is out of the cluster. Rename (Rename-VM) keeps
the VM's files; the new name must not be another VM's on the host, in any case (Hyper-V
would accept it, R-DEL-2, and every by-name command would then select both).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from hvtui.hyperv import lookup
from hvtui.hyperv.plans import (
    Check,
    Plan,
    Request,
    VmRef,
    failed,
    make_step,
    passed,
    script_refusal,
    warned,
)
from hvtui.hyperv.vm_create import name_checks
from hvtui.model import VM, Estate
from hvtui.model.versions import RELEASES, version_key
from hvtui.remote.base import ParamValue
from hvtui.remote.pool import SessionPool


@dataclass(frozen=True, slots=True)
class DeleteVmRequest(Request):
    kind: ClassVar[str] = "vm-delete"
    vm: VmRef
    with_disks: bool = False
    """Also delete its disk files (not shared, not used by another VM) and their parents."""


@dataclass(frozen=True, slots=True)
class RenameVmRequest(Request):
    kind: ClassVar[str] = "vm-rename"
    vm: VmRef
    new_name: str


async def plan_delete_vm(pool: SessionPool, request: DeleteVmRequest) -> Plan:
    estate = await lookup.fresh_estate(pool, lookup.hosts_for(pool, [request.vm]))
    vm = lookup.vm(estate, request.vm)
    host = lookup.host(estate, vm.host)
    checks: list[Check] = []
    state = vm.state.base.name
    if vm.is_clustered:
        checks.append(failed("Cluster", f"{vm.name} is a clustered role of {host.cluster}; "
                                        "the host refuses to delete a clustered VM",
                             "remove the role from the cluster first (Failover Cluster "
                             "Manager), then delete the VM", vm.name))
    if state not in ("Off", "Saved"):
        checks.append(failed("State", f"{vm.name} is {vm.state.name}; the host deletes only a "
                                      "VM that is off or saved",
                             f"turn it off first (`hvtui vm turn-off {vm.name}`, or shut the "
                             "guest down)", vm.name))
    elif state == "Saved":
        checks.append(warned("State", "saved: its saved memory is deleted with it", "",
                             vm.name))
    else:
        checks.append(passed("State", "off", vm.name))
    if vm.checkpoints:
        checks.append(warned("Checkpoints", f"{len(vm.checkpoints)} checkpoint(s) are deleted "
                                            "and merged into the disks", "", vm.name))
    if vm.replication is not None:
        checks.append(warned("Replication", "its replication ends with it (the other "
                                            "server's copy stays)", "", vm.name))
    kept = [d.path for d in vm.disks]
    doomed: list[str] = []
    if request.with_disks:
        doomed, kept, disk_checks = disks_to_delete(estate, vm)
        checks.extend(disk_checks)
    else:
        checks.append(passed("Disks", ("kept on the host: " + "; ".join(kept)) if kept else
                             "none attached", vm.name))
    params: dict[str, ParamValue] = {"VMId": vm.id}
    if doomed:
        params["DeleteDisks"] = doomed
    steps = () if any(c.outcome.name == "FAIL" for c in checks) else (make_step(
        host, "vm-remove", params, f"Delete {vm.name}" + (" and its disk files" if doomed
                                                          else "") + f" from {host.name}",
        target=vm.name, destructive=True, shown={"Name": vm.name}),)
    notes = (f"The disk files stay on {host.name}: " + "; ".join(kept) + ". Delete them "
             "there once nothing needs them.",) if kept and steps else ()
    return Plan(title=f"Delete {vm.name} from {host.name}", request=request,
                checks=tuple(checks), steps=steps, notes=notes)


def disks_to_delete(estate: Estate, vm: VM) -> tuple[list[str], list[str], list[Check]]:
    """Which of ``vm``'s disk files a delete with disks removes, which stay, and why: a
    shared disk, or a file another VM uses (as its disk or as the parent of one), stays."""
    others: dict[str, str] = {}
    for other in estate.vms():
        if other.key == vm.key:
            continue
        for disk in other.disks:
            for path in (disk.path, disk.parent_path):
                if path:
                    others.setdefault(path.casefold(), other.name)
    doomed: list[str] = []
    kept: list[str] = []
    checks: list[Check] = []
    for disk in vm.disks:
        user = others.get(disk.path.casefold())
        if disk.shared or user:
            kept.append(disk.path)
            why = "a shared disk" if disk.shared else f"{user} uses it too"
            checks.append(warned("Disk kept", f"{disk.path}: {why}, so it is not deleted", "",
                                 vm.name))
        elif disk.path:
            doomed.append(disk.path)
    if doomed:
        checks.append(warned("Disks deleted", "deleted with the VM (Remove-Item), with the "
                             "parents of their differencing chains that no other VM on "
                             f"{vm.host} uses: " + "; ".join(doomed) + ". This cannot be "
                             "undone", "", vm.name))
    elif not kept:
        checks.append(passed("Disks", "none attached", vm.name))
    return doomed, kept, checks


async def plan_rename_vm(pool: SessionPool, request: RenameVmRequest) -> Plan:
    estate = await lookup.fresh_estate(pool, lookup.hosts_for(pool, [request.vm]))
    vm = lookup.vm(estate, request.vm)
    host = lookup.host(estate, vm.host)
    others = [v.name for v in estate.vms() if v.host == vm.host and v.id != vm.id]
    checks = name_checks(host, others, request.new_name)
    if request.new_name == vm.name:
        return Plan(title=f"Rename {vm.name}", request=request, checks=(
            passed("Name", f"already {vm.name}", vm.name),), steps=())
    steps = () if any(c.outcome.name == "FAIL" for c in checks) else (make_step(
        host, "vm-rename", {"VMId": vm.id, "NewName": request.new_name},
        f"Rename {vm.name} to {request.new_name} on {host.name}", target=vm.name,
        shown={"Name": vm.name}),)
    return Plan(title=f"Rename {vm.name} to {request.new_name}", request=request,
                checks=tuple(checks), steps=steps)


@dataclass(frozen=True, slots=True)
class UpgradeVersionRequest(Request):
    kind: ClassVar[str] = "vm-upgrade-version"
    vm: VmRef


async def plan_upgrade_version(pool: SessionPool, request: UpgradeVersionRequest) -> Plan:
    """Update-VMVersion (R-VER-3): 2016+, the VM off or saved, one way."""
    estate = await lookup.fresh_estate(pool, lookup.hosts_for(pool, [request.vm]))
    vm = lookup.vm(estate, request.vm)
    host = lookup.host(estate, vm.host)
    title = f"Upgrade {vm.name}'s configuration version"
    target = max(host.supported_versions, key=version_key) if host.supported_versions else ""
    why_not = script_refusal(host, "vm-upgrade-version")
    if why_not or host.release.build < (10, 0, 0):
        return Plan(title=title, request=request, checks=(failed(
            "Host", why_not or f"{host.name} runs {host.release.name}, which has one "
                               "configuration version",
            "upgrade on a Windows Server 2016 or later host", vm.name),), steps=())
    if not vm.version or (target and version_key(vm.version) >= version_key(target)):
        return Plan(title=title, request=request, checks=(passed(
            "Configuration version", f"already {vm.version or target}, the highest "
                                     f"{host.name} runs", vm.name),), steps=())
    checks: list[Check] = []
    state = vm.state.base.name
    if state not in ("Off", "Saved"):
        checks.append(failed("State", f"{vm.name} is {vm.state.name}; the host upgrades only a "
                                      "VM that is off or saved",
                             f"shut it down first (`hvtui vm stop {vm.name}`)", vm.name))
    elif state == "Saved":
        checks.append(warned("State", "saved: the upgrade discards its saved memory (the VM "
                                      "is turned off first)", "", vm.name))
    else:
        checks.append(passed("State", "off", vm.name))
    lost = [r.name for r in RELEASES if vm.version in r.config_versions
            and target not in r.config_versions]
    consequence = (f"{', '.join(lost)} can then no longer run it" if lost else
                   "older hosts that lack it can then no longer run it")
    checks.append(warned("One way", f"{vm.version} -> {target}: this cannot be undone; "
                                    f"{consequence}", "export the VM first if you may need "
                                                      "it on an older host", vm.name))
    steps = () if any(c.outcome.name == "FAIL" for c in checks) else (make_step(
        host, "vm-upgrade-version", {"VMId": vm.id},
        f"Upgrade {vm.name} from {vm.version} to {target} on {host.name}", target=vm.name,
        destructive=True, shown={"Name": vm.name}),)
    return Plan(title=title, request=request, checks=tuple(checks), steps=steps)
