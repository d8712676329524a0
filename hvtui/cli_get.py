"""``hvtui get``: the inventory as an aligned table or JSON, for scripts and tickets.

Names, notes and paths come from hosts (the guest OS name from the guest itself): the
table shows their control characters visibly escaped; JSON keeps every string exact
(as JSON escapes where a terminal would obey them).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any

from rich.cells import cell_len

from hvtui.cli_io import Output, say_error
from hvtui.errors import ConfigError
from hvtui.hyperv.refresh import EstateRefresher
from hvtui.model import Estate
from hvtui.model.text import inert, json_inert
from hvtui.session_setup import open_pool
from hvtui.ui.render import SEVERITY_WORD, fmt_bytes, vm_health

Row = dict[str, Any]


def host_rows(estate: Estate) -> list[Row]:
    rows = []
    for status in estate.hosts:
        inv = status.inventory
        row: Row = {"name": status.name, "reachable": status.reachable, "error": status.error}
        if inv is not None:
            h = inv.host
            states: dict[str, int] = {}
            for vm in inv.vms:
                states[vm.state.name] = states.get(vm.state.name, 0) + 1
            row.update({
                "os_name": h.os_name, "os_version": h.os_version, "release": h.release.short,
                "cluster": h.cluster, "cpu_percent": h.cpu_percent,
                "memory_used_percent": h.memory_used_percent, "vms": len(inv.vms),
                "vm_states": states, "live_migration": h.migration.enabled,
                "migration_auth": h.migration.authentication.name,
                "migration_performance": h.migration.performance.name,
                "simultaneous_migrations": h.migration.simultaneous,
                "enhanced_session": h.enhanced_session_mode,
                "supported_versions": list(h.supported_versions),
                "processor_vendor": h.processor_vendor,
                "failover_clusters": h.failover_clusters,
                "cluster_problem": h.cluster_problem or None,
                # host settings (issue 11, hostcfg)
                "use_any_network_for_migration": h.migration.use_any_network,
                "migration_networks": list(h.migration.networks),
                "simultaneous_storage_migrations": h.storage_migrations,
                "numa_spanning": h.numa_spanning,
                "virtual_machine_path": h.virtual_machine_path,
                "virtual_hard_disk_path": h.virtual_hard_disk_path,
            })
        rows.append(row)
    return rows


def vm_rows(estate: Estate) -> list[Row]:
    return [{
        "id": vm.id, "name": vm.name, "host": vm.host, "state": vm.state.name,
        "cpu_percent": vm.cpu_percent, "memory_assigned": vm.memory_assigned,
        "memory_demand": vm.memory_demand, "uptime_seconds": int(vm.uptime.total_seconds()),
        "status": vm.status,
        # Unknown (the host did not say, its release does not settle it) is null, with why;
        # a value the release settles comes with where it comes from.
        "generation": vm.generation or None, "generation_note": vm.generation_note,
        "version": vm.version or None, "version_note": vm.version_note,
        "heartbeat": vm.heartbeat.name if vm.heartbeat else None, "guest_os": vm.guest_os,
        "guest_family": vm.guest_family, "clustered": vm.is_clustered,
        "replication": rep.health.name if rep else None,
        "replica_role": role[0] if role else None, "replica_of": role[1] if role else None,
        "health": SEVERITY_WORD[severity], "health_reason": reason,
    } for vm, rep, role, (severity, reason) in (
        (vm, vm.replication or vm.extended_replication, vm.replica_role, vm_health(vm))
        for vm in estate.vms())]


def disk_rows(estate: Estate) -> list[Row]:
    return [{
        "vm": d.vm_name, "host": d.host, "path": d.path, "format": d.format.name,
        "type": d.type.name, "controller": d.controller.name, "location": d.location,
        "size": d.size, "min_size": d.min_size, "file_size": d.file_size,
        "block_size": d.block_size, "shared": d.shared, "min_iops": d.min_iops,
        "max_iops": d.max_iops,
    } for d in estate.disks()]


def nic_rows(estate: Estate) -> list[Row]:
    """Every VM's network adapters (networking, issue 11)."""
    return [{
        "vm": vm.name, "host": vm.host, "name": a.name, "switch": a.switch_name,
        "vlan": a.vlan or None, "legacy": a.legacy, "mac_address": a.mac_address,
        "mac_spoofing": a.mac_spoofing, "dhcp_guard": a.dhcp_guard,
        "router_guard": a.router_guard, "ip_addresses": list(a.ip_addresses),
    } for vm in estate.vms() for a in vm.network_adapters]


def switch_rows(estate: Estate) -> list[Row]:
    """Every host's virtual switches and how many VM adapters use each (issue 11)."""
    rows: list[Row] = []
    for inv in estate.inventories():
        host = inv.host
        adapters = [a.switch_name.casefold() for vm in inv.vms for a in vm.network_adapters]
        rows += [{"host": host.name, "name": s.name, "type": s.type, "adapter": s.net_adapter,
                  "management_os": s.management_os, "used_by": adapters.count(s.name.casefold())}
                 for s in host.virtual_switches]
    return rows


