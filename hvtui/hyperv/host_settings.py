"""The host settings editor's plans: a Hyper-V host's default folders, NUMA spanning, live
and storage migrations, checked against the host's release and state.

Rules (tests/support/data/hyperv-rules.md, R-LM-4..7 and "Host settings (hostcfg)"):
- the live migration performance option (TCP/IP, compression, SMB) is new in 2012 R2;
- the authentication type takes effect for the signed-in user after signing in again, and
  Kerberos needs constrained delegation; on 2025 Credential Guard breaks CredSSP;
- a cluster's own setting overrides the number of simultaneous live migrations;
- migration networks are subnets, never loopback or link-local; a host that uses neither
  any network nor a listed one refuses incoming live migrations;
- NUMA spanning applies once the Virtual Machine Management service restarts, and to a
  running VM once it restarts.
One ``host-settings.ps1`` step per host applies only the values that change.
"""

from __future__ import annotations

import enum
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from hvtui.hyperv import lookup
from hvtui.hyperv.plans import Check, Plan, Request, Step, failed, make_step, passed, warned
from hvtui.model import Host
from hvtui.model.versions import WS2012R2, WS2025, Feature
from hvtui.remote.pool import SessionPool

HostValue = int | bool | str

MIGRATION_PERFORMANCE = Feature("The live migration performance option", WS2012R2)
"""Set-VMHost -VirtualMachineMigrationPerformanceOption is new in 2012 R2 (the reference's
parameter sets); a 2012 host sends live migrations over TCP/IP."""


class Kind(enum.Enum):
    PATH = "path"
    SWITCH = "switch"
    NUMBER = "number"
    CHOICE = "choice"


@dataclass(frozen=True, slots=True)
class HostField:
    """One host setting: how it is shown, typed and sent."""

    key: str
    label: str
    kind: Kind
    parameter: str
    """The parameter of ``host-settings.ps1`` that changes it."""
    group: str
    choices: tuple[str, ...] = ()


AUTHENTICATION = ("CredSSP", "Kerberos")
PERFORMANCE = ("TCPIP", "Compression", "SMB")
"""The enums' names (hyperv-enums.json: MigrationAuthenticationType,
VMMigrationPerformance)."""

HOST_FIELDS: tuple[HostField, ...] = (
    HostField("vm_path", "Default VM folder", Kind.PATH, "VirtualMachinePath", "Folders"),
    HostField("vhd_path", "Default disk folder", Kind.PATH, "VirtualHardDiskPath", "Folders"),
    HostField("numa_spanning", "NUMA spanning", Kind.SWITCH, "NumaSpanningEnabled", "NUMA"),
    HostField("migration_enabled", "Live migration", Kind.SWITCH, "MigrationEnabled",
              "Live migration"),
    HostField("simultaneous", "Simultaneous live migrations", Kind.NUMBER,
              "MaximumVirtualMachineMigrations", "Live migration"),
    HostField("authentication", "Authentication", Kind.CHOICE, "AuthenticationType",
              "Live migration", AUTHENTICATION),
    HostField("performance", "Performance option", Kind.CHOICE, "PerformanceOption",
              "Live migration", PERFORMANCE),
    HostField("use_any_network", "Use any network", Kind.SWITCH, "UseAnyNetworkForMigration",
              "Live migration"),
    HostField("storage_migrations", "Simultaneous storage migrations", Kind.NUMBER,
              "MaximumStorageMigrations", "Storage migration"),
)
"""Every scalar host setting, in the order the editor shows them (the migration networks,
a list, come after them)."""

HOST_FIELD_BY_KEY = {f.key: f for f in HOST_FIELDS}
NETWORKS_LABEL = "Migration networks"
MAX_SIMULTANEOUS = 512
"""The most simultaneous migrations hvtui accepts (Set-VMHost takes a UInt32; Hyper-V
Manager's own box stops far lower)."""


def current(host: Host) -> dict[str, HostValue]:
    """The host's settings as it reported them, by key of :data:`HOST_FIELDS`."""
    m = host.migration
    return {
        "vm_path": host.virtual_machine_path,
        "vhd_path": host.virtual_hard_disk_path,
        "numa_spanning": host.numa_spanning,
        "migration_enabled": m.enabled,
        "simultaneous": m.simultaneous,
        "authentication": m.authentication.name,
        "performance": m.performance.name if MIGRATION_PERFORMANCE.available_on(
            host.release) else "",
        "use_any_network": m.use_any_network,
        "storage_migrations": host.storage_migrations,
    }


