"""Setting up Hyper-V Replica: a host as a Replica server (Get-/Set-VMReplicationServer,
New-/Get-/Remove-VMReplicationAuthorizationEntry) and a VM's replication to one
(Enable-VMReplication, Start-VMInitialReplication). R-REP-1, R-REP-3, R-REP-5.

A Replica server admits a primary when it is enabled, allows the authentication the primary
asks for on the port the primary names (Kerberos over HTTP, 80 by default; certificates over
HTTPS, 443), and either admits any server or has an authorisation entry matching the
primary's name (``*.domain`` wildcards); the entry's storage location then holds the replica,
else the server's default storage location (``Host.replica_storage``).

Enable-VMReplication creates the Replica VM at once, Off, and leaves the pair
ReadyForInitialReplication (the replica WaitingForInitialReplication) until
Start-VMInitialReplication sends the copy; the lab sends it in no time. The texts of the
refusals the reference does not quote (a server that is not a Replica server, the wrong
authentication or port, a primary it does not admit) are the lab's own, marked UNCONFIRMED.
"""

from __future__ import annotations

import datetime as dt
import fnmatch

from hvtui.lab import live, objects
from hvtui.lab.emulation import CmdletCall, emulates
from hvtui.lab.estate import VM, AuthorizationEntry, Host, ReplicationChain, ReplicationLink
from hvtui.lab.failures import (
    APP_CONSISTENT_NEEDS_HISTORY,
    EXTENDED_FREQUENCY_NOT_ALLOWED,
    EXTENDED_FREQUENCY_TOO_LOW,
    REPLICATE_TO_SAME_CLUSTER,
    REPLICATE_TO_SAME_SERVER,
    REPLICATION_ALREADY_ENABLED,
    REPLICATION_WRONG_STATE,
    binding_error,
    invalid_argument,
    invalid_operation,
    object_not_found,
    operation_failed,
)
from hvtui.lab.power import each_operand, only_modelled
from hvtui.lab.replica import FREQUENCIES
from hvtui.lab.scenario_replication import replica_copy, replica_version

_SERVER_SETTINGS = ("ReplicationEnabled", "AllowedAuthenticationType",
                    "ReplicationAllowedFromAnyServer", "CertificateThumbprint",
                    "DefaultStorageLocation", "KerberosAuthenticationPort",
                    "CertificateAuthenticationPort")
"""What Set-VMReplicationServer changes that the lab models (monitoring and per-node port
mappings are refused, not ignored)."""

MAX_RECOVERY_HISTORY = 24
"""R-REP-1: up to 24 additional hourly recovery points (2012 R2+; 2012 had 16 points,
UNCONFIRMED how its binder words the limit, so the lab keeps 24 on every release)."""


# --- the Replica server -------------------------------------------------------------------


def _write_server(call: CmdletCall) -> None:
    call.write(objects.replication_server_object(call.view))


@emulates("Get-VMReplicationServer")
def get_vmreplicationserver(call: CmdletCall) -> None:
    only_modelled(call, ())
    with call.lock:
        _write_server(call)


def _port(call: CmdletCall, name: str) -> int:
    port = int(call.arg(name))
    if not 1 <= port <= 65535:
        # UNCONFIRMED wording: the lab's, for a port no listener can use.
        raise invalid_argument(call.name, f"The port {port} is not valid. Use 1 to 65535.",
                               call.host.name)
    return port


