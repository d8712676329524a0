"""Setting up Hyper-V Replica: enable a VM's replication to a Replica server
(Enable-VMReplication, then Start-VMInitialReplication), and configure a host as a Replica
server (Set-VMReplicationServer, New-VMReplicationAuthorizationEntry). R-REP-1, R-REP-3,
R-REP-5.

The inventory does not carry a host's Replica server settings, so the pre-flight asks for
them (``replica-server-show``, read-only) on the Replica server, and on the primary for the
name replication knows it by (its FQDN, which authorisation entries are matched against).
The checks say in plain words what the Replica server would refuse: not a Replica server,
the authentication or port it does not accept, a primary it does not admit; and what the
primary's release allows (Windows Server 2012 replicates every 5 minutes, fixed).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import enum
import fnmatch
from dataclasses import dataclass
from typing import ClassVar

from hvtui.errors import HvtuiError, PlanRefused
from hvtui.hyperv import lookup
from hvtui.hyperv.plans import (
    Check,
    Outcome,
    Plan,
    Request,
    VmRef,
    failed,
    make_step,
    passed,
    same_host,
    warned,
)
from hvtui.model import VM, Host, ReplicationMode, ReplicationState
from hvtui.model.versions import WS2012, WS2012R2
from hvtui.ps import catalog
from hvtui.remote.pool import SessionPool

FREQUENCIES = (30, 300, 900)
"""R-REP-1: the three intervals the service takes (2012: 300 only)."""
MAX_RECOVERY_POINTS = 24
"""R-REP-1: additional hourly recovery points (-RecoveryHistory 0-24)."""
SCHEDULE_DAYS = 7
"""R-REP-3: the initial copy can be scheduled up to 7 days ahead."""
DEFAULT_PORTS = {"Kerberos": 80, "Certificate": 443}
"""R-REP-3: Kerberos over HTTP, certificates over HTTPS."""
AUTH_TYPES = ("Kerberos", "Certificate", "CertificateAndKerberos")
"""What a Replica server may allow (RecoveryAuthenticationType)."""

ALREADY_ENABLED = ("Replication has already been enabled on virtual machine '{0}'. Please use "
                   "the Set-VMReplication cmdlet to modify replication settings.")
SAME_SERVER = ("Cannot replicate virtual machine to the same server. Enter another Replica "
               "server name and try again.")
EXTENDED_FREQUENCY_NOT_ALLOWED = ("Replication frequency for extended replication cannot be "
                                  "{0} seconds.")
EXTENDED_FREQUENCY_TOO_LOW = ("The frequency at which changes will be sent for extended "
                              "replication should be greater than the frequency for primary "
                              "replication on the replica virtual machine.")
SAME_CLUSTER = ("Cannot replicate virtual machine to the same cluster. Enter another Hyper-V "
                "Replica Broker name and try again.")
"""R-REP-5: what the host says."""


class InitialReplication(enum.Enum):
    """When the initial copy goes (R-REP-3)."""

    NOW = "now"
    """Over the network, at once (Start-VMInitialReplication)."""
    LATER = "later"
    """Not yet: the pair waits for Start-VMInitialReplication."""
    SCHEDULED = "scheduled"
    """Over the network at a given moment, at most 7 days ahead."""


@dataclass(frozen=True, slots=True)
class ReplicaServerSettings:
    """A host's Replica server settings, as ``replica-server-show`` reported them."""

    fqdn: str
    enabled: bool
    auth: str
    any_server: bool
    kerberos_port: int
    certificate_port: int
    thumbprint: str
    storage: str
    entries: tuple[tuple[str, str, str], ...]
    """(allowed primary server, storage location, trust group) per authorisation entry."""

    def accepts(self, auth: str) -> bool:
        return auth in self.auth.split("And") or self.auth == "CertificateAndKerberos"

    def port(self, auth: str) -> int:
        return self.kerberos_port if auth == "Kerberos" else self.certificate_port

    def storage_for(self, primary_names: tuple[str, ...]) -> str | None:
        """Where a replica from a primary known by these names goes; None: not admitted."""
        if self.any_server:
            return self.storage
        for allowed, storage, _group in self.entries:
            if any(fnmatch.fnmatchcase(n.casefold(), allowed.casefold())
                   for n in primary_names if n):
                return storage
        return None