@dataclass(frozen=True, slots=True)
class HostSettingsRequest(Request):
    kind: ClassVar[str] = "host-settings"
    hosts: tuple[str, ...]
    changes: tuple[tuple[str, HostValue], ...] = ()
    """(key of :data:`HOST_FIELDS`, new value)."""
    add_networks: tuple[str, ...] = ()
    """Subnets to add for incoming live migrations, like ``10.0.20.0/24``."""
    remove_networks: tuple[str, ...] = ()


# --- values as people see and type them ---------------------------------------------------


def show(field: HostField, value: object) -> str:
    if field.kind is Kind.SWITCH:
        return "on" if value else "off"
    if field.key == "performance" and value == "":
        return "TCP/IP only (before 2012 R2)"
    text = str(value)
    return repr(text) if text == "" or text != text.strip() else text


class HostSettingError(ValueError):
    """A typed value a setting does not take; the message says what it takes."""


def parse(field: HostField, text: str) -> HostValue:
    """``text`` as a value of ``field`` (:class:`HostSettingError` saying what it takes)."""
    word = text.strip()
    if field.kind is Kind.PATH:
        return path(field.label, text)
    if field.kind is Kind.SWITCH:
        lowered = word.lower()
        if lowered in ("on", "true", "yes", "1"):
            return True
        if lowered in ("off", "false", "no", "0"):
            return False
        raise HostSettingError(f"{field.label}: {word!r} is not on or off")
    if field.kind is Kind.CHOICE:
        found = next((c for c in field.choices if c.lower() == word.lower()), None)
        if found is None:
            raise HostSettingError(f"{field.label}: {word!r} is not one of "
                                   f"{', '.join(field.choices)}")
        return found
    try:
        number = int(word)
    except ValueError:
        raise HostSettingError(f"{field.label}: {word!r} is not a whole number") from None
    if not 1 <= number <= MAX_SIMULTANEOUS:
        raise HostSettingError(f"{field.label}: {number} is not between 1 and "
                               f"{MAX_SIMULTANEOUS}")
    return number


def path(label: str, text: str) -> str:
    """A folder on the host: a drive path (``D:\\VMs``) or a share (``\\\\server\\share``)."""
    folder = text.strip()
    drive = len(folder) >= 3 and folder[0].isalpha() and folder[1:3] == ":\\"
    if not (drive or folder.startswith("\\\\")):
        raise HostSettingError(f"{label}: {folder!r} is not a full path on the host; write "
                               "it like D:\\Hyper-V or \\\\server\\share")
    if any(c in folder[2:] for c in '<>"|?*') or any(ord(c) < 32 for c in folder):
        raise HostSettingError(f"{label}: {folder!r} holds a character Windows does not "
                               "allow in a folder name")
    return folder


def subnet(text: str) -> str:
    """A migration network as Add-VMMigrationNetwork takes it: an address or a prefix. R-LM-5
    refuses loopback and link-local subnets (the host's own words)."""
    word = text.strip()
    try:
        network = ipaddress.ip_network(word, strict=False)
    except ValueError:
        raise HostSettingError(f"{word!r} is not a subnet; write it like 10.0.20.0/24 or "
                               "fd00:20::/64") from None
    if network.is_loopback:
        raise HostSettingError(f"{word}: Hyper-V cannot accept loopback addresses for "
                               "migration networks.")
    if network.is_link_local:
        raise HostSettingError(f"{word}: Hyper-V cannot accept link local addresses for "
                               "migration networks.")
    return word


def parameters(changes: Mapping[str, HostValue]) -> dict[str, HostValue]:
    """The ``host-settings.ps1`` parameters for these changes."""
    return {HOST_FIELD_BY_KEY[key].parameter: value for key, value in changes.items()}


# --- the rules ------------------------------------------------------------------------------


def change_problem(host: Host, key: str, new: HostValue) -> tuple[str, str] | None:
    """(why not, what to do) when ``host`` cannot take ``key`` = ``new``, else None."""
    if key == "performance":
        why = MIGRATION_PERFORMANCE.why_not(host.release)
        if why:
            return (f"{why}: its Set-VMHost has no -VirtualMachineMigrationPerformanceOption",
                    "leave the performance option out for this host: it sends live "
                    "migrations over TCP/IP")
    if key in ("vm_path", "vhd_path") and host.volumes:
        folder = str(new)
        if not folder.startswith("\\\\") and host.volume_for(folder) is None:
            letters = ", ".join(f"{v.drive_letter}:" for v in host.volumes if v.drive_letter)
            return (f"{host.name} has no volume {folder[:2]} (it has {letters or 'none'})",
                    "give a folder on one of the host's volumes, or a share")
    return None


