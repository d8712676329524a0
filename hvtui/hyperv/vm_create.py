"""A new VM: what a person asks for, the checks against the host as it is now, and the plan.

One catalog script (``vm-new``) creates the VM and sets what was asked, every value a
parameter. The checks are the host's real state, read just before: the name is not used by
another VM of the host (Hyper-V itself would accept a second VM of the same name, which
then makes every by-name command ambiguous), the VM's folder and the new disk's file are
not another VM's, the switch exists, the generation and configuration version are ones the
host's release runs (R-VER-1, R-GEN-1: generation 2 from 2012 R2), the startup memory fits
the host and the new disk fits its volume, and Secure Boot's Linux template exists where
it is asked for (2016+, configuration version 6.2+: R-GEN-2, R-VER-4).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from hvtui.hyperv import lookup
from hvtui.hyperv.paths import is_absolute_windows_path
from hvtui.hyperv.plans import (
    Check,
    Plan,
    Request,
    Step,
    failed,
    make_step,
    passed,
    warned,
)
from hvtui.hyperv.sizes import SizeError, human, parse_size
from hvtui.hyperv.vm_ha import on_csv  # importvm
from hvtui.model import Estate, Host
from hvtui.model.versions import version_key
from hvtui.remote.base import ParamValue
from hvtui.remote.pool import SessionPool

MB = 1024**2
GB = 1024**3
MAX_NAME = 100
"""Hyper-V refuses a VM name longer than 100 characters (UNCONFIRMED: Hyper-V Manager's
limit; the WMI ElementName allows more)."""
DEFAULT_MAXIMUM = 1024 * GB
"""Dynamic memory's maximum when none is given: Hyper-V's default, 1 TB (1048576 MB)."""
LINUX_TEMPLATE = "MicrosoftUEFICertificateAuthority"
"""R-GEN-2: the Secure Boot template Linux guests need."""
WINDOWS_TEMPLATE = "MicrosoftWindows"
LINUX_SECURE_BOOT_VERSION = "6.2"
"""R-VER-4: Secure Boot for Linux needs configuration version 6.2 (2016's module)."""


@dataclass(frozen=True, slots=True)
class NewVmRequest(Request):
    """A new VM, as a person describes it (sizes as text: ``4GB``, ``60 GiB``)."""

    kind: ClassVar[str] = "vm-new"
    host: str
    name: str
    generation: int = 0
    """1 or 2; 0: 2 where the host runs it (2012 R2+), else 1."""
    version: str = ""
    """Configuration version; '' = the host's default."""
    memory: str = "2GB"
    """Startup memory."""
    dynamic_memory: bool = False
    memory_maximum: str = ""
    """Dynamic memory's maximum; '' = Hyper-V's default (1 TB)."""
    processors: int = 1
    switch: str = ""
    """The virtual switch to connect the network adapter to; '' = not connected."""
    disk_size: str = ""
    """Size of a new VHDX; '' = no new disk."""
    disk_path: str = ""
    """The new disk's file; '' = ``<host's disk folder>\\<name>.vhdx``."""
    fixed: bool = False
    """A fixed-size new disk (written in full now) instead of a dynamic one."""
    existing_disk: str = ""
    """Attach this disk instead of creating one."""
    iso: str = ""
    """An ISO file on the host to boot from (a DVD drive holding it)."""
    secure_boot: bool = True
    """Generation 2 only: Secure Boot on (Hyper-V's default) or off."""
    linux: bool = False
    """Generation 2 only: the guest is Linux, so Secure Boot uses the Linux template."""
    path: str = ""
    """The folder the VM's own folder goes in; '' = the host's default VM folder."""
    highly_available: bool = False
    """importvm: then make it a role of the host's cluster (Add-ClusterVirtualMachineRole)."""


def _join(folder: str, name: str) -> str:
    return folder.rstrip("\\") + "\\" + name


def _path_key(path: str) -> str:
    return path.replace("/", "\\").rstrip("\\").casefold()


def _same_path(a: str, b: str) -> bool:
    return _path_key(a) == _path_key(b)


def _size(text: str, what: str, checks: list[Check]) -> int | None:
    try:
        parsed = parse_size(text)
    except SizeError as exc:
        checks.append(failed(what, str(exc), exc.hint or "write it like 4GB or 4096 MB"))
        return None
    if parsed.relative or parsed.to_minimum:
        checks.append(failed(what, f"{text!r} is not an amount", "write it like 4GB"))
        return None
    return parsed.amount


def name_checks(host: Host, vms_here: list[str], name: str) -> list[Check]:
    if not name.strip():
        return [failed("Name", "no name given", "name the VM")]
    if name != name.strip():
        return [failed("Name", f"'{name}' starts or ends with a space",
                       "remove the leading and trailing spaces")]
    if len(name) > MAX_NAME:
        return [failed("Name", f"{len(name)} characters; Hyper-V takes {MAX_NAME} at most",
                       "choose a shorter name")]
    why = lookup.wildcard_problem("VM", name)
    if why:
        return [failed("Name", why, "choose a name without * ? [ ]")]
    clash = next((n for n in vms_here if n.casefold() == name.casefold()), None)
    if clash is not None:
        return [failed("Name", f"{host.name} already has a VM called '{clash}' (names are "
                               "compared without regard to case)",
                       "choose another name, or rename or delete the other VM first")]
    return [passed("Name", f"'{name}' is not used on {host.name}")]


def _generation(host: Host, wanted: int, checks: list[Check]) -> int:
    generations = host.release.generations
    generation = wanted or max(generations)
    if generation not in (1, 2):
        checks.append(failed("Generation", f"{generation} is no VM generation", "choose 1 or 2"))
    elif generation not in generations:
        checks.append(failed("Generation", f"{host.name} runs {host.release.name}, which has "
                                           "generation 1 VMs only (generation 2 is new in "
                                           "Windows Server 2012 R2)",
                             "choose generation 1, or create the VM on a newer host"))
    else:
        checks.append(passed("Generation", f"{generation}" + (
            " (UEFI firmware, SCSI boot disk, VHDX only)" if generation == 2 else " (BIOS)")))
    return generation


def _version(host: Host, wanted: str, checks: list[Check]) -> str:
    """The version the script passes: '' where the host's New-VM has no -Version."""
    chooses = host.release.build >= (10, 0, 0)
    default = host.default_version or host.release.default_version
    version = wanted.strip() or default
    if version and "." not in version:
        version += ".0"
    if version not in host.supported_versions:
        checks.append(failed("Configuration version",
                             f"{host.name} does not run configuration version {version} "
                             f"(it runs {', '.join(host.supported_versions)})",
                             f"choose one of those; {default} is its default"))
        return version
    if not chooses and version != default:
        checks.append(failed("Configuration version",
                             f"{host.release.name} creates version {default} VMs only",
                             f"leave the version at {default}"))
        return ""
    older = [v for v in host.supported_versions if version_key(v) < version_key(version)]
    detail = f"{version}" + (" (the host's default)" if version == default else "")
    if older and version == default:
        detail += "; older hosts that lack it cannot run the VM"
    checks.append(passed("Configuration version", detail))
    return version if chooses else ""


def _disk_users(estate_vms: list[tuple[str, tuple[str, ...]]], path: str) -> list[str]:
    return [name for name, paths in estate_vms if any(_same_path(path, p) for p in paths)]


async def plan_new_vm(pool: SessionPool, request: NewVmRequest) -> Plan:
    name_of_host = lookup.canonical_host(pool, request.host)
    estate = await lookup.fresh_estate(pool, [name_of_host])
    host = lookup.host(estate, name_of_host)
    status = estate.status(host.name) or estate.status(name_of_host)
    vms = list(status.inventory.vms) if status and status.inventory else []
    name = request.name
    checks: list[Check] = name_checks(host, [vm.name for vm in vms], name)
    generation = _generation(host, request.generation, checks)
    version = _version(host, request.version, checks)
    params: dict[str, ParamValue] = {"Name": name, "Generation": generation,
                                     "Version": version}

    # Memory and processors
    memory = _size(request.memory, "Startup memory", checks)
    if memory is not None:
        params["MemoryStartupBytes"] = memory
        if memory < 32 * MB or memory % (2 * MB):
            checks.append(failed("Startup memory", f"{human(memory)} is not a whole number of "
                                                   "2 MB blocks of at least 32 MB",
                                 "give a multiple of 2 MB, e.g. 2GB or 4096MB"))
        elif host.memory_capacity and memory > host.memory_capacity:
            checks.append(failed("Startup memory", f"{human(memory)}, more than {host.name} "
                                                   f"has ({human(host.memory_capacity)}): the "
                                                   "VM could never start there",
                                 "give less startup memory, or turn on dynamic memory with "
                                 "a lower startup amount"))
        elif host.memory_capacity and memory > host.memory_free:
            checks.append(warned("Startup memory", f"{human(memory)}; {host.name} has "
                                                   f"{human(host.memory_free)} free now, so the "
                                                   "VM cannot start until memory is freed",
                                 "stop or move another VM before starting this one"))
        else:
            checks.append(passed("Startup memory", f"{human(memory)} ({human(host.memory_free)}"
                                                   f" free on {host.name})"))
        if request.dynamic_memory:
            maximum = (_size(request.memory_maximum, "Maximum memory", checks)
                       if request.memory_maximum else DEFAULT_MAXIMUM)
            if maximum is not None:
                if maximum < memory:
                    checks.append(failed("Dynamic memory", f"maximum {human(maximum)} is less "
                                                           f"than the startup {human(memory)}",
                                         "give a maximum at least the startup memory"))
                else:
                    checks.append(passed("Dynamic memory", f"on, {human(memory)} to "
                                                           f"{human(maximum)}"))
                params["DynamicMemory"] = True
                params["MemoryMaximumBytes"] = maximum
    if not 1 <= request.processors <= max(1, host.logical_processors):
        checks.append(failed("Processors", f"{request.processors} virtual processors; "
                                           f"{host.name} has {host.logical_processors} logical "
                                           "processors",
                             f"give 1 to {host.logical_processors}"))
    else:
        checks.append(passed("Processors", f"{request.processors} of {host.logical_processors}"))
        params["ProcessorCount"] = request.processors

    # The VM's folder
    folder = request.path or host.virtual_machine_path
    if not is_absolute_windows_path(folder):
        checks.append(failed("VM folder", f"'{folder}' is not a full path on {host.name}",
                             "give a full path such as D:\\VMs"))
    else:
        own = _join(folder, name)
        taken = next((vm.name for vm in vms if vm.path and _same_path(vm.path, own)), None)
        if taken:
            checks.append(failed("VM folder", f"{own} is the folder of {taken}",
                                 "choose another folder or name"))
        else:
            checks.append(passed("VM folder", own))
    params["Path"] = folder

    # Network
    if request.switch:
        switch = next((s for s in host.switches if s.casefold() == request.switch.casefold()),
                      None)
        if switch is None:
            checks.append(failed("Switch", f"{host.name} has no virtual switch "
                                           f"'{request.switch}' (it has "
                                           f"{', '.join(host.switches) or 'none'})",
                                 "choose one of the host's switches"))
        else:
            checks.append(passed("Switch", f"the network adapter connects to {switch}"))
            params["SwitchName"] = switch
    else:
        checks.append(passed("Switch", "the network adapter is not connected"))

    # Disks
    disks = [(vm.name, tuple(d.path for d in vm.disks)) for vm in vms]
    if request.existing_disk and request.disk_size:
        checks.append(failed("Disk", "a new disk and an existing disk were both given",
                             "choose one"))
    elif request.existing_disk:
        path = request.existing_disk
        users = _disk_users(disks, path)
        if not is_absolute_windows_path(path):
            checks.append(failed("Disk", f"'{path}' is not a full path on {host.name}",
                                 "give the disk's full path"))
        elif users:
            checks.append(failed("Disk", f"{path} is attached to {', '.join(users)}",
                                 "detach it there first, or create a new disk"))
        elif generation == 2 and path.lower().endswith(".vhd"):
            checks.append(failed("Disk", "Generation 2 virtual machines do not support .vhd or "
                                         ".avhd format.",
                                 "convert the disk to VHDX, or choose generation 1"))
        else:
            checks.append(passed("Disk", f"attach {path} (the host checks it is a virtual "
                                         "hard disk file)"))
            params["VhdPath"] = path
    elif request.disk_size:
        _new_disk(host, request, generation, disks, checks, params)
    else:
        checks.append(warned("Disk", "no virtual hard disk: the VM has nothing to boot from "
                                     "but an ISO or the network", "add a disk later if needed"))

    # Boot media and firmware
    if request.iso:
        if not is_absolute_windows_path(request.iso) or not request.iso.lower().endswith(".iso"):
            checks.append(failed("ISO", f"'{request.iso}' is not the full path of an .iso file",
                                 "give the ISO's full path on the host, e.g. D:\\ISO\\setup.iso"))
        else:
            checks.append(passed("ISO", f"{request.iso} in a DVD drive" + (
                "; the firmware tries the disk and the network first" if generation == 2
                else "") + " (the host looks for the file when it adds the drive, after "
                "creating the VM: a missing file leaves the VM without it)"))
            params["IsoPath"] = request.iso
    if generation == 2:
        _secure_boot(host, request, version, checks, params)
    elif request.linux or not request.secure_boot:
        checks.append(warned("Secure Boot", "generation 1 VMs have BIOS firmware: no Secure "
                                            "Boot", ""))
    if request.highly_available:
        checks.extend(ha_checks(estate, host, name, params))
    elif host.cluster:
        checks.append(warned("High availability", f"{host.name} is a node of {host.cluster}; "
                                                  "the VM is created on this node only, not as "
                                                  "a cluster role",
                             "ask for high availability (--highly-available), or make it "
                             "highly available later (hvtui vm make-ha)"))

    refused = any(c.outcome.name == "FAIL" for c in checks)
    steps: tuple[Step, ...] = () if refused else (make_step(
        host, "vm-new", {k: v for k, v in params.items() if v not in ("", None, False)},
        f"Create {name} on {host.name}", target=name, long=bool(request.fixed)),)
    if steps and request.highly_available:
        steps += (make_step(host, "vm-make-ha", {"VMName": name},
                            f"Make {name} a role of {host.cluster} "
                            "(Add-ClusterVirtualMachineRole)", target=name),)
    return Plan(title=f"New VM {name} on {host.name}", request=request, checks=tuple(checks),
                steps=steps)


def ha_checks(estate: Estate, host: Host, name: str, params: dict[str, ParamValue]
              ) -> list[Check]:
    """importvm: a highly available new VM needs a cluster node, and its folder and disk on
    the cluster's shared volumes (the cluster refuses it otherwise)."""
    if not host.cluster:
        return [failed("High availability", f"{host.name} is not a node of a failover "
                                             "cluster", "create it on a cluster node, or "
                                                        "without high availability")]
    cluster = next((c for c in estate.clusters()
                    if c.name.casefold() == host.cluster.casefold()), None)
    fix = ("put the VM's folder (--path) and its disk on a Cluster Shared Volume, e.g. "
           "C:\\ClusterStorage\\Volume1")
    checks = [failed("High availability", f"{what} {path} is not on a Cluster Shared Volume: "
                                           "the cluster refuses the role", fix)
              for what, path in (("the VM's folder", str(params.get("Path") or "")),
                                 ("the disk", str(params.get("NewVhdPath") or
                                                  params.get("VhdPath") or "")))
              if path and not on_csv(cluster, path)]
    return checks or [passed("High availability", f"then a role of {host.cluster}: its "
                                                  "folder and disk are on cluster storage")]


def _new_disk(host: Host, request: NewVmRequest, generation: int,
              disks: list[tuple[str, tuple[str, ...]]], checks: list[Check],
              params: dict[str, ParamValue]) -> None:
    size = _size(request.disk_size, "New disk", checks)
    path = request.disk_path or _join(host.virtual_hard_disk_path, f"{request.name}.vhdx")
    if size is None:
        return
    kind = "fixed" if request.fixed else "dynamic"
    if not is_absolute_windows_path(path):
        checks.append(failed("New disk", f"'{path}' is not a full path on {host.name}",
                             "give a full path ending in .vhdx"))
        return
    if not path.lower().endswith((".vhdx", ".vhd")):
        checks.append(failed("New disk", f"'{path}' does not end in .vhdx",
                             "end the file name in .vhdx"))
        return
    if generation == 2 and path.lower().endswith(".vhd"):
        checks.append(failed("New disk", "Generation 2 virtual machines do not support .vhd "
                                         "or .avhd format.", "end the file name in .vhdx"))
        return
    users = _disk_users(disks, path)
    if users:
        checks.append(failed("New disk", f"{path} already exists: it is attached to "
                                         f"{', '.join(users)}",
                             "choose another file name"))
        return
    limit = 64 * 1024**4 if path.lower().endswith(".vhdx") else 2040 * GB
    if size > limit:
        checks.append(failed("New disk", f"{human(size)} is more than the format allows "
                                         f"({human(limit)})", "choose a smaller size"))
        return
    volume = host.volume_for(path)
    needs = size if request.fixed else 4 * MB
    if volume is not None and needs > volume.free:
        checks.append(failed("New disk", f"a {kind} {human(size)} disk needs {human(needs)} on "
                                          f"{volume.drive_letter}:, which has "
                                          f"{human(volume.free)} free",
                             "choose a dynamic disk, a smaller size or another volume"))
        return
    detail = f"{kind} {human(size)} VHDX at {path}"
    if volume is not None:
        detail += f" ({volume.drive_letter}: has {human(volume.free)} free)"
        if not request.fixed and size > volume.free:
            checks.append(warned("New disk", detail + "; it can grow beyond that free space",
                                 "watch the volume's free space, or choose a smaller size"))
            detail = ""
    if detail:
        checks.append(passed("New disk", detail))
    params["NewVhdPath"] = path
    params["NewVhdSizeBytes"] = size
    if request.fixed:
        params["NewVhdFixed"] = True


def _secure_boot(host: Host, request: NewVmRequest, version: str, checks: list[Check],
                 params: dict[str, ParamValue]) -> None:
    if not request.secure_boot:
        checks.append(passed("Secure Boot", "off"))
        params["SecureBoot"] = "Off"
        return
    if not request.linux:
        checks.append(passed("Secure Boot", f"on, template {WINDOWS_TEMPLATE}"))
        return
    effective = version or host.default_version or host.release.default_version
    if host.release.build < (10, 0, 0) or \
            version_key(effective) < version_key(LINUX_SECURE_BOOT_VERSION):
        checks.append(failed("Secure Boot", f"a Linux guest needs the {LINUX_TEMPLATE} "
                                            "template, which needs Windows Server 2016 and "
                                            f"configuration version {LINUX_SECURE_BOOT_VERSION}"
                                            f" or later ({host.name} runs "
                                            f"{host.release.name}, version {effective})",
                             "turn Secure Boot off for this VM, or create it on a 2016 or "
                             "later host"))
        return
    checks.append(passed("Secure Boot", f"on, template {LINUX_TEMPLATE} (Linux)"))
    params["SecureBoot"] = "On"
    params["SecureBootTemplate"] = LINUX_TEMPLATE
