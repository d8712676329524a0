"""The settings editor's plans: memory, processors, automatic start and stop, checkpoints,
notes and integration services of one VM or many, checked per release and VM state.

Which change needs the VM off (R-SET-1 in tests/data/hyperv-rules.md): dynamic memory on
or off, processor count, processor compatibility and the automatic stop action always do;
startup memory does unless the VM runs without dynamic memory on 2016 or later at
configuration version 6.2 or later (runtime memory resize, which the guest must support);
a running VM's dynamic memory may only grow its maximum and shrink its minimum. Checkpoint
types are new in 2016. Everything else changes at any time. One ``vm-settings.ps1`` step
per VM applies only the values that change; integration services reuse the guest-services
path (``vm-integration-service.ps1``, by GUID).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

from hvtui import reference
from hvtui.hyperv import sizes
from hvtui.hyperv.per_vm import VmPlanning, plan_each_vm
from hvtui.hyperv.plans import (
    Check,
    Plan,
    Request,
    Step,
    VmRef,
    failed,
    make_step,
    passed,
    script_refusal,
    warned,
)
from hvtui.model import VM, Host
from hvtui.model.versions import (
    CHECKPOINT_TYPES,
    RUNTIME_MEMORY_RESIZE,
    WS2016,
    Feature,
    version_key,
)
from hvtui.model.vm_settings import (
    BOOT_DEVICES,
    FIELD_BY_KEY,
    FIELDS,
    Field,
    Kind,
    VmSettings,
)
from hvtui.remote.pool import SessionPool

SettingValue = int | bool | str

NEEDS_OFF = ("dynamic_memory", "processor_count", "processor_compatibility",
             "automatic_stop_action",
             # firmware (issue 11, hostcfg): R-FW-1
             "secure_boot", "secure_boot_template", "tpm", "startup_order",
             "first_boot_device")
"""Settings Hyper-V changes only while the VM is off (R-SET-1, R-FW-1)."""
GENERATION_2_ONLY = ("secure_boot", "secure_boot_template", "tpm", "first_boot_device")
"""Firmware settings of generation 2 VMs (Set-VMFirmware, the virtual TPM: R-GEN-3)."""
SECURE_BOOT_TEMPLATE = Feature("Secure Boot templates", WS2016)
"""Set-VMFirmware -SecureBootTemplate is new in 2016 (the reference's parameter sets): a
2012 R2 host has Secure Boot on or off with the Microsoft Windows template only."""
VIRTUAL_TPM = Feature("The virtual TPM", WS2016)
"""Enable-/Disable-VMTPM and Set-VMKeyProtector are new in 2016 (cmdlets-by-release)."""
DYNAMIC_ONLY = ("memory_minimum", "memory_maximum", "memory_buffer")
"""Set-VMMemory refuses these unless dynamic memory is (or is being turned) on."""
MEMORY_STEP = 2 * 1024**2
"""VM memory is set in whole 2 MB units (Set-VMMemory's MaximumAmountPerNumaNodeBytes says
so for NUMA sizes; Hyper-V Manager rounds memory the same way)."""
BOOT_ORDER_SCRIPT = "vm-boot-order"
"""The first boot device has its own script: Set-VMFirmware -FirstBootDevice takes a
Hyper-V object, which PowerShell 7's compatibility layer refuses (its header says Desktop)."""
RUNTIME_RESIZE_VERSION = (6, 2)
"""R-VER-4: hot add and remove of memory needs configuration version 6.2."""


@dataclass(frozen=True, slots=True)
class VmSettingsRequest(Request):
    kind: ClassVar[str] = "vm-settings"
    vms: tuple[VmRef, ...]
    changes: tuple[tuple[str, SettingValue], ...] = ()
    """(setting key of :data:`~hvtui.model.vm_settings.FIELDS`, new value)."""
    services: tuple[tuple[str, bool], ...] = ()
    """(integration service GUID, enabled)."""


# --- values as people see and type them ---------------------------------------------------


def show(field: Field, value: object) -> str:
    """A setting's value as the editor, the diff and the plan show it."""
    if field.kind is Kind.BYTES:
        return sizes.human(int(value)) if isinstance(value, int) and value else "-"
    if field.kind is Kind.SWITCH:
        return "on" if value else "off"
    if field.key == "checkpoint_type" and value == "":
        return "standard only (before 2016)"
    if field.key in FIRMWARE_NOT_HERE and value == "":
        return FIRMWARE_NOT_HERE[field.key]
    if field.kind is Kind.TEXT:
        text = str(value)
        return repr(text) if text == "" or text != text.strip() else text
    return str(value)


FIRMWARE_NOT_HERE = {
    "secure_boot": "- (generation 1: BIOS)",
    "secure_boot_template": "- (generation 1, or before 2016)",
    "tpm": "- (generation 1, or before 2016)",
    "startup_order": "- (generation 2: UEFI)",
    "first_boot_device": "- (generation 1: BIOS)",
}
"""How a firmware setting the VM or its host does not have is shown."""


def startup_order(text: str) -> str:
    """A BIOS startup order as Set-VMBios takes it: the four devices, each once."""
    words = [w.strip() for w in text.replace(";", ",").split(",") if w.strip()]
    by_lower = {d.lower(): d for d in BOOT_DEVICES}
    order = [by_lower.get(w.lower(), w) for w in words]
    if sorted(order) != sorted(BOOT_DEVICES):
        raise SettingError(f"BIOS startup order: {text.strip()!r} is not the four devices "
                           f"{', '.join(BOOT_DEVICES)}, each once, in the order to try them")
    return ", ".join(order)


class SettingError(ValueError):
    """A typed value a setting does not take; the message says what it takes."""


def parse(field: Field, text: str) -> SettingValue:
    """``text`` as a value of ``field`` (:class:`SettingError` saying what is accepted)."""
    if field.key == "startup_order":
        return startup_order(text)
    if field.kind is Kind.TEXT:
        return text
    word = text.strip()
    if field.kind is Kind.SWITCH:
        lowered = word.lower()
        if lowered in ("on", "true", "yes", "1"):
            return True
        if lowered in ("off", "false", "no", "0"):
            return False
        raise SettingError(f"{field.label}: {word!r} is not on or off")
    if field.kind is Kind.CHOICE:
        found = next((c for c in field.choices if c.lower() == word.lower()), None)
        if found is None:
            raise SettingError(f"{field.label}: {word!r} is not one of "
                               f"{', '.join(field.choices)}")
        return found
    if field.kind is Kind.BYTES:
        try:
            size = sizes.parse_size(word)
        except sizes.SizeError as exc:
            raise SettingError(f"{field.label}: {exc}; write it like 4GB or 512MB") from None
        if size.relative or size.to_minimum:
            raise SettingError(f"{field.label}: give the amount itself, like 4GB or 512MB")
        if size.amount % MEMORY_STEP:
            raise SettingError(f"{field.label}: {sizes.human_exact(size.amount)} is not a "
                               "whole number of 2 MB units")
        return size.amount
    try:
        number = int(word)
    except ValueError:
        raise SettingError(f"{field.label}: {word!r} is not a whole number") from None
    if (field.minimum or field.maximum) and not field.minimum <= number <= field.maximum:
        raise SettingError(f"{field.label}: {number} is not between {field.minimum} and "
                           f"{field.maximum}")
    return number


def parameters(changes: Mapping[str, SettingValue]) -> dict[str, SettingValue | list[str]]:
    """The ``vm-settings.ps1`` parameters for these changes (the BIOS startup order as the
    list Set-VMBios takes)."""
    params: dict[str, SettingValue | list[str]] = {
        FIELD_BY_KEY[key].parameter: value for key, value in changes.items()
        if key != "first_boot_device"}  # vm-boot-order.ps1's
    if "startup_order" in changes:
        params["StartupOrder"] = [w.strip() for w in str(changes["startup_order"]).split(",")]
    return params


def _boot_device_problem(vm: VM, host: Host, new: SettingValue) -> tuple[str, str] | None:
    refusal = script_refusal(host, BOOT_ORDER_SCRIPT)
    if refusal:
        return refusal, (f"connect to {host.name} with Windows PowerShell (WinRM), or change "
                         "the boot order in Hyper-V Manager")
    if new == "HardDrive" and not vm.disks:
        return f"{vm.name} has no virtual hard disk to boot from", "add a disk first"
    if new == "Network" and not vm.network_adapters:
        return f"{vm.name} has no network adapter to boot from", "add a network adapter first"
    return None


def firmware_problem(vm: VM, host: Host, key: str, new: SettingValue = ""
                     ) -> tuple[str, str] | None:
    """(why not, what to do) when a firmware setting does not exist on ``vm`` or its host."""
    leave = "leave it out for this VM"
    if key in GENERATION_2_ONLY and vm.generation != 2:
        return (f"{vm.name} is a generation 1 VM: it has a BIOS, not UEFI firmware "
                "(Set-VMFirmware is for generation 2 only)", leave + "; the BIOS startup "
                "order is its setting")
    if key == "startup_order" and vm.generation == 2:
        return (f"{vm.name} is a generation 2 VM: it has UEFI firmware, not a BIOS "
                "(Set-VMBios is for generation 1 only)", leave)
    if key == "first_boot_device":
        return _boot_device_problem(vm, host, new)
    feature = {"secure_boot_template": SECURE_BOOT_TEMPLATE, "tpm": VIRTUAL_TPM}.get(key)
    why = feature.why_not(host.release) if feature else None
    if why:
        return why, leave
    return None


def firmware_note(vm: VM, key: str, new: SettingValue) -> str:
    """What a person should know before a firmware change ('' when nothing)."""
    if key == "tpm" and new == "On":
        return (f"hvtui gives {vm.name} a new local key protector first "
                "(Set-VMKeyProtector -NewLocalKeyProtector): the VM's TPM then opens on "
                "this host's guardian; moved to another host, the key protector must allow "
                "that host too")
    if key == "tpm" and new == "Off":
        return "what the guest kept in its TPM (BitLocker keys, say) is no longer there"
    if key == "secure_boot" and new == "Off":
        return "the guest's boot loader is no longer checked"
    if key == "secure_boot_template" and new == "MicrosoftUEFICertificateAuthority":
        return "the template for Linux and other guests signed by the UEFI CA"
    if key == "first_boot_device" and new == "DVD":
        return (f"{vm.name} boots from its first DVD drive: the host refuses if it has none "
                "(mount an ISO to boot from it)")
    return ""


# --- the rules ------------------------------------------------------------------------------


def _off(vm: VM) -> bool:
    return vm.state.base.name == "Off"


def _runtime_resize_problem(vm: VM, host: Host, current: VmSettings) -> str | None:
    """Why the startup memory of a VM that is not off cannot change now, or None."""
    if current.dynamic_memory:
        return "the startup memory of a VM with dynamic memory changes only while it is off"
    why = RUNTIME_MEMORY_RESIZE.why_not(host.release)
    if why:
        return why
    if vm.state.name != "Running":
        return f"memory changes while a VM runs, and {vm.name} is {vm.state.name}"
    if version_key(vm.version) < RUNTIME_RESIZE_VERSION:
        return (f"configuration version {vm.version or 'unknown'} is older than 6.2, the "
                "first that can change memory while running")
    return None


def change_problem(vm: VM, host: Host, current: VmSettings, key: str, new: SettingValue,
                   after: Mapping[str, SettingValue]) -> tuple[str, str] | None:
    """(why not, what to do) when ``vm`` cannot take ``key`` = ``new`` now, else None.
    ``after`` is every setting as it will be once the whole request is applied."""
    stop = f"shut {vm.name} down first (`hvtui vm stop {vm.name}`), then start it again"
    firmware = firmware_problem(vm, host, key, new) if key in FIRMWARE_NOT_HERE else None
    if firmware:
        return firmware
    if key == "checkpoint_type":
        why = CHECKPOINT_TYPES.why_not(host.release)
        if why:
            return why, "leave the checkpoint type out for this VM: its host has standard " \
                        "checkpoints only"
    if key in NEEDS_OFF and not _off(vm):
        return f"{vm.name} is {vm.state.name}; Hyper-V changes this only while a VM is off", stop
    if key in DYNAMIC_ONLY and not after["dynamic_memory"]:
        return ("needs dynamic memory on (Set-VMMemory refuses it otherwise)",
                "turn dynamic memory on too (--dynamic-memory on), or leave it out")
    if key == "memory_startup" and not _off(vm):
        why = _runtime_resize_problem(vm, host, current)
        return (why, stop) if why else None
    if key == "memory_minimum" and not _off(vm) and int(new) > current.memory_minimum:
        return (f"{vm.name} is {vm.state.name}; the minimum of dynamic memory only shrinks "
                "while a VM runs", stop)
    if key == "memory_maximum" and not _off(vm) and int(new) < current.memory_maximum:
        return (f"{vm.name} is {vm.state.name}; the maximum of dynamic memory only grows "
                "while a VM runs", stop)
    return None


def memory_order_problem(after: Mapping[str, SettingValue]) -> str | None:
    """Dynamic memory needs minimum <= startup <= maximum."""
    if not after["dynamic_memory"]:
        return None
    low, start, high = (int(after[k]) for k in ("memory_minimum", "memory_startup",
                                                 "memory_maximum"))
    if low <= start <= high:
        return None
    return (f"dynamic memory needs minimum <= startup <= maximum; this would make them "
            f"{sizes.human(low)}, {sizes.human(start)} and {sizes.human(high)}")


def _guest_note(vm: VM) -> str:
    """Runtime memory resize also needs the guest's support (Windows 10 / Server 2016 and
    later, or Linux with hot-add)."""
    name = vm.guest_os.lower()
    old = ("2012", "2008", "windows 7", "windows 8")
    if vm.guest_family == "Windows" and any(word in name for word in old):
        return (f"the guest runs {vm.guest_os}, which cannot take memory while running: "
                "Hyper-V adds or removes only what the guest accepts")
    return "the guest takes the new amount while running when it supports it"


# --- the plan -------------------------------------------------------------------------------


async def plan_vm_settings(pool: SessionPool, request: VmSettingsRequest) -> Plan:
    wanted = dict(request.changes)
    unknown = sorted(set(wanted) - set(FIELD_BY_KEY))
    if unknown:
        raise ValueError(f"unknown setting(s) {', '.join(unknown)}")

    def decide(vm: VM, host: Host, out: VmPlanning) -> None:
        current = vm.settings
        if current is None:
            out.cannot.append(failed("Settings", f"{vm.host} did not report {vm.name}'s "
                                     "settings", "refresh and try again", vm.name))
            return
        changing = {k: v for k, v in wanted.items() if current.value(k) != v}
        after = {f.key: changing.get(f.key, current.value(f.key)) for f in FIELDS}
        problems: list[Check] = []
        shown: list[Check] = []
        for key, new in changing.items():
            field = FIELD_BY_KEY[key]
            problem = change_problem(vm, host, current, key, new, after)
            change = f"{show(field, current.value(key))} -> {show(field, new)}"
            if problem:
                why, fix = problem
                problems.append(failed(field.label, f"{change}: {why}", fix, vm.name))
            elif key == "memory_startup" and not _off(vm):
                shown.append(warned(field.label, f"{change} while {vm.name} runs: "
                                    f"{_guest_note(vm)}", "", vm.name))
            elif firmware_note(vm, key, new):
                shown.append(warned(field.label, f"{change}: {firmware_note(vm, key, new)}",
                                    "", vm.name))
            else:
                shown.append(passed(field.label, change, vm.name))
        order = memory_order_problem(after) if changing else None
        if order:
            problems.append(failed("Memory", order, "give minimum, startup and maximum that "
                                   "fit together", vm.name))
        count = after["processor_count"]
        if host.logical_processors and isinstance(count, int) and \
                count > host.logical_processors:
            problems.append(failed("Processors", f"{count} is more than the "
                                   f"{host.logical_processors} logical processors of "
                                   f"{host.name}", "give fewer processors", vm.name))
        service_steps = _service_changes(vm, host, request.services, problems, shown)
        out.checks.extend(shown)  # the review, old -> new, also beside a refusal
        if problems:
            out.cannot.extend(problems)
            return
        if not changing and not service_steps:
            out.checks.append(passed("Settings", "already as asked", vm.name))
            return
        settings = {k: v for k, v in changing.items() if k != "first_boot_device"}
        if settings:
            out.steps.append(make_step(
                host, "vm-settings", {"VMName": vm.name, **parameters(settings)},
                f"Change {len(settings)} setting(s) of {vm.name} on {vm.host}",
                target=vm.name,
                shown={"CurrentMinimum": current.memory_minimum,
                       "CurrentMaximum": current.memory_maximum}))
        if "first_boot_device" in changing:  # after the others: Secure Boot, say
            out.steps.append(make_step(
                host, BOOT_ORDER_SCRIPT, {"VMName": vm.name,
                                          "FirstBootDevice": changing["first_boot_device"]},
                f"Boot {vm.name} on {vm.host} from its first "
                f"{changing['first_boot_device']} device first", target=vm.name))
        out.steps.extend(service_steps)

    return await plan_each_vm(pool, request, request.vms, decide,
                              lambda what: f"Settings of {what}")


def _service_changes(vm: VM, host: Host, services: Sequence[tuple[str, bool]],
                     problems: list[Check], shown: list[Check]) -> list[Step]:
    """Integration services by GUID, through the guest-services path's script."""
    steps: list[Step] = []
    for guid, enabled in services:
        known = reference.integration_service(guid)
        label = known.name if known else guid
        service = next((s for s in vm.integration_services if s.id.upper() == guid.upper()),
                       None)
        if service is None:
            problems.append(failed(label, f"{host.name} offers {vm.name} no integration "
                                   f"service with ID {guid}", "leave it out for this VM",
                                   vm.name))
            continue
        if service.enabled == enabled:
            continue
        word = "on" if enabled else "off"
        shown.append(passed(label, f"{'off' if enabled else 'on'} -> {word}", vm.name))
        steps.append(make_step(host, "vm-integration-service",
                               {"VMName": vm.name, "ServiceId": service.id, "Enabled": enabled},
                               f"Turn {label} {word} for {vm.name} on {vm.host}",
                               target=vm.name, shown={"ServiceName": service.name}))
    return steps
