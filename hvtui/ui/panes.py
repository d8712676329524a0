"""The eight panes: their columns and how model objects become rows.

Pure (no Textual): each builder turns frozen model snapshots into
:class:`~hvtui.ui.tablemodel.Row` objects (pre-rendered cells, a colour role per
cell, a sort value per column) paired with the model object the row stands for,
which is what registered actions receive.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from hvtui.hyperv.audit import AuditEntry
from hvtui.model import (
    VM,
    Cluster,
    ClusterNode,
    ClusterRole,
    Disk,
    Estate,
    HostStatus,
    Job,
    ReplicationMode,
    SharedVolume,
    VMState,
    failover,
)
from hvtui.model.versions import version_key
from hvtui.ui import render as r
from hvtui.ui.explain import resize_verdict
from hvtui.ui.tablemodel import Column, Row

if TYPE_CHECKING:
    from hvtui.hyperv.events import Event

PaneRow = tuple[Row, object]


@dataclass(frozen=True, slots=True)
class PaneSpec:
    id: str
    title: str
    noun: str
    """Plural noun for messages ("VMs")."""
    key: str
    """Number key that shows it."""
    aliases: tuple[str, ...]
    """``:command`` names (first is canonical)."""
    columns: tuple[Column, ...]
    sort: str
    tiebreak: str
    per_host: bool
    """Rows are grouped by host and replaced one host at a time."""


@dataclass(slots=True)
class BuildContext:
    """What a row builder needs besides the object: the estate and 'now'."""

    estate: Estate
    now: dt.datetime
    received: Mapping[str, dt.datetime] = field(default_factory=dict)
    """When the app last received a good inventory of each host (app clock)."""
    read_only_hosts: frozenset[str] = frozenset()
    """Casefolded names of hosts the inventory marks read-only."""
    busy: Mapping[tuple[str, str], Job] = field(default_factory=dict)
    """Jobs still running, by (host, target) casefolded: a VM being migrated or exported
    says so in its Status."""
    _extended: dict[str, str] | None = None

    def stale_age(self, status: HostStatus) -> str | None:
        """``stale 5m`` when the host stopped answering and its rows are its last known state
        (None while it answers)."""
        if not status.error or status.inventory is None:
            return None
        age = r.age_seconds(self.received.get(status.name) or status.inventory.fetched_at,
                            self.now)
        return f"stale {r.fmt_age(age)}" if age is not None else "stale"

    def extended_server(self, vm_id: str) -> str:
        """The extended replica server of a VM id, looked up once across the estate."""
        if self._extended is None:
            found: dict[str, str] = {}
            for vm in self.estate.vms():
                ext = vm.extended_replication
                if ext is not None and ext.replica_server:
                    found[vm.id] = ext.replica_server
            self._extended = found
        return self._extended.get(vm_id, "")


def _c(key: str, label: str, **kw: Any) -> Column:
    return Column(key, label, **kw)


HOSTS = PaneSpec(
    "hosts", "Hosts", "hosts", "1", ("hosts", "host", "h", "hs", "no", "nodes"),
    (
        _c("name", "Host", min_width=8, max_width=22, priority=1),
        _c("reach", "Reach", min_width=4, max_width=11, priority=1),
        _c("updated", "Updated", min_width=4, max_width=10, priority=2, align="right"),
        _c("os", "OS", min_width=7, max_width=16, priority=2),
        _c("cluster", "Cluster", min_width=5, max_width=14, priority=4),
        _c("cpu", "CPU", min_width=4, max_width=5, priority=3, align="right"),
        _c("mem", "Mem", min_width=4, max_width=5, priority=3, align="right"),
        _c("vms", "Run/Off/Other", min_width=8, max_width=16, priority=2),
        _c("lm", "Live migration", min_width=6, max_width=22, priority=5),
        _c("esm", "ESM", min_width=3, max_width=4, priority=5),
        _c("versions", "Config versions", min_width=5, max_width=16, priority=6),
        _c("note", "Notes", min_width=16, max_width=160, priority=1, flex=True,
           comfort_width=70),
    ),
    sort="reach", tiebreak="name", per_host=False,
)

VMS = PaneSpec(
    "vms", "VMs", "VMs", "2", ("vms", "vm", "v"),
    (
        _c("name", "Name", min_width=8, max_width=40, priority=1, flex=True),
        _c("host", "Host", min_width=6, max_width=16, priority=2),
        _c("state", "State", min_width=5, max_width=16, priority=1),
        _c("health", "Health", min_width=4, max_width=8, priority=1),
        _c("cpu", "CPU", min_width=4, max_width=4, priority=3, align="right"),
        _c("memory", "Memory", min_width=6, max_width=8, priority=3, align="right"),
        _c("uptime", "Uptime", min_width=5, max_width=8, priority=4, align="right"),
        _c("status", "Status", min_width=8, max_width=24, priority=2),
        _c("gen", "Gen", min_width=3, max_width=3, priority=5, align="right"),
        _c("version", "Ver", min_width=3, max_width=5, priority=5),
        _c("heartbeat", "Heartbeat", min_width=4, max_width=16, priority=4),
        _c("replication", "Replication", min_width=5, max_width=11, priority=3),
    ),
    sort="health", tiebreak="name", per_host=True,
)

DISKS = PaneSpec(
    "disks", "Disks", "disks", "3", ("disks", "disk", "d", "vhd", "vhds"),
    (
        _c("vm", "VM", min_width=6, max_width=24, priority=1),
        _c("host", "Host", min_width=6, max_width=16, priority=1),
        _c("path", "Path", min_width=16, max_width=80, priority=1, flex=True,
           comfort_width=20, cut="start"),
        _c("format", "Fmt", min_width=3, max_width=6, priority=3),
        _c("type", "Type", min_width=4, max_width=12, priority=4),
        _c("controller", "Controller", min_width=6, max_width=10, priority=3),
        _c("size", "Size", min_width=6, max_width=8, priority=2, align="right"),
        _c("file", "File", min_width=6, max_width=8, priority=4, align="right"),
        _c("min", "Min", min_width=6, max_width=8, priority=6, align="right"),
        _c("shared", "Shared", min_width=3, max_width=6, priority=5),
        _c("qos", "QoS IOPS", min_width=4, max_width=12, priority=5),
        _c("resize", "Resize", min_width=6, max_width=36, priority=1),
    ),
    sort="vm", tiebreak="path", per_host=True,
)

REPLICAS = PaneSpec(
    "replicas", "Replicas", "replicated VMs", "4",
    ("replicas", "replica", "r", "rep", "replication"),
    (
        _c("vm", "VM", min_width=6, max_width=24, priority=1),
        _c("host", "On host", min_width=6, max_width=16, priority=2),
        _c("mode", "Mode", min_width=4, max_width=9, priority=2),
        _c("primary", "Primary", min_width=6, max_width=16, priority=4),
        _c("replica", "Replica", min_width=6, max_width=16, priority=3),
        _c("extended", "Extended", min_width=6, max_width=16, priority=5),
        _c("state", "State", min_width=6, max_width=22, priority=3),
        _c("health", "Health", min_width=4, max_width=8, priority=1),
        # The RPO the pair achieves against its frequency: "25m/5m".
        _c("last", "RPO", min_width=4, max_width=9, priority=2, align="right"),
        _c("next", "Next", min_width=4, max_width=24, priority=2),
        _c("problem", "Problem", min_width=16, max_width=120, priority=1, flex=True,
           comfort_width=36),
    ),
    sort="health", tiebreak="vm", per_host=True,
)

CLUSTERS = PaneSpec(
    "clusters", "Clusters", "cluster objects", "5", ("clusters", "cluster", "c", "cl"),
    (
        _c("cluster", "Cluster", min_width=6, max_width=16, priority=1),
        _c("kind", "Kind", min_width=4, max_width=7, priority=1),
        _c("name", "Name", min_width=8, max_width=28, priority=1),
        _c("state", "State", min_width=5, max_width=20, priority=1),
        _c("owner", "Owner / drain", min_width=6, max_width=22, priority=2),
        _c("detail", "Detail", min_width=10, max_width=100, priority=2, flex=True),
    ),
    sort="cluster", tiebreak="name", per_host=False,
)

JOBS = PaneSpec(
    "jobs", "Jobs", "jobs", "6", ("jobs", "job", "j"),
    (
        _c("id", "#", min_width=2, max_width=5, priority=1, align="right"),
        _c("operation", "Operation", min_width=10, max_width=50, priority=1, flex=True),
        _c("host", "Host", min_width=6, max_width=16, priority=2),
        _c("state", "State", min_width=6, max_width=9, priority=1),
        _c("progress", "Progress", min_width=15, max_width=15, priority=2),
        _c("started", "Started", min_width=8, max_width=8, priority=3),
        _c("duration", "Time", min_width=4, max_width=26, priority=4),
        _c("status", "Outcome", min_width=24, max_width=120, priority=2, flex=True),
    ),
    sort="id", tiebreak="id", per_host=False,
)

AUDIT = PaneSpec(
    "audit", "Audit log", "audit entries", "7", ("audit", "a", "log", "au"),
    (
        # narrow: the time loses its year first (the details view has it all)
        _c("time", "Time", min_width=14, max_width=20, priority=1, cut="start"),
        _c("user", "User", min_width=4, max_width=12, priority=4),
        _c("host", "Host", min_width=6, max_width=16, priority=1),
        _c("operation", "Operation", min_width=8, max_width=30, priority=1),
        _c("outcome", "Outcome", min_width=6, max_width=9, priority=1),
        # the message is what a person reads: it keeps 40 columns before the parameters
        # are added, and takes what is left; the parameters never take its room
        _c("message", "Message", min_width=30, max_width=200, priority=1, flex=True,
           comfort_width=40),
        _c("parameters", "Parameters", min_width=10, max_width=32, priority=3),
    ),
    sort="time", tiebreak="time", per_host=False,
)

# Events pane (issue 12): the hosts' events with hvtui's audit log and jobs, one time axis.
EVENTS = PaneSpec(
    "events", "Events", "events", "8", ("events", "event", "ev"),
    (
        # UTC: hosts in several time zones on one axis (the audit log's times are UTC too)
        _c("time", "Time (UTC)", min_width=14, max_width=19, priority=1, cut="start"),
        _c("level", "Level", min_width=4, max_width=8, priority=1),
        _c("host", "Host", min_width=6, max_width=16, priority=1),
        _c("source", "Source", min_width=5, max_width=11, priority=3),
        _c("id", "Id", min_width=3, max_width=5, priority=2, align="right"),
        _c("vm", "VM", min_width=4, max_width=20, priority=2),
        _c("message", "Message", min_width=30, max_width=400, priority=1, flex=True,
           comfort_width=40),
    ),
    # errors and warnings first, then the rest, each newest first (hyperv.events.ordered)
    sort="level", tiebreak="time", per_host=False,
)

PANES: Final[tuple[PaneSpec, ...]] = (HOSTS, VMS, DISKS, REPLICAS, CLUSTERS, JOBS, AUDIT,
                                      EVENTS)
PANE_BY_ID: Final[dict[str, PaneSpec]] = {p.id: p for p in PANES}
PANE_BY_ALIAS: Final[dict[str, PaneSpec]] = {a: p for p in PANES for a in p.aliases}


def _row(key: object, group: str, cells: Iterable[tuple[str, str, Any]]) -> Row:
    """A row from ``(text, role, sort value)`` triples, one per column."""
    texts, roles, values = zip(*cells, strict=True)
    return Row(key, texts, roles, values, group)


def stale(pairs: list[PaneRow], spec: PaneSpec, age: str | None, flag: str = "health"
          ) -> list[PaneRow]:
    """Rows of a host that stopped answering: every cell dimmed, the host cell saying how old
    the data is, and a priority-1 cell saying ``stale`` (seen on the narrowest terminal)."""
    if age is None:
        return pairs
    keys = [c.key for c in spec.columns]
    host_at = keys.index("host") if "host" in keys else None
    flag_at = keys.index(flag) if flag in keys else None
    out: list[PaneRow] = []
    for row, obj in pairs:
        cells = list(row.cells)
        if host_at is not None:
            cells[host_at] = f"{cells[host_at]} ({age})"
        if flag_at is not None:
            cells[flag_at] = "stale"
        out.append((Row(row.key, tuple(cells), ("stale",) * len(cells), row.values, row.group),
                    obj))
    return out


# --- hosts ----------------------------------------------------------------------------------

def host_reach(status: HostStatus) -> tuple[str, str, int]:
    """``(text, role, severity)`` of a host's reachability."""
    if status.error and status.inventory is None:
        return "down", "critical", r.CRITICAL
    if status.error:
        return "stale", "stale", r.CRITICAL
    if status.inventory is None:
        return "...", "muted", r.UNKNOWN
    return "ok", "ok", r.OK


