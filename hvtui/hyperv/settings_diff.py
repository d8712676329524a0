"""The settings diff: several VMs (on any hosts) side by side, the settings that differ
marked, and one VM's value applied to the others as one settings-editor plan."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hvtui.hyperv.plans import VmRef
from hvtui.hyperv.vm_settings import SettingValue, VmSettingsRequest, show
from hvtui.model import VM
from hvtui.model.vm_settings import FIELD_BY_KEY, FIELDS, Field


@dataclass(frozen=True, slots=True)
class DiffRow:
    """One setting across the VMs compared."""

    field: Field
    values: tuple[object, ...]
    """Each VM's value, None where its host did not report settings."""

    @property
    def shown(self) -> tuple[str, ...]:
        return tuple("?" if v is None else show(self.field, v) for v in self.values)

    @property
    def differs(self) -> bool:
        return len({repr(v) for v in self.values}) > 1


def diff_rows(vms: Sequence[VM]) -> list[DiffRow]:
    """Every setting of :data:`FIELDS`, in order, for ``vms``."""
    return [DiffRow(field, tuple(vm.settings.value(field.key) if vm.settings else None
                                 for vm in vms))
            for field in FIELDS]


def applicable(source: VM, key: str) -> bool:
    """Whether ``source``'s value of ``key`` can be given to other VMs (a host before 2016
    reports no checkpoint type; a VM whose settings are unknown has nothing to give)."""
    if source.settings is None:
        return False
    # firmware (issue 11, hostcfg): a setting the VM or its host does not have reads ''
    absent = ("checkpoint_type", "secure_boot", "secure_boot_template", "tpm", "startup_order",
              "first_boot_device")
    return not (key in absent and source.settings.value(key) == "")


def apply_request(source: VM, targets: Sequence[VM], keys: Sequence[str]) -> VmSettingsRequest:
    """The settings-editor request that gives ``targets`` the values ``source`` has."""
    assert source.settings is not None
    changes: list[tuple[str, SettingValue]] = []
    for key in keys:
        if key not in FIELD_BY_KEY or not applicable(source, key):
            continue
        value = source.settings.value(key)
        assert isinstance(value, int | bool | str)
        changes.append((key, value))
    return VmSettingsRequest(tuple(VmRef.of(vm) for vm in targets if vm.key != source.key),
                             tuple(changes))
