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
from hvtui.hyperv.host_settings import HostSettingsRequest, plan_host_settings
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
from hvtui.hyperv.serial_console import SerialPortRequest, plan_serial_port
from hvtui.hyperv.storage import plan_export, plan_resize
from hvtui.hyperv.switches import (
    SwitchNewRequest,
    SwitchRemoveRequest,
    SwitchRenameRequest,
    plan_switch_new,
    plan_switch_remove,
    plan_switch_rename,
)
from hvtui.hyperv.vhd_edit import (
    DiskCompactRequest,
    DiskConvertRequest,
    DiskMergeRequest,
    DiskQosRequest,
    MoveStorageRequest,
    plan_compact,
    plan_convert,
    plan_merge,
    plan_move_storage,
    plan_qos,
)
from hvtui.hyperv.vm_actions import plan_vm_action
from hvtui.hyperv.vm_create import NewVmRequest, plan_new_vm
from hvtui.hyperv.vm_disks import (
    DiskAddRequest,
    DiskRemoveRequest,
    plan_disk_add,
    plan_disk_remove,
)
from hvtui.hyperv.vm_dvd import IsoRequest, plan_iso
from hvtui.hyperv.vm_ha import MakeHaRequest, plan_make_ha  # importvm
from hvtui.hyperv.vm_import import ImportVmRequest, plan_import_vm  # importvm
from hvtui.hyperv.vm_nics import (
    NicAddRequest,
    NicConnectRequest,
    NicRemoveRequest,
    NicSetRequest,
    plan_nic_add,
    plan_nic_connect,
    plan_nic_remove,
    plan_nic_set,
)
from hvtui.hyperv.vm_retire import (
    DeleteVmRequest,
    RenameVmRequest,
    UpgradeVersionRequest,
    plan_delete_vm,
    plan_rename_vm,
    plan_upgrade_version,
)
from hvtui.hyperv.vm_screen import KeysRequest, plan_keys
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
    # host settings (issue 11, hostcfg)
    HostSettingsRequest: plan_host_settings,
    # Edit Disk, Move-VMStorage, Storage QoS (hvtui.hyperv.vhd_edit)
    DiskCompactRequest: plan_compact,
    DiskConvertRequest: plan_convert,
    DiskMergeRequest: plan_merge,
    MoveStorageRequest: plan_move_storage,
    DiskQosRequest: plan_qos,
    # VM screen as text (issue 12, thumbs)
    KeysRequest: plan_keys,
    # Networking (issue 11): network adapters and virtual switches
    NicAddRequest: plan_nic_add,
    NicRemoveRequest: plan_nic_remove,
    NicConnectRequest: plan_nic_connect,
    NicSetRequest: plan_nic_set,
    SwitchNewRequest: plan_switch_new,
    SwitchRenameRequest: plan_switch_rename,
    SwitchRemoveRequest: plan_switch_remove,
    # serial console (issue 12)
    SerialPortRequest: plan_serial_port,
    # import (issue 11, importvm)
    ImportVmRequest: plan_import_vm,
    MakeHaRequest: plan_make_ha,  # high availability (importvm)
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
