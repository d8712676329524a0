"""``hvtui vm set``: the settings editor from the command line.

    hvtui vm set VM [VM ...] [--memory-startup 4GB] [--dynamic-memory on|off] ...
             [--integration-service 'Guest Service Interface=on'] [--dry-run] [--yes]

Only the settings given change; each value is checked per release and VM state by the same
plan as the console's settings editor (:mod:`hvtui.hyperv.vm_settings`).
"""

from __future__ import annotations

import argparse

from hvtui import reference
from hvtui.errors import PlanRefused
from hvtui.hyperv.plans import Request, VmRef
from hvtui.hyperv.vm_settings import SettingError, SettingValue, VmSettingsRequest, parse
from hvtui.model.vm_settings import FIELD_BY_KEY, Kind

HELP = ("change settings (Set-VMMemory, Set-VMProcessor, Set-VM; integration services "
        "with Enable-/Disable-VMIntegrationService; firmware with Set-VMFirmware, Set-VMBios, "
        "Set-VMKeyProtector, Enable-/Disable-VMTPM)")

OPTIONS: dict[str, str] = {
    "memory_startup": "--memory-startup",
    "dynamic_memory": "--dynamic-memory",
    "memory_minimum": "--memory-minimum",
    "memory_maximum": "--memory-maximum",
    "memory_buffer": "--memory-buffer",
    "memory_weight": "--memory-weight",
    "processor_count": "--processors",
    "processor_compatibility": "--processor-compat",
    "processor_reserve": "--processor-reserve",
    "processor_limit": "--processor-limit",
    "processor_weight": "--processor-weight",
    "automatic_start_action": "--start-action",
    "automatic_start_delay": "--start-delay",
    "automatic_stop_action": "--stop-action",
    "checkpoint_type": "--checkpoint-type",
    "snapshot_location": "--checkpoint-location",
    "notes": "--notes",
    # firmware (issue 11, hostcfg)
    "secure_boot": "--secure-boot",
    "secure_boot_template": "--secure-boot-template",
    "tpm": "--tpm",
    "startup_order": "--startup-order",
    "first_boot_device": "--first-boot",
}
"""Setting key -> option (each option's dest is ``set_`` + the key)."""


def _metavar(key: str) -> str:
    field = FIELD_BY_KEY[key]
    if field.kind is Kind.SWITCH:
        return "on|off"
    if field.kind is Kind.CHOICE:
        return "|".join(field.choices)
    if field.kind is Kind.BYTES:
        return "SIZE"
    return "TEXT" if field.kind is Kind.TEXT else "N"


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options of ``vm set`` (refused with any other action)."""
    group = p.add_argument_group(
        "vm set", "change only the settings given: memory (Set-VMMemory), processors "
        "(Set-VMProcessor), automatic start/stop, checkpoints and notes (Set-VM), integration "
        "services (Enable-/Disable-VMIntegrationService), generation 2 Secure Boot and its "
        "template (Set-VMFirmware), first boot device (Set-VMFirmware -FirstBootDevice, "
        "Windows PowerShell only) and virtual TPM (Set-VMKeyProtector "
        "-NewLocalKeyProtector, "
        "Enable-/Disable-VMTPM), generation 1 BIOS startup order (Set-VMBios -StartupOrder, "
        "e.g. 'IDE, CD, LegacyNetworkAdapter, Floppy'). Sizes like 4GB or 512MB.")
    for key, option in OPTIONS.items():
        field = FIELD_BY_KEY[key]
        group.add_argument(option, dest=f"set_{key}", metavar=_metavar(key),
                           help=field.label.lower().replace("%", "%%"))
    group.add_argument("--integration-service", dest="set_services", action="append",
                       default=[], metavar="NAME=on|off",
                       help="an integration service by its English name or GUID, e.g. "
                            "'Guest Service Interface=on' (repeatable)")


def _service(text: str) -> tuple[str, bool]:
    name, sep, word = text.rpartition("=")
    lowered = word.strip().lower()
    if not sep or lowered not in ("on", "off"):
        raise PlanRefused(f"--integration-service {text!r} is not NAME=on or NAME=off",
                          hint="e.g. --integration-service 'Guest Service Interface=on'")
    known = reference.integration_service(name) or next(
        (s for s in reference.integration_services()
         if s.name.lower() == name.strip().lower()), None)
    if known is None:
        names = ", ".join(s.name for s in reference.integration_services())
        raise PlanRefused(f"no integration service is called {name!r}",
                          hint=f"use a GUID or one of: {names}")
    return known.id, lowered == "on"


def request(a: argparse.Namespace) -> Request:
    changes: list[tuple[str, SettingValue]] = []
    for key in OPTIONS:
        text = getattr(a, f"set_{key}", None)
        if text is None:
            continue
        try:
            changes.append((key, parse(FIELD_BY_KEY[key], text)))
        except SettingError as exc:
            raise PlanRefused(f"{OPTIONS[key]}: {exc}", hint="nothing was changed; see "
                              "`hvtui vm --help`") from None
    services = tuple(_service(text) for text in a.set_services)
    if not changes and not services:
        raise PlanRefused("vm set: no setting given",
                          hint="give at least one, e.g. --memory-startup 4GB or --processors 2")
    return VmSettingsRequest(tuple(VmRef(n, a.host) for n in a.vms), tuple(changes), services)