@emulates("Set-VMReplicationServer")
def set_vmreplicationserver(call: CmdletCall) -> None:
    only_modelled(call, (*_SERVER_SETTINGS, "Force", "Passthru"))
    host = call.host
    server = host.replica_server
    with call.lock:
        auth = server.auth
        if call.given("AllowedAuthenticationType"):
            auth = call.arg("AllowedAuthenticationType").name
        thumbprint = server.thumbprint
        if call.given("CertificateThumbprint"):
            thumbprint = str(call.arg("CertificateThumbprint") or "").replace(" ", "").upper()
        enabled = server.enabled
        if call.given("ReplicationEnabled"):
            enabled = bool(call.arg("ReplicationEnabled"))
        if enabled and auth != "Kerberos" and not thumbprint:
            # R-REP-3: certificate authentication needs the server's certificate.
            # UNCONFIRMED wording.
            raise invalid_argument(
                call.name, "Certificate-based authentication needs a certificate: give "
                "-CertificateThumbprint with the thumbprint of the Replica server's "
                "certificate.", host.name)
        storage = call.arg("DefaultStorageLocation")
        if storage and not call.estate.path_exists_on(host, str(storage)):
            # UNCONFIRMED wording.
            raise invalid_argument(
                call.name, f"The storage location '{storage}' is not on a volume of "
                f"'{host.name}'.", host.name)
        kerberos = (_port(call, "KerberosAuthenticationPort")
                    if call.given("KerberosAuthenticationPort") else server.kerberos_port)
        certificate = (_port(call, "CertificateAuthenticationPort")
                       if call.given("CertificateAuthenticationPort")
                       else server.certificate_port)
        if not call.inv.should_process(host.name):
            return
        server.enabled, server.auth, server.thumbprint = enabled, auth, thumbprint
        server.kerberos_port, server.certificate_port = kerberos, certificate
        if call.given("ReplicationAllowedFromAnyServer"):
            server.from_any = bool(call.arg("ReplicationAllowedFromAnyServer"))
        if storage:
            host.replica_storage = str(storage)
        if call.switch("Passthru"):
            _write_server(call)


# --- authorisation entries ---------------------------------------------------------------


def _entries(call: CmdletCall, primary: str | None, group: str | None
             ) -> list[AuthorizationEntry]:
    """The entries matching -AllowedPrimaryServer and -TrustGroup (wildcards, any case)."""
    def fits(value: str, pattern: str | None) -> bool:
        return pattern is None or fnmatch.fnmatchcase(value.lower(), pattern.lower())

    return [e for e in call.host.replica_server.entries
            if fits(e.allowed_primary, primary) and fits(e.trust_group, group)]


@emulates("New-VMReplicationAuthorizationEntry")
def new_vmreplicationauthorizationentry(call: CmdletCall) -> None:
    only_modelled(call, ("AllowedPrimaryServer", "ReplicaStorageLocation", "TrustGroup"))
    host = call.host
    primary = str(call.arg("AllowedPrimaryServer"))
    storage = str(call.arg("ReplicaStorageLocation"))
    group = str(call.arg("TrustGroup"))
    with call.lock:
        if any(e.allowed_primary.lower() == primary.lower()
               for e in host.replica_server.entries):
            # UNCONFIRMED wording.
            raise invalid_argument(
                call.name, f"An authorization entry for '{primary}' already exists. Use "
                "Set-VMReplicationAuthorizationEntry to change it.", primary)
        if not call.estate.path_exists_on(host, storage):
            raise invalid_argument(
                call.name, f"The storage location '{storage}' is not on a volume of "
                f"'{host.name}'.", primary)
        if not call.inv.should_process(primary):
            return
        entry = AuthorizationEntry(primary, storage, group)
        host.replica_server.entries.append(entry)
        call.write(objects.authorization_entry_object(call.view, entry))


@emulates("Get-VMReplicationAuthorizationEntry")
def get_vmreplicationauthorizationentry(call: CmdletCall) -> None:
    only_modelled(call, ("AllowedPrimaryServer", "TrustGroup"))
    with call.lock:
        for entry in _entries(call, call.arg("AllowedPrimaryServer"), call.arg("TrustGroup")):
            call.write(objects.authorization_entry_object(call.view, entry))


