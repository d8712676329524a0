"""Failover clusters."""

from __future__ import annotations

from dataclasses import dataclass

from hvtui.model.enums import (
    ClusterGroupState,
    ClusterNodeState,
    ClusterResourceState,
    DrainStatus,
)


@dataclass(frozen=True, slots=True)
class ClusterNode:
    name: str
    state: ClusterNodeState
    drain_status: DrainStatus = DrainStatus.NotInitiated


@dataclass(frozen=True, slots=True)
class ClusterRole:
    """A clustered VM role (``GroupType`` VirtualMachine)."""

    name: str
    owner_node: str
    state: ClusterGroupState
    priority: int = 2000
    """High 3000, Medium 2000, Low 1000: drain order follows it."""

    @property
    def priority_name(self) -> str:
        return {3000: "High", 2000: "Medium", 1000: "Low", 0: "No Auto Start"}.get(
            self.priority, str(self.priority)
        )


@dataclass(frozen=True, slots=True)
class SharedVolume:
    name: str
    owner_node: str
    state: ClusterResourceState
    """The CSV resource's state (Online, Offline, Failed ...)."""
    path: str = ""
    size: int = 0
    free: int = 0

    @property
    def reported(self) -> bool:
        """Whether the host reported the volume's path and sizes: under PowerShell 7,
        SharedVolumeInfo comes back empty (PowerShell#20495)."""
        return bool(self.path)


@dataclass(frozen=True, slots=True)
class Cluster:
    name: str
    drain_on_shutdown: bool | None = True
    """None on a cluster whose release has no such setting (2012: it is new in 2012 R2)."""
    nodes: tuple[ClusterNode, ...] = ()
    roles: tuple[ClusterRole, ...] = ()
    shared_volumes: tuple[SharedVolume, ...] = ()

    def node(self, name: str) -> ClusterNode | None:
        lowered = name.lower()
        return next((n for n in self.nodes if n.name.lower() == lowered), None)

    def on_shared_volume(self, path: str) -> bool:
        """Whether ``path`` is on one of this cluster's CSVs (C:\\ClusterStorage\\...)."""
        lowered = path.lower()
        return any(v.path and lowered.startswith(v.path.lower().rstrip("\\") + "\\")
                   for v in self.shared_volumes)
