"""Virtual hard disks attached to VMs."""

from __future__ import annotations

from dataclasses import dataclass

from hvtui.model.enums import ControllerType, VhdFormat, VhdType


@dataclass(frozen=True, slots=True)
class Disk:
    vm_id: str
    vm_name: str
    host: str
    path: str
    format: VhdFormat
    type: VhdType
    controller: ControllerType
    controller_number: int = 0
    controller_location: int = 0
    size: int = 0
    """Virtual size in bytes (what the guest sees)."""
    file_size: int = 0
    """Bytes the file takes on the host."""
    min_size: int = 0
    """``MinimumSize``: the smallest size a shrink may reach."""
    block_size: int = 0
    shared: bool = False
    """Shared VHDX (persistent reservations) for guest clusters."""
    min_iops: int = 0
    max_iops: int = 0
    parent_path: str = ""

    @property
    def location(self) -> str:
        """``SCSI 0:1`` style controller address."""
        return f"{self.controller.name} {self.controller_number}:{self.controller_location}"

    @property
    def has_qos(self) -> bool:
        return bool(self.min_iops or self.max_iops)