@emulates("Remove-VMReplicationAuthorizationEntry")
def remove_vmreplicationauthorizationentry(call: CmdletCall) -> None:
    only_modelled(call, ("AllowedPrimaryServer", "TrustGroup"))
    with call.lock:
        found = _entries(call, call.arg("AllowedPrimaryServer"), call.arg("TrustGroup"))
        if not found:
            raise object_not_found(
                call.name, "No authorization entry matches "
                f"'{call.arg('AllowedPrimaryServer') or call.arg('TrustGroup')}'.")
        for entry in found:
            if call.inv.should_process(entry.allowed_primary):
                call.host.replica_server.entries.remove(entry)


# --- Enable-VMReplication -----------------------------------------------------------------


def _admitting_storage(call: CmdletCall, vm: VM, target: Host, auth: str, port: int) -> str:
    """Where ``target`` puts the replica of ``vm`` from this host; refuses as the Replica
    server would (all wordings UNCONFIRMED)."""
    server = target.replica_server
    where = call.estate.server_name(target.name)
    if not server.enabled:
        raise operation_failed(
            call.name, f"The server '{where}' is not enabled as a Replica server. Run "
            "Set-VMReplicationServer -ReplicationEnabled $true on it first.", vm.name)
    allowed = {"Kerberos": ("Kerberos", "CertificateAndKerberos"),
               "Certificate": ("Certificate", "CertificateAndKerberos")}[auth]
    expected = server.kerberos_port if auth == "Kerberos" else server.certificate_port
    if server.auth not in allowed or port != expected:
        raise operation_failed(
            call.name, f"The Replica server '{where}' does not accept {auth} authentication "
            f"on port {port}.", vm.name)
    if server.from_any:
        return target.replica_storage
    primary = call.host.fqdn.lower()
    for entry in server.entries:
        if fnmatch.fnmatchcase(primary, entry.allowed_primary.lower()):
            return entry.storage
    raise operation_failed(
        call.name, f"The Replica server '{where}' is not authorized to receive replication "
        f"from '{call.host.fqdn}'. Add an authorization entry for it on the Replica server.",
        vm.name)


def _validate_history(call: CmdletCall, history: int, vss_hours: int | None) -> None:
    if not 0 <= history <= MAX_RECOVERY_HISTORY:
        raise binding_error(
            f"Cannot validate argument on parameter 'RecoveryHistory'. The {history} argument "
            f"is {'less' if history < 0 else 'greater'} than the "
            f"{'minimum' if history < 0 else 'maximum'} allowed range of "
            f"{0 if history < 0 else MAX_RECOVERY_HISTORY}. Supply an argument that is "
            f"{'greater' if history < 0 else 'less'} than or equal to "
            f"{0 if history < 0 else MAX_RECOVERY_HISTORY} and then try the command again.",
            "ParameterArgumentValidationError", category="InvalidData", cmdlet=call.name)
    if vss_hours is not None and history == 0:
        raise invalid_argument(call.name, APP_CONSISTENT_NEEDS_HISTORY)