async def replica_server_settings(pool: SessionPool, host: str) -> ReplicaServerSettings:
    """``host``'s Replica server settings, asked of it now (PlanRefused when it cannot say)."""
    try:
        result = await pool.invoke(host, catalog.get("replica-server-show").text, {})
    except HvtuiError as exc:
        raise PlanRefused(f"could not ask {host} for its Replica server settings: "
                          f"{exc.user_message()}", host=host,
                          hint="check the host is reachable and retry") from None
    if not result.ok:
        message = "; ".join(e.message for e in result.errors) or "no message"
        raise PlanRefused(f"{host} did not report its Replica server settings: {message}",
                          host=host, hint="refresh and retry")
    server = next((o for o in result.objects if str(o.get("Kind", "")) == "ReplicaServer"),
                  None)
    if server is None:
        raise PlanRefused(f"{host} did not report its Replica server settings",
                          host=host, hint="refresh and retry")
    entries = tuple((str(o.get("AllowedPrimaryServer") or ""), str(o.get("StorageLocation") or ""),
                     str(o.get("TrustGroup") or "")) for o in result.objects
                    if str(o.get("Kind", "")) == "AuthorizationEntry")
    return ReplicaServerSettings(
        fqdn=str(server.get("Fqdn") or host), enabled=bool(server.get("Enabled")),
        auth=str(server.get("AuthenticationType") or "Kerberos"),
        any_server=bool(server.get("AllowAnyServer")),
        kerberos_port=int(str(server.get("KerberosPort") or 80)),
        certificate_port=int(str(server.get("CertificatePort") or 443)),
        thumbprint=str(server.get("CertificateThumbprint") or ""),
        storage=str(server.get("StorageLocation") or ""), entries=entries)


def _frequency_words(seconds: int) -> str:
    return {30: "30 seconds", 300: "5 minutes", 900: "15 minutes"}.get(seconds,
                                                                       f"{seconds} seconds")


def _holds(host: Host, version: str) -> bool:
    """Whether a Replica server keeps a VM of ``version``: one it runs, or a 2012 VM (4.0),
    which a 2012 R2 Replica server keeps at 5.0."""
    return host.supports_version(version) or (version == "4.0" and host.release == WS2012R2)


# --- enable replication -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EnableReplicationRequest(Request):
    kind: ClassVar[str] = "replica-enable"
    vm: VmRef
    replica_server: str
    """The Replica server, by the name the primary reaches it by (an inventory host)."""
    auth: str = "Kerberos"
    """``Kerberos`` (HTTP) or ``Certificate`` (HTTPS)."""
    port: int = 0
    """0: the port the Replica server listens on for ``auth``."""
    thumbprint: str = ""
    """Certificate authentication: the primary's certificate."""
    frequency: int = 300
    recovery_points: int = 0
    """Additional hourly recovery points the replica keeps (0: the latest only)."""
    initial: InitialReplication = InitialReplication.NOW
    start_time: str = ""
    """Scheduled: when, as ISO 8601 (no offset: this computer's local time)."""