def vm_counts(vms: Iterable[VM]) -> tuple[int, int, int]:
    run = off = other = 0
    for vm in vms:
        base = vm.state.base
        if base is VMState.Running:
            run += 1
        elif base is VMState.Off:
            off += 1
        else:
            other += 1
    return run, off, other


def _versions_text(versions: tuple[str, ...]) -> str:
    if not versions:
        return "-"
    if len(versions) == 1:
        return versions[0]
    return f"{versions[0]}-{versions[-1]}"


def host_row(status: HostStatus, ctx: BuildContext) -> PaneRow:
    reach, reach_role, severity = host_reach(status)
    inv = status.inventory
    received = ctx.received.get(status.name)
    age = r.age_seconds(received, ctx.now)
    if status.error:
        updated = f"{r.fmt_age(age)} ago" if inv is not None and age is not None else "never"
        updated_role = "stale"
    elif inv is None:
        updated, updated_role = "...", "muted"
    else:
        updated, updated_role = r.fmt_age(age), "muted"
    note, note_role = "", ""
    if status.error:
        note, note_role = status.error, "critical"
    elif status.name.casefold() in ctx.read_only_hosts:
        note, note_role = "read-only (inventory)", "muted"
    muted = "stale" if status.error else ""
    if inv is None:
        return _row(status.name.lower(), "", [
            (status.name, "critical" if status.error else "", status.name.lower()),
            (reach, reach_role, severity),
            (updated, updated_role, age if age is not None else float("inf")),
            ("", "", (0, 0, 0)), ("", "", ""), ("", "", -1), ("", "", -1), ("", "", -1),
            ("", "", ""), ("", "", False), ("", "", (0, 0)),
            (note or "connecting...", note_role or "muted", note),
        ]), status
    host = inv.host
    run, off, other = vm_counts(inv.vms)
    problems = sum(1 for vm in inv.vms if r.vm_health(vm)[0] < r.OK)
    flags: list[str] = []
    node = _own_node(inv.cluster, host.name, host.computer_name)
    if node is not None and node.state.name != "Up":  # paused (drained) or down
        drained = f", drain {node.drain_status.name}" if node.drain_status.name != "NotInitiated" \
            else ""
        flags.append(f"cluster node {node.state.name}{drained}")
    if problems:
        flags.append(f"{problems} VMs need attention" if problems > 1 else
                     "1 VM needs attention")
    if host.cluster_problem:  # e.g. the clustering tools without a cluster; Enter says why
        flags.append("cluster not read")
    if flags and not note:
        note, note_role = "; ".join(flags), "warning"
    mig = host.migration
    lm = f"{mig.performance.name} x{mig.simultaneous}" if mig.enabled else "off"
    versions = host.supported_versions
    release = host.release
    os_text = f"{release.short} ({host.os_version.rsplit('.', 1)[-1] or '?'})"
    return _row(status.name.lower(), "", [
        (status.name, muted, status.name.lower()),
        (reach, reach_role, severity),
        (updated, updated_role, age if age is not None else float("inf")),
        (os_text, muted, release.build),
        (host.cluster or "-", muted or ("" if host.cluster else "muted"), host.cluster.lower()),
        (f"{host.cpu_percent}%", muted, host.cpu_percent),
        (f"{host.memory_used_percent}%", muted, host.memory_used_percent),
        (f"{run}/{off}/{other}", muted, len(inv.vms)),
        (lm, muted or ("" if mig.enabled else "muted"), lm),
        ("on" if host.enhanced_session_mode else "off",
         muted or ("ok" if host.enhanced_session_mode else "muted"),
         host.enhanced_session_mode),
        (_versions_text(versions), muted,
         version_key(versions[-1]) if versions else (0, 0)),
        (note, note_role, note),
    ]), status


