"""A VM's screen as text, and keys sent to it (issue 12): thumbnails, Ctrl+Alt+Del, typing.

:func:`thumbnails` asks each host once for all of its VMs' thumbnails (``vm-screen``,
read-only: Msvm_VirtualSystemManagementService.GetVirtualSystemThumbnailImage) and decodes
them (:mod:`hvtui.model.thumbnail`). Sending keys is a change like any other:
:class:`KeysRequest` -> pre-flight -> the ``vm-keys`` step (Msvm_Keyboard.TypeCtrlAltDel /
TypeText), confirmed, audited, refused under ``--read-only``. Typed text may be a password
at a guest's sign-in screen: it is never written to the audit log nor shown in the
PowerShell (the step passes it as ``$SecretText``); the plan says how many characters.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from hvtui.errors import HvtuiError
from hvtui.hyperv import lookup
from hvtui.hyperv.plans import (
    Check,
    Plan,
    Request,
    VmRef,
    failed,
    make_step,
    passed,
    warned,
)
from hvtui.model import VM, VMState
from hvtui.model.thumbnail import ScreenStatus, Thumbnail, decode_rgb565
from hvtui.ps import catalog
from hvtui.remote.pool import SessionPool

NO_SCREEN_CODE = 32775
"""Invalid state for this operation: what the method returns for a VM with no screen."""

TYPE_TEXT_MAXIMUM = 512
"""Msvm_Keyboard.TypeText takes at most 512 ASCII characters (256 to 512 Unicode)."""
TYPE_TEXT_UNICODE_SAFE = 256


def _thumbnail(host: str, record: dict[str, Any]) -> Thumbnail:
    vm_id = str(record.get("VMId", "")).lower()
    if not record.get("Found"):
        return Thumbnail(vm_id, host, ScreenStatus.NOT_FOUND, code=-1)
    code = int(str(record.get("ReturnValue", -1)))
    width, height = int(str(record.get("Width", 0))), int(str(record.get("Height", 0)))
    data = record.get("ImageData")
    if code == NO_SCREEN_CODE:
        return Thumbnail(vm_id, host, ScreenStatus.NO_SCREEN, code=code)
    if code != 0 or not isinstance(data, bytes):
        return Thumbnail(vm_id, host, ScreenStatus.FAILED, code=code)
    try:
        pixels = decode_rgb565(data, width, height)
    except ValueError as exc:
        return Thumbnail(vm_id, host, ScreenStatus.FAILED, code=code, message=str(exc))
    return Thumbnail(vm_id, host, ScreenStatus.SHOWN, width, height, pixels, code)


async def _host_thumbnails(pool: SessionPool, host: str, ids: list[str], width: int,
                           height: int) -> list[Thumbnail]:
    try:
        result = await pool.invoke(host, catalog.get("vm-screen").text,
                                   {"VMId": ids, "Width": width, "Height": height})
    except HvtuiError as exc:
        message = exc.user_message()
        return [Thumbnail(i, host, ScreenStatus.FAILED, message=message) for i in ids]
    if not result.ok:
        message = "; ".join(e.message for e in result.errors) or "no message"
        return [Thumbnail(i, host, ScreenStatus.FAILED, message=message) for i in ids]
    found = {t.vm_id: t for t in (_thumbnail(host, o) for o in result.objects
                                  if str(o.get("Kind", "")) == "Thumbnail")}
    return [found.get(i.lower()) or Thumbnail(i, host, ScreenStatus.FAILED,
                                              message="the host sent no thumbnail")
            for i in ids]


async def thumbnails(pool: SessionPool, vms: Sequence[VM], width: int,
                     height: int) -> list[Thumbnail]:
    """Each VM's screen at ``width`` x ``height`` pixels, in the order given: one call per
    host, hosts asked concurrently; a host that fails gives each of its VMs a FAILED
    thumbnail saying why (never an exception)."""
    by_host: dict[str, list[str]] = {}
    for vm in vms:
        by_host.setdefault(vm.host, []).append(vm.id)
    answers = await asyncio.gather(*(_host_thumbnails(pool, host, ids, width, height)
                                     for host, ids in by_host.items()))
    found = {(t.host, t.vm_id.lower()): t for answer in answers for t in answer}
    return [found[(vm.host, vm.id.lower())] for vm in vms]


# --- keys ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KeysRequest(Request):
    kind: ClassVar[str] = "keys"
    vm: VmRef
    ctrl_alt_del: bool = False
    text: str = ""
    """Typed as it is ('\\n' is Enter); kept out of the audit log."""

    def audit_parameters(self) -> dict[str, Any]:
        return {"vm": str(self.vm), "ctrl_alt_del": self.ctrl_alt_del,
                "characters": len(self.text)}


def text_checks(text: str) -> list[Check]:
    """What TypeText would refuse, said before anything is sent."""
    if not text:
        return [failed("Text", "there is no text to type", "give the text to type")]
    limit = TYPE_TEXT_MAXIMUM if text.isascii() else TYPE_TEXT_UNICODE_SAFE
    if len(text) > limit:
        kind = "ASCII" if text.isascii() else "non-ASCII"
        return [failed("Text", f"{len(text)} characters: Msvm_Keyboard.TypeText takes at "
                               f"most {limit} {kind} characters at once",
                       "send the text in parts")]
    controls = sorted({f"U+{ord(c):04X}" for c in text
                       if (ord(c) < 32 and c not in "\t\n\r\b") or ord(c) == 127})
    if controls:
        return [failed("Text", f"holds control characters a keyboard cannot type "
                               f"({', '.join(controls)})", "remove them")]
    return [passed("Text", f"{len(text)} characters (not shown, not recorded in the audit "
                           "log: it may be a password)")]


async def plan_keys(pool: SessionPool, request: KeysRequest) -> Plan:
    estate = await lookup.fresh_estate(pool, lookup.hosts_for(pool, [request.vm]))
    vm = lookup.vm(estate, request.vm)
    host = lookup.host(estate, vm.host)
    checks: list[Check] = []
    if request.ctrl_alt_del == bool(request.text):
        raise ValueError("a keys request sends Ctrl+Alt+Del or text, one of them")
    state = vm.state.base
    if state is VMState.Running:
        checks.append(passed("VM state", f"{vm.name} is running: its keyboard takes keys"))
    elif state is VMState.Paused:
        checks.append(warned("VM state", f"{vm.name} is paused: the guest sees the keys only "
                                         "when it resumes", f"resume {vm.name} first"))
    else:
        checks.append(failed("VM state", f"{vm.name} is {state.name}: only a running VM has a "
                                         "keyboard", f"start {vm.name} first"))
    if request.ctrl_alt_del:
        checks.append(warned("Guest", "Ctrl+Alt+Del goes to the guest: a Windows guest shows "
                                      "its sign-in or security screen; many Linux guests "
                                      "restart", "send it to a Linux guest only to restart it"))
        title = f"Send Ctrl+Alt+Del to {vm.name}"
        params: dict[str, Any] = {"VMId": vm.id, "CtrlAltDel": True}
        description = f"Press Ctrl+Alt+Del in {vm.name}"
    else:
        checks.extend(text_checks(request.text))
        title = f"Type {len(request.text)} characters in {vm.name}"
        params = {"VMId": vm.id, "SecretText": request.text}
        description = f"Type {len(request.text)} characters in {vm.name}"
    step = make_step(host, "vm-keys", params, description, target=vm.name)
    checks = [Check(c.name, c.outcome, c.detail, c.fix, vm.name) for c in checks]
    return Plan(title=title, request=request, checks=tuple(checks), steps=(step,))
