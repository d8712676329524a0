"""Enhanced session mode, the Guest Service Interface and Copy-VMFile: checks and plans.

Enhanced session (R-ESM): a host policy (off by default on servers, 2012 R2+), and per VM
a Windows 8.1 / 2012 R2 or later guest that is running. The Guest Service Interface
(R-GSI-1) is off by default and cannot run in Windows 7 / 2008 R2 or older guests.
Copy-VMFile (R-GSI-2) copies host -> guest only, into a running VM whose Guest Service
Interface is on.
"""

from __future__ import annotations

from hvtui.hyperv import lookup
from hvtui.hyperv.guests import enhanced_session_guest, guest_service_guest
from hvtui.hyperv.paths import is_absolute_windows_path
from hvtui.hyperv.per_vm import VmPlanning, plan_each_vm
from hvtui.hyperv.plans import (
    Check,
    CopyFileRequest,
    EnhancedSessionRequest,
    GuestServicesRequest,
    HostMigrationRequest,
    Plan,
    ProcessorCompatRequest,
    Step,
    failed,
    make_step,
    passed,
    script_refusal,
    skip_or_refuse,
    warned,
)
from hvtui.model import VM, Host
from hvtui.model.versions import COPY_VM_FILE, ENHANCED_SESSION
from hvtui.model.vm import GUEST_SERVICE_INTERFACE
from hvtui.remote.pool import SessionPool


def enhanced_session_availability(vm: VM, host: Host, policy: bool | None = None) -> str | None:
    """None when VMConnect can open an enhanced session to ``vm`` now; otherwise why not.

    ``policy`` overrides the host's current policy (to show what a toggle would do).
    """
    why_not = ENHANCED_SESSION.why_not(host.release)
    if why_not:
        return why_not
    if not (host.enhanced_session_mode if policy is None else policy):
        return f"the enhanced session policy of {host.name} is off"
    guest = enhanced_session_guest(vm)
    if guest and vm.guest_family != "Unknown":
        return guest  # a guest that can never have it
    if not vm.state.is_running:
        return f"{vm.name} is {vm.state.name}; enhanced session needs a running guest"
    if guest:
        return guest
    if vm.heartbeat is not None and not vm.heartbeat.is_ok:
        return (f"the guest's integration services are not answering (heartbeat "
                f"{vm.heartbeat.name}); update or start them in the guest")
    return None


async def plan_enhanced_session(pool: SessionPool, request: EnhancedSessionRequest) -> Plan:
    names = [lookup.canonical_host(pool, h) for h in request.hosts]
    estate = await lookup.fresh_estate(pool, names)
    word = "on" if request.enabled else "off"
    checks: list[Check] = []
    steps: list[Step] = []
    cannot: list[Check] = []
    able = 0
    for name in names:
        host = lookup.host(estate, name)
        why_not = ENHANCED_SESSION.why_not(host.release)
        if why_not:
            cannot.append(failed("Host policy", why_not,
                                 "leave this host out: its VMConnect sessions are basic ones",
                                 host.name))
            continue
        able += 1
        if host.enhanced_session_mode == request.enabled:
            checks.append(passed("Host policy", f"already {word}", host.name))
        else:
            checks.append(passed("Host policy", f"{'off' if request.enabled else 'on'} -> {word}"
                                 + (" (servers ship with it off)" if request.enabled else ""),
                                 host.name))
            steps.append(make_step(host, "host-enhanced-session",
                                   {"Enabled": request.enabled},
                                   f"Turn enhanced session mode {word} on {host.name}",
                                   target=host.name))
        status = estate.status(host.name)
        vms = status.inventory.vms if status and status.inventory else ()
        for vm in vms:
            why = enhanced_session_availability(vm, host, policy=request.enabled)
            if why is None:
                checks.append(passed("Enhanced session", "available", vm.name))
            elif request.enabled:
                checks.append(warned("Enhanced session", f"not available: {why}", "",
                                     vm.name))
        if not request.enabled and vms:
            checks.append(passed("Enhanced session", f"{len(vms)} VM(s) on {host.name} open "
                                                     "basic sessions only from now on",
                                 host.name))
    checks = skip_or_refuse(cannot, able, len(names) > 1) + checks
    title = (f"Turn enhanced session mode {word} for {names[0]}" if len(names) == 1 else
             f"Turn enhanced session mode {word} for {len(names)} hosts")
    notes = ("Users reconnect their VMConnect windows to get the new mode.",) if steps else ()
    return Plan(title=title, request=request, checks=tuple(checks), steps=tuple(steps),
                notes=notes)