def _own_node(cluster: Cluster | None, *names: str) -> ClusterNode | None:
    """The cluster node that is this host, if it is one."""
    if cluster is None:
        return None
    for name in names:
        for candidate in (name, name.split(".")[0]):
            found = cluster.node(candidate) if candidate else None
            if found is not None:
                return found
    return None


def host_rows(ctx: BuildContext) -> list[PaneRow]:
    return [host_row(status, ctx) for status in ctx.estate.hosts]


# --- VMs ------------------------------------------------------------------------------------

def vm_status(vm: VM, job: Job | None) -> tuple[str, str]:
    """What the VM is busy with (a running job of hvtui's), that it is a replica copy, or
    the host's own Status; with its role."""
    if job is not None:
        verb = job.operation.split(" ", 1)[0]
        return f"{verb}: {job.percent}%", "busy"
    role = vm.replica_role
    if role is not None and role[0] != "primary":
        return f"{role[0]} of {role[1]}", "info"
    return vm.status, "muted"


def vm_row(vm: VM, group: str, job: Job | None = None) -> Row:
    severity, _reason = r.vm_health(vm)
    running = vm.state in r.RUNNING_STATES
    rep = vm.replication or vm.extended_replication
    if rep is None:
        rep_cell = ("-", "muted", r.UNKNOWN + 1)
    else:
        rep_cell = (rep.health.name, r.replication_health_role(rep.health),
                    r.replication_severity(rep.health))
    uptime = vm.uptime.total_seconds()
    status, status_role = vm_status(vm, job)
    return Row(
        vm.key,
        (
            vm.name, vm.host, vm.state.name, r.SEVERITY_WORD[severity],
            f"{vm.cpu_percent}%" if running else "",
            r.fmt_bytes(vm.memory_assigned) if vm.memory_assigned else "",
            r.fmt_duration(uptime) if running and uptime else "",
            status, str(vm.generation or "?"), vm.version or "?",
            r.heartbeat_text(vm.heartbeat) if running else "", rep_cell[0],
        ),
        (
            "", "muted", r.vm_state_role(vm.state), r.SEVERITY_ROLE[severity], "", "", "",
            status_role, "", "", r.heartbeat_role(vm.heartbeat, running), rep_cell[1],
        ),
        (
            vm.name.casefold(), vm.host.casefold(), vm.state.name, severity,
            vm.cpu_percent if running else -1, vm.memory_assigned, uptime if running else -1.0,
            status, vm.generation, version_key(vm.version),
            r.heartbeat_text(vm.heartbeat) if running else "", rep_cell[2],
        ),
        group,
    )