def _enable_checks(request: EnableReplicationRequest, primary: Host, target: Host,
                   server: ReplicaServerSettings, primary_fqdn: str,
                   checks: list[Check]) -> int:
    """Checks against the Replica server and the primary's release; the port to use."""
    auth = request.auth
    if auth not in DEFAULT_PORTS:
        checks.append(failed("Authentication", f"'{auth}' is not a way to authenticate to a "
                                               "Replica server", "use Kerberos or Certificate"))
    if auth == "Certificate" and not request.thumbprint.strip():
        checks.append(failed("Certificate", "certificate authentication needs the thumbprint "
                                            f"of {primary.name}'s certificate",
                             "give --thumbprint (Get-ChildItem Cert:\\LocalMachine\\My on the "
                             "primary lists them)"))
    port = request.port or (server.port(auth) if auth in DEFAULT_PORTS else 0)
    if not server.enabled:
        checks.append(failed("Replica server", f"{target.name} is not a Replica server",
                             f"make it one first: hvtui replica server {target.name} --enable"))
    elif auth in DEFAULT_PORTS:
        if not server.accepts(auth):
            checks.append(failed("Authentication", f"{target.name} accepts {server.auth} "
                                                   f"authentication only, not {auth}",
                                 f"use --auth {server.auth.split('And')[0]}, or allow {auth} "
                                 f"on it: hvtui replica server {target.name} --auth "
                                 "CertificateAndKerberos"))
        elif port != server.port(auth):
            checks.append(failed("Port", f"{target.name} listens for {auth} on port "
                                         f"{server.port(auth)}, not {port}",
                                 f"use --port {server.port(auth)} (or leave it out)"))
        else:
            transport = "HTTP" if auth == "Kerberos" else "HTTPS"
            checks.append(passed("Authentication", f"{auth} over {transport} on port {port}; "
                                                   "the firewall rule Hyper-V Replica "
                                                   f"{transport} Listener (TCP-In) must be "
                                                   f"enabled on {target.name}"))
        storage = server.storage_for((primary_fqdn, primary.name, primary.computer_name))
        if storage is None:
            checks.append(failed("Authorisation", f"{target.name} admits only the primaries "
                                                  "of its authorisation entries, and none "
                                                  f"matches {primary_fqdn}",
                                 f"add one: hvtui replica server {target.name} --allow "
                                 f"{primary_fqdn} --entry-storage {server.storage or 'PATH'}"))
        else:
            how = "any server" if server.any_server else "an authorisation entry"
            checks.append(passed("Authorisation", f"{target.name} admits {primary.name} "
                                                  f"({how}); the replica is stored in "
                                                  f"{storage}"))
    frequency = request.frequency
    if frequency not in FREQUENCIES:
        checks.append(failed("Frequency", f"{frequency} seconds is not a replication "
                                          "frequency", "use 30, 300 or 900 seconds"))
    elif frequency != 300 and primary.release <= WS2012:
        checks.append(failed("Frequency", f"{primary.name} runs Windows Server 2012, which "
                                          "replicates every 5 minutes only",
                             "use --frequency 300"))
    else:
        checks.append(passed("Frequency", f"changes are sent every {_frequency_words(frequency)}"))
    points = request.recovery_points
    if not 0 <= points <= MAX_RECOVERY_POINTS:
        checks.append(failed("Recovery points", f"{points} additional recovery points: "
                                                f"the replica keeps 0 to {MAX_RECOVERY_POINTS}",
                             f"use 0 to {MAX_RECOVERY_POINTS}"))
    elif points:
        checks.append(warned("Recovery points", f"the replica keeps the latest and {points} "
                                                "hourly recovery point(s): more storage on "
                                                f"{target.name}", "", ))
    else:
        checks.append(passed("Recovery points", "the latest only: a failover goes back to the "
                                                "last replication"))
    return port


def parse_start_time(text: str) -> dt.datetime | None:
    """An ISO 8601 moment (``2026-12-04 02:00``, ``2026-12-04T02:00+01:00``); a moment
    without an offset is this computer's local time. None when it is not one."""
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return moment.astimezone() if moment.tzinfo is None else moment


