"""Finding what a request names in a freshly read estate.

Pre-flight checks never trust a cached inventory: each plan reads the hosts it involves
right before checking (one inventory round trip per host, concurrently).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence

from hvtui.errors import PlanRefused
from hvtui.hyperv.plans import VmRef
from hvtui.hyperv.refresh import EstateRefresher
from hvtui.model import VM, Cluster, Estate, Host
from hvtui.remote.pool import SessionPool


async def fresh_estate(pool: SessionPool, hosts: Iterable[str] | None = None) -> Estate:
    """The estate as the named hosts (default: every host) report it now."""
    refresher = EstateRefresher(pool)
    wanted = list(dict.fromkeys(hosts)) if hosts is not None else pool.hosts
    for host in wanted:
        if not pool.has_host(host):
            known = ", ".join(pool.hosts) or "none"
            raise PlanRefused(f"{host!r} is not in the inventory (known hosts: {known})",
                              hint="check the host name")
    await asyncio.gather(*(refresher.refresh_host(h) for h in wanted))
    return refresher.estate


def hosts_for(pool: SessionPool, refs: Sequence[VmRef], *extra: str) -> list[str] | None:
    """Hosts to read for these VMs: just theirs when every one names its host, else all."""
    if all(r.host for r in refs):
        return [canonical_host(pool, r.host or "") for r in refs] + [
            canonical_host(pool, h) for h in extra]
    return None


def canonical_host(pool: SessionPool, name: str) -> str:
    """The inventory's spelling of a host name (host names are case-insensitive)."""
    return next((h for h in pool.hosts if h.lower() == name.lower()), name)


def _unreachable(estate: Estate) -> list[str]:
    return [f"{s.name} ({s.error})" for s in estate.hosts if not s.reachable]


def host(estate: Estate, name: str) -> Host:
    """The host called ``name``, freshly read; refuses when it did not answer."""
    status = estate.status(name)
    if status is None:
        known = ", ".join(s.name for s in estate.hosts) or "none"
        raise PlanRefused(f"{name!r} is not in the inventory (known hosts: {known})",
                          hint="check the host name")
    if status.inventory is None or status.error:
        raise PlanRefused(f"{status.name} did not answer: {status.error or 'no inventory'}",
                          host=status.name, hint="check the host is up and reachable, then retry")
    return status.inventory.host


WILDCARDS = frozenset("*?[]")


def wildcard_problem(kind: str, name: str) -> str | None:
    """Why hvtui will not pass ``name`` to a Hyper-V ``-Name`` parameter, or None.

    Hyper-V's cmdlets treat ``* ? [ ]`` in ``-Name``/``-VMName`` as a wildcard pattern, so
    a VM called ``web[1]`` would select ``web1`` and ``db*`` every VM starting with "db";
    escaping does not help (the escaped text is then compared literally and never matches).
    """
    found = sorted(set(name) & WILDCARDS)
    if not found:
        return None
    return (f"the {kind} name \"{name}\" contains {' '.join(found)}, which Hyper-V's cmdlets "
            f"read as a wildcard pattern: acting on it could change other {kind}s too")


def vm(estate: Estate, ref: VmRef) -> VM:
    """The one VM ``ref`` names; refuses when it is missing, or when its name would select
    more than one VM on its host (Hyper-V matches ``-Name`` without regard to case)."""
    if ref.host:
        host(estate, ref.host)  # refuses clearly when that host did not answer
    if ref.id:
        picked = [v for v in estate.vms() if v.id == ref.id
                  and (not ref.host or v.host.lower() == ref.host.lower())]
        if not picked:
            raise PlanRefused(f'"{ref.name}" is no longer on {ref.host or "any host"} '
                              "(deleted or moved since it was selected)", host=ref.host,
                              hint="refresh and select it again")
        return _unambiguous(estate, picked[0])
    found = estate.find_vms(ref.name, ref.host)
    if not found:
        where = f" on {ref.host}" if ref.host else ""
        down = _unreachable(estate)
        hint = ("these hosts did not answer and may hold it: " + "; ".join(down)) if down else \
            "check the name (`hvtui get vms`)"
        raise PlanRefused(f'no virtual machine called "{ref.name}"{where}', host=ref.host,
                          hint=hint)
    hosts = sorted({v.host for v in found})
    if len(hosts) > 1:
        raise PlanRefused(
            f'"{ref.name}" exists on {", ".join(hosts)} (a replica carries its primary\'s name)',
            hint="say which one with --host " + hosts[0])
    return _unambiguous(estate, found[0])


def _unambiguous(estate: Estate, target: VM) -> VM:
    """``target``, unless acting on it by name would touch other VMs too."""
    namesakes = estate.find_vms(target.name, target.host)
    if len(namesakes) > 1:
        names = ", ".join(sorted(f'"{v.name}"' for v in namesakes))
        raise PlanRefused(
            f"{len(namesakes)} virtual machines on {target.host} answer to the name "
            f'"{target.name}" ({names}): Hyper-V matches names without regard to case, so '
            "acting on one by name would change all of them", host=target.host,
            hint="rename all but one first (Rename-VM), so that each name is unique on "
                 "the host whatever the case")
    problem = wildcard_problem("virtual machine", target.name)
    if problem:
        raise PlanRefused(problem, host=target.host,
                          hint="rename it without * ? [ ] first (Rename-VM)")
    return target


def vms(estate: Estate, refs: Sequence[VmRef]) -> list[VM]:
    """Each VM once, in the order asked."""
    out: dict[tuple[str, str], VM] = {}
    for ref in refs:
        found = vm(estate, ref)
        out.setdefault(found.key, found)
    if not out:
        raise PlanRefused("no virtual machine named", hint="name at least one VM")
    return list(out.values())


def cluster_of_node(estate: Estate, node: str) -> tuple[Cluster, list[str]]:
    """The cluster ``node`` belongs to, and the reachable inventory hosts that are its nodes."""
    for cluster in estate.clusters():
        if cluster.node(node) is not None or cluster.name.lower() == node.lower():
            members = [s.name for s in estate.hosts if s.reachable and s.inventory is not None
                       and s.inventory.cluster is not None
                       and s.inventory.cluster.name.lower() == cluster.name.lower()]
            return cluster, members
    down = _unreachable(estate)
    hint = ("these hosts did not answer: " + "; ".join(down)) if down else \
        "check the name (`hvtui get clusters`)"
    raise PlanRefused(f"no cluster has a node or name {node!r}", hint=hint)
