"""Guest-facing settings: integration services (R-GSI-1), Copy-VMFile (R-GSI-2) and
processor compatibility mode (R-LM-3)."""

from __future__ import annotations

from hvtui.lab import records
from hvtui.lab.estate import GSI, VM, basename, is_absolute, path_key
from hvtui.lab.failures import (
    BAD_PATH_SYNTAX,
    COPY_FAILED,
    FILE_EXISTS,
    FILE_NOT_FOUND,
    PATH_NOT_FOUND,
    command_not_found,
    invalid_state,
    operation_failed,
    script_throw,
)
from hvtui.lab.registry import Call, handles
from hvtui.lab.releases import has_cmdlet

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


# The script's own refusal (hvtui/ps/scripts/vm-integration-service.ps1); a test keeps it in step.
NO_SUCH_SERVICE = (
    "This host offers no integration service with that ID to the virtual machine (the Guest "
    "Service Interface is new in Windows Server 2012 R2)."
)


@handles("vm-integration-service")
async def vm_integration_service(call: Call) -> None:
    enabled = bool(call.params["Enabled"])
    name, service_guid = call.params["VMName"], str(call.params["ServiceId"])
    offered = records.services_for(call.host.release)
    with call.lock:
        # Get-VMIntegrationService -VMName: no VM of that name is the cmdlet's own error.
        vms = call.vms(name, "Get-VMIntegrationService")
        # The script picks the service by the GUID that ends its Id, never by name.
        canonical = records.service_named(offered, service_guid)
        if canonical is None:
            raise script_throw(NO_SUCH_SERVICE)
        for vm in vms:
            vm.ic_overrides[canonical] = enabled
        for vm in vms:
            call.emit(records.integration_record(vm, canonical))


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


def _copy_error(source: str, destination: str, why: str) -> Exception:
    return operation_failed(COPY, f"{COPY_FAILED.format(source, destination)} {why}", destination)


@handles("vm-copy-file")
async def vm_copy_file(call: Call) -> None:
    """Copy-VMFile -FileSource Host: a running VM whose Guest Service Interface works."""
    host = call.host
    if not has_cmdlet(host.release, COPY):
        raise command_not_found(COPY)
    name = call.params["Name"]
    source, destination = call.params["SourcePath"], call.params["DestinationPath"]
    create_path, force = bool(call.params["CreateFullPath"]), bool(call.params["Force"])
    with call.lock:
        vm = call.vms(name, COPY)[0]
        call.idle(vm, COPY)
        # R-GSI-2: without a working Guest Service Interface (disabled on the host, or not
        # running in the guest) the copy fails with the invalid-state text. UNCONFIRMED:
        # the exact text when GSI is merely disabled on the host.
        if vm.state != "Running" or not records.service_works(vm, GSI):
            raise invalid_state(COPY, vm.name)
        if path_key(source) not in host.files:
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
        call.emit(
            {"Kind": "Copied", "Name": name, "SourcePath": source, "DestinationPath": destination}
        )


# --- processor compatibility ---------------------------------------------------------------


@handles("vm-processor-compat")
async def vm_processor_compat(call: Call) -> None:
    """R-LM-3: CompatibilityForMigrationEnabled changes only while the VM is off."""
    cmdlet = "Set-VMProcessor"
    name, enabled = call.params["VMName"], bool(call.params["Enabled"])
    with call.lock:
        vms = call.vms(name, cmdlet)
        for vm in vms:
            call.idle(vm, cmdlet)
            if vm.state != "Off":
                raise invalid_state(cmdlet, vm.name)
            vm.compat = enabled
        for vm in call.host.find_vms(name):
            call.emit(records.processor_record(vm))
