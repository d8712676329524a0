"""``hvtui lab serve``: the lab estate behind real WinRM and SSH endpoints.

Every lab host gets its own WinRM ports (HTTPS, and HTTP for Negotiate/CredSSP with
message encryption) and SSH port on 127.0.0.1, like real hosts have their own
addresses. The secrets (a random password, an SSH client key, the TLS certificate
and the SSH host key) and the ports live in a private state folder and are kept
across restarts (see ``state``), so a console left open reconnects by itself; the
written inventory points at them without holding any secret itself.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import signal
import sys
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from hvtui.errors import ConfigError
from hvtui.lab import Lab
from hvtui.lab.account import LAB_DOMAIN, LAB_USER
from hvtui.lab.kept import KeptLab
from hvtui.lab.server import tls
from hvtui.lab.server.sshd import SSHLabServer
from hvtui.lab.server.state import LabState
from hvtui.lab.server.wsman import WSManServer
from hvtui.lab.session import runspace_of
from hvtui.paths import lab_dir
from hvtui.remote.base import ParamValue, ProgressCallback, PSResult, Session

# The lab's account (hvtui.lab.account): Negotiate and CredSSP accept ``HVLAB\\labadmin``
# (and ``labadmin``).


@dataclass
class LabEndpoints:
    """A running lab server: where each host answers, and the files a client needs."""

    lab: Lab
    wsman: WSManServer
    sshd: SSHLabServer
    folder: Path
    password_file: Path
    client_key: Path
    known_hosts: Path
    certificate: tls.LabCertificate
    state: LabState
    winrm_ports: dict[str, int] = field(default_factory=dict)
    winrm_http_ports: dict[str, int] = field(default_factory=dict)
    ssh_ports: dict[str, int] = field(default_factory=dict)

    def inventory_toml(self, transport: str, winrm_auth: str = "basic") -> str:
        """An inventory pointing at this lab; secrets stay in their own owner-only files.

        ``winrm_auth`` "basic" uses HTTPS; "ntlm", "negotiate" and "credssp" use HTTP
        with message encryption, as the lab's domain administrator.
        """
        lines = [
            "# Written by `hvtui lab serve`: the embedded lab over real protocols on 127.0.0.1.",
            "[defaults]",
            f"user = {_toml(LAB_USER)}",
            "timeout = 30",
            "",
        ]
        for host in self.lab.host_names:
            lines += ["[[host]]", f"name = {_toml(host)}", 'address = "127.0.0.1"']
            if transport == "ssh":
                lines += ['transport = "ssh"', f"port = {self.ssh_ports[host]}",
                          f"key = {_toml(str(self.client_key))}",
                          f"known_hosts = {_toml(str(self.known_hosts))}"]
            elif winrm_auth == "basic":
                lines += ['transport = "psrp"', 'scheme = "https"', 'auth = "basic"',
                          f"port = {self.winrm_ports[host]}",
                          f"password_file = {_toml(str(self.password_file))}",
                          f"ca_bundle = {_toml(str(self.certificate.cert_path))}"]
            else:
                lines += ['transport = "psrp"', 'scheme = "http"', f"auth = {_toml(winrm_auth)}",
                          f"user = {_toml(LAB_DOMAIN + chr(92) + LAB_USER)}",
                          f"port = {self.winrm_http_ports[host]}",
                          f"password_file = {_toml(str(self.password_file))}"]
            lines.append("")
        return "\n".join(lines)

    async def close(self) -> None:
        try:
            await self.wsman.close()
            await self.sshd.close()
        finally:
            self.state.release()


def _toml(text: str) -> str:
    """A TOML literal string (no escapes); paths with a quote fall back to a basic string."""
    if "'" not in text and "\n" not in text:
        return f"'{text}'"
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


async def start_lab_servers(lab: Lab, folder: Path, sessions: Mapping[str, Session] | None = None,
                            *, fresh: bool = False, state: LabState | None = None
                            ) -> LabEndpoints:
    """Start WinRM and SSH endpoints for every lab host, from the state kept in ``folder``.

    Ports and secrets kept there from an earlier run are used again (``fresh`` makes
    new ones). ``sessions`` replaces the lab's own in-process sessions behind the
    endpoints (for instance sessions that count or delay calls). ``state``: the folder,
    already taken by the caller (the endpoints release it when they close). Raises
    ConfigError when another run serves from ``folder`` or a kept port is taken.
    """
    if state is None:
        state = LabState.open(folder, fresh=fresh)
    try:
        return await _start(lab, state, sessions)
    except BaseException:
        state.release()
        raise


async def _start(lab: Lab, state: LabState, sessions: Mapping[str, Session] | None
                 ) -> LabEndpoints:
    folder = state.folder
    password = state.password()
    state.ensure_client_key()
    certificate = tls.load_or_create(folder)
    if sessions is None:
        sessions = {name: lab.session(name) for name in lab.host_names}
    wsman = WSManServer(sessions, username=LAB_USER, password=password, certificate=certificate,
                        domain=LAB_DOMAIN)
    sshd = SSHLabServer(sessions, users={LAB_USER: password},
                        authorized_keys=folder / "client_ed25519.pub",
                        host_key_path=folder / "ssh_host_ed25519")
    endpoints = LabEndpoints(lab, wsman, sshd, folder, state.password_file, state.client_key,
                             folder / "known_hosts", certificate, state)
    kept = state.ports()
    listeners: dict[str, tuple[dict[str, int], Callable[[str, int], Awaitable[int]]]] = {
        "winrm": (endpoints.winrm_ports, wsman.listen),
        "winrm-http": (endpoints.winrm_http_ports,
                       lambda name, port: wsman.listen(name, port, scheme="http")),
        "ssh": (endpoints.ssh_ports, sshd.listen),
    }
    try:
        for name in lab.host_names:
            for kind, (ports, listen) in listeners.items():
                ports[name] = await _listen_again(listen, name, kind, kept.get(kind, {}).get(name))
    except BaseException:
        await endpoints.close()
        raise
    state.save_ports({kind: ports for kind, (ports, _) in listeners.items()})
    endpoints.known_hosts.write_text(
        "".join(sshd.known_hosts_line(name) + "\n" for name in lab.host_names), encoding="utf-8")
    return endpoints


async def _listen_again(listen: Callable[[str, int], Awaitable[int]], host: str, kind: str,
                        port: int | None) -> int:
    """Listen on the port ``host`` had last time (any free port the first time)."""
    try:
        return await listen(host, port or 0)
    except (OSError, ConfigError) as exc:
        if not port:
            raise
        why = exc.strerror if isinstance(exc, OSError) else exc.cause
        raise ConfigError(
            f"the lab's {kind} port {port} for {host} is taken ({why})",
            hint="stop what uses it, or start with --fresh to pick new ports (and rewrite the "
                 "inventory)",
        ) from None


def _build_lab(args: argparse.Namespace, state: LabState) -> tuple[Lab, KeptLab | None]:
    """The lab to serve: a generated one (never kept), or the one kept in ``state``."""
    speed = getattr(args, "lab_speed", 1.0) or 1.0
    if args.generate:
        match = re.fullmatch(r"(\d+)x(\d+)", args.generate)
        if not match:
            raise ConfigError(f"--generate {args.generate!r} is not HOSTSxVMS",
                              hint="for example --generate 100x50")
        return Lab.generated(int(match[1]), int(match[2]), speed=speed), None
    kept = KeptLab.open(state, getattr(args, "scenario", None), speed=speed)
    return kept.lab, kept


class BusySession:
    """A lab host that is busy: each call takes ``delay`` seconds longer, once per call
    whatever the transport (WinRM spends several WS-Management messages on one call)."""

    def __init__(self, inner: Session, delay: float) -> None:
        self.host = inner.host
        self._inner = inner
        self._delay = delay

    async def invoke(self, script: str, parameters: Mapping[str, ParamValue] | None = None, *,
                     timeout: float | None = None, on_progress: ProgressCallback | None = None
                     ) -> PSResult:
        await asyncio.sleep(self._delay)
        return await self._inner.invoke(script, parameters, timeout=timeout,
                                        on_progress=on_progress)

    def new_runspace(self) -> BusySession:
        return BusySession(runspace_of(self._inner), self._delay)

    async def close(self) -> None:
        await self._inner.close()


async def _warm_up(lab: Lab) -> None:
    """Read each host's inventory once before saying READY: the script is parsed and
    compiled, the cmdlet emulations loaded and each release's cmdlet metadata built now,
    so a client's first refresh of every host at once (what the console and ``hvtui get``
    do) is answered as fast as the next, not after seconds of one-off work on a busy
    machine. Reading changes nothing in the estate."""
    from hvtui.ps import catalog

    text = catalog.get("inventory").text
    for name in lab.host_names:
        await lab.session(name).invoke(text, {})


async def serve_forever(args: argparse.Namespace) -> int:
    folder = Path(args.state_dir) if getattr(args, "state_dir", None) else lab_dir()
    state = LabState.open(folder, fresh=getattr(args, "fresh", False))
    kept: KeptLab | None = None
    try:
        lab, kept = _build_lab(args, state)
        sessions: dict[str, Session] | None = None
        if args.delay:
            sessions = {name: BusySession(lab.session(name), args.delay)
                        for name in lab.host_names}
        endpoints = await start_lab_servers(lab, folder, sessions, state=state)
        await _warm_up(lab)
    except BaseException:
        if kept is not None:
            kept.close()
        state.release()
        raise
    if kept is not None and kept.notice:
        print(f"hvtui: {kept.notice}", file=sys.stderr)
    try:
        print(f"hvtui lab: {len(lab.host_names)} hosts on 127.0.0.1 (Ctrl+C stops)")
        print(f"  {'HOST':<12} {'WINRM (https)':>14} {'WINRM (http)':>13} {'SSH':>6}")
        for name in lab.host_names:
            print(f"  {name:<12} {endpoints.winrm_ports[name]:>14} "
                  f"{endpoints.winrm_http_ports[name]:>13} {endpoints.ssh_ports[name]:>6}")
        password = endpoints.password_file.read_text(encoding="utf-8")
        print(f"  user {LAB_USER} (Negotiate/CredSSP also {LAB_DOMAIN}\\{LAB_USER}), "
              f"password {password} (in {endpoints.password_file})")
        print(f"  ports and secrets are kept in {endpoints.folder} for the next run "
              "(--fresh makes new ones)")
        print(f"  the estate is kept in {kept.path} (`hvtui lab reset` starts over)"
              if kept is not None else "  a generated estate is not kept: the next run "
                                       "starts it anew")
        print(f"  SSH client key {endpoints.client_key}")
        print(f"  SSH host key fingerprint {endpoints.sshd.fingerprint}")
        print(f"  TLS certificate {endpoints.certificate.cert_path} "
              f"(SHA-256 {endpoints.certificate.thumbprint})")
        if args.write_inventory:
            target = Path(args.write_inventory)
            target.write_text(endpoints.inventory_toml(args.transport,
                                                       getattr(args, "winrm_auth", "basic")),
                              encoding="utf-8")
            print(f"  inventory written to {target}: hvtui --inventory {target}")
        print("READY", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
    finally:
        try:
            problem = kept.close() if kept is not None else None
            if problem:
                print(f"hvtui: {problem}", file=sys.stderr)
        finally:
            await endpoints.close()
    return 0