def _initial_replication(request: EnableReplicationRequest, vm: str, primary: str,
                         target: str, params: dict[str, str | int | bool],
                         checks: list[Check]) -> list[str]:
    """The check and parameters of when the initial copy goes (R-REP-3); the notes."""
    if request.initial is InitialReplication.NOW:
        params["StartNow"] = True
        checks.append(warned("Initial replication", f"all of {vm}'s disks are copied to "
                                                    f"{target} over the network now",
                             "outside busy hours on a slow link"))
        return []
    if request.initial is InitialReplication.LATER:
        checks.append(passed("Initial replication", "not yet: the pair waits for it"))
        return [f"start the initial copy on {primary} with Start-VMInitialReplication "
                f"-VMName '{vm}'"]
    moment = parse_start_time(request.start_time)
    now = dt.datetime.now(dt.UTC)
    if moment is None:
        checks.append(failed("Initial replication", f"'{request.start_time}' is not a date "
                                                    "and time", "give --start-time as "
                                                    "YYYY-MM-DD HH:MM"))
    elif moment <= now:
        checks.append(failed("Initial replication", f"{request.start_time} is in the past",
                             "give a time in the next 7 days"))
    elif moment > now + dt.timedelta(days=SCHEDULE_DAYS):
        checks.append(failed("Initial replication", f"{request.start_time} is more than "
                                                    f"{SCHEDULE_DAYS} days ahead",
                             "Hyper-V schedules the initial copy at most 7 days ahead"))
    else:
        params["StartTime"] = moment.isoformat()
        checks.append(warned("Initial replication", f"all of {vm}'s disks are copied to "
                                                    f"{target} over the network at "
                                                    f"{moment:%Y-%m-%d %H:%M %z}; until "
                                                    "then the pair waits", ""))
    return []


async def plan_enable_replication(pool: SessionPool, request: EnableReplicationRequest
                                  ) -> Plan:
    target_name = lookup.canonical_host(pool, request.replica_server)
    if not pool.has_host(target_name):
        raise PlanRefused(f"the Replica server {request.replica_server!r} is not in the "
                          f"inventory (known hosts: {', '.join(pool.hosts) or 'none'})",
                          hint="add it to the inventory, so hvtui can check its settings")
    estate = await lookup.fresh_estate(pool)
    vm = lookup.vm(estate, request.vm)
    primary = lookup.host(estate, vm.host)
    target = lookup.host(estate, target_name)
    subject = vm.name
    checks: list[Check] = []
    title = f"Enable replication: {vm.name} to {target.name}"
    extending = _extended_checks(vm, primary, target, request.frequency, checks)
    if vm.replication is not None and not extending:
        checks.append(failed("Replication", ALREADY_ENABLED.format(vm.name),
                             "change it with hvtui replica frequency, or remove it first "
                             "(hvtui replica remove)"))
    if same_host(primary.name, target.name) or (
            primary.computer_name and same_host(primary.computer_name, target.computer_name)):
        checks.append(failed("Replica server", SAME_SERVER, "name another host"))
    elif primary.cluster and primary.cluster == target.cluster:
        checks.append(failed("Replica server", SAME_CLUSTER, "name a host outside the cluster"))
    if any(c.outcome is Outcome.FAIL for c in checks):
        return Plan(title=title, request=request, checks=tuple(
            Check(c.name, c.outcome, c.detail, c.fix, subject) for c in checks), steps=())
    server, own = await asyncio.gather(replica_server_settings(pool, target.name),
                                       replica_server_settings(pool, primary.name))
    port = _enable_checks(request, primary, target, server, own.fqdn, checks)
    if extending:
        title = f"Extend replication: {vm.name} from {primary.name} to {target.name}"
    if vm.version and not _holds(target, vm.version):
        checks.append(failed("Configuration version", f"{target.name} "
                                                      f"({target.release.short}) cannot hold "
                                                      f"a version {vm.version} VM",
                             "replicate to a host of the same release or newer"))
    params: dict[str, str | int | bool] = {
        "VMName": vm.name, "ReplicaServer": server.fqdn or target.name, "Port": port,
        "AuthenticationType": request.auth, "FrequencySec": request.frequency,
        "RecoveryHistory": request.recovery_points}
    if request.auth == "Certificate":
        params["CertificateThumbprint"] = request.thumbprint.strip()
    notes = _initial_replication(request, vm.name, primary.name, target.name, params, checks)
    if any(c.outcome is Outcome.FAIL for c in checks):
        return Plan(title=title, request=request, checks=tuple(
            Check(c.name, c.outcome, c.detail, c.fix, subject) for c in checks), steps=())
    notes.append(f"the replica '{vm.name}' is created Off on {target.name}; test it with "
                 f"hvtui replica test-failover {vm.name} --host {target.name}")
    when = {InitialReplication.NOW: ", and send the initial copy now",
            InitialReplication.SCHEDULED: f", and send the initial copy at "
                                          f"{request.start_time}"}.get(request.initial, "")
    steps = (make_step(
        primary, "replication-enable", params,
        f"Enable replication of {vm.name} from {primary.name} to {target.name}, every "
        f"{_frequency_words(request.frequency)}{when}",
        target=vm.name, peers=(target.name,)),)
    return Plan(title=title, request=request, checks=tuple(
        Check(c.name, c.outcome, c.detail, c.fix, subject) for c in checks), steps=steps,
        notes=tuple(notes))