def vm_rows(status: HostStatus, ctx: BuildContext | None = None) -> list[PaneRow]:
    inv = status.inventory
    if inv is None:
        return []
    busy = ctx.busy if ctx is not None else {}
    host = status.name.casefold()
    return [(vm_row(vm, status.name, busy.get((host, vm.name.casefold()))), vm)
            for vm in inv.vms]


# --- disks ----------------------------------------------------------------------------------

def disk_key(disk: Disk) -> tuple[str, ...]:
    return (disk.host, disk.vm_id, disk.controller.name, str(disk.controller_number),
            str(disk.controller_location), disk.path)


def disk_rows(status: HostStatus) -> list[PaneRow]:
    inv = status.inventory
    if inv is None:
        return []
    host = inv.host
    out: list[PaneRow] = []
    for vm in inv.vms:
        for disk in vm.disks:
            verdict = resize_verdict(disk, vm, host)
            qos = f"{disk.min_iops}-{disk.max_iops or 'max'}" if disk.has_qos else "-"
            out.append((_row(disk_key(disk), status.name, [
                (disk.vm_name, "", disk.vm_name.casefold()),
                (disk.host, "muted", disk.host.casefold()),
                (disk.path, "", disk.path.casefold()),
                (disk.format.name, "", disk.format.name),
                (disk.type.name, "", disk.type.name),
                (disk.location, "", (disk.controller.name, disk.controller_number,
                                     disk.controller_location)),
                (r.fmt_bytes(disk.size), "", disk.size),
                (r.fmt_bytes(disk.file_size), "muted", disk.file_size),
                (r.fmt_bytes(disk.min_size) if disk.min_size else "-", "muted", disk.min_size),
                ("shared" if disk.shared else "-", "accent" if disk.shared else "muted",
                 disk.shared),
                (qos, "" if disk.has_qos else "muted", (disk.min_iops, disk.max_iops)),
                (verdict.label, verdict.role, (not verdict.ok, verdict.label)),
            ]), disk))
    return out


