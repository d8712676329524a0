"""Scenario replication: [[replication]] tables become chains with Replica copies of the VM."""

from __future__ import annotations

from hvtui.lab import live
from hvtui.lab.estate import (
    VM,
    Adapter,
    Drive,
    Estate,
    Host,
    ReplicationChain,
    ReplicationLink,
    Vhd,
    basename,
    join,
)
from hvtui.lab.releases import has_feature
from hvtui.lab.scenario_reader import Reader

REPLICATION_STATES = ("Replicating", "Suspended", "Error", "WaitingForInitialReplication")
HEALTHS = ("Normal", "Warning", "Critical")


def _find_vm(estate: Estate, reader: Reader, host_key: str, name: str) -> tuple[Host, VM]:
    host = estate.host(reader.get(host_key, str))
    if host is None:
        raise reader.fail(
            f"{host_key} host '{reader.data[host_key]}' is not a [[host]]",
            "use a host defined here",
        )
    found = host.find_vms(name)
    if len(found) != 1:
        raise reader.fail(
            f"host '{host.name}' has {len(found)} VMs named '{name}'",
            "name a VM that exists once on the primary",
        )
    return host, found[0]


def _link(
    estate: Estate, reader: Reader, source: Host, target: Host, frequency: int
) -> ReplicationLink:
    if frequency not in (30, 300, 900):
        raise reader.fail(
            f"frequency {frequency} is not 30, 300 or 900", "use 30, 300 or 900 seconds"
        )
    if frequency != 300 and not (
        source.release.at_least("2012R2") and target.release.at_least("2012R2")
    ):
        raise reader.fail(
            "2012 replicates every 300 seconds only",
            "use frequency = 300 when either end runs 2012",
        )
    state = reader.get("state", str, "Replicating", choices=list(REPLICATION_STATES))
    health = reader.get("health", str, "Normal", choices=list(HEALTHS))
    link = ReplicationLink(source.name, target.name, frequency, state, health)
    # A host that receives replication is a Replica server (Kerberos over HTTP by default).
    target.replica_server.enabled = True
    link.anchor = (
        -live.unit_noise(estate.seed, f"anchor|{source.name}|{target.name}|{frequency}", 0)
        * frequency
    )
    link.lag = reader.get("lag_minutes", (int, float), 0, minimum=0) * 60
    link.recovery_history = reader.get("recovery_points", int, 0, minimum=0)
    if link.recovery_history > 24:
        raise reader.fail(f"recovery_points {link.recovery_history} is more than 24",
                          "use 0 to 24 (R-REP-1)")
    stalled = reader.get("stalled_hours", (int, float), 0, minimum=0)
    if stalled or state != "Replicating":
        link.frozen = -max(stalled * 3600, link.lag, frequency)
    return link


def replica_copy(estate: Estate, primary: Host, vm: VM, host: Host, mode: str,
                 storage: str = "") -> VM:
    """The Off copy a Replica server keeps, on its replica storage (``storage``, else the
    host's default), sharing the VM's id."""
    storage = storage or host.replica_storage
    folder = join(
        join(join(storage, "Hyper-V Replica"), "Virtual hard disks"), vm.id.upper()
    )
    copy = vm.copy_settings(
        id=vm.id,
        name=vm.name,
        app_health=vm.app_health,
        path=join(storage, "Hyper-V Replica"),
        notes=vm.notes,
        replication_mode=mode,
        ic_overrides=dict(vm.ic_overrides),
        guest_blocked=vm.guest_blocked,
    )
    for drive in vm.drives:
        target = join(folder, basename(drive.path))
        copy.drives.append(
            Drive(target, drive.controller_type, drive.controller_number, drive.controller_location)
        )
        source = estate.vhd(primary, drive.path)
        if source is not None:
            estate.add_vhd(
                host,
                Vhd(
                    target,
                    source.format,
                    source.type if source.type != "Differencing" else "Dynamic",
                    source.size,
                    source.file_size,
                    source.minimum_size,
                    source.block_size,
                ),
            )
    for adapter in vm.adapters:
        switch = adapter.switch if host.has_switch(adapter.switch) else ""
        copy.adapters.append(Adapter(adapter.name, switch, adapter.mac, []))
    return copy


def replica_version(vm: VM, host: Host) -> str | None:
    """The version a Replica server keeps the VM at: one it runs (a 2012 VM becomes 5.0
    on 2012 R2); None when it runs none."""
    if host.release.supports(vm.version):
        return vm.version
    if vm.version == "4.0" and host.release.key == "2012R2":
        return "5.0"
    return None


def _replica_version(reader: Reader, vm: VM, host: Host) -> str:
    version = replica_version(vm, host)
    if version is not None:
        return version
    raise reader.fail(
        f"'{host.name}' ({host.release.label}) cannot hold VM '{vm.name}' at version {vm.version}",
        "replicate to a host that supports the VM's configuration version",
    )


def build_replication(estate: Estate, reader: Reader) -> None:
    name = reader.get("vm", str)
    primary_host, vm = _find_vm(estate, reader, "primary", name)
    if vm.replication_mode != "None":
        raise reader.fail(
            f"VM '{name}' already replicates", "list each VM in one [[replication]] only"
        )
    replica = estate.host(reader.get("replica", str))
    if replica is None or replica is primary_host:
        raise reader.fail(
            "replica must be another [[host]] of this scenario",
            "Cannot replicate virtual machine to the same server. Enter another Replica server "
            "name.",
        )
    if replica.vms.get(vm.id):
        raise reader.fail(f"VM '{name}' is already on '{replica.name}'", "use another replica host")
    chain = ReplicationChain(
        vm.id, _link(estate, reader, primary_host, replica, reader.get("frequency", int, 300))
    )
    vm.replication_mode = "Primary"
    replica.vms[vm.id] = replica_copy(estate, primary_host, vm, replica, "Replica")
    replica.vms[vm.id].version = _replica_version(reader, vm, replica)
    extended = reader.table("extended")
    if extended is not None:
        target = estate.host(extended.get("host", str))
        if target is None or target in (primary_host, replica):
            raise extended.fail(
                "host must be a third [[host]]", "name a host other than primary and replica"
            )
        if not has_feature(
            target.release, "cross_version_live_migration"
        ) or not replica.release.at_least("2012R2"):
            raise extended.fail(
                "extended replication needs 2012 R2 or later", "use 2012 R2 or newer hosts"
            )
        frequency = extended.get("frequency", int, 300)
        if frequency == 30:
            raise extended.fail(
                "Replication frequency for extended replication cannot be 30 seconds.",
                "use 300 or 900",
            )
        if frequency < chain.primary.frequency:
            raise extended.fail(
                "The frequency at which changes will be sent for extended replication should be "
                "greater than the frequency for primary replication on the replica virtual "
                "machine.",
                f"use {chain.primary.frequency} seconds or more",
            )
        chain.extended = _link(estate, extended, replica, target, frequency)
        target.vms[vm.id] = replica_copy(estate, primary_host, vm, target, "ExtendedReplica")
        target.vms[vm.id].version = _replica_version(extended, vm, target)
        extended.done()
    estate.replications[vm.id] = chain
    reader.done()