@emulates("Enable-VMReplication")
def enable_vmreplication(call: CmdletCall) -> None:
    """Primary replication (the VMName/VMObject sets), and extended replication when run on
    a Replica VM (R-REP-2). -AsReplica (the receiving side of an offline initial copy) is
    not modelled yet."""
    only_modelled(call, ("VMName", "VM", "ReplicaServerName", "ReplicaServerPort",
                         "AuthenticationType", "CertificateThumbprint",
                         "ReplicationFrequencySec", "RecoveryHistory",
                         "VSSSnapshotFrequencyHour", "Passthru"))
    frequency = int(call.arg("ReplicationFrequencySec", 300))
    if frequency not in FREQUENCIES:
        # UNCONFIRMED wording (as Set-VMReplication's): the service takes 30, 300 or 900.
        raise invalid_argument(call.name, f"The replication frequency {frequency} seconds is "
                               "not valid. Use 30, 300 or 900 seconds.")
    history = int(call.arg("RecoveryHistory", 0))
    vss = call.arg("VSSSnapshotFrequencyHour")
    _validate_history(call, history, None if vss is None else int(vss))
    auth = call.arg("AuthenticationType").name
    if auth == "Certificate" and not call.arg("CertificateThumbprint"):
        # UNCONFIRMED wording.
        raise invalid_argument(call.name, "Certificate-based authentication needs "
                               "-CertificateThumbprint: the thumbprint of this host's "
                               "certificate.")
    port = int(call.arg("ReplicaServerPort"))
    server_name = str(call.arg("ReplicaServerName"))

    def enable(vm: VM) -> None:
        if not call.inv.should_process(vm.name):
            return
        with call.lock:
            estate = call.estate
            if _extends(call, vm):
                _enable_extended(call, vm, server_name, auth, port, frequency, history)
                return
            if vm.replication_mode != "None":
                raise invalid_operation(call.name, REPLICATION_ALREADY_ENABLED.format(vm.name),
                                        vm.name)
            target = estate.host(server_name)
            if target is None:
                # UNCONFIRMED wording.
                raise operation_failed(
                    call.name, f"Could not connect to the Replica server '{server_name}': no "
                    "such host answers.", vm.name)
            if target is call.host:
                raise invalid_argument(call.name, REPLICATE_TO_SAME_SERVER, vm.name)
            if target.cluster and target.cluster == call.host.cluster:
                raise invalid_argument(call.name, REPLICATE_TO_SAME_CLUSTER, vm.name)
            storage = _admitting_storage(call, vm, target, auth, port)
            version = replica_version(vm, target)
            if vm.id in target.vms or version is None:
                # UNCONFIRMED wording: the Replica server cannot hold this VM.
                raise invalid_operation(call.name, REPLICATION_WRONG_STATE.format(vm.name),
                                        vm.name)
            link = ReplicationLink(call.host.name, target.name, frequency,
                                   "ReadyForInitialReplication", "Normal",
                                   auth=auth, port=port, recovery_history=history)
            link.replica_state = "WaitingForInitialReplication"
            link.frozen = call.clock.elapsed()
            vm.replication_mode = "Primary"
            copy = replica_copy(estate, call.host, vm, target, "Replica", storage)
            copy.version = version
            target.vms[vm.id] = copy
            estate.replications[vm.id] = ReplicationChain(vm.id, link)
        if call.switch("Passthru"):
            with call.lock:
                call.write(objects.replication_object(call.view, vm, "Simple", "Primary", link))

    with call.lock:
        vms = call.target_vms()
    each_operand(call, iter(vms), enable)


SCHEDULE_LIMIT_DAYS = 7
"""R-REP-3: initial replication can be scheduled up to 7 days ahead."""


def _scheduled_start(call: CmdletCall) -> float | None:
    """-InitialReplicationStartTime as lab clock time; refuses a moment in the past or more
    than 7 days ahead (R-REP-3; both wordings UNCONFIRMED: the reference quotes neither).
    -AsJob, which R-REP-3 says cannot come with it, is refused as not modelled."""
    moment = call.arg("InitialReplicationStartTime")
    if moment is None:
        return None
    if not isinstance(moment, dt.datetime):
        raise invalid_argument(call.name, f"'{moment}' is not a date and time.")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    now = call.clock.now()
    if moment <= now:
        raise invalid_argument(call.name, "The initial replication start time "
                               f"'{moment:%Y-%m-%d %H:%M:%S}' is in the past. Specify a time "
                               "in the future.")
    if moment > now + dt.timedelta(days=SCHEDULE_LIMIT_DAYS):
        raise invalid_argument(call.name, "The initial replication can be scheduled at most "
                               f"{SCHEDULE_LIMIT_DAYS} days ahead.")
    return (moment - call.clock.start).total_seconds()


