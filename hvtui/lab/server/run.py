"""``hvtui lab serve``: the lab estate behind real WinRM and SSH endpoints.

Every lab host gets its own WinRM (HTTPS) port and SSH port on 127.0.0.1, like real
hosts have their own addresses. The run's secrets (a random password, an SSH client
key, the TLS certificate and the SSH host key) live in a private state folder; the
written inventory points at them without holding any secret itself.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import secrets
import signal
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh

from hvtui.errors import ConfigError
from hvtui.hyperv.audit import state_dir
from hvtui.lab import Lab
from hvtui.lab.server import tls
from hvtui.lab.server.faults import FaultPlan
from hvtui.lab.server.sshd import SSHLabServer
from hvtui.lab.server.wsman import WSManServer
from hvtui.remote.base import Session

LAB_USER = "labadmin"


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
    winrm_ports: dict[str, int] = field(default_factory=dict)
    ssh_ports: dict[str, int] = field(default_factory=dict)

    def inventory_toml(self, transport: str) -> str:
        """An inventory pointing at this lab; secrets stay in their own owner-only files."""
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
            else:
                lines += ['transport = "psrp"', 'scheme = "https"', 'auth = "basic"',
                          f"port = {self.winrm_ports[host]}",
                          f"password_file = {_toml(str(self.password_file))}",
                          f"ca_bundle = {_toml(str(self.certificate.cert_path))}"]
            lines.append("")
        return "\n".join(lines)

    async def close(self) -> None:
        await self.wsman.close()
        await self.sshd.close()


def _toml(text: str) -> str:
    """A TOML literal string (no escapes); paths with a quote fall back to a basic string."""
    if "'" not in text and "\n" not in text:
        return f"'{text}'"
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(path, 0o600)


async def start_lab_servers(lab: Lab, folder: Path,
                            sessions: Mapping[str, Session] | None = None) -> LabEndpoints:
    """Start WinRM and SSH endpoints for every lab host; secrets are new for each run.

    ``sessions`` replaces the lab's own in-process sessions behind the endpoints (for
    instance sessions that count or delay calls).
    """
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    password = secrets.token_urlsafe(18)
    password_file = folder / "password"
    _write_private(password_file, password.encode())
    client_key = folder / "client_ed25519"
    key = asyncssh.generate_private_key("ssh-ed25519")
    _write_private(client_key, key.export_private_key())
    (folder / "client_ed25519.pub").write_bytes(key.export_public_key())
    certificate = tls.load_or_create(folder)
    if sessions is None:
        sessions = {name: lab.session(name) for name in lab.host_names}
    wsman = WSManServer(sessions, username=LAB_USER, password=password, certificate=certificate)
    sshd = SSHLabServer(sessions, users={LAB_USER: password},
                        authorized_keys=folder / "client_ed25519.pub",
                        host_key_path=folder / "ssh_host_ed25519")
    endpoints = LabEndpoints(lab, wsman, sshd, folder, password_file, client_key,
                             folder / "known_hosts", certificate)
    for name in lab.host_names:
        endpoints.winrm_ports[name] = await wsman.listen(name)
        endpoints.ssh_ports[name] = await sshd.listen(name)
    endpoints.known_hosts.write_text(
        "".join(sshd.known_hosts_line(name) + "\n" for name in lab.host_names), encoding="utf-8")
    return endpoints


def _build_lab(args: argparse.Namespace) -> Lab:
    speed = getattr(args, "lab_speed", 1.0) or 1.0
    if args.generate:
        match = re.fullmatch(r"(\d+)x(\d+)", args.generate)
        if not match:
            raise ConfigError(f"--generate {args.generate!r} is not HOSTSxVMS",
                              hint="for example --generate 100x50")
        return Lab.generated(int(match[1]), int(match[2]), speed=speed)
    return Lab.from_scenario(getattr(args, "scenario", None), speed=speed)


async def serve_forever(args: argparse.Namespace) -> int:
    lab = _build_lab(args)
    endpoints = await start_lab_servers(lab, state_dir() / "lab")
    if args.delay:
        for name in lab.host_names:
            endpoints.wsman.set_fault(name, FaultPlan(delay=args.delay))
            endpoints.sshd.set_fault(name, FaultPlan(delay=args.delay))
    try:
        print(f"hvtui lab: {len(lab.host_names)} hosts on 127.0.0.1 (Ctrl+C stops)")
        print(f"  {'HOST':<12} {'WINRM (https)':>14} {'SSH':>6}")
        for name in lab.host_names:
            print(f"  {name:<12} {endpoints.winrm_ports[name]:>14} {endpoints.ssh_ports[name]:>6}")
        password = endpoints.password_file.read_text(encoding="utf-8")
        print(f"  user {LAB_USER}, password {password} (also in {endpoints.password_file})")
        print(f"  SSH client key {endpoints.client_key}")
        print(f"  SSH host key fingerprint {endpoints.sshd.fingerprint}")
        print(f"  TLS certificate {endpoints.certificate.cert_path} "
              f"(SHA-256 {endpoints.certificate.thumbprint})")
        if args.write_inventory:
            target = Path(args.write_inventory)
            target.write_text(endpoints.inventory_toml(args.transport), encoding="utf-8")
            print(f"  inventory written to {target}: hvtui --inventory {target}")
        print("READY", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
    finally:
        await endpoints.close()
    return 0