def guest_service_problem(vm: VM, host: Host, enabled: bool) -> str | None:
    """Why ``vm`` cannot have its Guest Service Interface turned on (or off), or None."""
    why_not = COPY_VM_FILE.why_not(host.release)
    if why_not:
        return f"{host.name} runs {host.release.name}; the Guest Service Interface is new in " \
               "Windows Server 2012 R2"
    if vm.state.is_critical:
        return f"{vm.name} is {vm.state.name}; fix the VM first"
    if vm.guest_service_interface is None:
        return f"{vm.name} has no '{GUEST_SERVICE_INTERFACE}' integration service"
    if enabled:
        return guest_service_guest(vm)
    return None


async def plan_guest_services(pool: SessionPool, request: GuestServicesRequest) -> Plan:
    word = "on" if request.enabled else "off"

    def decide(vm: VM, host: Host, out: VmPlanning) -> None:
        problem = guest_service_problem(vm, host, request.enabled)
        if problem:
            out.cannot.append(failed("Guest Service Interface",
                                     f"cannot be turned {word}: {problem}",
                                     "nothing hvtui can change from the host", vm.name))
            return
        service = vm.guest_service_interface
        assert service is not None
        if service.enabled == request.enabled:
            out.checks.append(passed("Guest Service Interface", f"already {word}", vm.name))
            return
        if request.enabled and not vm.state.is_running:
            out.checks.append(warned("Guest Service Interface", f"turned on now; {vm.name} is "
                                     f"{vm.state.name}, so the guest starts the service when "
                                     "it next runs", "", vm.name))
        elif request.enabled and vm.guest_family == "Linux":
            out.checks.append(passed("Guest Service Interface", "will get it (the guest needs "
                                     "hv_fcopy_daemon for Copy-VMFile)", vm.name))
        else:
            out.checks.append(passed("Guest Service Interface",
                                     "will get it" if request.enabled else "will lose it",
                                     vm.name))
        out.steps.append(make_step(host, "vm-integration-service",
                                   {"VMName": vm.name, "ServiceId": service.id,
                                    "Enabled": request.enabled},
                                   f"Turn the Guest Service Interface {word} for {vm.name} on "
                                   f"{vm.host}", target=vm.name,
                                   shown={"ServiceName": service.name}))

    return await plan_each_vm(pool, request, request.vms, decide,
                              lambda what: f"Guest services {word} for {what}")


async def plan_processor_compat(pool: SessionPool, request: ProcessorCompatRequest) -> Plan:
    """Processor compatibility mode (R-LM-3): changeable only while the VM is off."""
    word = "on" if request.enabled else "off"

    def decide(vm: VM, host: Host, out: VmPlanning) -> None:
        if vm.processor_compatibility == request.enabled:
            out.checks.append(passed("Processor compatibility", f"already {word}", vm.name))
            return
        if vm.state.base.name != "Off":
            out.cannot.append(failed(
                "Processor compatibility",
                f"{vm.name} is {vm.state.name}; Hyper-V changes the mode only while a VM is off",
                f"shut it down first (`hvtui vm stop {vm.name}`), then start it again after",
                vm.name))
            return
        detail = ("newer processor features are hidden from the guest, so it can live-migrate "
                  "to hosts of another processor generation of the same vendor"
                  if request.enabled else
                  "the guest sees every feature of this host's processor again; live migration "
                  "needs hosts with at least the same features")
        out.checks.append(passed("Processor compatibility", f"{word}: {detail}", vm.name))
        out.steps.append(make_step(host, "vm-processor-compat",
                                   {"VMName": vm.name, "Enabled": request.enabled},
                                   f"Turn processor compatibility {word} for {vm.name} on "
                                   f"{vm.host}", target=vm.name))

    return await plan_each_vm(pool, request, request.vms, decide,
                              lambda what: f"Processor compatibility {word} for {what}")


