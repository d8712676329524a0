"""Guest-facing cmdlets: Enable-/Disable-VMIntegrationService (R-GSI-1) and Copy-VMFile
(R-GSI-2)."""

from __future__ import annotations

from hvtui.lab import objects, services
from hvtui.lab.emulation import CmdletCall, emulates, wildcard_match
from hvtui.lab.estate import GSI, VM, basename, is_absolute, path_key
from hvtui.lab.failures import (
    BAD_PATH_SYNTAX,
    COPY_FAILED,
    FILE_EXISTS,
    FILE_NOT_FOUND,
    IC_NOT_FOUND,
    PATH_NOT_FOUND,
    HostError,
    invalid_argument,
    invalid_state,
    operation_failed,
)
from hvtui.lab.power import each_operand, only_modelled

COPY = "Copy-VMFile"
WINDOWS_FOLDERS = (
    "C:\\",
    "C:\\Windows",
    "C:\\Windows\\Temp",
    "C:\\Users",
    "C:\\Users\\Public",
    "C:\\Users\\Public\\Documents",
    "C:\\Users\\Administrator",
    "C:\\Program Files",
    "C:\\ProgramData",
)
LINUX_FOLDERS = (
    "/",
    "/tmp",
    "/home",
    "/root",
    "/opt",
    "/etc",
    "/var",
    "/var/tmp",
    "/usr",
    "/usr/local",
    "/usr/local/bin",
)

_Service = tuple[VM, str]
"""A VM and the GUID of one of its integration services."""


# --- Enable-/Disable-VMIntegrationService ---------------------------------------------------


def _services_named(call: CmdletCall, vm: VM, patterns: list[str]) -> list[_Service]:
    """The VM's services whose name *as this host shows it* (localised on a host in another
    display language) matches one of ``patterns``, which are wildcard patterns as the
    module reads them (BIN neonSDK ``VMIntegrationComponent.GetIntegrationComponents``:
    none matching is an InvalidArgument error for that VM)."""
    found = [(vm, service_id) for service_id in objects.service_ids(call.host.release)
             if any(wildcard_match(p, objects.service_name(call.view, service_id))
                    for p in patterns)]
    if not found:
        raise invalid_argument(call.name, IC_NOT_FOUND)
    return found


def _given_services(call: CmdletCall) -> list[_Service]:
    """-VMIntegrationService: the services behind VMIntegrationComponent objects a script
    passed back (their Id is ``Microsoft:<VM id>\\<service GUID>``)."""
    return [(vm, str(obj.get("Id")).rsplit("\\", 1)[-1].upper())
            for vm, obj in call.owners_of("VMIntegrationService")]


def _set_integration_service(call: CmdletCall, enabled: bool) -> None:
    """Writes the VMIntegrationComponent only with -Passthru."""
    only_modelled(call, ("VMName", "VM", "Name", "VMIntegrationService", "Passthru"))

    def switch(item: _Service) -> None:
        vm, service_id = item
        english = objects.english_service_name(service_id)
        if not call.inv.should_process(objects.service_name(call.view, service_id)):
            return
        vm.ic_overrides[english] = enabled
        if call.switch("Passthru"):
            primary, secondary = services.service_status(vm, english)
            call.write(objects.integration_object(call.view, vm, service_id, primary,
                                                  secondary))

    with call.lock:
        if call.given("VMIntegrationService"):
            chosen = _given_services(call)
        else:
            chosen = []
            patterns = call.names("Name")
            for vm in call.target_vms():
                try:
                    chosen += _services_named(call, vm, patterns)
                except HostError as exc:
                    call.error(exc)
        each_operand(call, chosen, switch)


@emulates("Enable-VMIntegrationService")
def enable_vmintegrationservice(call: CmdletCall) -> None:
    _set_integration_service(call, True)


@emulates("Disable-VMIntegrationService")
def disable_vmintegrationservice(call: CmdletCall) -> None:
    _set_integration_service(call, False)


# --- Copy-VMFile -------------------------------------------------------------------------


def _guest_key(vm: VM, path: str) -> str:
    if vm.linux:
        return "/" + path.strip("/") if path.strip("/") else "/"
    return path_key(path) + ("\\" if len(path_key(path)) == 2 else "")


def _guest_parent(vm: VM, path: str) -> str:
    if vm.linux:
        trimmed = path.rstrip("/")
        return trimmed.rsplit("/", 1)[0] or "/"
    trimmed = path.replace("/", "\\").rstrip("\\")
    head = trimmed.rsplit("\\", 1)[0]
    return head + "\\" if len(head) == 2 else head


def _guest_folders(vm: VM) -> set[str]:
    defaults = LINUX_FOLDERS if vm.linux else WINDOWS_FOLDERS
    folders = {_guest_key(vm, f) for f in defaults}
    folders.update(k[len("dir:") :] for k in vm.guest_files if k.startswith("dir:"))
    return folders


def _valid_guest_path(vm: VM, path: str) -> bool:
    if vm.linux:
        return path.startswith("/") and "\0" not in path
    return is_absolute(path) and not any(c in '<>"|?*' for c in path[2:])


def _copy_error(source: str, destination: str, why: str) -> HostError:
    return operation_failed(COPY, f"{COPY_FAILED.format(source, destination)} {why}", destination)


@emulates("Copy-VMFile")
def copy_vmfile(call: CmdletCall) -> None:
    """-FileSource Host (the only source there is) into each running VM whose Guest
    Service Interface works; writes nothing. The cmdlet is 2012 R2's: a 2012 host does not
    have it."""
    only_modelled(call, ("Name", "VM", "SourcePath", "DestinationPath", "FileSource",
                         "CreateFullPath", "Force"))
    source, destination = str(call.arg("SourcePath")), str(call.arg("DestinationPath"))
    create_path, force = call.switch("CreateFullPath"), call.switch("Force")

    def copy(vm: VM) -> None:
        if not call.inv.should_process(vm.name):
            return
        call.idle(vm)
        # R-GSI-2: without a working Guest Service Interface (disabled on the host, or not
        # running in the guest) the copy fails with the invalid-state text. UNCONFIRMED:
        # the exact text when GSI is merely disabled on the host.
        if vm.state != "Running" or not services.service_works(vm, GSI):
            raise invalid_state(COPY, vm.name)
        if path_key(source) not in call.host.files:
            raise _copy_error(source, destination, FILE_NOT_FOUND)
        if not _valid_guest_path(vm, destination):
            raise _copy_error(source, destination, BAD_PATH_SYNTAX)
        folders = _guest_folders(vm)
        target = destination
        if _guest_key(vm, destination) in folders or destination.endswith(("\\", "/")):
            separator = "/" if vm.linux else "\\"
            target = destination.rstrip("\\/") + separator + basename(source)
        parent = _guest_parent(vm, target)
        if _guest_key(vm, parent) not in folders:
            if not create_path:
                raise _copy_error(source, destination, PATH_NOT_FOUND)
            missing = parent
            while _guest_key(vm, missing) not in folders:
                vm.guest_files.add("dir:" + _guest_key(vm, missing))
                missing = _guest_parent(vm, missing)
        file_key = "file:" + _guest_key(vm, target)
        if file_key in vm.guest_files and not force:
            raise _copy_error(source, destination, FILE_EXISTS)
        vm.guest_files.add(file_key)

    with call.lock:
        each_operand(call, call.target_vms(), copy)