def short_host(name: str) -> str:
    """``HV-DR1.contoso.local`` -> ``HV-DR1`` (tables are narrow; details show the FQDN)."""
    if not name or name.replace(".", "").isdigit():
        return name
    return name.split(".", 1)[0]


# --- replicas -------------------------------------------------------------------------------

def replica_rows(status: HostStatus, ctx: BuildContext) -> list[PaneRow]:
    inv = status.inventory
    if inv is None:
        return []
    out: list[PaneRow] = []
    for vm in inv.vms:
        rep = vm.replication or vm.extended_replication
        if rep is None:
            continue
        extended = ""
        if vm.extended_replication is not None:
            extended = vm.extended_replication.replica_server
        if not extended:
            extended = ctx.extended_server(vm.id)
        if rep.mode is ReplicationMode.ExtendedReplica or (
                vm.replication is None and rep.is_extended):
            mode = "Extended"
        else:
            mode = str(rep.mode)
        problem = rep.problem(ctx.now) or ""
        lag = rep.lag(ctx.now)
        lag_s = None if lag is None else max(0.0, lag.total_seconds())
        # The RPO the pair achieves (what a failover now would lose) against its frequency.
        rpo = r.fmt_age(lag_s) if lag_s is not None else "never"
        if lag_s is not None and rep.frequency_sec:
            rpo += "/" + r.fmt_frequency(rep.frequency_sec)
        rpo_role = "warning" if failover.rpo_met(rep, ctx.now) is False else \
            "" if lag_s is not None else "muted"
        nexts = failover.next_words(vm, failover.find_test_vm(vm, inv.vms) is not None)
        out.append((_row(vm.key, status.name, [
            (vm.name, "", vm.name.casefold()),
            (vm.host, "muted", vm.host.casefold()),
            (mode, "accent" if mode == "Primary" else "", mode),
            (short_host(rep.primary_server), "", rep.primary_server.casefold()),
            (short_host(rep.replica_server), "", rep.replica_server.casefold()),
            (short_host(extended) or "-", "" if extended else "muted", extended.casefold()),
            (rep.state.name, "", rep.state.name),
            (rep.health.name, r.replication_health_role(rep.health),
             r.replication_severity(rep.health)),
            (rpo, rpo_role, lag_s if lag_s is not None else float("inf")),
            (nexts or "-", "" if nexts else "muted", nexts),
            (problem or "-", r.replication_health_role(rep.health) if problem else "muted",
             problem),
        ]), vm))
    return out


