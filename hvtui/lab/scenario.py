"""Scenario files: a TOML description of an estate, validated, turned into an :class:`Estate`.

The format is documented by ``scenarios/default.toml`` itself. Every mistake raises
:class:`hvtui.errors.ConfigError` naming the file, where in it (the TOML line and column
for syntax errors; the host, VM and key otherwise) and how to fix it.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from hvtui.errors import ConfigError
from hvtui.lab import winevents
from hvtui.lab.clock import LabClock
from hvtui.lab.estate import (
    Cluster,
    ClusterNode,
    Estate,
    Host,
    SharedVolume,
    SwitchInfo,
    Volume,
    guid,
    is_absolute,
    key,
    path_key,
)
from hvtui.lab.platform import (
    FAILOVER_CLUSTERS,
    LANGUAGES,
    PWSH_VERSIONS,
    Platform,
    pwsh_unsupported_reason,
)
from hvtui.lab.releases import PROCESSOR_FAMILIES, RELEASES
from hvtui.lab.scenario_reader import GB, PendingRole, Reader
from hvtui.lab.scenario_replication import build_replication
from hvtui.lab.scenario_vms import build_vm


def default_scenario() -> Path:
    """The estate shipped with hvtui (package data)."""
    return Path(str(resources.files("hvtui.lab") / "scenarios" / "default.toml"))


def load(path: str | Path | None = None, *, speed: float = 1.0, instant: bool = False) -> Estate:
    """Read and validate a scenario file (None: the shipped default) into an estate."""
    file = Path(path) if path is not None else default_scenario()
    label = str(path) if path is not None else "hvtui/lab/scenarios/default.toml"
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"cannot read scenario {label}: {exc.strerror or exc}",
            hint="check the path, or omit it to use the default estate",
        ) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"scenario {label} is not UTF-8 text (byte {exc.start})",
            hint="save it as UTF-8, as TOML requires",
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{label}: not valid TOML: {exc}", hint="fix the TOML syntax at that line and column"
        ) from exc
    return build(data, label, speed=speed, instant=instant)


def build(data: dict[str, Any], file: str, *, speed: float = 1.0, instant: bool = False) -> Estate:
    root = Reader(data, "", file)
    lab = root.table("lab") or Reader({}, "lab", file)
    seed = lab.get("seed", int, 0)
    domain = lab.get("domain", str, "")
    start = lab.get("start", dt.datetime, None)
    if start is not None and start.tzinfo is None:
        raise lab.fail(
            "key 'start' has no time zone",
            "write it with Z or an offset, e.g. 2025-01-06T08:00:00Z",
        )
    lab.done()
    clock = LabClock(speed, instant=instant, start=start)
    estate = Estate(seed=seed, clock=clock, domain=domain)

    clusters = [_cluster(r) for r in root.tables("cluster", "cluster")]
    node_of: dict[str, str] = {}
    for cluster, _reader in clusters:
        if key(cluster.name) in estate.clusters:
            raise _reader.fail(
                f"cluster '{cluster.name}' is defined twice", "give each cluster a unique name"
            )
        estate.clusters[key(cluster.name)] = cluster
        for node in cluster.nodes:
            if key(node.name) in node_of:
                raise _reader.fail(
                    f"host '{node.name}' is a node of two clusters",
                    "list each host in one cluster only",
                )
            node_of[key(node.name)] = cluster.name

    pending: list[PendingRole] = []
    for reader in root.tables("host", "host"):
        host = _host(estate, reader, node_of, pending)
        if key(host.name) in estate.hosts:
            raise reader.fail(
                f"host '{host.name}' is defined twice", "give each host a unique name"
            )
        estate.add_host(host)

    for cluster, reader in clusters:
        for node in cluster.nodes:
            if estate.host(node.name) is None:
                raise reader.fail(
                    f"node '{node.name}' is not a [[host]] of this scenario",
                    "add a [[host]] with that name or remove it from nodes",
                )
        for csv in cluster.shared_volumes:
            if cluster.node(csv.owner) is None:
                raise reader.fail(
                    f"shared volume '{csv.name}' is owned by '{csv.owner}', not a node of it",
                    "set owner to one of the cluster's nodes",
                )
        reader.done()
    for item in pending:
        cluster = estate.clusters[key(item.cluster)]
        if cluster.group(item.group.name) is not None:
            raise item.reader.fail(
                f"cluster role '{item.group.name}' exists twice in '{cluster.name}'",
                "give the VM (or its cluster_role name) a unique name in the cluster",
            )
        cluster.groups.append(item.group)

    for reader in root.tables("replication", "replication"):
        build_replication(estate, reader)
    root.done()
    winevents.seed(estate)  # events pane (issue 12)
    return estate


# --- clusters ----------------------------------------------------------------------------


def _cluster(reader: Reader) -> tuple[Cluster, Reader]:
    cluster = Cluster(
        name=reader.get("name", str),
        drain_on_shutdown=reader.get("drain_on_shutdown", int, 1, choices=[0, 1]),
        broker=reader.get("broker", str, ""),
    )
    states = reader.table("node_state")
    drains = reader.table("drain_status")
    for name in reader.strings("nodes"):
        state = states.get(name, str, "Up", choices=["Up", "Paused", "Down"]) if states else "Up"
        drain = (
            drains.get(
                name,
                str,
                "NotInitiated",
                choices=["NotInitiated", "InProgress", "Completed", "Failed"],
            )
            if drains
            else "NotInitiated"
        )
        cluster.nodes.append(ClusterNode(name, state, drain))
    for table in (states, drains):
        if table:
            table.done()
    if not cluster.nodes:
        raise reader.fail("a cluster needs at least one node", "list its hosts in nodes = [...]")
    for csv in reader.tables("shared_volume", "shared volume"):
        path = csv.get("path", str)
        if not path.lower().startswith("c:\\clusterstorage\\"):
            raise csv.fail(
                f"path '{path}' is not under C:\\ClusterStorage", "use C:\\ClusterStorage\\VolumeN"
            )
        size = int(csv.get("size_gb", (int, float), minimum=1) * GB)
        free = int(csv.get("free_gb", (int, float), minimum=0) * GB)
        if free > size:
            raise csv.fail("free_gb is larger than size_gb", "make free_gb at most size_gb")
        cluster.shared_volumes.append(
            SharedVolume(csv.get("name", str), path, csv.get("owner", str), size, free)
        )
        csv.done()
    return cluster, reader


# --- hosts ---------------------------------------------------------------------------------


def _switches(host: Host, reader: Reader) -> None:
    """Networking (issue 11): ``switches`` are external, one per physical adapter in order;
    ``internal_switches`` and ``private_switches`` add the other types; ``net_adapters``
    names the physical adapters (default: Ethernet, Ethernet 2, 3, 4)."""
    host.net_adapters = reader.strings("net_adapters", host.net_adapters)
    if len(host.switches) > len(host.net_adapters):
        raise reader.fail(
            f"{len(host.switches)} external switches but {len(host.net_adapters)} physical "
            f"adapters (each external switch binds one)",
            "list more net_adapters, or make some switches internal_switches/private_switches",
        )
    for name, adapter in zip(host.switches, host.net_adapters, strict=False):
        host.switch_info[key(name)] = SwitchInfo("External", adapter, True)
    for kind in ("Internal", "Private"):
        for name in reader.strings(f"{kind.lower()}_switches"):
            if host.has_switch(name):
                raise reader.fail(f"switch '{name}' is listed twice",
                                  "give every switch of a host its own name")
            host.switches.append(name)
            host.switch_info[key(name)] = SwitchInfo(kind, "", kind == "Internal")


def _host(
    estate: Estate, reader: Reader, node_of: dict[str, str], pending: list[PendingRole]
) -> Host:
    name = reader.get("name", str)
    if not name or "." in name or " " in name:
        raise reader.fail(
            f"host name {name!r} is not a short computer name", "use a name like HV-NODE1"
        )
    release = RELEASES[reader.get("os", str, choices=list(RELEASES))]
    family_name = reader.get("processor_family", str, choices=list(PROCESSOR_FAMILIES))
    host = Host(
        name=name,
        release=release,
        edition=reader.get("edition", str, "Datacenter", choices=["Datacenter", "Standard"]),
        cpu_name=reader.get("processor", str),
        cpu=PROCESSOR_FAMILIES[family_name],
        logical_processors=reader.get("logical_processors", int, minimum=1),
        memory_capacity=int(reader.get("memory_gb", (int, float), minimum=1) * GB),
        domain=estate.domain,
        enhanced_session=reader.get("enhanced_session", bool, False),
        switches=reader.strings("switches"),
        cluster=node_of.get(key(name), ""),
        base_load=reader.get("base_load", (int, float), 3.0, minimum=0),
    )
    _switches(host, reader)
    host.vm_path = reader.get("vm_path", str, host.vm_path)
    host.vhd_path = reader.get("vhd_path", str, host.vhd_path)
    host.replica_storage = reader.get("replica_storage", str, host.vm_path)
    for path in reader.strings("files"):
        if not is_absolute(path):
            raise reader.fail(
                f"file '{path}' is not a full path", "write it like C:\\Tools\\setup.exe"
            )
        host.files[path_key(path)] = path
    if host.enhanced_session and not release.at_least("2012R2"):
        raise reader.fail(
            "enhanced_session is on, but 2012 has no enhanced session mode",
            "remove enhanced_session",
        )
    _migration(host, reader)
    if not release.at_least("2012R2"):
        host.migration_performance = ""  # 2012 has no performance options: always TCP/IP
    for volume in reader.tables("volume", "volume"):
        _volume(estate, host, volume)
    if not host.volumes:
        raise reader.fail("a host needs at least one [[host.volume]]", "add its C: volume")
    host.platform = _platform(host, reader)
    for vm_reader in reader.tables("vm", "vm"):
        vm = build_vm(estate, host, vm_reader, pending)
        host.vms[vm.id] = vm
    reader.done()
    return host


def _platform(host: Host, reader: Reader) -> Platform:
    """The host's software: its release's Windows PowerShell unless ``powershell`` names a
    pwsh 7 version; FailoverClusters on cluster nodes, and wherever ``modules`` adds it (the
    clustering tools installed on a standalone host); the display ``language``."""
    base = host.software
    shell = reader.get("powershell", str, "", choices=["", *PWSH_VERSIONS])
    version = base.ps_version
    if shell:
        why = pwsh_unsupported_reason(base.release)
        if why:
            raise reader.fail(f"powershell = {shell!r}: {why}", "remove powershell")
        major, minor = shell.split(".")
        version = (int(major), int(minor))
    extra = reader.strings("modules")
    for module in extra:
        if module != FAILOVER_CLUSTERS:
            raise reader.fail(
                f"module {module!r} is not one the lab installs on demand",
                f"list only {FAILOVER_CLUSTERS} (Hyper-V, Storage and CimCmdlets are always there)",
            )
    language = reader.get("language", str, "en-US", choices=list(LANGUAGES))
    return Platform(base.release, version, base.modules | frozenset(extra), language)


def _migration(host: Host, reader: Reader) -> None:
    table = reader.table("migration")
    if table is None:
        return
    host.migration_enabled = table.get("enabled", bool, False)
    host.migration_auth = table.get(
        "authentication", str, "CredSSP", choices=["CredSSP", "Kerberos"]
    )
    performance = table.get(
        "performance", str, "Compression", choices=["TCPIP", "Compression", "SMB"]
    )
    if performance != "Compression" and not host.release.at_least("2012R2"):
        raise table.fail(
            "2012 has no migration performance options",
            "remove performance (2012 always uses TCP/IP)",
        )
    host.migration_performance = performance
    host.max_migrations = table.get("simultaneous", int, 2, minimum=1)
    host.use_any_network = table.get("any_network", bool, False)
    host.migration_networks = table.strings("networks")
    host.delegation = {key(n) for n in table.strings("delegation")}
    table.done()


def _volume(estate: Estate, host: Host, reader: Reader) -> None:
    letter = reader.get("letter", str)
    if len(letter) != 1 or not letter.isalpha():
        raise reader.fail(
            f"letter {letter!r} is not a drive letter", 'use a single letter like "D"'
        )
    if host.volume(letter + ":") is not None:
        raise reader.fail(f"drive {letter}: is defined twice", "give each volume its own letter")
    size = int(reader.get("size_gb", (int, float), minimum=1) * GB)
    free = int(reader.get("free_gb", (int, float), minimum=0) * GB)
    if free > size:
        raise reader.fail("free_gb is larger than size_gb", "make free_gb at most size_gb")
    host.volumes.append(
        Volume(
            letter.upper(),
            reader.get("label", str, ""),
            size,
            free,
            guid(estate.seed, f"volume|{host.name}|{letter}"),
        )
    )
    reader.done()