def _extended_checks(vm: VM, here: Host, target: Host, frequency: int,
                     checks: list[Check]) -> bool:
    """Whether enabling replication of ``vm`` is extended replication (it is a Replica that
    does not extend yet, R-REP-2), with its checks; False for any other VM."""
    rep = vm.replication
    if rep is None or rep.mode is not ReplicationMode.Replica \
            or vm.extended_replication is not None:
        return False
    if here.release < WS2012R2 or target.release < WS2012R2:
        checks.append(failed("Extended replication", "extended replication is new in Windows "
                                                     f"Server 2012 R2: {here.name} runs "
                                                     f"{here.release.short}, {target.name} "
                                                     f"{target.release.short}",
                             "extend to and from 2012 R2 or newer hosts"))
        return True
    if rep.state is not ReplicationState.Replicating:
        checks.append(failed("Extended replication", f"the replica {vm.name} on {here.name} "
                                                     f"is {rep.state.name}; it extends once "
                                                     "it replicates",
                             "finish its initial replication first"))
    if same_host(rep.primary_server, target.name):
        checks.append(failed("Replica server", f"{target.name} is {vm.name}'s primary",
                             "extend to a third server"))
    if frequency == 30:
        checks.append(failed("Frequency", EXTENDED_FREQUENCY_NOT_ALLOWED.format(30),
                             "use --frequency 300 or 900"))
    elif rep.frequency_sec and frequency < rep.frequency_sec:
        checks.append(failed("Frequency", EXTENDED_FREQUENCY_TOO_LOW + f" (the primary sends "
                                                                     f"every "
                                                                     f"{rep.frequency_sec} s)",
                             f"use --frequency {max(300, rep.frequency_sec)} or more"))
    checks.append(passed("Extended replication", f"{here.name} sends the replica {vm.name} "
                                                 f"on to {target.name}: primary -> "
                                                 f"{here.name} -> {target.name}"))
    return True


# --- a host as a Replica server -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReplicaServerRequest(Request):
    """Changes to a host's Replica server settings; None keeps what the host has."""

    kind: ClassVar[str] = "replica-server"
    host: str
    enabled: bool | None = None
    auth: str | None = None
    any_server: bool | None = None
    storage: str = ""
    """The default storage location ('' keeps it)."""
    thumbprint: str = ""
    kerberos_port: int | None = None
    certificate_port: int | None = None
    allow: str = ""
    """Add an authorisation entry for this primary server (``*.contoso.local`` wildcards)."""
    entry_storage: str = ""
    trust_group: str = "DEFAULT"


