"""``hvtui doctor [HOST...]``: what hvtui can and cannot do on each host, before anything else.

One read-only call per host (the catalog script ``doctor.ps1``), all hosts at once. A host
that cannot be asked is reported on its own (on stderr, and in the output) while the others
answer; the exit code is then 1. An unknown host name is a usage error (exit 2).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from hvtui.errors import ConfigError

if TYPE_CHECKING:  # the doctor's modules load only when it runs (``hvtui --help`` stays light)
    from hvtui.config import HostConfig
    from hvtui.hyperv.doctor import Connection, HostReport

WIDTH = 80

DESCRIPTION = """\
Ask each host (all of them, or the HOSTs named) what hvtui can and cannot do
there, before anything else. It runs one read-only catalog script per host,
doctor.ps1, which reads $PSVersionTable, Win32_OperatingSystem, $PSUICulture and
the remote account's groups
([Security.Principal.WindowsIdentity]::GetCurrent()), and runs Get-Command for
every command hvtui's scripts call, reading .Parameters for every parameter they
pass. It changes nothing. The transport and
authentication shown are the client's own settings (inventory or lab).
Exit 1 when some host could not be asked."""

_AUTH = {"basic": "Basic", "ntlm": "NTLM", "kerberos": "Kerberos", "credssp": "CredSSP",
         "negotiate": "Negotiate (Kerberos, else NTLM)"}

def lab_connection() -> Connection:
    from hvtui.hyperv.doctor import Connection

    return Connection("embedded lab, in process", "none (the lab's account)")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    doctor = sub.add_parser(
        "doctor", help="what hvtui can and cannot do on each host (runs doctor.ps1, read-only)",
        description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    doctor.add_argument("hosts", nargs="*", metavar="HOST", help="only these hosts")
    doctor.add_argument("-o", "--output", default="table", choices=["table", "json"],
                        help="output format (default: table)")
    doctor.set_defaults(handler=lambda args: asyncio.run(run_doctor(args)))


def connection_of(host: HostConfig) -> Connection:
    """How the client is configured to reach ``host`` (the inventory's word)."""
    from hvtui.hyperv.doctor import Connection

    if host.transport == "ssh":
        where = f"SSH port {host.effective_port}, {host.shell}"
        if host.jump:
            where += f", through {host.jump}"
        key = f"key {host.key}" if host.key else "agent or ~/.ssh keys"
        password = host.password_env or host.password_file or host.keyring
        how = f"public key ({key})" + (", else password" if password else "")
        who = f" as {host.user}" if host.user else ""
        return Connection(where, f"{how}{who}; host key from known_hosts")
    auth = _AUTH.get(host.auth, host.auth)
    who = f" as {host.user}" if host.user else " as the current user"
    if host.scheme == "https":
        if not host.verify:
            tls = "certificate NOT verified"
        elif host.cert_thumbprint:
            tls = "certificate pinned by thumbprint"
        elif host.ca_bundle:
            tls = f"certificate checked against {host.ca_bundle}"
        else:
            tls = "certificate checked against the system's CAs"
        return Connection(f"WinRM over HTTPS port {host.effective_port}", f"{auth}{who}; {tls}")
    return Connection(f"WinRM over HTTP port {host.effective_port}",
                      f"{auth}{who}; messages encrypted by {auth.split(' ')[0]}")


async def run_doctor(args: argparse.Namespace) -> int:
    from hvtui.hyperv.doctor import diagnose
    from hvtui.session_setup import open_pool

    pool, source = open_pool(args)
    try:
        wanted = list(dict.fromkeys(args.hosts)) or pool.hosts
        unknown = [h for h in wanted if not pool.has_host(h)]
        if unknown:
            raise ConfigError(f"unknown host{'s' if len(unknown) > 1 else ''} "
                              f"{', '.join(repr(h) for h in unknown)}",
                              hint=f"known hosts: {', '.join(pool.hosts)}")
        configs = {h.name: h for h in source.configs}
        reports = await asyncio.gather(*(
            diagnose(pool, host, connection_of(configs[host]) if host in configs
                     else lab_connection())
            for host in wanted))
    finally:
        await pool.close()
    for failed in (r for r in reports if r.error):
        where = "" if failed.host in failed.error else f"{failed.host}: "
        print(f"hvtui: {where}{failed.error}", file=sys.stderr)
    if args.output == "json":
        print(json.dumps([as_json(r) for r in reports], ensure_ascii=False, indent=2))
    else:
        print(format_reports(reports))
    return 1 if any(r.error for r in reports) else 0


# --- JSON ----------------------------------------------------------------------------------


def as_json(report: HostReport) -> dict[str, Any]:
    """One host's report as JSON (the shape is documented by the test that pins it)."""
    out: dict[str, Any] = {
        "host": report.host,
        "reachable": report.reachable,
        "error": report.error or None,
        "transport": report.connection.transport,
        "authentication": report.connection.authentication,
    }
    if not report.reachable:
        return out
    out.update({
        "os": {"caption": report.os_caption, "version": report.os_version,
               "release": report.release},
        "powershell": {"edition": report.ps_edition, "version": report.ps_version},
        "language": report.language,
        "os_languages": list(report.os_languages),
        "account": {"name": report.account, "administrators": report.administrators,
                    "hyperv_administrators": report.hyperv_administrators,
                    "can_manage_hyperv": report.can_manage_hyperv},
        "modules": {m.name: {"installed": m.installed, "version": m.version or None,
                             "loaded": m.loaded or None} for m in report.modules},
        "absent": list(report.absent),
        "scripts": [{"script": s.script, "status": s.status, "missing": list(s.missing),
                     "without": list(s.without), "refusal": s.refusal or None}
                    for s in report.scripts],
        "summary": {status: report.count(status) for status in ("ok", "refused", "missing")},
    })
    return out


# --- the table -----------------------------------------------------------------------------


_NBSP = "\u00a0"


def _wrap(label: str, text: str, indent: int = 2) -> list[str]:
    """``label`` then ``text``, wrapped to the width, continuation lines under the text; a
    need such as ``Get-VM -Name`` stays on one line."""
    head = " " * indent + f"{label:<12} "
    kept = text.replace(" -", _NBSP + "-")
    lines = textwrap.wrap(kept, WIDTH, initial_indent=head, subsequent_indent=" " * len(head),
                          break_on_hyphens=False, break_long_words=True) or [head.rstrip()]
    return [line.replace(_NBSP, " ") for line in lines]


def _grouped(label: str, items: dict[str, list[str]]) -> list[str]:
    """One line group per distinct text: ``a, b: text``."""
    lines: list[str] = []
    for text, scripts in items.items():
        lines += _wrap(label, f"{', '.join(scripts)}: {text}")
    return lines


def _modules(report: HostReport) -> str:
    parts = []
    for module in report.modules:
        if not module.installed:
            parts.append(f"{module.name} not installed")
        elif module.loaded == "compatibility":
            parts.append(f"{module.name} through the compatibility layer "
                         f"(proxy {module.version})")
        else:
            parts.append(f"{module.name} {module.version}")
    return ", ".join(parts)


def _rights(report: HostReport) -> str:
    def yes(flag: bool) -> str:
        return "yes" if flag else "no"

    verdict = "can manage Hyper-V" if report.can_manage_hyperv else \
        "CANNOT manage Hyper-V: add it to Hyper-V Administrators or Administrators"
    return (f"{report.account}: Administrators {yes(report.administrators)}, Hyper-V "
            f"Administrators {yes(report.hyperv_administrators)}; {verdict}")


def host_block(report: HostReport) -> list[str]:
    """One host's part of the table, every line within 80 columns."""
    lines = [report.host]
    lines += _wrap("Connection", f"{report.connection.transport}; "
                                 f"{report.connection.authentication}")
    if not report.reachable:
        lines += _wrap("NOT ASKED", report.error)
        return lines
    edition = "PowerShell" if report.ps_edition.lower() == "core" else "Windows PowerShell"
    lines += _wrap("System", f"{report.os_caption} ({report.os_version})")
    lines += _wrap("PowerShell", f"{edition} {report.ps_version} ({report.ps_edition}); "
                                 f"display language {report.language}")
    lines += _wrap("Account", _rights(report))
    lines += _wrap("Modules", _modules(report))
    if report.absent:
        lines += _wrap("Lacks", ", ".join(report.absent))
    total = len(report.scripts)
    lines += _wrap("Scripts", f"{report.count('ok')} of {total} run here, "
                              f"{report.count('refused')} refused by hvtui here, "
                              f"{report.count('missing')} would fail")
    fails: dict[str, list[str]] = {}
    refused: dict[str, list[str]] = {}
    degraded: dict[str, list[str]] = {}
    for verdict in report.scripts:
        if verdict.status == "missing":
            fails.setdefault(f"missing {', '.join(verdict.missing)}", []).append(
                verdict.script)
        elif verdict.status == "refused":
            # "x.ps1 needs ..." reads as "x, y: needs ..." once scripts are grouped
            reason = verdict.refusal.removeprefix(f"{verdict.script}.ps1 ")
            refused.setdefault(reason, []).append(verdict.script)
        elif verdict.without:
            degraded.setdefault(f"does without {', '.join(verdict.without)} here (the "
                                "script checks first)", []).append(verdict.script)
    lines += _grouped("Would fail", fails)
    lines += _grouped("Refused", refused)
    lines += _grouped("Guarded", degraded)
    return lines


def format_reports(reports: Sequence[HostReport]) -> str:
    blocks = ["\n".join(host_block(r)) for r in reports]
    return "\n\n".join(blocks)
