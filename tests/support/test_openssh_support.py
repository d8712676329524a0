"""A real OpenSSH server (Debian's openssh-server) and a real ssh-agent for the tests.

One unprivileged ``sshd`` per test session (the ``openssh`` fixture in conftest.py)
on a free loopback port, with its own config, host key and authorized_keys in a
temporary folder and Debian's defaults otherwise, MaxStartups included. Its
config departs from ``/etc/ssh/sshd_config`` only where a server that is not
root must: the paths, and ``StrictModes no`` (the folder lives under /tmp).
When the tests run as root, sshd runs as ``nobody`` (and logs ``nobody`` in), so
it never holds root's rights.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import asyncssh

SSHD = Path("/usr/sbin/sshd")
SSH_AGENT = shutil.which("ssh-agent")
PASSPHRASE = "correct horse «battery» 'staple'"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(condition: object, what: str, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not come up within {seconds:g} s")


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _write_key(path: Path, key: asyncssh.SSHKey, passphrase: str | None = None) -> None:
    path.write_bytes(key.export_private_key("openssh", passphrase))
    path.chmod(0o600)
    path.with_name(path.name + ".pub").write_bytes(key.export_public_key())


@dataclass
class OpenSSH:
    """A running sshd and agent, and the files a client needs to use them."""

    folder: Path
    port: int
    user: str
    """The account sshd logs in (``nobody`` when the tests run as root)."""
    host_key: asyncssh.SSHKey
    plain_key: Path
    """An unencrypted client key sshd accepts."""
    agent_key: Path
    """An encrypted client key (``PASSPHRASE``) sshd accepts, held by ``agent_socket``."""
    agent_socket: str
    empty_agent_socket: str
    """An agent holding no key."""
    log: Path
    processes: list[subprocess.Popen[bytes]]

    def known_hosts_line(self, name: str = "localhost") -> str:
        public = self.host_key.export_public_key().decode("ascii").split()
        pattern = name if self.port == 22 else f"[{name}]:{self.port}"
        return f"{pattern} {public[0]} {public[1]}"

    def stop(self) -> None:
        for process in self.processes:
            process.send_signal(signal.SIGTERM)
        for process in self.processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(5)
            if process.poll() is None:
                process.kill()
        shutil.rmtree(self.folder, ignore_errors=True)


def _start_agent(folder: Path, name: str) -> tuple[subprocess.Popen[bytes], str]:
    assert SSH_AGENT is not None
    socket_path = str(folder / name)
    process = subprocess.Popen([SSH_AGENT, "-D", "-a", socket_path],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_for(lambda: os.path.exists(socket_path), f"ssh-agent {name}")
    return process, socket_path


async def _load_agent(socket_path: str, key_path: Path) -> None:
    agent = await asyncssh.connect_agent(socket_path)
    try:
        await agent.add_keys([asyncssh.read_private_key(key_path, PASSPHRASE)])
    finally:
        agent.close()


def why_not() -> str | None:
    """Why a real sshd cannot run here (None when it can)."""
    if not SSHD.is_file():
        return f"{SSHD} is missing: apt-get install openssh-server (.ci/run does)"
    if SSH_AGENT is None:
        return "ssh-agent is missing: apt-get install openssh-client"
    return None


def start_openssh() -> OpenSSH:
    folder = Path(tempfile.mkdtemp(prefix="hvtui-sshd-"))
    folder.chmod(0o755)
    as_root = os.geteuid() == 0
    account = pwd.getpwnam("nobody") if as_root else pwd.getpwuid(os.getuid())
    host_key = asyncssh.generate_private_key("ssh-ed25519")
    (folder / "ssh_host_ed25519_key").write_bytes(host_key.export_private_key())
    (folder / "ssh_host_ed25519_key").chmod(0o600)
    plain = asyncssh.generate_private_key("ssh-ed25519")
    encrypted = asyncssh.generate_private_key("ssh-ed25519")
    client = folder / "client"
    client.mkdir(mode=0o700)
    _write_key(client / "id_plain", plain)
    _write_key(client / "id_agent", encrypted, PASSPHRASE)
    (folder / "authorized_keys").write_bytes(plain.export_public_key()
                                             + encrypted.export_public_key())
    port = free_port()
    log = folder / "sshd.log"
    (folder / "sshd_config").write_text(
        f"Port {port}\n"
        "ListenAddress 127.0.0.1\n"
        f"HostKey {folder / 'ssh_host_ed25519_key'}\n"
        f"PidFile {folder / 'sshd.pid'}\n"
        f"AuthorizedKeysFile {folder / 'authorized_keys'}\n"
        "StrictModes no\n"
        # As Debian's /etc/ssh/sshd_config has them:
        "UsePAM yes\nKbdInteractiveAuthentication no\nPrintMotd no\n",
        encoding="utf-8",
    )
    if as_root:  # sshd reads its files as the account it runs as
        for path in [folder, *folder.iterdir()]:
            if path.name != "client":
                os.chown(path, account.pw_uid, account.pw_gid)
    command = [str(SSHD), "-D", "-f", str(folder / "sshd_config"), "-E", str(log)]
    processes: list[subprocess.Popen[bytes]] = []
    try:
        processes.append(subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, user=account.pw_uid if as_root else None,
            group=account.pw_gid if as_root else None, extra_groups=[] if as_root else None))
        _wait_for(lambda: _listening(port) or processes[0].poll() is not None, "sshd")
        if processes[0].poll() is not None:
            raise RuntimeError(f"sshd exited: {log.read_text(errors='replace')[-500:]}")
        agent, agent_socket = _start_agent(folder, "agent.sock")
        processes.append(agent)
        empty, empty_socket = _start_agent(folder, "empty-agent.sock")
        processes.append(empty)
        asyncio.run(_load_agent(agent_socket, client / "id_agent"))
    except BaseException:
        for process in processes:
            process.kill()
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return OpenSSH(folder, port, account.pw_name, host_key, client / "id_plain",
                   client / "id_agent", agent_socket, empty_socket, log, processes)