def replica_rows(estate: Estate) -> list[Row]:
    now = dt.datetime.now(dt.UTC)
    rows = []
    for vm in estate.replicated_vms():
        rep = vm.replication
        assert rep is not None
        ext = vm.extended_replication
        rows.append({
            "vm": vm.name, "host": vm.host, "mode": str(rep.mode), "state": rep.state.name,
            "health": rep.health.name, "primary": rep.primary_server,
            "replica": rep.replica_server, "extended": ext.replica_server if ext else "",
            "frequency_sec": rep.frequency_sec or None, "frequency_fixed": rep.frequency_fixed,
            "last_replication": rep.last_replication.isoformat() if rep.last_replication else None,
            "problem": rep.problem(now) or "",
        })
    return rows


def cluster_rows(estate: Estate) -> list[Row]:
    rows = []
    for c in estate.clusters():
        rows.append({
            "name": c.name, "drain_on_shutdown": c.drain_on_shutdown,
            "nodes": [{"name": n.name, "state": n.state.name, "drain_status": n.drain_status.name}
                      for n in c.nodes],
            "roles": [{"name": r.name, "owner_node": r.owner_node, "state": r.state.name,
                       "priority": r.priority_name} for r in c.roles],
            "shared_volumes": [{"name": v.name, "path": v.path, "owner_node": v.owner_node,
                                "state": v.state.name,
                                "size": v.size if v.reported else None,
                                "free": v.free if v.reported else None}
                               for v in c.shared_volumes],
        })
    return rows


_TABLE_COLUMNS: dict[str, Sequence[str]] = {
    "hosts": ("name", "release", "os_version", "cluster", "vms", "cpu_percent",
              "memory_used_percent", "live_migration", "enhanced_session", "error"),
    "vms": ("name", "host", "state", "cpu_percent", "generation", "version", "heartbeat",
            "guest_os", "replication"),
    "disks": ("vm", "host", "format", "type", "location", "size", "min_size", "file_size",
              "path"),
    "replicas": ("vm", "host", "mode", "state", "health", "frequency_sec", "replica",
                 "extended", "problem"),
    "clusters": ("name", "drain_on_shutdown", "nodes", "roles", "shared_volumes"),
    # Networking (issue 11)
    "nics": ("vm", "host", "name", "switch", "vlan", "legacy", "mac_spoofing", "dhcp_guard",
             "router_guard", "mac_address"),
    "switches": ("host", "name", "type", "adapter", "management_os", "used_by"),
}

_ROWS = {"hosts": host_rows, "vms": vm_rows, "disks": disk_rows, "replicas": replica_rows,
         "clusters": cluster_rows, "nics": nic_rows,
         "switches": switch_rows}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        text = ", ".join(v.get("name", "") if isinstance(v, dict) else str(v) for v in value)
    elif isinstance(value, dict):
        text = ", ".join(f"{k} {v}" for k, v in value.items())
    else:
        text = str(value)
    # Control characters (tabs and newlines too: they would break the alignment) show escaped.
    return inert(text)


def _pad(text: str, width: int) -> str:
    # Terminal cells, not code points: Japanese names take two cells per character.
    return text + " " * (width - cell_len(text))


_SIZE_COLUMNS = frozenset({"size", "min_size", "file_size", "memory_assigned",
                           "memory_demand", "free"})
"""Byte counts: tables show them in the console's units (4.0 GiB); JSON keeps the bytes."""


def format_table(rows: Iterable[Row], columns: Sequence[str]) -> str:
    def cell(row: Row, column: str) -> str:
        value = row.get(column)
        if column in _SIZE_COLUMNS and isinstance(value, int) and not isinstance(value, bool):
            return fmt_bytes(value)
        return _cell(value)

    cells = [[c.upper() for c in columns]] + [[cell(r, c) for c in columns] for r in rows]
    widths = [max(cell_len(line[i]) for line in cells) for i in range(len(columns))]
    return "\n".join("  ".join(_pad(v, w) for v, w in zip(line, widths, strict=True)).rstrip()
                     for line in cells)


async def run_get(args: argparse.Namespace) -> int:
    pool, _source = open_pool(args)
    try:
        if args.host and not pool.has_host(args.host):
            known = ", ".join(pool.hosts)
            raise ConfigError(f"unknown host {args.host!r}", hint=f"known hosts: {known}")
        refresher = EstateRefresher(pool)
        if args.host:
            await refresher.refresh_host(args.host)
            estate = Estate(tuple(s for s in refresher.estate.hosts if s.name == args.host))
        else:
            estate = await refresher.refresh_all()
    finally:
        await pool.close()
    failed = [s for s in estate.hosts if s.error]
    for status in failed:
        # Errors from hvtui's tree already name their host; others get it in front.
        where = "" if status.name in status.error else f"{status.name}: "
        say_error(f"{where}{status.error}")
    rows = _ROWS[args.what](estate)
    out = Output()
    if args.output == "json":
        # json.dumps escapes C0 controls; json_inert the rest (C1, bidi): exact once parsed
        out.write(json_inert(json.dumps(rows, ensure_ascii=False, indent=2, default=str)))
    else:
        out.write(format_table(rows, _TABLE_COLUMNS[args.what]))
    return 2 if failed and args.host else (1 if failed else 0)