async def plan_replica_server(pool: SessionPool, request: ReplicaServerRequest) -> Plan:
    name = lookup.canonical_host(pool, request.host)
    estate = await lookup.fresh_estate(pool, [name])
    host = lookup.host(estate, name)
    now = await replica_server_settings(pool, host.name)
    checks: list[Check] = []
    enabled = now.enabled if request.enabled is None else request.enabled
    auth = now.auth if request.auth is None else request.auth
    any_server = now.any_server if request.any_server is None else request.any_server
    thumbprint = request.thumbprint.strip() or now.thumbprint
    kerberos = now.kerberos_port if request.kerberos_port is None else request.kerberos_port
    certificate = (now.certificate_port if request.certificate_port is None
                   else request.certificate_port)
    if auth not in AUTH_TYPES:
        checks.append(failed("Authentication", f"'{auth}' is not an authentication a Replica "
                                               "server allows",
                             "use Kerberos, Certificate or CertificateAndKerberos"))
    elif enabled and auth != "Kerberos" and not thumbprint:
        checks.append(failed("Certificate", f"{auth} authentication needs the thumbprint of "
                                            f"{host.name}'s certificate", "give --thumbprint"))
    for what, port in (("Kerberos", kerberos), ("certificate", certificate)):
        if not 1 <= port <= 65535:
            checks.append(failed("Port", f"{port} is not a port ({what})", "use 1 to 65535"))
    storage_paths = [p for p in (request.storage, request.entry_storage) if p]
    drives = ", ".join(f"{v.drive_letter}:" for v in host.volumes if v.drive_letter)
    for path in storage_paths:
        if host.volumes and host.volume_for(path) is None:
            checks.append(failed("Storage", f"{path} is not on a volume of {host.name}",
                                 f"name a folder on one of {drives}"))
    if request.allow:
        if not request.entry_storage:
            checks.append(failed("Authorisation", f"an entry for {request.allow} needs the "
                                                  "folder its replicas go to",
                                 "give --entry-storage"))
        elif any(a.casefold() == request.allow.casefold() for a, _, _ in now.entries):
            checks.append(failed("Authorisation", f"{host.name} already has an entry for "
                                                  f"{request.allow}",
                                 "remove it on the host first to change it"))
        else:
            checks.append(passed("Authorisation", f"{request.allow} may replicate to "
                                                  f"{host.name}, into {request.entry_storage}"))
    if enabled and not now.enabled:
        checks.append(warned("Firewall", f"{host.name} receives replication only when its "
                                         "firewall rule Hyper-V Replica HTTP (or HTTPS) "
                                         "Listener (TCP-In) is enabled",
                             "enable it on the host (Enable-NetFirewallRule)"))
    if not enabled and now.enabled:
        checks.append(warned("Replica server", f"{host.name} stops receiving replication: "
                                               "pairs replicating to it fall behind", ""))
    if enabled and any_server:
        checks.append(passed("Primaries", "any authenticated server may replicate here"))
    elif enabled:
        allowed = [a for a, _, _ in now.entries] + ([request.allow] if request.allow else [])
        checks.append(passed("Primaries", "only " + (", ".join(allowed) or "(no entries yet)")))
    params: dict[str, str | int | bool] = {
        "Enabled": enabled, "AuthenticationType": auth, "AllowAnyServer": any_server,
        "KerberosPort": kerberos, "CertificatePort": certificate}
    if request.thumbprint.strip():
        params["CertificateThumbprint"] = request.thumbprint.strip()
    if request.storage:
        params["StorageLocation"] = request.storage
    if request.allow:
        params["AllowedPrimaryServer"] = request.allow
        params["EntryStorageLocation"] = request.entry_storage
        params["TrustGroup"] = request.trust_group or "DEFAULT"
    unchanged = (enabled == now.enabled and auth == now.auth and any_server == now.any_server
                 and kerberos == now.kerberos_port and certificate == now.certificate_port
                 and not request.thumbprint.strip() and not request.storage
                 and not request.allow)
    title = f"Replica server settings: {host.name}"
    checks = [Check(c.name, c.outcome, c.detail, c.fix, host.name) for c in checks]
    if unchanged:
        return Plan(title=title, request=request, checks=(
            *checks, warned("Replica server", f"{host.name} already has these settings",
                            "", host.name)), steps=())
    description = (f"{host.name} receives replication: {auth}, " +
                   ("from any server" if any_server else "from authorised servers only")
                   if enabled else f"{host.name} stops receiving replication")
    if request.allow:
        description += f"; admit {request.allow}"
    refused = any(c.outcome is Outcome.FAIL for c in checks)
    steps = () if refused else (make_step(host, "replica-server", params, description,
                                          target=host.name),)
    return Plan(title=title, request=request, checks=tuple(checks), steps=steps)
