"""``hvtui host set``: the host settings editor from the command line.

    hvtui host set HOST [HOST ...] [--vm-path P] [--vhd-path P] [--numa-spanning on|off]
             [--live-migration on|off] [--simultaneous N] [--authentication CredSSP|Kerberos]
             [--performance TCPIP|Compression|SMB] [--use-any-network on|off]
             [--add-network SUBNET] [--remove-network SUBNET] [--storage-migrations N]
             [--dry-run] [--yes] [-o json]

Only the settings given change; each is checked against the host's release and state by the
same plan as the console's host settings editor (:mod:`hvtui.hyperv.host_settings`).
"""

from __future__ import annotations

import argparse
from typing import Any

from hvtui.cli_actions import common_options, handler
from hvtui.errors import PlanRefused
from hvtui.hyperv.host_settings import (
    HOST_FIELD_BY_KEY,
    HostSettingError,
    HostSettingsRequest,
    HostValue,
    Kind,
    parse,
    subnet,
)
from hvtui.hyperv.plans import Request

HELP = ("change Hyper-V host settings (Set-VMHost; Enable-/Disable-VMMigration; "
        "Add-/Remove-VMMigrationNetwork)")

OPTIONS: dict[str, str] = {
    "vm_path": "--vm-path",
    "vhd_path": "--vhd-path",
    "numa_spanning": "--numa-spanning",
    "migration_enabled": "--live-migration",
    "simultaneous": "--simultaneous",
    "authentication": "--authentication",
    "performance": "--performance",
    "use_any_network": "--use-any-network",
    "storage_migrations": "--storage-migrations",
}
"""Setting key -> option (each option's dest is ``host_`` + the key)."""

_HELPS = {
    "vm_path": "default folder for new VMs' files (Set-VMHost -VirtualMachinePath)",
    "vhd_path": "default folder for new virtual hard disks (Set-VMHost -VirtualHardDiskPath)",
    "numa_spanning": "let VMs use memory of more than one NUMA node (Set-VMHost "
                     "-NumaSpanningEnabled); applies when VMMS restarts",
    "migration_enabled": "allow live migrations to and from the host "
                         "(Enable-/Disable-VMMigration)",
    "simultaneous": "simultaneous live migrations (Set-VMHost "
                    "-MaximumVirtualMachineMigrations)",
    "authentication": "live migration authentication (Set-VMHost "
                      "-VirtualMachineMigrationAuthenticationType)",
    "performance": "live migration performance option, 2012 R2 and later (Set-VMHost "
                   "-VirtualMachineMigrationPerformanceOption)",
    "use_any_network": "take live migrations on any network (Set-VMHost "
                       "-UseAnyNetworkForMigration)",
    "storage_migrations": "simultaneous storage migrations (Set-VMHost "
                          "-MaximumStorageMigrations)",
}


def _metavar(key: str) -> str:
    field = HOST_FIELD_BY_KEY[key]
    if field.kind is Kind.SWITCH:
        return "on|off"
    if field.kind is Kind.CHOICE:
        return "|".join(field.choices)
    return "PATH" if field.kind is Kind.PATH else "N"


def _request(a: argparse.Namespace) -> Request:
    changes: list[tuple[str, HostValue]] = []
    try:
        for key, option in OPTIONS.items():
            text = getattr(a, f"host_{key}")
            if text is not None:
                try:
                    changes.append((key, parse(HOST_FIELD_BY_KEY[key], text)))
                except HostSettingError as exc:
                    raise HostSettingError(f"{option}: {exc}") from None
        adding = tuple(subnet(t) for t in a.add_network)
        removing = tuple(t.strip() for t in a.remove_network)
    except HostSettingError as exc:
        raise PlanRefused(str(exc), hint="nothing was changed; see `hvtui host set --help`"
                          ) from None
    if not changes and not adding and not removing:
        raise PlanRefused("host set: no setting given",
                          hint="give at least one, e.g. --live-migration on or "
                               "--vm-path 'D:\\Hyper-V'")
    return HostSettingsRequest(tuple(a.hosts), tuple(changes), adding, removing)


def register(sub: Any) -> None:
    """Add ``hvtui host`` to ``hvtui``'s sub-parsers."""
    host = sub.add_parser("host", help="Hyper-V host settings (Set-VMHost, "
                                       "Enable-/Disable-VMMigration, VM migration networks)")
    hsub = host.add_subparsers(dest="host_command", required=True)
    p = hsub.add_parser(
        "set", help=HELP,
        description="Change only the Hyper-V host settings given, on each host named: "
                    "default folders, NUMA spanning, live migration (on/off, simultaneous "
                    "count, authentication, performance option, networks) and storage "
                    "migrations. Cmdlets: Set-VMHost, Enable-VMMigration, "
                    "Disable-VMMigration, Add-VMMigrationNetwork, Remove-VMMigrationNetwork.")
    p.add_argument("hosts", nargs="+", metavar="HOST")
    for key, option in OPTIONS.items():
        p.add_argument(option, dest=f"host_{key}", metavar=_metavar(key), help=_HELPS[key])
    p.add_argument("--add-network", action="append", default=[], metavar="SUBNET",
                   help="a subnet for incoming live migrations, e.g. 10.0.20.0/24 "
                        "(Add-VMMigrationNetwork; repeatable)")
    p.add_argument("--remove-network", action="append", default=[], metavar="SUBNET",
                   help="a migration network to remove (Remove-VMMigrationNetwork; "
                        "repeatable)")
    common_options(p, host=False)
    p.set_defaults(**handler(_request))