def _extends(call: CmdletCall, vm: VM) -> bool:
    """Enable-VMReplication on a Replica VM of a 2012 R2+ host that does not extend yet is
    extended replication (R-REP-2); on 2012 a replica refuses as any replicating VM does
    (UNCONFIRMED wording)."""
    chain = call.estate.replication(vm)
    return (vm.replication_mode == "Replica" and chain is not None and chain.extended is None
            and call.host.release.at_least("2012R2"))


def _enable_extended(call: CmdletCall, vm: VM, server_name: str, auth: str, port: int,
                     frequency: int, history: int) -> None:
    """R-REP-2: the replica sends on to a third server, at 300 or 900 s and no more often
    than the primary sends to it."""
    estate = call.estate
    chain = estate.replication(vm)
    assert chain is not None
    if chain.primary.state_of(receiving=True) != "Replicating":
        # UNCONFIRMED: the replica must have received its initial copy first.
        raise invalid_operation(call.name, REPLICATION_WRONG_STATE.format(vm.name), vm.name)
    if frequency == 30:
        raise invalid_argument(call.name, EXTENDED_FREQUENCY_NOT_ALLOWED.format(frequency),
                               vm.name)
    if frequency < chain.primary.frequency:
        raise invalid_argument(call.name, EXTENDED_FREQUENCY_TOO_LOW, vm.name)
    target = estate.host(server_name)
    if target is None:
        # UNCONFIRMED wording (as for a primary).
        raise operation_failed(call.name, f"Could not connect to the Replica server "
                               f"'{server_name}': no such host answers.", vm.name)
    if target is call.host or target.name == chain.primary.source:
        raise invalid_argument(call.name, REPLICATE_TO_SAME_SERVER, vm.name)
    storage = _admitting_storage(call, vm, target, auth, port)
    version = replica_version(vm, target)
    if vm.id in target.vms or version is None:
        raise invalid_operation(call.name, REPLICATION_WRONG_STATE.format(vm.name), vm.name)
    link = ReplicationLink(call.host.name, target.name, frequency,
                           "ReadyForInitialReplication", "Normal",
                           auth=auth, port=port, recovery_history=history)
    link.replica_state = "WaitingForInitialReplication"
    link.frozen = call.clock.elapsed()
    primary = estate.host(chain.primary.source)
    copy = replica_copy(estate, primary or call.host, vm, target, "ExtendedReplica", storage)
    copy.version = version
    target.vms[vm.id] = copy
    chain.extended = link


@emulates("Start-VMInitialReplication")
def start_vminitialreplication(call: CmdletCall) -> None:
    """Sends the initial copy over the network now (the lab's copy takes no time), or at
    -InitialReplicationStartTime (settled when the estate is next read: Estate.replication).
    -DestinationPath (offline media) is not modelled yet."""
    only_modelled(call, ("VMName", "VM", "Passthru", "InitialReplicationStartTime"))
    scheduled = _scheduled_start(call)

    def start(vm: VM) -> None:
        if not call.inv.should_process(vm.name):
            return
        with call.lock:
            chain = call.estate.replication(vm)
            # On a Replica VM: the extended replication it sends (R-REP-2).
            link = None if chain is None else (
                chain.primary if vm.replication_mode == "Primary" else
                chain.extended if vm.replication_mode == "Replica" else None)
            if link is None or link.state != "ReadyForInitialReplication":
                raise invalid_operation(call.name, REPLICATION_WRONG_STATE.format(vm.name),
                                        vm.name)
            if scheduled is not None:
                # UNCONFIRMED: the pair reads ReadyForInitialReplication until then.
                link.scheduled = scheduled
            else:
                link.state, link.replica_state, link.health = "Replicating", "", "Normal"
                live.restart_link(link, call.clock.elapsed())
                link.since = call.clock.elapsed()
        if call.switch("Passthru"):
            with call.lock:
                call.write(objects.replication_object(call.view, vm, "Simple", "Primary", link))

    with call.lock:
        vms = call.target_vms()
    each_operand(call, iter(vms), start)
