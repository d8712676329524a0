"""A large estate built in code: hosts x VMs with a realistic mix, reproducible by seed.

This is what benchmarks measure (``Lab.generated(100, 100)`` builds 10,000 VMs in well
under a second). Hosts come in 2012 R2 clusters of four and standalone hosts of every
release; VMs mix generations, guests, power states, disks and a little replication, all
chosen by a seeded random generator, so the same seed always yields the same estate.
"""

from __future__ import annotations

import math
import random
import uuid

from hvtui.lab.clock import LabClock
from hvtui.lab.estate import (
    VM,
    Adapter,
    Cluster,
    ClusterGroup,
    ClusterNode,
    Drive,
    Estate,
    Host,
    ReplicationChain,
    ReplicationLink,
    SharedVolume,
    Vhd,
    Volume,
    default_dvd,
    path_key,
)
from hvtui.lab.releases import PROCESSOR_FAMILIES, RELEASES

GB = 1024**3
MB = 1024**2
CLUSTER_SIZE = 4

_STANDALONE_RELEASES = (("2012", 1), ("2012R2", 4), ("2016", 2), ("2019", 2), ("2022", 1))
_CPU = {
    "GenuineIntel": [
        ("IvyBridge-EP", "Intel(R) Xeon(R) CPU E5-2680 v2 @ 2.80GHz"),
        ("Haswell-EP", "Intel(R) Xeon(R) CPU E5-2660 v3 @ 2.60GHz"),
        ("Skylake-SP", "Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz"),
        ("IceLake-SP", "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz"),
    ],
    "AuthenticAMD": [
        ("Opteron-Piledriver", "AMD Opteron(tm) Processor 6376"),
        ("EPYC-Rome", "AMD EPYC 7452 32-Core Processor"),
    ],
}
_WINDOWS = {
    "2012": ["Windows Server 2012 Standard", "Windows Server 2008 R2 Enterprise"],
    "2012R2": [
        "Windows Server 2012 R2 Standard",
        "Windows Server 2012 R2 Datacenter",
        "Windows Server 2008 R2 Standard",
    ],
    "2016": ["Windows Server 2016 Datacenter", "Windows Server 2012 R2 Standard"],
    "2019": ["Windows Server 2019 Standard", "Windows Server 2016 Datacenter"],
    "2022": ["Windows Server 2022 Datacenter", "Windows 11 Enterprise"],
}
_LINUX = [
    "Ubuntu 14.04.1 LTS",
    "Ubuntu 18.04.5 LTS",
    "Red Hat Enterprise Linux Server 7.0 (Maipo)",
    "CentOS release 6.5 (Final)",
]
_ROLES = ["web", "app", "sql", "file", "dc", "rds", "build", "mon", "cache", "api"]
_STATES = (("Running", 75), ("Off", 14), ("Saved", 5), ("Paused", 3), ("Critical", 3))


def _pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    total = sum(weight for _name, weight in weighted)
    point = rng.random() * total
    for name, weight in weighted:
        point -= weight
        if point < 0:
            return name
    return weighted[-1][0]


