"""Importing an exported VM (Import-VM, R-EXP-2): checks against the host as it is now, and
the plan.

Three ways, as Hyper-V Manager offers them: register the VM in place (its files stay where
they are and it keeps its id), restore a copy (``--copy``: files copied to the host's
folders or the ones given, same id) or copy with a new id (``--new-id``, so the same export
can be imported again). Before anything changes, the host is asked (Compare-VM -Path, the
``vm-import-check`` script) and every incompatibility it reports is shown in plain words with
what to do about it. The configuration file's name is the VM's id, so a VM with that id on
the host is seen before the host is even asked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from hvtui.errors import HvtuiError
from hvtui.hyperv import lookup
from hvtui.hyperv.paths import is_absolute_windows_path
from hvtui.hyperv.plans import Check, Plan, Request, failed, make_step, passed, warned
from hvtui.model import Host
from hvtui.ps import catalog
from hvtui.remote.base import ParamValue
from hvtui.remote.pool import SessionPool

MODES = ("register", "copy", "new-id")
_CONFIG_NAME = re.compile(
    r"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.(vmcx|xml)$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ImportVmRequest(Request):
    kind: ClassVar[str] = "vm-import"
    host: str
    path: str
    """The exported VM's configuration file (``...\\Virtual Machines\\<id>.vmcx``)."""
    mode: str = "register"
    """register (in place, same id), copy (same id) or new-id (a copy with a new id)."""
    vhd_path: str = ""
    """Copy only: where the disks go ('' = the host's virtual hard disk folder)."""
    vm_path: str = ""
    """Copy only: where the VM's files go ('' = the host's VM folder)."""


def explain(message: str, host: str) -> tuple[str, str]:
    """An incompatibility the host reported, in plain words, and what to do about it."""
    lowered = message.lower()
    if "version" in lowered:
        return (f"{host} cannot run the VM's configuration version (a newer host made it)",
                "import it on a host of the same or a newer Windows Server release")
    if "switch" in lowered:
        return (f"a network adapter is connected to a virtual switch {host} does not have",
                f"create a switch of that name on {host}, or import on a host that has it "
                "and reconnect the adapter afterwards")
    if "hard disk" in lowered or "cannot be found" in lowered:
        return ("a disk the VM uses is not where the export says",
                "copy the export's 'Virtual Hard Disks' folder back beside it and check again")
    return (f"{host} reports a problem with the VM's configuration",
            "fix what the host reports, then check again")


def _id_checks(request: ImportVmRequest, host: Host, ids: dict[str, str]) -> list[Check]:
    match = _CONFIG_NAME.search(request.path)
    if match is None:
        return [failed("File", f"'{request.path}' is not a VM configuration file: its name "
                               "must be the VM's id, <id>.vmcx (or .xml before 2016)",
                       "choose the .vmcx file in the export's 'Virtual Machines' folder")]
    vm_id = match.group(1).lower()
    if request.mode != "new-id" and vm_id in ids:
        return [failed("Id", f"{ids[vm_id]} on {host.name} already has this VM's id "
                             f"({vm_id}): the host refuses a second VM with it",
                       "import a copy with a new id (--new-id), or delete "
                       f"{ids[vm_id]} first")]
    return [passed("Id", "a new id is generated" if request.mode == "new-id" else
                   f"{vm_id}, not used on {host.name}")]


