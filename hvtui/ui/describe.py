"""Details views as data: sections of lines of ``(text, role)`` spans. Pure, no Textual.

The details screen turns these into styled text; tests and screenshots can read
them directly.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from rich.cells import cell_len

from hvtui.hyperv.audit import AuditEntry
from hvtui.model import (
    VM,
    Checkpoint,
    Cluster,
    ClusterNode,
    ClusterRole,
    Disk,
    Host,
    HostStatus,
    Job,
    Replication,
    SharedVolume,
)
from hvtui.model import versions as v
from hvtui.model.vm import NetworkAdapter
from hvtui.ui import render as r
from hvtui.ui.explain import enhanced_session_verdict, export_verdict, resize_verdict

Span = tuple[str, str]
Line = list[Span]

FEATURES: tuple[v.Feature, ...] = (
    v.GENERATION_2, v.ENHANCED_SESSION, v.COPY_VM_FILE, v.ONLINE_VHDX_RESIZE, v.ONLINE_EXPORT,
    v.STORAGE_QOS, v.SHARED_VHDX, v.REPLICA_FREQUENCY, v.EXTENDED_REPLICATION,
    v.CROSS_VERSION_MIGRATION, v.DRAIN_ON_SHUTDOWN,
)


@dataclass(slots=True)
class Section:
    title: str
    lines: list[Line] = field(default_factory=list)

    def kv(self, label: str, value: str, role: str = "") -> None:
        self.lines.append([(pad(label, 24), "muted"), (value or "-", role if value else "muted")])

    def text(self, text: str, role: str = "") -> None:
        self.lines.append([(text, role)])

    def bullet(self, text: str, role: str = "") -> None:
        self.lines.append([("  - ", "muted"), (text, role)])


@dataclass(slots=True)
class Details:
    title: str
    subtitle: str = ""
    sections: list[Section] = field(default_factory=list)

    def section(self, title: str) -> Section:
        s = Section(title)
        self.sections.append(s)
        return s

    def plain(self) -> str:
        """Everything as plain text (for tests and logs)."""
        out = [self.title, self.subtitle]
        for s in self.sections:
            out.append(f"[{s.title}]")
            out.extend("".join(t for t, _ in line) for line in s.lines)
        return "\n".join(out)


def pad(text: str, width: int) -> str:
    """Left-align in ``width`` terminal cells (a Japanese character takes two); text that
    does not fit still gets one space, so columns never run together."""
    used = cell_len(text)
    return text + " " * (width - used if used < width else 1)


def _ago(seconds: float | None) -> str:
    text = r.fmt_age(None if seconds is None else max(0.0, seconds))
    return "just now" if text == "now" else f"{text} ago"


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


# --- VMs ------------------------------------------------------------------------------------

def checkpoint_tree(checkpoints: Iterable[Checkpoint]) -> list[Line]:
    """Checkpoints as an indented tree (``├─``/``└─``), oldest first under each parent."""
    items = list(checkpoints)
    ids = {c.id for c in items}
    children: dict[str, list[Checkpoint]] = {}
    for c in items:
        parent = c.parent_id if c.parent_id in ids else ""
        children.setdefault(parent, []).append(c)
    for kids in children.values():
        kids.sort(key=lambda c: (c.created or dt.datetime.min.replace(tzinfo=dt.UTC),
                                 c.name))
    lines: list[Line] = []

    def walk(parent: str, prefix: str, seen: set[str]) -> None:
        kids = children.get(parent, [])
        for i, c in enumerate(kids):
            if c.id in seen:
                continue  # a loop in bad data must not hang the console
            last = i == len(kids) - 1
            when = c.created.astimezone().strftime("%Y-%m-%d %H:%M") if c.created else ""
            kind = "" if c.type.name == "Standard" else f" [{c.type.name}]"
            lines.append([(prefix + ("└─ " if last else "├─ "), "muted"), (c.name, "accent"),
                          (f"  {when}{kind}", "muted")])
            walk(c.id, prefix + ("   " if last else "│  "), seen | {c.id})

    walk("", "", set())
    return lines


def _replication(section: Section, rep: Replication, now: dt.datetime, extended: bool) -> None:
    section.kv("Relationship", "extended" if extended else "simple")
    section.kv("Mode", str(rep.mode))
    section.kv("State", rep.state.name)
    section.kv("Health", rep.health.name, r.replication_health_role(rep.health))
    section.kv("Primary server", rep.primary_server)
    section.kv("Replica server", rep.replica_server)
    if rep.frequency_fixed:
        section.kv("Frequency", "every 5 minutes, fixed: Windows Server 2012 cannot change it",
                   "muted")
    elif not rep.frequency_sec:
        section.kv("Frequency", "not reported by the host", "muted")
    else:
        section.kv("Frequency", r.fmt_frequency(rep.frequency_sec))
    lag = rep.lag(now)
    section.kv("Last replication", _ago(lag.total_seconds()) if lag is not None else "never")
    problem = rep.problem(now)
    if problem:
        section.kv("Problem", problem, r.replication_health_role(rep.health))


def describe_vm(vm: VM, host: Host | None, now: dt.datetime) -> Details:
    severity, reason = r.vm_health(vm)
    d = Details(f"VM {vm.name}", f"on {vm.host} - {vm.state.name}")
    s = d.section("Summary")
    s.kv("Name", vm.name)
    s.kv("Host", vm.host)
    s.kv("State", vm.state.name, r.vm_state_role(vm.state))
    s.kv("Health", r.SEVERITY_WORD[severity] + (f": {reason}" if reason else ""),
         r.SEVERITY_ROLE[severity])
    s.kv("Status", vm.status)
    if vm.generation:
        firmware = "UEFI, synthetic devices only" if vm.generation == 2 else "BIOS, IDE boot"
        derived = f"; {vm.generation_note}" if vm.generation_note else ""
        s.kv("Generation", f"{vm.generation} ({firmware}{derived})")
    else:
        s.kv("Generation", f"unknown: {vm.generation_note}", "muted")
    version_note = ""
    if host is not None and vm.version and not host.supports_version(vm.version):
        version_note = f" - {host.name} does not list this version"
    if vm.version:
        derived = f" ({vm.version_note})" if vm.version_note else ""
        s.kv("Configuration version", vm.version + derived + version_note,
             "warning" if version_note else "")
    else:
        s.kv("Configuration version", f"unknown: {vm.version_note}", "muted")
    running = vm.state.is_running
    s.kv("Uptime", r.fmt_duration(vm.uptime.total_seconds()) if running else "-")
    s.kv("Processors", f"{vm.processor_count} (CPU {vm.cpu_percent}%)" if running
         else str(vm.processor_count))
    s.kv("Processor compatibility", "on" if vm.processor_compatibility else "off")
    s.kv("Heartbeat", r.heartbeat_text(vm.heartbeat), r.heartbeat_role(vm.heartbeat, running))
    s.kv("Guest OS", vm.guest_os or "unknown (not reported by the guest)")
    s.kv("Clustered", _yes(vm.is_clustered))
    s.kv("Path", vm.path)
    if vm.notes:
        s.kv("Notes", vm.notes)

    m = d.section("Memory")
    m.kv("Startup", r.fmt_bytes(vm.memory_startup) if vm.memory_startup else "-")
    m.kv("Assigned", r.fmt_bytes(vm.memory_assigned) if vm.memory_assigned else "-")
    m.kv("Demand", r.fmt_bytes(vm.memory_demand) if vm.memory_demand else "-")
    m.kv("Dynamic memory", "on" if vm.dynamic_memory else "off")

    e = d.section("Enhanced session")
    verdict = enhanced_session_verdict(vm, host)
    if verdict.ok:
        e.text("available: VMConnect can redirect clipboard, drives, audio, printers, USB",
               "ok")
    else:
        e.text("not available because:", "warning")
        for why in verdict.reasons:
            e.bullet(why)

    x = d.section("Export")
    exported = export_verdict(vm, host)
    if exported.ok:
        x.text("possible while it keeps running" if exported.label == "while it runs"
               else "possible", "ok")
    else:
        x.text(f"{exported.label}: " + "; ".join(exported.reasons), exported.role)

    g = d.section("Guest services (Copy-VMFile)")
    gsi = vm.guest_service_interface
    why_host = v.COPY_VM_FILE.why_not(host.release) if host is not None else None
    if why_host:
        g.text(why_host, "muted")
    elif gsi is None:
        g.text("the host did not report the Guest Service Interface", "muted")
    elif not gsi.enabled:
        g.text("Guest Service Interface is off (the default); enable it to copy files in",
               "muted")
    elif gsi.operational:
        g.text("Guest Service Interface is on and the guest answers", "ok")
    else:
        g.text(f"Guest Service Interface is on, but the guest reports "
               f"{gsi.primary_status or 'nothing'} (is vmicguestinterface running inside?)",
               "warning")

    n = d.section(f"Network adapters ({len(vm.network_adapters)})")
    for nic in vm.network_adapters:
        ips = ", ".join(nic.ip_addresses) or "no address reported"
        n.lines.append([(f"{nic.name}", ""), (f"  switch {nic.switch_name or '-'}", "muted"),
                        (f"  {nic.mac_address or ''}", "muted"), (f"  {ips}", ""),
                        (f"  {nic.status}" if nic.status else "", "muted"),
                        (_nic_extras(nic), "muted")])
    if not vm.network_adapters:
        n.text("none", "muted")

    k = d.section(f"Disks ({len(vm.disks)})")
    for disk in vm.disks:
        verdict = resize_verdict(disk, vm, host)
        k.lines.append([(f"{disk.location:<10}", ""), (disk.path, ""),
                        (f"  {disk.format.name} {disk.type.name} {r.fmt_bytes(disk.size)}",
                         "muted"),
                        (f"  resize: {verdict.label}", verdict.role)])
    if not vm.disks:
        k.text("none", "muted")

    c = d.section(f"Checkpoints ({len(vm.checkpoints)})")
    c.lines.extend(checkpoint_tree(vm.checkpoints) or [[("none", "muted")]])

    i = d.section("Integration services")
    for svc in vm.integration_services:
        role = "ok" if svc.operational else ("muted" if not svc.enabled else "warning")
        state = "on" if svc.enabled else "off"
        i.lines.append([(pad(svc.name, 32), ""), (f"{state:<4}", role),
                        (svc.primary_status or "", role)])
    if not vm.integration_services:
        i.text("not reported", "muted")

    rp = d.section("Replication")
    if vm.replication is None and vm.extended_replication is None:
        rp.text("not replicated", "muted")
    if vm.replication is not None:
        _replication(rp, vm.replication, now, extended=False)
    if vm.extended_replication is not None:
        if vm.replication is not None:
            rp.text("")
        _replication(rp, vm.extended_replication, now, extended=True)
    return d


# --- hosts ----------------------------------------------------------------------------------

def describe_host(status: HostStatus, now: dt.datetime, received: dt.datetime | None) -> Details:
    inv = status.inventory
    d = Details(f"Host {status.name}", "unreachable" if status.error else "")
    s = d.section("Connection")
    if status.error:
        s.kv("Reachable", "no", "critical")
        s.kv("Last error", status.error, "critical")
        if inv is not None:
            s.text("showing the last inventory that worked (stale)", "stale")
    elif inv is None:
        s.kv("Reachable", "connecting...", "muted")
    else:
        s.kv("Reachable", "yes", "ok")
    if received is not None:
        s.kv("Last good refresh", _ago(r.age_seconds(received, now)))
    if inv is None:
        return d
    host = inv.host
    d.subtitle = f"{host.os_name} ({host.os_version})" + (" - STALE" if status.error else "")
    o = d.section("System")
    o.kv("Computer name", host.computer_name)
    o.kv("OS", f"{host.os_name} {host.os_version}")
    o.kv("Release", host.release.name)
    o.kv("Processors", f"{host.logical_processors} logical ({host.processor_name or '?'})")
    o.kv("CPU use", f"{host.cpu_percent}%")
    used = host.memory_capacity - host.memory_free
    o.kv("Memory", f"{r.fmt_bytes(used)} used of {r.fmt_bytes(host.memory_capacity)} "
                   f"({host.memory_used_percent}%)")
    if host.cluster_problem:  # the clustering tools answered, but no cluster could be read
        o.kv("Cluster", f"not read: {host.cluster_problem}")
    else:
        o.kv("Cluster", host.cluster or ("standalone (clustering tools installed)"
                                         if host.failover_clusters else "standalone"))
    run, off, other = 0, 0, 0
    for vm in inv.vms:
        base = vm.state.base.name
        run += base == "Running"
        off += base == "Off"
        other += base not in ("Running", "Off")
    o.kv("VMs", f"{len(inv.vms)}: {run} running, {off} off, {other} other")

    lm = d.section("Live migration")
    mig = host.migration
    lm.kv("Enabled", _yes(mig.enabled), "ok" if mig.enabled else "muted")
    lm.kv("Authentication", mig.authentication.name)
    lm.kv("Performance option", mig.performance.name)
    lm.kv("Simultaneous", str(mig.simultaneous))
    lm.kv("Networks", "any network" if mig.use_any_network else
          ", ".join(mig.networks) or "none listed: incoming live migrations are refused")
    # host settings (issue 11, hostcfg)
    hs = d.section("Host settings")
    hs.kv("NUMA spanning", "on" if host.numa_spanning else "off")
    hs.kv("Storage migrations", f"{host.storage_migrations} at a time")

    e = d.section("Enhanced session mode policy")
    why = v.ENHANCED_SESSION.why_not(host.release)
    if why:
        e.text(why, "muted")
    else:
        e.text("on" if host.enhanced_session_mode else
               "off (the default on Windows Server)",
               "ok" if host.enhanced_session_mode else "muted")

    c = d.section("VM configuration versions")
    c.kv("Supported", ", ".join(host.supported_versions))
    c.kv("Default", host.default_version or host.release.default_version)

    f = d.section("Features on this host")
    for feature in FEATURES:
        reason = feature.why_not(host.release)
        if reason:
            f.lines.append([("  no  ", "muted"), (reason, "muted")])
        else:
            f.lines.append([("  yes ", "ok"), (feature.name, "")])

    st = d.section("Storage")
    st.kv("Virtual disk path", host.virtual_hard_disk_path)
    st.kv("VM path", host.virtual_machine_path)
    for vol in host.volumes:
        label = f"{vol.drive_letter}: {vol.label}".strip() if vol.drive_letter else vol.path
        st.kv(label, f"{r.fmt_bytes(vol.free)} free of {r.fmt_bytes(vol.size)}")
    sw = d.section("Virtual switches")
    for name in host.switches:
        sw.text(name)
    if not host.switches:
        sw.text("none", "muted")
    return d


# --- disks, replicas, clusters, jobs, audit -------------------------------------------------

def describe_disk(disk: Disk, vm: VM | None, host: Host | None) -> Details:
    d = Details(f"Disk {disk.location} of {disk.vm_name}", disk.path)
    s = d.section("Disk")
    s.kv("VM", f"{disk.vm_name} on {disk.host}")
    s.kv("Path", disk.path)
    s.kv("Format / type", f"{disk.format.name} {disk.type.name}")
    s.kv("Controller", disk.location)
    s.kv("Size", r.fmt_bytes(disk.size))
    s.kv("File size", r.fmt_bytes(disk.file_size))
    s.kv("Minimum size", r.fmt_bytes(disk.min_size) if disk.min_size else "-")
    s.kv("Block size", r.fmt_bytes(disk.block_size) if disk.block_size else "-")
    if disk.parent_path:
        s.kv("Parent", disk.parent_path)
    s.kv("Shared VHDX", _yes(disk.shared), "accent" if disk.shared else "")
    s.kv("Storage QoS", f"min {disk.min_iops or 0} / max {disk.max_iops or 'unlimited'} IOPS"
         if disk.has_qos else "none")
    z = d.section("Resize")
    verdict = resize_verdict(disk, vm, host)
    if verdict.ok:
        z.text("can be resized online (VHDX on SCSI, host 2012 R2 or later)", "ok")
    else:
        z.text(f"{verdict.label}:", verdict.role)
        for why in verdict.reasons:
            z.bullet(why)
    return d


def describe_cluster(cluster: Cluster, focus: object) -> Details:
    d = Details(f"Cluster {cluster.name}")
    if isinstance(focus, ClusterNode):
        d.subtitle = f"node {focus.name}"
    elif isinstance(focus, ClusterRole):
        d.subtitle = f"VM role {focus.name}"
    elif isinstance(focus, SharedVolume):
        d.subtitle = f"CSV {focus.name}"
    s = d.section("Cluster")
    if cluster.drain_on_shutdown is None:
        s.kv("DrainOnShutdown", "not available: the setting is new in Windows Server 2012 R2; "
                                "drain nodes by hand before shutting them down", "muted")
    else:
        s.kv("DrainOnShutdown", "on: a node shutting down is drained first" if
             cluster.drain_on_shutdown else "OFF: VMs are not moved off a node that shuts down",
             "ok" if cluster.drain_on_shutdown else "warning")
    n = d.section(f"Nodes ({len(cluster.nodes)})")
    for node in cluster.nodes:
        n.lines.append([(pad(node.name, 20), "accent" if node is focus else ""),
                        (f"{node.state.name:<10}", r.node_state_role(node.state)),
                        (f"drain {node.drain_status.name}", r.drain_role(node.drain_status))])
    g = d.section(f"VM roles ({len(cluster.roles)})")
    for role in cluster.roles:
        g.lines.append([(pad(role.name, 24), "accent" if role is focus else ""),
                        (f"{role.state.name:<14}", r.group_state_role(role.state)),
                        ("owner " + pad(role.owner_node, 16), ""),
                        (f"priority {role.priority_name}", "muted")])
    c = d.section(f"Cluster Shared Volumes ({len(cluster.shared_volumes)})")
    for csv in cluster.shared_volumes:
        c.lines.append([(pad(csv.name, 24), "accent" if csv is focus else ""),
                        (f"{csv.state.name:<22}", r.csv_state_role(csv.state)),
                        ("owner " + pad(csv.owner_node, 16), ""),
                        (f"{csv.path}  {r.fmt_bytes(csv.free)} free of {r.fmt_bytes(csv.size)}"
                         if csv.reported else "path and size not reported (PowerShell 7 "
                         "returns SharedVolumeInfo empty, PowerShell#20495)", "muted")])
    return d


def describe_job(job: Job) -> Details:
    d = Details(f"Job {job.id}: {job.operation}", job.state.value)
    s = d.section("Job")
    s.kv("Operation", job.operation)
    s.kv("Host", job.host)
    s.kv("Target", job.target)
    s.kv("State", job.state.value, r.job_state_role(job.state))
    s.kv("Progress", r.progress_bar(job.percent, 20))
    s.kv("Started", job.started.astimezone().strftime("%Y-%m-%d %H:%M:%S"))
    if job.finished is not None:
        s.kv("Finished", job.finished.astimezone().strftime("%Y-%m-%d %H:%M:%S"))
    s.kv("Latest message", job.status)
    return d


def describe_audit(entry: AuditEntry) -> Details:
    d = Details(f"Audit: {entry.operation}", entry.time)
    s = d.section("Entry")
    s.kv("Time", entry.time)
    s.kv("User", entry.user)
    s.kv("Host", entry.host)
    s.kv("Operation", entry.operation)
    s.kv("Outcome", entry.outcome, r.audit_outcome_role(entry.outcome))
    s.kv("Message", entry.message)
    p = d.section("Parameters")
    for key, value in entry.parameters.items():
        p.kv(str(key), json.dumps(value, ensure_ascii=False, default=str)
             if not isinstance(value, str) else value)
    if not entry.parameters:
        p.text("none", "muted")
    return d


def _nic_extras(nic: NetworkAdapter) -> str:
    """Legacy, access VLAN and the guards that are on (networking, issue 11); '' when none."""
    extras = (["legacy"] if nic.legacy else []) + ([f"VLAN {nic.vlan}"] if nic.vlan else []) \
        + [name for name, on in (("MAC spoofing", nic.mac_spoofing),
                                 ("DHCP guard", nic.dhcp_guard),
                                 ("router guard", nic.router_guard)) if on]
    return f"  {', '.join(extras)}" if extras else ""

def describe_event(event: object) -> Details:
    """One event of the Events pane (a host's, or hvtui's audit log or job): all its text."""
    from hvtui.hyperv.events import Event

    if not isinstance(event, Event):
        return Details(str(event))
    when = event.time.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    d = Details(f"Event {event.event_id or ''} on {event.host}".replace("  ", " "), when)
    s = d.section("Event")
    s.kv("Time", when)
    s.kv("Host", event.host)
    s.kv("Level", event.level_name,
         "critical" if event.level <= 2 else "warning" if event.level == 3 else "")
    s.kv("Source", event.source)
    s.kv("Channel", event.channel)
    s.kv("Event id", str(event.event_id) if event.event_id else "")
    s.kv("VM", event.vm_name)
    s.kv("VM id", event.vm_id)
    m = d.section("Message")
    for line in event.message.splitlines() or [""]:
        m.text(line)
    return d
