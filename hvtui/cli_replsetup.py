"""``hvtui replica enable`` and ``hvtui replica server``: setting up Hyper-V Replica, each a
plan (pre-flight against both hosts, the exact PowerShell, a confirmation, a job, the audit
log), as every action command.

    hvtui replica enable VM --to HOST    Enable-VMReplication (+ Start-VMInitialReplication)
                                         on the VM's host
    hvtui replica server HOST            Set-VMReplicationServer
                                         (+ New-VMReplicationAuthorizationEntry)
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from hvtui.errors import PlanRefused
from hvtui.hyperv.plans import Request, VmRef
from hvtui.hyperv.replica_setup import (
    AUTH_TYPES,
    FREQUENCIES,
    MAX_RECOVERY_POINTS,
    EnableReplicationRequest,
    InitialReplication,
    ReplicaServerRequest,
)

ENABLE_HELP = ("replicate a VM to a Replica server (Enable-VMReplication, "
               "Start-VMInitialReplication)")
SERVER_HELP = ("make a host a Replica server or change its settings (Set-VMReplicationServer, "
               "New-VMReplicationAuthorizationEntry)")


def _auth(value: str) -> str:
    """Authentication names in any case: ``kerberos`` -> ``Kerberos``."""
    for known in AUTH_TYPES:
        if known.casefold() == value.casefold():
            return known
    raise argparse.ArgumentTypeError(f"{value!r}: use one of {', '.join(AUTH_TYPES)}")


def _enable(a: argparse.Namespace) -> Request:
    initial = InitialReplication(a.initial)
    if a.start_time and initial is InitialReplication.NOW:
        initial = InitialReplication.SCHEDULED
    if initial is InitialReplication.SCHEDULED and not a.start_time:
        raise PlanRefused("--initial scheduled needs --start-time",
                          hint="add --start-time 'YYYY-MM-DD HH:MM' (within 7 days)")
    return EnableReplicationRequest(
        VmRef(a.vm, a.host), a.to, auth=a.auth, port=a.port or 0,
        thumbprint=a.thumbprint or "", frequency=a.frequency,
        recovery_points=a.recovery_points, initial=initial, start_time=a.start_time or "")


def _server(a: argparse.Namespace) -> Request:
    return ReplicaServerRequest(
        a.server, enabled=a.enabled, auth=a.auth, any_server=a.any_server,
        storage=a.storage or "", thumbprint=a.thumbprint or "",
        kerberos_port=a.kerberos_port, certificate_port=a.certificate_port,
        allow=a.allow or "", entry_storage=a.entry_storage or "",
        trust_group=a.trust_group)


def register(rsub: Any, common: Callable[..., None],
             handler: Callable[[Callable[[argparse.Namespace], Request]], dict[str, Any]]
             ) -> None:
    """Add ``enable`` and ``server`` to ``hvtui replica``'s sub-parsers."""
    p = rsub.add_parser(
        "enable", help=ENABLE_HELP,
        description=f"{ENABLE_HELP[0].upper()}{ENABLE_HELP[1:]}. Checks first that the "
        "Replica server is one, accepts the authentication on that port and admits the "
        "primary, and what the primary's release allows (Windows Server 2012: every 5 "
        "minutes only). The replica is created Off on the Replica server.")
    p.add_argument("vm", metavar="VM")
    p.add_argument("--to", required=True, metavar="HOST",
                   help="the Replica server (a host in the inventory)")
    p.add_argument("--auth", type=_auth, default="Kerberos", choices=("Kerberos", "Certificate"),
                   help="Kerberos (HTTP, the default) or Certificate (HTTPS)")
    p.add_argument("--port", type=int, help="the Replica server's port (default: the one it "
                                            "listens on for that authentication)")
    p.add_argument("--thumbprint", help="certificate authentication: the thumbprint of the "
                                        "primary host's certificate")
    p.add_argument("--frequency", type=int, default=300, choices=FREQUENCIES,
                   help="seconds between replications: 30, 300 (default) or 900")
    p.add_argument("--recovery-points", type=int, default=0, metavar="N",
                   help=f"additional hourly recovery points the replica keeps (0-"
                        f"{MAX_RECOVERY_POINTS}; default 0: the latest only)")
    p.add_argument("--initial", default="now", choices=[i.value for i in InitialReplication],
                   help="now: send the initial copy over the network at once (default); "
                        "scheduled: at --start-time; later: leave the pair waiting for it")
    p.add_argument("--start-time", metavar="WHEN",
                   help="--initial scheduled: when, within 7 days (YYYY-MM-DD HH:MM, this "
                        "computer's local time unless an offset is given)")
    common(p)
    p.set_defaults(**handler(_enable))

    p = rsub.add_parser(
        "server", help=SERVER_HELP,
        description=f"{SERVER_HELP[0].upper()}{SERVER_HELP[1:]}. What is not given stays as "
        "the host has it.")
    p.add_argument("server", metavar="HOST")
    onoff = p.add_mutually_exclusive_group()
    onoff.add_argument("--enable", dest="enabled", action="store_const", const=True,
                       help="receive replication")
    onoff.add_argument("--disable", dest="enabled", action="store_const", const=False,
                       help="stop receiving replication")
    p.add_argument("--auth", type=_auth, choices=AUTH_TYPES,
                   help="what it accepts: Kerberos (HTTP), Certificate (HTTPS) or "
                        "CertificateAndKerberos")
    who = p.add_mutually_exclusive_group()
    who.add_argument("--any-server", dest="any_server", action="store_const", const=True,
                     help="admit any authenticated primary")
    who.add_argument("--only-authorised", dest="any_server", action="store_const",
                     const=False, help="admit only the primaries of its authorisation entries")
    p.add_argument("--storage", metavar="PATH", help="default folder for replicas")
    p.add_argument("--thumbprint", help="the Replica server's certificate (certificate "
                                        "authentication)")
    p.add_argument("--kerberos-port", type=int, metavar="PORT", help="HTTP port (default 80)")
    p.add_argument("--certificate-port", type=int, metavar="PORT",
                   help="HTTPS port (default 443)")
    p.add_argument("--allow", metavar="PRIMARY",
                   help="add an authorisation entry for this primary server "
                        "(wildcards: *.contoso.local)")
    p.add_argument("--entry-storage", metavar="PATH", help="where that primary's replicas go")
    p.add_argument("--trust-group", default="DEFAULT", help="the entry's trust group "
                                                            "(default DEFAULT)")
    common(p, host=False)
    p.set_defaults(**handler(_server))
