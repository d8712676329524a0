"""The VM's screen and keyboard through WMI (root\\virtualization\\v2), as a lab host serves
them: the CIM instances scripts look up with Get-CimInstance, and Invoke-CimMethod for the
three methods hvtui calls, each refusing anything else by name.

- ``Msvm_VirtualSystemManagementService.GetVirtualSystemThumbnailImage(TargetSystem,
  WidthPixels, HeightPixels)`` -> ``ImageData``, raw RGB 565 (one little-endian uint16 per
  pixel); drawn from the guest's state by :mod:`hvtui.lab.screen_render`.
- ``Msvm_Keyboard.TypeCtrlAltDel()`` and ``Msvm_Keyboard.TypeText(asciiText)``: the lab's
  guest reacts (a Windows lock screen goes to sign-in, a Linux guest reboots as systemd's
  ctrl-alt-del.target does; typed text appears at the sign-in box or login prompt).

Return values are the methods' documented codes (MicrosoftDocs/win32 HyperV_v2 pages):
0 done, 1 (TypeText) characters that cannot be typed, 32773 invalid parameter, 32775
invalid state. Which code a real host returns for a VM that is off is not documented:
the lab answers 32775 "Invalid state for this operation" (UNCONFIRMED). Msvm_Keyboard, a
logical device, exists only while the VM runs or is paused, like the KVP component
(UNCONFIRMED for a paused VM).
"""

from __future__ import annotations

import uuid
from typing import Any

from hvtui.lab import screen_render
from hvtui.lab.emulation import CmdletCall, emulates
from hvtui.lab.estate import VM, Host
from hvtui.lab.failures import HostError
from hvtui.lab.pwsh import PSHashtable, PSObject
from hvtui.remote.base import ErrorRecord

NAMESPACE = "root/virtualization/v2"
SERVICE = "Msvm_VirtualSystemManagementService"
SETTINGS = "Msvm_VirtualSystemSettingData"
KEYBOARD = "Msvm_Keyboard"

DONE = 0
UNTRANSLATABLE = 1
INVALID_PARAMETER = 32773
INVALID_STATE = 32775

TYPE_TEXT_MAXIMUM = 512
"""TypeText's longest ASCII string (typetext-msvm-keyboard.md); Unicode: 256 to 512."""

_INVOKE = "Microsoft.Management.Infrastructure.CimCmdlets.InvokeCimMethodCommand"


def _guid(vm: VM) -> str:
    return str(uuid.UUID(vm.id)).upper()


def _instance(class_name: str, props: list[tuple[str, object]]) -> PSObject:
    names = (f"Microsoft.Management.Infrastructure.CimInstance#{NAMESPACE}/{class_name}",
             "Microsoft.Management.Infrastructure.CimInstance", "System.Object")
    return PSObject(props, type_names=names, to_string=lambda: class_name)


def cim_instances(call: CmdletCall, class_name: str) -> list[PSObject] | None:
    """The instances of ``class_name`` (lower case) this module serves; None for another."""
    host = call.host
    if class_name == SERVICE.lower():
        return [_instance(SERVICE, [
            ("CreationClassName", SERVICE), ("Name", "vmms"), ("SystemName", host.name),
            ("ElementName", "Virtual System Management Service")])]
    if class_name == SETTINGS.lower():
        with call.lock:
            return [_instance(SETTINGS, [
                ("InstanceID", f"Microsoft:{_guid(vm)}"), ("ElementName", vm.name),
                ("VirtualSystemIdentifier", _guid(vm)),
                ("VirtualSystemType", "Microsoft:Hyper-V:System:Realized")])
                for vm in host.vms.values()]
    if class_name == KEYBOARD.lower():
        with call.lock:
            return [_instance(KEYBOARD, [
                ("SystemName", _guid(vm)), ("DeviceID", f"Microsoft:{_guid(vm)}\\Keyboard"),
                ("ElementName", "Keyboard"), ("Name", "Keyboard")])
                for vm in host.vms.values() if vm.active]
    return None


# --- Invoke-CimMethod ---------------------------------------------------------------------------


def _refused(message: str) -> HostError:
    return HostError(ErrorRecord(
        message=message, category="NotImplemented",
        error_id=f"LabMethodNotEmulated,{_INVOKE}", activity="Invoke-CimMethod",
        reason="NotImplementedException"))


def _class_of(instance: Any) -> str:
    if isinstance(instance, PSObject):
        for name in instance.type_names:
            head, sep, tail = name.partition("#")
            if sep and head.endswith("CimInstance") and tail.lower().startswith(NAMESPACE):
                return tail.rsplit("/", 1)[-1]
    raise _refused("The hvtui lab's Invoke-CimMethod takes a CIM instance of "
                   f"{NAMESPACE} from Get-CimInstance (-InputObject); other inputs are not "
                   "emulated. Run this on a real host, or add it to the lab.")


def _arguments(call: CmdletCall) -> dict[str, Any]:
    given = call.arg("Arguments")
    if given is None:
        return {}
    if isinstance(given, PSHashtable):
        return {str(k).lower(): v for k, v in given.entries()}
    if isinstance(given, dict):
        return {str(k).lower(): v for k, v in given.items()}
    return {}


def _result(class_name: str, method: str, props: list[tuple[str, object]]) -> PSObject:
    names = (f"Microsoft.Management.Infrastructure.CimMethodResult#{class_name}#{method}",
             "Microsoft.Management.Infrastructure.CimMethodResult", "System.Object")
    return PSObject(props, type_names=names, to_string=lambda: "")


def _vm_by_guid(host: Host, guid: str) -> VM | None:
    try:
        wanted = str(uuid.UUID(guid))
    except ValueError:
        return None
    return host.vms.get(wanted)


