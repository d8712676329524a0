"""Plans that make the same change to each of several VMs.

Each builder says, for one VM, what it checks, whether the VM cannot take the change,
and which step to run; this module reads the hosts fresh, applies that to every VM
named, and turns the VMs that cannot take the change into skips (bulk) or a refusal.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from hvtui.hyperv import lookup
from hvtui.hyperv.plans import Check, Plan, Request, Step, VmRef, skip_or_refuse
from hvtui.model import VM, Host
from hvtui.remote.pool import SessionPool


@dataclass(slots=True)
class VmPlanning:
    """What the VMs of one request contribute to its plan."""

    checks: list[Check] = field(default_factory=list)
    cannot: list[Check] = field(default_factory=list)
    """One failed check per VM that cannot take the change."""
    steps: list[Step] = field(default_factory=list)


Decide = Callable[[VM, Host, VmPlanning], None]


async def plan_each_vm(pool: SessionPool, request: Request, refs: Sequence[VmRef],
                       decide: Decide, title: Callable[[str], str]) -> Plan:
    """Read the VMs' hosts now, ``decide`` for each VM, and title the plan by ``what``."""
    estate = await lookup.fresh_estate(pool, lookup.hosts_for(pool, refs))
    vms = lookup.vms(estate, refs)
    out = VmPlanning()
    for vm in vms:
        decide(vm, lookup.host(estate, vm.host), out)
    checks = skip_or_refuse(out.cannot, len(out.steps), len(vms) > 1) + out.checks
    what = vms[0].name if len(vms) == 1 else f"{len(vms)} VMs"
    return Plan(title=title(what), request=request, checks=tuple(checks),
                steps=tuple(out.steps))
