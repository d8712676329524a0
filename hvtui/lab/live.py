"""What makes the estate alive: values that move with the lab clock.

Each value is a pure function of (seed, VM, simulated time), so two labs with the same
seed read the same numbers at the same simulated moment, and nothing needs a background
ticker. Noise comes from a keyed hash (never Python's per-process ``hash``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math

from hvtui.lab.estate import VM, Estate, Host, ReplicationLink

_MB = 1024**2
_LOAD_PERIOD = 900.0
"""Seconds of one swing of a VM's load curve."""
_NOISE_BUCKET = 10.0
"""Seconds the random part of a value stays still (what a refresh every few seconds sees)."""


def unit_noise(seed: int, name: str, bucket: int) -> float:
    """A reproducible number in [0, 1) for (seed, name, bucket)."""
    digest = hashlib.blake2b(f"{seed}|{name}|{bucket}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def phase_for(seed: int, name: str) -> float:
    return unit_noise(seed, name, -1) * 2 * math.pi


def _swing(vm: VM, elapsed: float) -> float:
    """-1..1: where the VM is on its slow load curve."""
    return math.sin(2 * math.pi * elapsed / _LOAD_PERIOD + vm.phase)


def cpu_usage(estate: Estate, vm: VM, elapsed: float) -> int:
    """Guest CPU % (0 unless the VM is running)."""
    if vm.state != "Running":
        return 0
    noise = unit_noise(estate.seed, vm.id, int(elapsed // _NOISE_BUCKET)) - 0.5
    value = vm.load * (1 + 0.35 * _swing(vm, elapsed)) + noise * max(4.0, vm.load * 0.4)
    return max(0, min(100, round(value)))


def memory(estate: Estate, vm: VM, elapsed: float) -> tuple[int, int]:
    """(MemoryAssigned, MemoryDemand) in bytes; both 0 unless the VM is running or paused."""
    if not vm.active:
        return 0, 0
    noise = unit_noise(estate.seed, vm.id + "/mem", int(elapsed // _NOISE_BUCKET))
    pressure = 0.55 + 0.2 * _swing(vm, elapsed) + 0.1 * noise
    demand = int(vm.memory_startup * pressure) // (2 * _MB) * (2 * _MB)
    if vm.dynamic_memory:
        assigned = min(vm.memory_maximum, max(demand * 6 // 5, 512 * _MB))
        assigned = assigned // (2 * _MB) * (2 * _MB)
    else:
        assigned = vm.memory_startup
    return assigned, demand


def uptime(vm: VM, elapsed: float) -> int:
    if not vm.active or vm.started_at is None:
        return 0
    return max(0, int(elapsed - vm.started_at))


def host_cpu(estate: Estate, host: Host, elapsed: float) -> int:
    used = sum(cpu_usage(estate, vm, elapsed) * vm.cpus for vm in host.vms.values())
    noise = unit_noise(estate.seed, host.name, int(elapsed // _NOISE_BUCKET))
    value = host.base_load + noise * 2 + used / max(1, host.logical_processors)
    return max(0, min(100, round(value)))


def host_memory_free(estate: Estate, host: Host, elapsed: float) -> int:
    # The parent partition keeps about 2 GB plus a small share of the host's memory.
    reserve = 2 * 1024**3 + host.memory_capacity // 50
    used = sum(memory(estate, vm, elapsed)[0] for vm in host.vms.values())
    return max(0, host.memory_capacity - reserve - used)


def last_replication(estate: Estate, link: ReplicationLink, elapsed: float) -> dt.datetime | None:
    """When the link last sent (or received) changes.

    A replicating link completes a cycle every ``frequency`` seconds; a lagging one (health
    Warning) runs ``lag`` seconds behind; a suspended, failed or failed-over one stays at
    the moment it stopped.
    """
    if link.frozen is not None:
        return estate.clock.at(link.frozen)
    moment = elapsed - link.lag
    cycles = math.floor((moment - link.anchor) / link.frequency)
    return estate.clock.at(link.anchor + cycles * link.frequency)


def freeze_link(estate: Estate, link: ReplicationLink, elapsed: float) -> None:
    """Stop a link's clock at its last replication (suspend, failover, error)."""
    last = last_replication(estate, link, elapsed)
    if link.frozen is None and last is not None:
        link.frozen = (last - estate.clock.start).total_seconds()


def restart_link(link: ReplicationLink, elapsed: float) -> None:
    """Resume a link's cycle now: it sends at once and then every ``frequency`` seconds."""
    link.frozen = None
    link.lag = 0.0
    link.anchor = elapsed
    link.recovery_point = None
