"""hvtui's model of a Hyper-V estate: frozen dataclasses and enums.

No I/O and no Textual here (a test enforces it).
"""

from hvtui.model.cluster import Cluster, ClusterNode, ClusterRole, SharedVolume
from hvtui.model.disk import Disk
from hvtui.model.enums import (
    ClusterGroupState,
    ClusterNodeState,
    ClusterResourceState,
    ClusterSharedVolumeState,
    ControllerType,
    DrainStatus,
    FailbackType,
    HeartbeatStatus,
    JobState,
    MigrationAuthentication,
    MigrationPerformance,
    ReplicationHealth,
    ReplicationMode,
    ReplicationRelationship,
    ReplicationState,
    SnapshotType,
    VhdFormat,
    VhdType,
    VmMigrationType,
    VMState,
)
from hvtui.model.estate import Estate, HostInventory, HostStatus
from hvtui.model.host import Host, LiveMigrationSettings, Volume
from hvtui.model.job import Job
from hvtui.model.replication import FREQUENCIES, Replication
from hvtui.model.versions import RELEASES, Release, release_of
from hvtui.model.vm import VM, Checkpoint, IntegrationService, NetworkAdapter

__all__ = [
    "Checkpoint", "Cluster", "ClusterGroupState", "ClusterNode", "ClusterNodeState",
    "ClusterResourceState", "ClusterRole", "ClusterSharedVolumeState", "ControllerType", "Disk",
    "DrainStatus",
    "Estate", "FREQUENCIES", "FailbackType", "HeartbeatStatus", "Host", "HostInventory",
    "HostStatus", "IntegrationService", "Job", "JobState", "LiveMigrationSettings",
    "MigrationAuthentication", "MigrationPerformance", "NetworkAdapter", "RELEASES", "Release",
    "Replication", "ReplicationHealth", "ReplicationMode", "ReplicationRelationship",
    "ReplicationState", "SharedVolume", "SnapshotType", "VM", "VMState", "VhdFormat", "VhdType",
    "VmMigrationType", "Volume", "release_of",
]