# --- clusters -------------------------------------------------------------------------------

def cluster_rows(ctx: BuildContext) -> list[PaneRow]:
    out: list[PaneRow] = []
    for cluster in ctx.estate.clusters():
        source = ctx.estate.cluster_source(cluster.name)
        age = ctx.stale_age(source) if source is not None else None
        if age is not None:  # no node of it answers: every row is its last known state
            out += [(Row(row.key, (*row.cells[:5], f"{age}: no node answers"),
                         ("stale",) * len(row.cells), row.values, row.group), obj)
                    for row, obj in _cluster_rows(ctx, cluster)]
        else:
            out += _cluster_rows(ctx, cluster)
    return out


def _cluster_rows(ctx: BuildContext, cluster: Cluster) -> list[PaneRow]:
    out: list[PaneRow] = []
    name = cluster.name
    cf = name.casefold()
    paused = sum(1 for n in cluster.nodes if n.state.name != "Up")
    summary = (f"{len(cluster.nodes)} nodes, {len(cluster.roles)} VM roles, "
               f"{len(cluster.shared_volumes)} CSVs")
    dos, dos_role = r.fmt_drain_on_shutdown(cluster.drain_on_shutdown)
    out.append((_row((cf, "0", ""), "", [
        (name, "accent", (cf, 0, "")),
        ("cluster", "accent", 0),
        (name, "accent", cf),
        ((f"{paused} nodes not up" if paused > 1 else "1 node not up") if paused
         else "all nodes up",
         "warning" if paused else "ok", ""),
        (dos, dos_role, ""),
        (summary, "muted", summary),
    ]), (cluster, cluster)))
    for node in cluster.nodes:
        nf = node.name.casefold()
        out.append((_row((cf, "1", nf), "", [
            (name, "muted", (cf, 1, nf)),
            ("node", "", 1),
            (node.name, "", nf),
            (node.state.name, r.node_state_role(node.state), node.state.name),
            (f"drain {node.drain_status.name}", r.drain_role(node.drain_status),
             node.drain_status.name),
            ("", "", ""),
        ]), (cluster, node)))
    for role in cluster.roles:
        rf = role.name.casefold()
        out.append((_row((cf, "2", rf), "", [
            (name, "muted", (cf, 2, rf)),
            ("VM role", "", 2),
            (role.name, "", rf),
            (role.state.name, r.group_state_role(role.state), role.state.name),
            (f"on {role.owner_node}", "", role.owner_node.casefold()),
            (f"priority {role.priority_name}", "muted", role.priority),
        ]), (cluster, role)))
    for csv in cluster.shared_volumes:
        vf = csv.name.casefold()
        # free space first: a narrow Detail column cuts the path's end, not the numbers
        free = f"{r.fmt_bytes(csv.free)} free of {r.fmt_bytes(csv.size)}, " if csv.size else ""
        where = csv.path if csv.reported else "size and path not reported"
        out.append((_row((cf, "3", vf), "", [
            (name, "muted", (cf, 3, vf)),
            ("CSV", "", 3),
            (csv.name, "", vf),
            (csv.state.name, r.csv_state_role(csv.state), csv.state.name),
            (f"on {csv.owner_node}", "", csv.owner_node.casefold()),
            (f"{free}{where}", "muted", csv.path.casefold()),
        ]), (cluster, csv)))
    return out


# --- jobs and audit -------------------------------------------------------------------------

