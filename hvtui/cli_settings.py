"""``hvtui vm set``: the settings editor from the command line.

    hvtui vm set VM [VM ...] [--memory-startup 4GB] [--dynamic-memory on|off] ...
             [--integration-service 'Guest Service Interface=on'] [--dry-run] [--yes]

Only the settings given change; each value is checked per release and VM state by the same
plan as the console's settings editor (:mod:`hvtui.hyperv.vm_settings`).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from hvtui import reference
from hvtui.errors import PlanRefused
from hvtui.hyperv.operations import PlanResult
from hvtui.hyperv.plans import Plan, Request, VmRef
from hvtui.hyperv.vm_settings import SettingError, SettingValue, VmSettingsRequest, parse
from hvtui.model.vm_settings import FIELD_BY_KEY, Kind

ACTION = "set"
HELP = ("set: change settings (Set-VMMemory, Set-VMProcessor, Set-VM; integration services "
        "with Enable-/Disable-VMIntegrationService)")

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
        "services (Enable-/Disable-VMIntegrationService). Sizes like 4GB or 512MB.")
    for key, option in OPTIONS.items():
        field = FIELD_BY_KEY[key]
        group.add_argument(option, dest=f"set_{key}", metavar=_metavar(key),
                           help=field.label.lower().replace("%", "%%"))
    group.add_argument("-o", "--output", default="table", choices=["table", "json"],
                       help="the plan and what ran as text (default) or one JSON document")
    group.add_argument("--integration-service", dest="set_services", action="append",
                       default=[], metavar="NAME=on|off",
                       help="an integration service by its English name or GUID, e.g. "
                            "'Guest Service Interface=on' (repeatable)")


def given(a: argparse.Namespace) -> list[str]:
    """The ``vm set`` options given, as typed."""
    named = [option for key, option in OPTIONS.items()
             if getattr(a, f"set_{key}", None) is not None]
    return named + (["--integration-service"] if getattr(a, "set_services", []) else [])


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


def refuse_stray(a: argparse.Namespace, action: str) -> None:
    """Settings options with another action than ``set`` are a mistake, not ignored."""
    stray = given(a)
    if stray:
        raise PlanRefused(f"{', '.join(stray)} only go with `hvtui vm set`, not `vm {action}`",
                          hint="use `hvtui vm set VM ...` to change settings")




# --- -o json ------------------------------------------------------------------------------


def wants_json(args: argparse.Namespace) -> bool:
    return getattr(args, "output", "table") == "json"


def document(plan: Plan, result: PlanResult | None = None, *, dry_run: bool = False
             ) -> str:
    """The plan (and what ran) as one JSON document, every string exact."""
    data: dict[str, Any] = {
        "title": plan.title,
        "operation": plan.operation,
        "refused": plan.refused,
        "dry_run": dry_run,
        "checks": [{"subject": c.subject, "name": c.name, "outcome": c.outcome.value,
                    "detail": c.detail, "fix": c.fix} for c in plan.checks],
        "steps": [{"host": s.host, "target": s.target, "description": s.description,
                   "script": s.script, "command": s.command} for s in plan.steps],
    }
    if result is not None:
        data["ok"] = result.ok
        data["refusal"] = result.refusal
        data["results"] = [{"host": r.step.host, "target": r.step.target,
                            "outcome": r.outcome.value, "message": r.message,
                            "warnings": list(r.warnings)} for r in result.results]
    return json.dumps(data, ensure_ascii=False, indent=2)