async def _report(pool: SessionPool, host: Host, params: dict[str, ParamValue]
                  ) -> tuple[str, list[Check]]:
    """Ask the host (Compare-VM -Path): the VM's name as the file has it, and the checks."""
    try:
        result = await pool.invoke(host.name, catalog.get("vm-import-check").text, params)
    except HvtuiError as exc:
        return "", [failed("Compare-VM", f"could not ask {host.name}: {exc.user_message()}",
                           "check the host is reachable and retry")]
    if not result.ok:
        messages = [e.message for e in result.errors] or ["Compare-VM failed without a message"]
        return "", [failed("Compare-VM", f"{host.name} said: {m}", _fix(m), "") for m in messages]
    name = next((str(o.get("Name", "")) for o in result.objects
                 if str(o.get("Kind", "")) == "Report"), "")
    problems = [o for o in result.objects if str(o.get("Kind", "")) == "Incompatibility"]
    if not problems:
        return name, [passed("Compare-VM", f"{host.name} reports no incompatibility", name)]
    checks = []
    for o in problems:
        message = str(o.get("Message", ""))
        plain, fix = explain(message, host.name)
        checks.append(failed("Compare-VM", f"{plain}. The host said: {message} (message id "
                                           f"{o.get('MessageId')!s})", fix, name))
    return name, checks


def _fix(message: str) -> str:
    lowered = message.lower()
    if "identifier" in lowered:
        return "import a copy with a new id (--new-id)"
    if "cannot find" in lowered or "not in guid format" in lowered:
        return "give the full path of the .vmcx file in the export's 'Virtual Machines' folder"
    return "fix what the host reports, then check again"


async def plan_import_vm(pool: SessionPool, request: ImportVmRequest) -> Plan:
    name_of_host = lookup.canonical_host(pool, request.host)
    estate = await lookup.fresh_estate(pool, [name_of_host])
    host = lookup.host(estate, name_of_host)
    title = f"Import a VM on {host.name}"
    if request.mode not in MODES:
        return Plan(title=title, request=request, checks=(failed(
            "Mode", f"'{request.mode}' is not a way to import",
            "choose register, copy or new-id"),), steps=())
    checks: list[Check] = []
    if not is_absolute_windows_path(request.path):
        checks.append(failed("File", f"'{request.path}' is not a full path on {host.name}",
                             "give the full path of the exported VM's .vmcx file"))
    copying = request.mode != "register"
    for label, path in (("Disk folder", request.vhd_path), ("VM folder", request.vm_path)):
        if path and not copying:
            checks.append(failed(label, "only a copy goes to another folder; registering in "
                                        "place keeps the files where they are",
                                 "import a copy (--copy or --new-id), or leave the folder out"))
        elif path and not is_absolute_windows_path(path):
            checks.append(failed(label, f"'{path}' is not a full path on {host.name}",
                                 "give a full path such as D:\\VMs"))
    status = estate.status(host.name)
    vms = list(status.inventory.vms) if status and status.inventory else []
    checks.extend(_id_checks(request, host, {vm.id.lower(): vm.name for vm in vms}))
    params: dict[str, ParamValue] = {"Path": request.path}
    if copying:
        params |= {"Copy": True, "GenerateNewId": request.mode == "new-id"}
        params |= {k: v for k, v in (("VhdDestinationPath", request.vhd_path),
                                     ("VirtualMachinePath", request.vm_path)) if v}
    name = ""
    if not any(c.outcome.name == "FAIL" for c in checks):
        name, reported = await _report(pool, host, params)
        checks.extend(reported)
    if copying:
        disks = request.vhd_path or host.virtual_hard_disk_path
        files = request.vm_path or host.virtual_machine_path
        checks.append(passed("Copy", f"disks to {disks}; the VM's files to {files}", name))
    else:
        checks.append(warned("In place", "the VM runs from the export's own files from now on; "
                                         "the export cannot be imported again with this id", "",
                             name))
    what = {"register": "Register", "copy": "Copy", "new-id": "Copy with a new id"}[request.mode]
    label = name or request.path
    steps = () if any(c.outcome.name == "FAIL" for c in checks) else (make_step(
        host, "vm-import", {k: v for k, v in params.items() if v is not False},
        f"{what}: import {label} on {host.name}", target=label, long=copying),)
    return Plan(title=f"Import {label} on {host.name}", request=request,
                checks=tuple(checks), steps=steps)
