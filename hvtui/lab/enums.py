"""Enum values as a host of a given release has them, from ``hyperv-enums.json``.

Cmdlet output carries enums (a VM's State, a node's DrainStatus); a script reads them by
name (``[string]$vm.State``) or number (``[int]``). Numbers come from the reference; where
the reference records a release's own numbering (VMState on 2012 R2 and 2016, marked
UNCONFIRMED there) that release gets it.
"""

from __future__ import annotations

from functools import cache

from hvtui.lab.pwsh import PSEnum
from hvtui.reference import enums

_VARIANTS = {
    "2012": "windows_server_2012_r2_variant_UNCONFIRMED",
    "2012 R2": "windows_server_2012_r2_variant_UNCONFIRMED",
    "2016": "windows_server_2016_variant_UNCONFIRMED",
}
"""Which per-OS numbering a release uses (the reference says 2012 and 2012 R2 share the
WMI numbering; 2019 and later use the module 2.0 numbering in ``values``)."""

@cache
def _numbers(enum_type: str, release: str) -> dict[str, int]:
    entry = enums()[enum_type]
    numbers = {name: int(value) for name, value in entry["values"].items()}
    variant = _VARIANTS.get(release)
    if variant:
        numbers.update(entry.get("per_os_variants", {}).get(variant, {}))
    return numbers


@cache
def type_name(enum_type: str) -> str:
    """The enum's full .NET name (``Microsoft.HyperV.PowerShell.VMState``)."""
    entry = enums()[enum_type]
    return str(entry["powershell_type"])


def value(enum_type: str, name: str, release: str) -> PSEnum:
    """The enum value called ``name`` on a host of ``release``.

    A name the reference does not list is a defect in the lab, not a host's answer, so it
    raises KeyError rather than inventing a number.
    """
    numbers = _numbers(enum_type, release)
    if name not in numbers:
        raise KeyError(f"{enum_type} has no value {name!r} in the reference")
    return PSEnum(type_name(enum_type), name, numbers[name])


def members(enum_type: str, release: str) -> dict[str, int]:
    """Every name of the enum and its number on a host of ``release``."""
    return dict(_numbers(enum_type, release))