def _id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def generate_estate(
    hosts: int, vms_per_host: int, seed: int = 0, *, speed: float = 1.0, instant: bool = False
) -> Estate:
    if hosts < 1 or vms_per_host < 0:
        raise ValueError("a generated lab needs at least one host and no negative VM count")
    rng = random.Random(seed)
    estate = Estate(seed=seed, clock=LabClock(speed, instant=instant), domain="lab.local")
    clustered_hosts = (hosts * 6 // 10) // CLUSTER_SIZE * CLUSTER_SIZE
    for index in range(hosts):
        cluster_index = index // CLUSTER_SIZE if index < clustered_hosts else None
        release_key = "2012R2" if cluster_index is not None else _pick(rng, _STANDALONE_RELEASES)
        host = _host(rng, estate, index, release_key)
        if cluster_index is not None:
            _join_cluster(estate, host, cluster_index, rng)
        estate.add_host(host)
        for number in range(vms_per_host):
            vm = _vm(rng, estate, host, number)
            host.vms[vm.id] = vm
    _replicate(rng, estate)
    return estate


def _host(rng: random.Random, estate: Estate, index: int, release_key: str) -> Host:
    vendor = "AuthenticAMD" if rng.random() < 0.2 else "GenuineIntel"
    family, cpu_name = rng.choice(_CPU[vendor])
    release = RELEASES[release_key]
    host = Host(
        name=f"HV{index + 1:03d}",
        release=release,
        edition="Datacenter",
        cpu_name=cpu_name,
        cpu=PROCESSOR_FAMILIES[family],
        logical_processors=rng.choice((24, 32, 40, 64, 128)),
        memory_capacity=rng.choice((128, 192, 256, 384, 512, 768)) * GB,
        domain=estate.domain,
        migration_enabled=rng.random() < 0.85,
        migration_auth="Kerberos" if rng.random() < 0.6 else "CredSSP",
        migration_performance="Compression" if release.at_least("2012R2") else "",
        use_any_network=rng.random() < 0.5,
        migration_networks=["10.10.20.0/24"],
        switches=["External-LAN", "DMZ"],
        vm_path="D:\\VMs",
        base_load=rng.uniform(1.0, 5.0),
    )
    host.volumes = [
        Volume("C", "System", 278 * GB, rng.randint(80, 200) * GB, _id(rng)),
        Volume("D", "VMs", 8192 * GB, rng.randint(2000, 6000) * GB, _id(rng)),
    ]
    host.files["c:\\tools\\hvtui-agent.msi"] = "C:\\Tools\\hvtui-agent.msi"
    return host


def _join_cluster(estate: Estate, host: Host, cluster_index: int, rng: random.Random) -> None:
    name = f"CL{cluster_index + 1:02d}"
    cluster = estate.clusters.get(name.casefold())
    if cluster is None:
        cluster = Cluster(name=name)
        cluster.shared_volumes.append(
            SharedVolume(
                "Cluster Disk 1",
                "C:\\ClusterStorage\\Volume1",
                host.name,
                16384 * GB,
                rng.randint(4000, 12000) * GB,
            )
        )
        estate.clusters[name.casefold()] = cluster
    host.cluster = name
    cluster.nodes.append(ClusterNode(host.name))


def _vm(rng: random.Random, estate: Estate, host: Host, number: int) -> VM:
    release = host.release
    linux = rng.random() < 0.25
    guest_os = rng.choice(_LINUX) if linux else rng.choice(_WINDOWS[release.key])
    generation = 1 if release.key == "2012" or rng.random() < 0.3 else 2
    version = release.default_version
    if release.key in ("2016", "2019") and rng.random() < 0.2:
        version = "5.0"  # carried over from 2012 R2
    state = _pick(rng, _STATES)
    critical = state == "Critical"
    state = "Off" if critical and rng.random() < 0.5 else ("Running" if critical else state)
    cluster = estate.cluster_of(host)
    storage = "C:\\ClusterStorage\\Volume1" if cluster else host.vm_path
    # Every disk of a VM is on the same storage: work out who sees it once.
    scope = estate.storage_scope(host, storage + "\\")
    name = f"{rng.choice(_ROLES)}-{host.name.lower()}-{number + 1:03d}"
    vm_id = _id(rng)
    memory = rng.choice((1, 2, 4, 8, 16, 32)) * GB
    vm = VM(
        id=vm_id,
        name=name,
        generation=generation,
        version=version,
        state=state,
        critical=critical,
        cpus=rng.choice((1, 2, 2, 4, 4, 8)),
        memory_startup=memory,
        memory_maximum=memory * 2,
        dynamic_memory=rng.random() < 0.4,
        load=rng.uniform(2, 60),
        guest_os=guest_os,
        linux=linux,
        app_health="Unknown" if linux else "Healthy",
        path=f"{storage}\\{name}",
        phase=rng.random() * 2 * math.pi,
        compat=rng.random() < 0.15,
    )
    if critical:
        vm.status = "Cannot connect to virtual machine configuration storage"
    if vm.active:
        vm.started_at = -rng.uniform(0.1, 200) * 86400
    if vm.carries_cpu_state:
        vm.cpu_features = (host.cpu.vendor, 0 if vm.compat else host.cpu.level)
    fmt = "VHD" if generation == 1 and rng.random() < 0.4 else "VHDX"
    controller = "IDE" if generation == 1 else "SCSI"
    for disk_index in range(rng.choice((1, 1, 2, 3))):
        size = rng.choice((40, 60, 127, 200, 500)) * GB
        path = f"{storage}\\{name}\\{name}-{disk_index}.{fmt.lower()}"
        dynamic = rng.random() < 0.8
        used = int(size * rng.uniform(0.1, 0.7)) if dynamic else size
        estate.vhds[(scope, path_key(path))] = Vhd(
            path,
            fmt,
            "Dynamic" if dynamic else "Fixed",
            size,
            used + (4 * MB if fmt == "VHDX" else 512),
            int(size * rng.uniform(0.5, 1.0)) // MB * MB if fmt == "VHDX" else None,
            (32 * MB if fmt == "VHDX" else 2 * MB) if dynamic else 0,
        )
        on_ide = controller == "IDE" and disk_index == 0
        vm.drives.append(
            Drive(
                path,
                "IDE" if on_ide else "SCSI",
                0,
                disk_index if on_ide else max(0, disk_index - 1),
                max_iops=rng.choice((0, 0, 0, 1000, 5000)) if release.at_least("2012R2") else 0,
            )
        )
        fmt = "VHDX" if generation == 2 else fmt
    default_dvd(vm)
    vm.adapters.append(
        Adapter(
            "Network Adapter",
            rng.choice(host.switches),
            "00155D" + vm_id.replace("-", "")[:6].upper(),
            [f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(2, 254)}"],
        )
    )
    if cluster is not None:
        vm.clustered = True
        cluster.groups.append(
            ClusterGroup(
                name=name,
                vm_id=vm_id,
                owner=host.name,
                priority=rng.choice((3000, 2000, 2000, 1000)),
            )
        )
    return vm


def _replicate(rng: random.Random, estate: Estate) -> None:
    """About one standalone VM in twenty replicates to another standalone host that can run it."""
    standalone = [
        h for h in estate.hosts.values() if not h.cluster and h.release.at_least("2012R2")
    ]
    if len(standalone) < 2:
        return
    for host in standalone:
        for vm in list(host.vms.values()):
            if rng.random() >= 0.05 or vm.replication_mode != "None":
                continue
            candidates = [
                h
                for h in standalone
                if h is not host and h.release.supports(vm.version) and vm.id not in h.vms
            ]
            if not candidates:
                continue
            target = rng.choice(candidates)
            frequency = rng.choice((30, 300, 900))
            link = ReplicationLink(
                host.name, target.name, frequency, anchor=-rng.uniform(0, frequency)
            )
            if rng.random() < 0.1:
                link.health, link.lag = "Warning", frequency * 4.0
            estate.replications[vm.id] = ReplicationChain(vm.id, link)
            vm.replication_mode = "Primary"
            copy = VM(
                id=vm.id,
                name=vm.name,
                generation=vm.generation,
                version=vm.version,
                cpus=vm.cpus,
                memory_startup=vm.memory_startup,
                memory_maximum=vm.memory_maximum,
                guest_os=vm.guest_os,
                linux=vm.linux,
                app_health=vm.app_health,
                path=f"D:\\Replica\\{vm.name}",
                replication_mode="Replica",
                phase=vm.phase,
            )
            target.vms[vm.id] = copy