def copy_file_checks(vm: VM, host: Host, source: str, destination: str) -> list[Check]:
    checks: list[Check] = []
    why_not = COPY_VM_FILE.why_not(host.release)
    if why_not:
        return [failed("Copy-VMFile", why_not, "copy the file over the network instead",
                       vm.name)]
    if vm.state.is_running:
        checks.append(passed("VM running", f"{vm.name} is {vm.state.name}", vm.name))
    else:
        checks.append(failed("VM running", f"{vm.name} is {vm.state.name}; Copy-VMFile copies "
                                           "only into a running guest",
                             f"start {vm.name} first (`hvtui vm start {vm.name}`)", vm.name))
    service = vm.guest_service_interface
    if service is None or not service.enabled:
        checks.append(failed(
            "Guest Service Interface",
            f"the Guest Service Interface is off for {vm.name} (it is off by default)",
            f"turn it on first: `hvtui guest-services {vm.name} on`", vm.name))
    elif not service.operational and vm.state.is_running:
        status = service.primary_status or "no status"
        checks.append(warned(
            "Guest Service Interface",
            f"on at the host, but the guest reports '{status}': the guest may have stopped its "
            "service (vmicguestinterface; hv_fcopy_daemon in Linux)",
            "start the service inside the guest if the copy is refused", vm.name))
    else:
        checks.append(passed("Guest Service Interface", "on", vm.name))
    if not is_absolute_windows_path(source):
        checks.append(failed("Source", f"'{source}' is not a full path on {host.name}",
                             "give the file's full path on the host, e.g. C:\\Tools\\setup.exe",
                             vm.name))
    else:
        checks.append(passed("Source", f"{source} on {host.name}", vm.name))
    linux = vm.guest_family == "Linux"
    if not (destination.startswith("/") if linux else is_absolute_windows_path(destination)):
        example = "/tmp/setup.sh" if linux else "C:\\Temp\\setup.exe"
        checks.append(failed("Destination", f"'{destination}' is not a full path in the guest",
                             f"give the full path inside the guest, e.g. {example}", vm.name))
    else:
        checks.append(passed("Destination", f"{destination} inside {vm.name}", vm.name))
    return checks


FILE_EXISTS_CODE = "0x80070050"
"""ERROR_FILE_EXISTS as an HRESULT: Copy-VMFile's answer when the guest has the file and
-Force was not given (the code reads the same in every display language)."""


async def plan_copy_file(pool: SessionPool, request: CopyFileRequest) -> Plan:
    estate = await lookup.fresh_estate(pool, lookup.hosts_for(pool, [request.vm]))
    vm = lookup.vm(estate, request.vm)
    host = lookup.host(estate, vm.host)
    checks = copy_file_checks(vm, host, request.source, request.destination)
    params: dict[str, str | bool] = {"Name": vm.name, "SourcePath": request.source,
                                     "DestinationPath": request.destination}
    if request.create_full_path:
        params["CreateFullPath"] = True
    if request.overwrite:
        params["Force"] = True
    steps: tuple[Step, ...] = ()
    if script_refusal(host, "vm-copy-file") is None:  # else the checks say why not
        steps = (make_step(host, "vm-copy-file", params,
                           f"Copy {request.source} from {vm.host} into {vm.name} as "
                           f"{request.destination}"
                           + (", replacing the file if it exists" if request.overwrite else ""),
                           target=vm.name, destructive=request.overwrite, long=True,
                           advice=() if request.overwrite else (
                               (FILE_EXISTS_CODE, "The file is already in the guest: tick "
                                "'Replace the file if it exists' (--overwrite) to replace "
                                "it, or choose another path."),)),)
    return Plan(title=f"Copy a file into {vm.name}", request=request, checks=tuple(checks),
                steps=steps)


async def plan_host_migration(pool: SessionPool, request: HostMigrationRequest) -> Plan:
    """Allow or forbid live migrations to and from hosts (Enable-/Disable-VMMigration)."""
    names = [lookup.canonical_host(pool, h) for h in request.hosts]
    estate = await lookup.fresh_estate(pool, names)
    word = "allowed" if request.enabled else "forbidden"
    checks: list[Check] = []
    steps: list[Step] = []
    for name in names:
        host = lookup.host(estate, name)
        if host.migration.enabled == request.enabled:
            checks.append(passed("Live migration", f"already {word}", host.name))
            continue
        checks.append(passed("Live migration", f"{'forbidden' if request.enabled else 'allowed'}"
                                               f" -> {word}", host.name))
        if not request.enabled and host.cluster:
            checks.append(warned("Cluster", f"{host.name} is a node of {host.cluster}; cluster "
                                            "role moves do not use this setting", "",
                                 host.name))
        steps.append(make_step(host, "host-migration", {"Enabled": request.enabled},
                               f"Live migrations {word} on {host.name}", target=host.name))
    title = f"Live migration {word} on " + (names[0] if len(names) == 1 else
                                             f"{len(names)} hosts")
    return Plan(title=title, request=request, checks=tuple(checks), steps=tuple(steps))
