"""Pre-flight: from a request to a checked plan, against the hosts' state right now.

Each builder reads the inventory of every host it involves (source and destination alike)
immediately before checking, plus host calls such as Compare-VM; nothing comes from a
cache. :func:`build_plan` is what wizards, the command line and the runner's re-check call.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from hvtui.hyperv.guest_features import (
    plan_copy_file,
    plan_enhanced_session,
    plan_guest_services,
    plan_host_migration,
    plan_processor_compat,
)
from hvtui.hyperv.migration import plan_migration
from hvtui.hyperv.plans import (
    CopyFileRequest,
    DrainOnShutdownRequest,
    EnhancedSessionRequest,
    ExportRequest,
    GuestServicesRequest,
    HostMigrationRequest,
    MigrateRequest,
    NodePauseRequest,
    Plan,
    ProcessorCompatRequest,
    ReplicaFrequencyRequest,
    ReplicationPauseRequest,
    Request,
    ResizeRequest,
    RoleMoveRequest,
    VmActionRequest,
)
from hvtui.hyperv.replica_cluster import (
    plan_drain_on_shutdown,
    plan_node_pause,
    plan_replica_frequency,
    plan_replication_pause,
    plan_role_move,
)
from hvtui.hyperv.replica_failover import FailoverRequest, plan_failover
from hvtui.hyperv.replica_setup import (
    EnableReplicationRequest,
    ReplicaServerRequest,
    plan_enable_replication,
    plan_replica_server,
)
from hvtui.hyperv.storage import plan_export, plan_resize
from hvtui.hyperv.vm_actions import plan_vm_action
from hvtui.hyperv.vm_create import NewVmRequest, plan_new_vm
from hvtui.hyperv.vm_disks import (
    DiskAddRequest,
    DiskRemoveRequest,
    plan_disk_add,
    plan_disk_remove,
)
from hvtui.hyperv.vm_dvd import IsoRequest, plan_iso
from hvtui.hyperv.vm_retire import (
    DeleteVmRequest,
    RenameVmRequest,
    UpgradeVersionRequest,
    plan_delete_vm,
    plan_rename_vm,
    plan_upgrade_version,
)
from hvtui.hyperv.vm_settings import VmSettingsRequest, plan_vm_settings
from hvtui.remote.pool import SessionPool

Builder = Callable[[SessionPool, Any], Awaitable[Plan]]

BUILDERS: dict[type[Request], Builder] = {
    MigrateRequest: plan_migration,
    ResizeRequest: plan_resize,
    ExportRequest: plan_export,
    EnhancedSessionRequest: plan_enhanced_session,
    GuestServicesRequest: plan_guest_services,
    CopyFileRequest: plan_copy_file,
    HostMigrationRequest: plan_host_migration,
    ProcessorCompatRequest: plan_processor_compat,
    VmActionRequest: plan_vm_action,
    ReplicaFrequencyRequest: plan_replica_frequency,
    ReplicationPauseRequest: plan_replication_pause,
    NodePauseRequest: plan_node_pause,
    DrainOnShutdownRequest: plan_drain_on_shutdown,
    RoleMoveRequest: plan_role_move,
    # storage and networking (issue 11)
    DiskAddRequest: plan_disk_add,
    DiskRemoveRequest: plan_disk_remove,
    IsoRequest: plan_iso,
    # VMs: create, delete, rename (issue 11)
    NewVmRequest: plan_new_vm,
    DeleteVmRequest: plan_delete_vm,
    RenameVmRequest: plan_rename_vm,
    UpgradeVersionRequest: plan_upgrade_version,
    # Replica failover (hvtui.hyperv.replica_failover)
    FailoverRequest: plan_failover,
    VmSettingsRequest: plan_vm_settings,
    # Replica setup: enable replication, Replica server (hvtui.hyperv.replica_setup)
    EnableReplicationRequest: plan_enable_replication,
    ReplicaServerRequest: plan_replica_server,
}


async def build_plan(pool: SessionPool, request: Request) -> Plan:
    """Read the hosts involved and check ``request`` against them.

    Raises :class:`~hvtui.errors.PlanRefused` when the request cannot even be planned (a VM
    that does not exist, an ambiguous name, a host that does not answer); rule violations
    come back as failed checks in the plan.
    """
    try:
        builder = BUILDERS[type(request)]
    except KeyError:
        raise TypeError(f"no pre-flight for {type(request).__name__}") from None
    return await builder(pool, request)
