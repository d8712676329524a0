"""``inventory``: the whole host in one round trip, record for record as inventory.ps1."""

from __future__ import annotations

import asyncio

from hvtui.lab import records
from hvtui.lab.registry import Call, handles


@handles("inventory")
async def inventory(call: Call) -> None:
    # A real host builds its inventory on its own processors; in-process, a worker thread
    # plays that part, so a large estate never stalls the caller's event loop.
    await asyncio.to_thread(_collect, call)


def _collect(call: Call) -> None:
    """The records in inventory.ps1's order: cluster, host, volumes, VMs, then what hangs off
    the VMs one kind at a time (the script reads each kind once for the whole host)."""
    estate, host = call.estate, call.host
    limit = max(0, int(call.params["CheckpointLimit"]))
    with call.lock:
        elapsed = call.clock.elapsed()
        cluster = estate.cluster_of(host)
        if cluster is not None:
            call.emit(records.cluster_record(cluster, host.release))
            for node in cluster.nodes:
                call.emit(records.node_record(cluster, node))
            for group in cluster.groups:
                call.emit(records.group_record(estate, cluster, group))
            for csv in cluster.shared_volumes:
                call.emit(records.shared_volume_record(cluster, csv))
        call.emit(records.host_record(estate, host, elapsed))
        for volume in host.volumes:
            call.emit(records.volume_record(volume))
        vms = list(host.vms.values())
        for vm in vms:
            call.emit(records.vm_record(estate, host, vm, elapsed))
            call.emit(records.guest_record(vm))
        for vm in vms:
            for drive in vm.drives:
                call.emit(records.disk_record(estate, host, vm, drive))
        for vm in vms:
            for checkpoint in vm.checkpoints[:limit]:
                call.emit(records.checkpoint_record(vm, checkpoint))
        for vm in vms:
            for adapter in records.adapter_records(vm):
                call.emit(adapter)
        services = records.services_for(host.release)
        for vm in vms:
            for service in services:
                call.emit(records.integration_record(vm, service))
        for vm in vms:
            if vm.replication_mode != "None":
                for replication in records.replication_records(estate, host, vm, elapsed):
                    call.emit(replication)