def _prop(instance: Any, name: str) -> str:
    if isinstance(instance, PSObject):
        value = instance.get(name)
        return "" if value is None else str(value)
    return ""


_METHODS = {
    SERVICE.lower(): ("GetVirtualSystemThumbnailImage",),
    KEYBOARD.lower(): ("TypeCtrlAltDel", "TypeText"),
}


@emulates("Invoke-CimMethod")
def invoke_cimmethod(call: CmdletCall) -> None:
    class_name = _class_of(call.arg("InputObject"))
    method = str(call.arg("MethodName", ""))
    known = _METHODS.get(class_name.lower(), ())
    chosen = next((m for m in known if m.lower() == method.lower()), None)
    if chosen is None:
        offered = ", ".join(f"{class_name}.{m}" for m in known) or "none of its methods"
        raise _refused(f"The hvtui lab does not emulate {class_name}.{method} (it emulates "
                       f"{offered}). Run this on a real host, or add it to the lab.")
    if not call.inv.should_process(f"{class_name}", chosen):
        return
    args = _arguments(call)
    if chosen == "GetVirtualSystemThumbnailImage":
        call.write(_thumbnail(call, args))
    else:
        call.write(_keyboard(call, chosen, _prop(call.arg("InputObject"), "SystemName"), args))


def _size(value: Any) -> int | None:
    try:
        size = int(value)
    except (TypeError, ValueError):
        return None
    return size if 0 < size <= 0xFFFF else None


def guest_screen(vm: VM, now: float, clock: str) -> screen_render.GuestScreen:
    booted = vm.booted_at if vm.booted_at is not None else vm.started_at
    seconds_up = now - booted if booted is not None else 0.0
    return screen_render.GuestScreen(
        name=vm.name, linux=vm.linux, guest_os=vm.guest_os, fault=vm.guest_fault,
        console=vm.console, typed=vm.typed, seconds_up=seconds_up, clock=clock)


def _thumbnail(call: CmdletCall, args: dict[str, Any]) -> PSObject:
    method = "GetVirtualSystemThumbnailImage"
    width, height = _size(args.get("widthpixels")), _size(args.get("heightpixels"))
    target = args.get("targetsystem")
    instance_id = _prop(target, "InstanceID")
    with call.lock:
        vm = _vm_by_guid(call.host, instance_id.partition(":")[2]) \
            if instance_id.lower().startswith("microsoft:") else None
        if vm is None or width is None or height is None:
            return _result(SERVICE, method, [("ImageData", None),
                                             ("ReturnValue", INVALID_PARAMETER)])
        if not vm.active:
            return _result(SERVICE, method, [("ImageData", None),
                                             ("ReturnValue", INVALID_STATE)])
        guest = guest_screen(vm, call.view.elapsed, call.view.now().strftime("%H:%M"))
    image = screen_render.draw(guest, width, height)
    return _result(SERVICE, method, [("ImageData", image), ("ReturnValue", DONE)])


def _typeable(text: str) -> bool:
    return all(ch in "\t\n\r\b" or (ord(ch) >= 32 and ord(ch) != 127) for ch in text)


def _keyboard(call: CmdletCall, method: str, system: str, args: dict[str, Any]) -> PSObject:
    with call.lock:
        vm = _vm_by_guid(call.host, system)
        if vm is None or not vm.active:
            return _result(KEYBOARD, method, [("ReturnValue", INVALID_STATE)])
        kind = screen_render.screen_kind(guest_screen(vm, call.view.elapsed, ""))
        if method == "TypeCtrlAltDel":
            _ctrl_alt_del(vm, kind, call.view.elapsed)
            return _result(KEYBOARD, method, [("ReturnValue", DONE)])
        text = args.get("asciitext")
        if not isinstance(text, str) or not text:
            return _result(KEYBOARD, method, [("ReturnValue", INVALID_PARAMETER)])
        limit = TYPE_TEXT_MAXIMUM if text.isascii() else TYPE_TEXT_MAXIMUM // 2
        if len(text) > limit:
            return _result(KEYBOARD, method, [("ReturnValue", INVALID_PARAMETER)])
        if not _typeable(text):
            return _result(KEYBOARD, method, [("ReturnValue", UNTRANSLATABLE)])
        if kind == "signin":
            vm.typed = _password_box(vm.typed, text)
        elif kind == "login":
            _login_prompt(vm, text)
        return _result(KEYBOARD, method, [("ReturnValue", DONE)])


def _password_box(before: str, text: str) -> str:
    """What Windows' password box holds after ``text``: Enter submits (the box empties: the
    lab knows no password), Backspace removes a character."""
    out = before
    for ch in text:
        if ch in "\r\n":
            out = ""
        elif ch == "\b":
            out = out[:-1]
        else:
            out += ch
    return out


def _login_prompt(vm: VM, text: str) -> None:
    """A Linux console: 'login:' takes a user name, Enter asks 'Password:' (not echoed), a
    second Enter says 'Login incorrect' (the lab knows no password) and asks again."""
    for ch in text:
        if ch == "\r":
            continue
        if ch == "\n":
            if "\n" in vm.typed:
                vm.typed, vm.console = "", "Incorrect"
            else:
                vm.typed += "\n"
        elif ch == "\b":
            if not vm.typed.endswith("\n"):
                vm.typed = vm.typed[:-1]
        else:
            vm.typed += ch


def _ctrl_alt_del(vm: VM, kind: str, now: float) -> None:
    if kind == "lock":
        vm.console, vm.typed = "SignIn", ""
    elif kind == "login":
        # systemd's default ctrl-alt-del.target is reboot.target: the guest restarts, the
        # VM keeps running.
        vm.boot(now)