def job_row(job: Job, now: dt.datetime) -> PaneRow:
    took = job.elapsed(now) if job.duration is not None or not job.state.finished else None
    return _row(job.id, str(job.id), [
        (str(job.id), "muted", job.id),
        (job.operation, "", job.operation.casefold()),
        (job.host, "muted", job.host.casefold()),
        (job.state.value, r.job_state_role(job.state), job.state.value),
        (r.progress_bar(job.percent), r.job_state_role(job.state), job.percent),
        (r.fmt_time(job.started), "muted", job.started.timestamp()),
        (r.job_timing(job, now) if took is not None else "-", "muted", took or 0.0),
        (job.news, r.job_state_role(job.state) if job.state.finished else "", job.status),
    ]), job


def audit_rows(entries: Iterable[AuditEntry]) -> list[PaneRow]:
    out: list[PaneRow] = []
    for index, entry in enumerate(entries):
        params = ", ".join(
            f"{k}={v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, default=str)}"
            for k, v in entry.parameters.items()) or "-"
        when = entry.time
        shown = when.replace("T", " ")[:19]
        out.append((_row(index, "", [
            (shown, "muted", (when, index)),  # same second: later lines are newer
            (entry.user, "muted", entry.user),
            (entry.host, "", entry.host.casefold()),
            (entry.operation, "", entry.operation.casefold()),
            (entry.outcome, r.audit_outcome_role(entry.outcome), entry.outcome),
            (entry.message or "-", "" if entry.message else "muted", entry.message),
            (params, "muted", params),
        ]), entry))
    return out


# --- events (issue 12) ----------------------------------------------------------------------

_LEVEL_ROLE = {1: "critical", 2: "critical", 3: "warning"}
_SOURCES = {"Microsoft-Windows-Hyper-V-VMMS": "VMMS", "Microsoft-Windows-Hyper-V-Worker": "Worker",
            "Microsoft-Windows-Hyper-V-High-Availability": "Hyper-V HA",
            "Microsoft-Windows-FailoverClustering": "Clustering"}


def event_source(event: Event) -> str:
    """A short name for where an event comes from: ``VMMS``, ``Clustering``, ``hvtui job``."""
    if event.source == "hvtui":
        return f"hvtui {event.channel}"
    return _SOURCES.get(event.source, event.source.removeprefix("Microsoft-Windows-"))


def event_rows(events: Iterable[Event]) -> list[PaneRow]:
    """One row per event; the Level column sorts errors and warnings first, then the rest,
    each newest first. A row's group is its host, so ``/@HOST`` shows one host's."""
    out: list[PaneRow] = []
    seen: dict[tuple[Any, ...], int] = {}
    for event in events:
        stamp = event.time.timestamp()
        base = (event.host.casefold(), event.channel, event.event_id, stamp)
        seen[base] = seen.get(base, 0) + 1
        key = (*base, seen[base])
        shown = event.time.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
        role = _LEVEL_ROLE.get(event.level, "muted")
        out.append((_row(key, event.host, [
            (shown, "muted", stamp),
            (event.level_name, role, (event.level > 3, -stamp, event.host.casefold())),
            (event.host, "", event.host.casefold()),
            (event_source(event), "muted", event.source),
            (str(event.event_id) if event.event_id else "-", "muted", event.event_id),
            (event.vm_name or "-", "" if event.vm_name else "muted", event.vm_name.casefold()),
            (event.message, role if event.level <= 3 else "", event.message),
        ]), event))
    return out


# --- status bar -----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class HostSummary:
    """Per-host counts, cached per inventory so a refresh of one host is cheap."""

    vms: int = 0
    running: int = 0
    off: int = 0
    other: int = 0
    critical: int = 0
    warning: int = 0


def summarise_host(status: HostStatus) -> HostSummary:
    inv = status.inventory
    if inv is None:
        return HostSummary()
    run, off, other = vm_counts(inv.vms)
    critical = warning = 0
    for vm in inv.vms:
        severity = r.vm_health(vm)[0]
        if severity == r.CRITICAL:
            critical += 1
        elif severity == r.WARNING:
            warning += 1
    return HostSummary(len(inv.vms), run, off, other, critical, warning)