def change_warning(host: Host, key: str, new: HostValue) -> str:
    """What a person should know before ``key`` changes to ``new`` ('' when nothing)."""
    if key == "numa_spanning":
        return ("applies once the Virtual Machine Management service restarts "
                "(Restart-Service vmms; running VMs keep running); a running VM takes it when "
                "it next starts")
    if key == "authentication":
        note = ("you must log off and log on again to use the selected virtual machine "
                "migration authentication type")
        if new == "Kerberos":
            return (f"{note}; Kerberos needs constrained delegation on each host's computer "
                    "account (Microsoft Virtual System Migration Service and cifs)")
        if host.release >= WS2025:
            return (f"{note}; on Windows Server 2025 Credential Guard is on by default and "
                    "breaks CredSSP live migration: Kerberos is the way that works")
        return (f"{note}; CredSSP needs you signed in on the source host when you start a "
                "live migration")
    if key == "simultaneous" and host.cluster:
        return (f"{host.name} is a node of {host.cluster}: the cluster's own setting "
                "overrides this for clustered VMs")
    if key == "migration_enabled" and new is False and host.cluster:
        return (f"{host.name} is a node of {host.cluster}; cluster role moves do not use "
                "this setting")
    return ""


def _network_checks(host: Host, request: HostSettingsRequest, after: Mapping[str, HostValue],
                    problems: list[Check], shown: list[Check]) -> tuple[list[str], list[str]]:
    """The subnets to add and remove on ``host``, with their review lines."""
    have = list(host.migration.networks)
    lowered = {n.lower() for n in have}
    adding = [n for n in request.add_networks if n.lower() not in lowered]
    removing = [n for n in request.remove_networks if n.lower() in lowered]
    for missing in (n for n in request.remove_networks if n.lower() not in lowered):
        problems.append(failed(NETWORKS_LABEL, f"{host.name} has no migration network "
                               f"{missing} (it has {', '.join(have) or 'none'})",
                               "remove only a network the host lists", host.name))
    if not adding and not removing:
        return [], []
    gone = {n.lower() for n in removing}
    left = [n for n in have if n.lower() not in gone] + adding
    shown.append(passed(NETWORKS_LABEL, f"{', '.join(have) or 'none'} -> "
                        f"{', '.join(left) or 'none'}", host.name))
    if not left and not after["use_any_network"] and after["migration_enabled"]:
        shown.append(warned(NETWORKS_LABEL, f"{host.name} would take live migrations over "
                            "no network: incoming live migrations are refused until a "
                            "network is added or any network is allowed",
                            "add a network, or turn 'Use any network' on", host.name))
    return adding, removing


async def plan_host_settings(pool: SessionPool, request: HostSettingsRequest) -> Plan:
    wanted = dict(request.changes)
    unknown = sorted(set(wanted) - set(HOST_FIELD_BY_KEY))
    if unknown:
        raise ValueError(f"unknown host setting(s) {', '.join(unknown)}")
    names = [lookup.canonical_host(pool, h) for h in request.hosts]
    estate = await lookup.fresh_estate(pool, names)
    checks: list[Check] = []
    steps: list[Step] = []
    for name in names:
        host = lookup.host(estate, name)
        before = current(host)
        changing = {k: v for k, v in wanted.items() if before[k] != v}
        after = {**before, **changing}
        problems: list[Check] = []
        shown: list[Check] = []
        for key, new in changing.items():
            field = HOST_FIELD_BY_KEY[key]
            change = f"{show(field, before[key])} -> {show(field, new)}"
            problem = change_problem(host, key, new)
            if problem:
                problems.append(failed(field.label, f"{change}: {problem[0]}", problem[1],
                                       host.name))
                continue
            note = change_warning(host, key, new)
            shown.append(warned(field.label, f"{change}: {note}", "", host.name) if note
                         else passed(field.label, change, host.name))
        adding, removing = _network_checks(host, request, after, problems, shown)
        checks.extend(shown)
        if problems:
            checks.extend(problems)
            continue
        if not changing and not adding and not removing:
            checks.append(passed("Host settings", "already as asked", host.name))
            continue
        params: dict[str, HostValue | list[str]] = dict(parameters(changing))
        if adding:
            params["AddMigrationNetworks"] = adding
        if removing:
            params["RemoveMigrationNetworks"] = removing
        count = len(changing) + len(adding) + len(removing)
        steps.append(make_step(host, "host-settings", params,
                               f"Change {count} setting(s) of {host.name}", target=host.name))
    title = "Host settings of " + (names[0] if len(names) == 1 else f"{len(names)} hosts")
    return Plan(title=title, request=request, checks=tuple(checks), steps=tuple(steps))