def status_line(estate: Estate, summaries: Mapping[str, HostSummary], ctx: BuildContext,
                read_only: bool) -> list[tuple[str, str]]:
    """The status bar as ``(text, role)`` parts: estate totals, problems, staleness."""
    hosts = estate.hosts
    down = [h for h in hosts if h.error]
    waiting = [h for h in hosts if not h.error and h.inventory is None]
    empty = HostSummary()
    vms = running = off = other = critical = warning = 0
    for h in hosts:
        s = summaries.get(h.name, empty)
        vms += s.vms
        running += s.running
        off += s.off
        other += s.other
        critical += s.critical
        warning += s.warning
    nodes_paused = sum(1 for c in estate.clusters() for n in c.nodes if n.state.name != "Up")
    parts: list[tuple[str, str]] = []
    # problems first: that is what a triage glance is for
    bits: list[tuple[str, str]] = []
    if critical:
        bits.append((f"{critical} critical", "critical"))
    if warning:
        bits.append((f"{warning} warning", "warning"))
    if down:
        bits.append((f"{len(down)} host{'s' if len(down) != 1 else ''} down", "critical"))
    if nodes_paused:
        bits.append((f"{nodes_paused} node{'s' if nodes_paused != 1 else ''} not up",
                     "warning"))
    if bits:
        for i, bit in enumerate(bits):
            parts.append((", " if i else "problems: ", "muted"))
            parts.append(bit)
    else:
        parts.append(("no problems", "ok"))
    parts.append((" | ", "muted"))
    parts.append((f"{vms} VMs: ", ""))
    parts.append((f"{running} running", "running"))
    parts.append((", ", "muted"))
    parts.append((f"{off} off", "off"))
    if other:
        parts.append((", ", "muted"))
        parts.append((f"{other} other", "saved"))
    parts.append((" | ", "muted"))
    parts.append((f"{len(hosts)} hosts", ""))
    if waiting:
        parts.append((f", {len(waiting)} connecting", "muted"))
    ages = [(r.age_seconds(ctx.received.get(h.name), ctx.now), h.name) for h in hosts
            if h.inventory is not None]
    known = [(a, n) for a, n in ages if a is not None]
    if known:
        oldest, name = max(known)
        stale = any(h.error for h in hosts if h.inventory is not None)
        parts.append((" | ", "muted"))
        text = f"data {r.fmt_age(oldest)} old ({name})" if oldest >= 2 else "data current"
        parts.append((text, "stale" if stale else "muted"))
    if read_only:
        parts.append((" | ", "muted"))
        parts.append(("READ-ONLY", "warning"))
    return parts


def rows_for_host(pane: str, status: HostStatus, ctx: BuildContext) -> list[PaneRow]:
    """Rows one host contributes to a per-host pane (dimmed, with their age, when the host
    stopped answering: they are its last known state)."""
    age = ctx.stale_age(status)
    if pane == "vms":
        return stale(vm_rows(status, ctx), VMS, age)
    if pane == "disks":
        return stale(disk_rows(status), DISKS, age, flag="resize")
    if pane == "replicas":
        return stale(replica_rows(status, ctx), REPLICAS, age)
    raise ValueError(f"{pane} is not a per-host pane")


def object_hosts(obj: object) -> tuple[str, ...]:
    """The host(s) a row's object lives on (what a change to it would touch)."""
    if isinstance(obj, VM | Disk | Job | AuditEntry):
        return (obj.host,)
    if isinstance(obj, HostStatus):
        return (obj.name,)
    if isinstance(obj, tuple) and len(obj) == 2 and isinstance(obj[0], Cluster):
        cluster, focus = obj
        if isinstance(focus, ClusterNode):
            return (focus.name,)
        if isinstance(focus, ClusterRole | SharedVolume):
            return (focus.owner_node,)
        return tuple(node.name for node in cluster.nodes)
    return ()


# --- finding the object behind a key again (details views, actions) -------------------------

def find_vm(estate: Estate, key: object) -> VM | None:
    if not (isinstance(key, tuple) and len(key) == 2):
        return None
    host, vm_id = key
    status = estate.status(str(host))
    if status is None or status.inventory is None:
        return None
    return next((vm for vm in status.inventory.vms if vm.id == vm_id), None)


def find_disk(estate: Estate, key: object) -> tuple[Disk, VM] | None:
    if not (isinstance(key, tuple) and len(key) == 6):
        return None
    vm = find_vm(estate, (key[0], key[1]))
    if vm is None:
        return None
    disk = next((d for d in vm.disks if disk_key(d) == key), None)
    return None if disk is None else (disk, vm)


def find_cluster_object(estate: Estate, key: object) -> tuple[Cluster, object] | None:
    if not (isinstance(key, tuple) and len(key) == 3):
        return None
    cf, kind, name = key
    cluster = next((c for c in estate.clusters() if c.name.casefold() == cf), None)
    if cluster is None:
        return None
    pools: dict[str, Iterable[Any]] = {"1": cluster.nodes, "2": cluster.roles,
                                       "3": cluster.shared_volumes}
    if kind == "0":
        return cluster, cluster
    found = next((o for o in pools.get(str(kind), ()) if o.name.casefold() == name), None)
    return None if found is None else (cluster, found)
